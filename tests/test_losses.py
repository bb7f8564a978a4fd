"""Tests of the output functions and losses in skconv.losses."""

import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from scipy.special import expit
from scipy.special import log_softmax as scipy_log_softmax

from skconv.losses import (
    LOG_PROBA_FUNCTIONS,
    LOSS_FUNCTIONS,
    log_logistic,
    log_softmax,
    logistic_cross_entropy,
    softmax_cross_entropy,
    squared_error,
)
from skconv.testing import numerical_gradient


@contextmanager
def no_floating_point_trouble():
    """Turn overflow, invalid operations, division by zero and warnings into errors.

    Underflow is left alone: ``exp(-2e4) == 0`` is the correct rounded value.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            yield


def one_hot(labels, n_classes):
    return np.eye(n_classes)[labels]


# --------------------------------------------------------------------------
# log-probabilities
# --------------------------------------------------------------------------


def test_log_softmax_rows_exponentiate_to_one_and_match_scipy():
    Z = np.random.RandomState(0).normal(scale=5, size=(6, 4))
    log_p = log_softmax(Z)
    np.testing.assert_allclose(np.exp(log_p).sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(
        log_p, scipy_log_softmax(Z, axis=1), rtol=1e-12, atol=1e-12
    )
    assert np.all(log_p <= 0)


def test_log_softmax_is_shift_invariant():
    Z = np.random.RandomState(0).normal(size=(4, 3))
    shift = np.array([[0.0], [1e3], [-1e3], [7.5]])
    np.testing.assert_allclose(log_softmax(Z + shift), log_softmax(Z), atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_is_finite_for_huge_logits(dtype):
    Z = np.array(
        [[1e4, -1e4, 0.0], [0.0, -1e4, 1e4], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]],
        dtype=dtype,
    )
    with no_floating_point_trouble():
        log_p = log_softmax(Z)
    assert log_p.dtype == dtype
    assert np.all(np.isfinite(log_p))
    expected = np.array(
        [
            [0.0, -2e4, -1e4],
            [-1e4, -2e4, 0.0],
            [-np.log(3)] * 3,
            [-np.log(2), -np.log(2), -2e4 - np.log(2)],
        ]
    )
    np.testing.assert_allclose(log_p, expected, rtol=1e-6, atol=1e-6)


def test_log_logistic_equals_log_of_sigmoid_pair():
    z = np.linspace(-8, 8, 17)[:, None]
    log_p = log_logistic(z)
    assert log_p.shape == (17, 2)
    expected = np.hstack([np.log(1 - expit(z)), np.log(expit(z))])
    np.testing.assert_allclose(log_p, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.exp(log_p).sum(axis=1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_logistic_is_finite_for_huge_logits(dtype):
    z = np.array([[1e4], [-1e4], [0.0]], dtype=dtype)
    with no_floating_point_trouble():
        log_p = log_logistic(z)
    assert log_p.dtype == dtype
    assert np.all(np.isfinite(log_p))
    expected = [[-1e4, 0.0], [0.0, -1e4], [-np.log(2), -np.log(2)]]
    np.testing.assert_allclose(log_p, expected, rtol=1e-6, atol=1e-6)


def test_function_tables_name_the_output_functions():
    assert LOG_PROBA_FUNCTIONS == {"softmax": log_softmax, "logistic": log_logistic}
    assert LOSS_FUNCTIONS == {
        "softmax": softmax_cross_entropy,
        "logistic": logistic_cross_entropy,
        "identity": squared_error,
    }


# --------------------------------------------------------------------------
# Losses: values
# --------------------------------------------------------------------------


def softmax_case(rng, n=6, k=3):
    Z = rng.normal(scale=2, size=(n, k))
    labels = rng.randint(k, size=n)
    w = rng.uniform(0.2, 3.0, size=n)
    return Z, one_hot(labels, k), labels, w


def logistic_case(rng, n=6):
    Z = rng.normal(scale=2, size=(n, 1))
    y = rng.randint(2, size=n)
    w = rng.uniform(0.2, 3.0, size=n)
    return Z, y[:, None].astype(np.float64), y, w


def test_softmax_cross_entropy_equals_weighted_mean_negative_log_likelihood():
    Z, Y, labels, w = softmax_case(np.random.RandomState(0))
    p = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    direct = np.sum(w * -np.log(p[np.arange(len(labels)), labels])) / w.sum()
    loss, dZ = softmax_cross_entropy(Z, Y, w)
    assert isinstance(loss, float)
    np.testing.assert_allclose(loss, direct, rtol=1e-12)
    expected_dZ = w[:, None] * (p - Y) / w.sum()
    np.testing.assert_allclose(dZ, expected_dZ, rtol=1e-10, atol=1e-14)


def test_logistic_cross_entropy_equals_weighted_mean_binary_log_loss():
    Z, Y, y, w = logistic_case(np.random.RandomState(0))
    p = expit(Z[:, 0])
    direct = np.sum(w * -(y * np.log(p) + (1 - y) * np.log(1 - p))) / w.sum()
    loss, dZ = logistic_cross_entropy(Z, Y, w)
    assert isinstance(loss, float)
    assert dZ.shape == (6, 1)
    np.testing.assert_allclose(loss, direct, rtol=1e-12)
    np.testing.assert_allclose(dZ[:, 0], w * (p - y) / w.sum(), rtol=1e-10, atol=1e-14)


def test_logistic_loss_equals_two_class_softmax_loss_on_logit_difference():
    rng = np.random.RandomState(1)
    Z2 = rng.normal(size=(5, 2))
    y = rng.randint(2, size=5)
    w = rng.uniform(0.5, 2, size=5)
    loss_softmax, dZ2 = softmax_cross_entropy(Z2, one_hot(y, 2), w)
    z = (Z2[:, 1] - Z2[:, 0])[:, None]
    loss_logistic, dz = logistic_cross_entropy(z, y[:, None].astype(float), w)
    np.testing.assert_allclose(loss_logistic, loss_softmax, rtol=1e-12)
    np.testing.assert_allclose(dz[:, 0], dZ2[:, 1], rtol=1e-10, atol=1e-14)


# --------------------------------------------------------------------------
# Losses: gradients
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "loss_function, case",
    [(softmax_cross_entropy, softmax_case), (logistic_cross_entropy, logistic_case)],
)
def test_loss_gradient_matches_finite_differences(loss_function, case):
    Z, Y, _, w = case(np.random.RandomState(2))
    assert np.ptp(w) > 1  # non-uniform weights
    _, dZ = loss_function(Z, Y, w)
    numerical = numerical_gradient(lambda: loss_function(Z, Y, w)[0], Z)
    np.testing.assert_allclose(dZ, numerical, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    "loss_function, case",
    [(softmax_cross_entropy, softmax_case), (logistic_cross_entropy, logistic_case)],
)
def test_integer_sample_weights_equal_repeating_rows(loss_function, case):
    Z, Y, _, _ = case(np.random.RandomState(3))
    w = np.array([1, 3, 0, 2, 1, 4])
    loss, dZ = loss_function(Z, Y, w)
    Z_rep, Y_rep = np.repeat(Z, w, axis=0), np.repeat(Y, w, axis=0)
    loss_rep, dZ_rep = loss_function(Z_rep, Y_rep, np.ones(len(Z_rep)))
    np.testing.assert_allclose(loss, loss_rep, rtol=1e-12)
    # The gradient of a row is the sum of the gradients of its copies.
    owner = np.repeat(np.arange(len(w)), w)
    summed = np.zeros_like(dZ)
    np.add.at(summed, owner, dZ_rep)
    np.testing.assert_allclose(dZ, summed, rtol=1e-12, atol=1e-15)
    assert np.all(dZ[2] == 0)  # weight 0: no influence


@pytest.mark.parametrize(
    "loss_function, case",
    [(softmax_cross_entropy, softmax_case), (logistic_cross_entropy, logistic_case)],
)
def test_loss_is_invariant_to_scaling_sample_weights(loss_function, case):
    Z, Y, _, w = case(np.random.RandomState(4))
    loss, dZ = loss_function(Z, Y, w)
    loss_scaled, dZ_scaled = loss_function(Z, Y, 7.0 * w)
    np.testing.assert_allclose(loss_scaled, loss, rtol=1e-12)
    np.testing.assert_allclose(dZ_scaled, dZ, rtol=1e-12)


# --------------------------------------------------------------------------
# Losses: extreme logits
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_cross_entropy_is_finite_for_huge_logits(dtype):
    Z = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0], [0.0, 1e4, -1e4]], dtype=dtype)
    w = np.array([1.0, 2.0, 5.0])
    correct = one_hot([0, 1, 1], 3).astype(dtype)
    # Third row: label 0 while class 1 has logit 1e4: -log p = 1e4.
    wrong = one_hot([0, 1, 0], 3).astype(dtype)
    with no_floating_point_trouble():
        loss_correct, dZ_correct = softmax_cross_entropy(Z, correct, w)
        loss_wrong, dZ_wrong = softmax_cross_entropy(Z, wrong, w)
    assert np.isfinite(loss_correct) and np.isfinite(loss_wrong)
    assert np.all(np.isfinite(dZ_correct)) and np.all(np.isfinite(dZ_wrong))
    assert dZ_correct.dtype == dtype and dZ_wrong.dtype == dtype
    np.testing.assert_allclose(loss_correct, 0.0, atol=1e-6)
    np.testing.assert_allclose(loss_wrong, 1e4 * 5.0 / 8.0, rtol=1e-6)
    np.testing.assert_allclose(dZ_wrong[2], [-5 / 8, 5 / 8, 0.0], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logistic_cross_entropy_is_finite_for_huge_logits(dtype):
    Z = np.array([[1e4], [-1e4], [1e4]], dtype=dtype)
    w = np.array([1.0, 2.0, 5.0])
    correct = np.array([[1], [0], [1]], dtype=dtype)
    wrong = np.array([[1], [0], [0]], dtype=dtype)  # third: y=0 at z=1e4
    with no_floating_point_trouble():
        loss_correct, dZ_correct = logistic_cross_entropy(Z, correct, w)
        loss_wrong, dZ_wrong = logistic_cross_entropy(Z, wrong, w)
        # The other direction too: y=1 at z=-1e4.
        loss_wrong_neg, _ = logistic_cross_entropy(
            np.array([[-1e4]], dtype=dtype), np.array([[1]], dtype=dtype), np.ones(1)
        )
    assert np.isfinite(loss_correct) and np.isfinite(loss_wrong)
    assert np.all(np.isfinite(dZ_correct)) and np.all(np.isfinite(dZ_wrong))
    assert dZ_correct.dtype == dtype and dZ_wrong.dtype == dtype
    np.testing.assert_allclose(loss_correct, 0.0, atol=1e-6)
    np.testing.assert_allclose(loss_wrong, 1e4 * 5.0 / 8.0, rtol=1e-6)
    np.testing.assert_allclose(loss_wrong_neg, 1e4, rtol=1e-6)
    np.testing.assert_allclose(dZ_wrong[:, 0], [0.0, 0.0, 5 / 8], atol=1e-7)
