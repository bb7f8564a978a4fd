"""Tests of the activation layers in skconv.layers.activations."""

import numpy as np
import pytest
from scipy.special import expit

from skconv.layers import (
    ACTIVATIONS,
    INITIALISATIONS,
    Identity,
    Layer,
    Logistic,
    ReLU,
    Tanh,
)
from skconv.testing import assert_layer_gradients


def away_from_zero(rng, shape):
    """Normal-ish inputs with |x| >= 0.1, so ReLU's kink is never straddled."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.1, 3.0, size=shape)


@pytest.mark.parametrize("activation", [ReLU, Logistic, Tanh, Identity])
@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4, 5)])
def test_activation_gradients_match_finite_differences(activation, shape):
    rng = np.random.RandomState(0)
    layer = activation()
    layer.build(shape[1:], rng, np.float64)
    X = away_from_zero(rng, shape)
    dout = rng.normal(size=shape)
    assert_layer_gradients(layer, X, dout)


@pytest.mark.parametrize(
    "activation, reference",
    [
        (ReLU, lambda X: np.maximum(X, 0)),
        (Logistic, expit),
        (Tanh, np.tanh),
        (Identity, lambda X: X),
    ],
)
def test_activation_outputs_match_reference(activation, reference):
    rng = np.random.RandomState(0)
    X = rng.normal(scale=3.0, size=(3, 2, 4, 5))
    X[0, 0, 0, :3] = [-50.0, 0.0, 50.0]
    layer = activation()
    layer.build(X.shape[1:])
    np.testing.assert_allclose(layer.forward(X), reference(X), rtol=1e-15, atol=0)
    np.testing.assert_allclose(
        layer.forward(X, training=True), reference(X), rtol=1e-15, atol=0
    )


def test_relu_gradient_is_one_where_input_positive_else_zero():
    X = np.array([[-2.0, -1e-300, 0.0, 1e-300, 3.0]])
    layer = ReLU()
    layer.forward(X, training=True)
    dX = layer.backward(np.full(X.shape, 5.0))
    np.testing.assert_array_equal(dX, [[0, 0, 0, 5, 5]])


def test_logistic_and_tanh_derivatives_use_closed_forms():
    X = np.linspace(-4, 4, 9)[None]
    dout = np.ones_like(X)
    logistic, tanh = Logistic(), Tanh()
    logistic.forward(X, training=True)
    tanh.forward(X, training=True)
    np.testing.assert_allclose(
        logistic.backward(dout), expit(X) * expit(-X), rtol=1e-12
    )
    np.testing.assert_allclose(tanh.backward(dout), 1 / np.cosh(X) ** 2, rtol=1e-12)


def test_saturated_activations_stay_finite():
    X = np.array([[-1e4, -800.0, 800.0, 1e4]])
    for activation in (Logistic, Tanh, ReLU):
        layer = activation()
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            out = layer.forward(X, training=True)
            dX = layer.backward(np.ones_like(X))
        assert np.all(np.isfinite(out)) and np.all(np.isfinite(dX))


def test_activations_table_maps_sklearn_names_to_layers():
    assert ACTIVATIONS == {
        "relu": ReLU,
        "logistic": Logistic,
        "tanh": Tanh,
        "identity": Identity,
    }
    for cls in ACTIVATIONS.values():
        assert issubclass(cls, Layer)
        assert cls().params == {}
    assert set(INITIALISATIONS) == set(ACTIVATIONS)
    assert INITIALISATIONS["relu"] == "he"
