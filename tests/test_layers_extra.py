"""Tests of Dropout, BatchNormalization, AvgPool2D and GlobalAvgPool2D."""

import pickle

import numpy as np
import pytest

from skconv._conv import pair
from skconv.layers import (
    AvgPool2D,
    BatchNormalization,
    Conv2D,
    Dense,
    Dropout,
    GlobalAvgPool2D,
    Tanh,
)
from skconv.network import backward, forward, parameters
from skconv.testing import assert_layer_gradients, numerical_gradient

INT32_MAX = np.iinfo(np.int32).max


def built(layer, input_shape, dtype=np.float64, seed=0):
    """``layer`` built for one sample of ``input_shape``."""
    layer.build(input_shape, np.random.RandomState(seed), dtype)
    return layer


def randomise_affine(layer, seed=1):
    """Give a BatchNormalization random gamma (away from 0) and beta."""
    rng = np.random.RandomState(seed)
    shape = layer.params["gamma"].shape
    dtype = layer.params["gamma"].dtype
    layer.params["gamma"] = rng.uniform(0.5, 2.0, size=shape).astype(dtype)
    layer.params["beta"] = rng.normal(size=shape).astype(dtype)
    return layer


def channels_last(X):
    """``X`` (NCHW) copied into channels-last memory, same logical shape."""
    return np.ascontiguousarray(X.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def is_channels_last(A):
    return A.transpose(0, 2, 3, 1).flags.c_contiguous


class FixedMaskDropout(Dropout):
    """Dropout that draws the same mask on every forward pass.

    It resets ``random_state`` to the seed ``build`` drew before each pass,
    which makes a training forward pass a deterministic function of its
    input, as finite differences need.
    """

    def build(self, input_shape, rng, dtype=np.float64):
        # Replay, on a copy of rng, the one draw Dropout.build makes.
        replay = np.random.RandomState()
        replay.set_state(rng.get_state())
        self.seed = replay.randint(INT32_MAX)
        return super().build(input_shape, rng, dtype)

    def forward(self, X, training=False):
        self.random_state = np.random.RandomState(self.seed)
        return super().forward(X, training)


def fixed_mask_dropout(rate, input_shape, seed=0):
    layer = FixedMaskDropout(rate)
    layer.build(input_shape, np.random.RandomState(seed), np.float64)
    return layer


# --------------------------------------------------------------------------
# Finite-difference gradient checks
# --------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [2, 5])
@pytest.mark.parametrize("input_shape", [(3, 4, 5), (6,)], ids=["4d", "2d"])
def test_batchnorm_training_gradients_match_finite_differences(input_shape, batch):
    rng = np.random.RandomState(0)
    layer = randomise_affine(built(BatchNormalization(), input_shape))
    # Per-channel offsets and scales, so that the statistics matter.
    channel_shape = (1, input_shape[0]) + (1,) * (len(input_shape) - 1)
    X = rng.normal(size=(batch,) + input_shape) * rng.uniform(0.5, 3, channel_shape)
    X += rng.normal(size=channel_shape)
    dout = rng.normal(size=X.shape)
    assert_layer_gradients(layer, X, dout, rtol=1e-5, training=True)


def test_batchnorm_gradient_check_needs_the_training_objective():
    # backward differentiates the training pass (batch statistics); the
    # inference pass (running statistics) is a different function of X, so
    # the check must fail in inference mode: the option is really used.
    rng = np.random.RandomState(0)
    layer = randomise_affine(built(BatchNormalization(), (3, 4, 5)))
    X = rng.normal(size=(4, 3, 4, 5)) * 2 + 1
    dout = rng.normal(size=X.shape)
    with pytest.raises(AssertionError, match="gradient of X"):
        assert_layer_gradients(layer, X, dout, rtol=1e-5)
    assert_layer_gradients(layer, X, dout, rtol=1e-5, training=True)


@pytest.mark.parametrize(
    "pool_size, stride, input_shape",
    [
        (2, None, (2, 6, 8)),
        (2, None, (2, 5, 7)),  # sizes not a multiple of the pool
        ((2, 3), None, (2, 5, 7)),
        (2, 1, (2, 5, 7)),  # overlapping windows
        ((2, 3), 1, (2, 5, 6)),
        (3, 2, (1, 7, 8)),  # overlapping, stride 2
        (2, 3, (1, 8, 8)),  # gaps between windows
        ((1, 3), (2, 1), (2, 5, 6)),
    ],
)
def test_avgpool2d_gradients_match_finite_differences(pool_size, stride, input_shape):
    rng = np.random.RandomState(0)
    layer = built(AvgPool2D(pool_size, stride=stride), input_shape)
    X = rng.normal(size=(2,) + input_shape)
    dout = rng.normal(size=layer.forward(X).shape)
    assert_layer_gradients(layer, X, dout)


@pytest.mark.parametrize("input_shape", [(3, 4, 5), (2, 1, 1)])
def test_global_avgpool2d_gradients_match_finite_differences(input_shape):
    rng = np.random.RandomState(0)
    layer = built(GlobalAvgPool2D(), input_shape)
    X = rng.normal(size=(3,) + input_shape)
    dout = rng.normal(size=(3, input_shape[0]))
    assert_layer_gradients(layer, X, dout)


@pytest.mark.parametrize("input_shape", [(2, 4, 5), (30,)], ids=["4d", "2d"])
def test_dropout_gradients_with_fixed_mask_match_finite_differences(input_shape):
    rng = np.random.RandomState(0)
    layer = fixed_mask_dropout(0.4, input_shape)
    X = rng.normal(size=(3,) + input_shape)
    Y = layer.forward(X, training=True)
    # The check is only meaningful if the mask drops and keeps entries.
    assert 0 < np.count_nonzero(Y == 0) < Y.size
    dout = rng.normal(size=X.shape)
    assert_layer_gradients(layer, X, dout, training=True)


def test_network_with_new_layers_gradients_match_finite_differences():
    # Conv outputs are stored channels-last: batch norm, pooling and dropout
    # get those layouts here, and their backward passes get the gradients
    # the layers above return.
    rng = np.random.RandomState(0)
    layers = [
        Conv2D(4, 3, padding="same"),
        BatchNormalization(),
        Tanh(),
        AvgPool2D(2),
        FixedMaskDropout(0.3),
        Conv2D(5, 2),
        BatchNormalization(momentum=0.5),
        Tanh(),
        GlobalAvgPool2D(),
        Dense(4),
        BatchNormalization(),
        Tanh(),
        Dense(3),
    ]
    shape = (2, 6, 6)
    for layer in layers:
        shape = layer.build(shape, rng, np.float64)
        if isinstance(layer, BatchNormalization):
            randomise_affine(layer, seed=len(shape))
    assert shape == (3,)
    X = rng.normal(size=(4, 2, 6, 6))
    dout = rng.normal(size=(4, 3))

    def objective():
        return float(np.sum(forward(layers, X, training=True) * dout))

    forward(layers, X, training=True)
    dX = backward(layers, dout)
    analytic = [layer.grads[key].copy() for layer in layers for key in layer.params]
    assert len(analytic) == 2 * 2 + 3 * 2 + 2 * 2  # conv, batch norm, dense
    for i, (param, grad) in enumerate(zip(parameters(layers), analytic)):
        numerical = numerical_gradient(objective, param)
        np.testing.assert_allclose(
            grad, numerical, rtol=1e-5, atol=1e-8, err_msg=f"parameter {i}"
        )
    np.testing.assert_allclose(
        dX, numerical_gradient(objective, X), rtol=1e-5, atol=1e-8
    )


# --------------------------------------------------------------------------
# Dropout
# --------------------------------------------------------------------------


@pytest.mark.parametrize("input_shape", [(2, 4, 5), (7,)])
def test_dropout_inference_returns_the_input_unchanged(input_shape):
    layer = built(Dropout(0.5), input_shape)
    X = np.random.RandomState(0).normal(size=(3,) + input_shape)
    X_copy = X.copy()
    Y = layer.forward(X)
    assert Y is X
    np.testing.assert_array_equal(X, X_copy)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("rate", [0.2, 0.5, 0.9])
def test_dropout_training_zeroes_about_rate_and_rescales_kept_values(rate, dtype):
    layer = built(Dropout(rate), (1000,), dtype=dtype)
    rng = np.random.RandomState(0)
    X = rng.uniform(1.0, 2.0, size=(1000, 1000)).astype(dtype)  # no zeros
    Y = layer.forward(X, training=True)
    assert Y.dtype == dtype
    dropped = Y == 0
    # 10^6 Bernoulli(rate) draws: the standard deviation is below 5e-4.
    assert abs(dropped.mean() - rate) < 0.003
    kept = ~dropped
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(Y[kept], X[kept] / (1 - rate), rtol=rtol)
    # Inverted dropout preserves the mean (here within 1%, about 7 sigma
    # for rate 0.9, much more for the others).
    assert abs(Y.mean() / X.mean() - 1) < 0.01


def test_dropout_masks_of_4d_maps_keep_their_layout_and_drop_about_rate():
    layer = built(Dropout(0.3), (16, 25, 25))
    X = channels_last(np.random.RandomState(0).uniform(1, 2, size=(100, 16, 25, 25)))
    Y = layer.forward(X, training=True)
    assert Y.shape == X.shape
    assert is_channels_last(Y)
    assert abs((Y == 0).mean() - 0.3) < 0.003
    dX = layer.backward(np.ones_like(X))
    np.testing.assert_array_equal(dX == 0, Y == 0)


def test_dropout_build_draws_one_seed_from_rng_and_masks_follow_it():
    rate, shape = 0.5, (4, 6)
    rng = np.random.RandomState(42)
    layer = Dropout(rate)
    layer.build(shape[1:], rng, np.float64)
    expected_rng = np.random.RandomState(42)
    seed = expected_rng.randint(INT32_MAX)
    # build took exactly one draw from rng.
    assert rng.randint(INT32_MAX) == expected_rng.randint(INT32_MAX)
    X = np.ones(shape)
    Y = layer.forward(X, training=True)
    keep = np.random.RandomState(seed).random_sample(shape) >= rate
    np.testing.assert_array_equal(Y, keep / (1 - rate))


def test_dropout_same_seed_gives_the_same_masks_different_seed_others():
    X = np.ones((20, 50))
    a, b = built(Dropout(0.5), (50,), seed=3), built(Dropout(0.5), (50,), seed=3)
    c = built(Dropout(0.5), (50,), seed=4)
    first_a, first_b = a.forward(X, training=True), b.forward(X, training=True)
    np.testing.assert_array_equal(first_a, first_b)
    second_a, second_b = a.forward(X, training=True), b.forward(X, training=True)
    np.testing.assert_array_equal(second_a, second_b)
    # Each training pass draws a new mask, and another seed other masks.
    assert not np.array_equal(first_a, second_a)
    assert not np.array_equal(first_a, c.forward(X, training=True))


def test_dropout_masks_do_not_depend_on_dtype():
    X = np.ones((20, 50))
    Y64 = built(Dropout(0.5), (50,), np.float64, seed=3).forward(X, training=True)
    Y32 = built(Dropout(0.5), (50,), np.float32, seed=3).forward(
        X.astype(np.float32), training=True
    )
    np.testing.assert_array_equal(Y64 == 0, Y32 == 0)


def test_dropout_pickled_layer_continues_with_bit_identical_masks():
    layer = built(Dropout(0.5), (2, 3, 4))
    X = np.random.RandomState(0).normal(size=(5, 2, 3, 4))
    layer.forward(X, training=True)
    layer.clear_cache()
    clone = pickle.loads(pickle.dumps(layer))
    np.testing.assert_array_equal(
        layer.forward(X, training=True), clone.forward(X, training=True)
    )


@pytest.mark.parametrize("input_shape", [(2, 4, 5), (7,)])
def test_dropout_rate_zero_is_identity_in_training_too(input_shape):
    layer = built(Dropout(0.0), input_shape)
    state = layer.random_state.get_state()[1].copy()
    rng = np.random.RandomState(0)
    X = rng.normal(size=(3,) + input_shape)
    Y = layer.forward(X, training=True)
    np.testing.assert_array_equal(Y, X)
    dout = rng.normal(size=X.shape)
    np.testing.assert_array_equal(layer.backward(dout), dout)
    # No mask was drawn.
    np.testing.assert_array_equal(layer.random_state.get_state()[1], state)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5])
def test_dropout_rejects_rates_outside_zero_one(rate):
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\)"):
        Dropout(rate)


# --------------------------------------------------------------------------
# BatchNormalization
# --------------------------------------------------------------------------


def shifted_batch(shape, seed=0):
    """Random batch whose channels have different means and spreads."""
    rng = np.random.RandomState(seed)
    channels = shape[1]
    channel_shape = (1, channels) + (1,) * (len(shape) - 2)
    scale = rng.uniform(0.5, 4.0, size=channel_shape)
    offset = rng.uniform(-5, 5, size=channel_shape)
    return rng.normal(size=shape) * scale + offset


def test_batchnorm_build_creates_gamma_beta_and_running_statistics():
    layer = BatchNormalization()
    assert layer.build((3, 5, 6), np.random.RandomState(0), np.float32) == (3, 5, 6)
    assert list(layer.params) == ["gamma", "beta"]  # no "W": not L2-penalised
    np.testing.assert_array_equal(layer.params["gamma"], np.ones(3))
    np.testing.assert_array_equal(layer.params["beta"], np.zeros(3))
    np.testing.assert_array_equal(layer.running_mean, np.zeros(3))
    np.testing.assert_array_equal(layer.running_var, np.ones(3))
    for array in (*layer.params.values(), layer.running_mean, layer.running_var):
        assert array.dtype == np.float32
    assert BatchNormalization().build((7,), np.random.RandomState(0)) == (7,)
    with pytest.raises(ValueError, match="BatchNormalization takes"):
        BatchNormalization().build((3, 4), np.random.RandomState(0))


@pytest.mark.parametrize(
    "shape, layout",
    [((6, 3, 5, 4), "c_order"), ((6, 3, 5, 4), "channels_last"), ((40, 5), "2d")],
    ids=["4d", "4d-channels-last", "2d"],
)
def test_batchnorm_training_output_has_zero_mean_unit_variance_per_channel(
    shape, layout
):
    X = shifted_batch(shape)
    if layout == "channels_last":
        X = channels_last(X)
    layer = built(BatchNormalization(), shape[1:])
    Y = layer.forward(X, training=True)
    axes = (0,) + tuple(range(2, len(shape)))
    var = X.var(axis=axes)
    np.testing.assert_allclose(Y.mean(axis=axes), 0, atol=1e-12)
    # var(Y) = var / (var + epsilon): 1 up to epsilon.
    np.testing.assert_allclose(Y.var(axis=axes), var / (var + 1e-5), rtol=1e-10)
    np.testing.assert_allclose(Y.var(axis=axes), 1, rtol=1e-4)


def test_batchnorm_training_applies_gamma_and_beta_after_normalising():
    X = shifted_batch((6, 3, 5, 4))
    plain = built(BatchNormalization(), (3, 5, 4))
    affine = randomise_affine(built(BatchNormalization(), (3, 5, 4)))
    gamma = affine.params["gamma"].reshape(1, 3, 1, 1)
    beta = affine.params["beta"].reshape(1, 3, 1, 1)
    np.testing.assert_allclose(
        affine.forward(X, training=True),
        gamma * plain.forward(X, training=True) + beta,
        rtol=1e-12,
        atol=1e-12,
    )


@pytest.mark.parametrize("momentum", [0.9, 0.5])
@pytest.mark.parametrize("shape", [(6, 3, 5, 4), (40, 5)], ids=["4d", "2d"])
def test_batchnorm_running_statistics_move_toward_batch_statistics(shape, momentum):
    layer = built(BatchNormalization(momentum=momentum), shape[1:])
    axes = (0,) + tuple(range(2, len(shape)))
    expected_mean, expected_var = np.zeros(shape[1]), np.ones(shape[1])
    for seed in range(3):
        X = shifted_batch(shape, seed)
        layer.forward(X, training=True)
        # Unbiased batch variance (ddof=1) for the running average.
        expected_mean = momentum * expected_mean + (1 - momentum) * X.mean(axis=axes)
        batch_var = X.var(axis=axes, ddof=1)
        expected_var = momentum * expected_var + (1 - momentum) * batch_var
        np.testing.assert_allclose(layer.running_mean, expected_mean, rtol=1e-12)
        np.testing.assert_allclose(layer.running_var, expected_var, rtol=1e-12)


@pytest.mark.parametrize("shape", [(6, 3, 5, 4), (40, 5)], ids=["4d", "2d"])
def test_batchnorm_inference_uses_running_statistics_and_leaves_them(shape):
    layer = randomise_affine(built(BatchNormalization(), shape[1:]))
    rng = np.random.RandomState(3)
    layer.running_mean = rng.normal(size=shape[1])
    layer.running_var = rng.uniform(0.5, 2.0, size=shape[1])
    mean_before, var_before = layer.running_mean, layer.running_var
    mean_copy, var_copy = mean_before.copy(), var_before.copy()
    X = shifted_batch(shape)
    Y = layer.forward(X)
    vector_shape = (1, shape[1]) + (1,) * (len(shape) - 2)

    def vec(v):
        return v.reshape(vector_shape)

    expected = vec(layer.params["gamma"]) * (X - vec(mean_copy)) / np.sqrt(
        vec(var_copy) + 1e-5
    ) + vec(layer.params["beta"])
    np.testing.assert_allclose(Y, expected, rtol=1e-12, atol=1e-12)
    assert layer.running_mean is mean_before and layer.running_var is var_before
    np.testing.assert_array_equal(layer.running_mean, mean_copy)
    np.testing.assert_array_equal(layer.running_var, var_copy)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["c_order", "channels_last", "2d"])
def test_batchnorm_inference_output_of_a_sample_does_not_depend_on_its_batch(
    layout, dtype
):
    shape = (12, 5) if layout == "2d" else (12, 8, 4, 3)
    layer = randomise_affine(built(BatchNormalization(), shape[1:], dtype))
    for seed in range(3):  # non-trivial running statistics
        layer.forward(shifted_batch(shape, seed).astype(dtype), training=True)
    X = shifted_batch(shape, seed=10).astype(dtype)
    if layout == "channels_last":
        X = channels_last(X)
    Y = layer.forward(X)
    for i in (0, 5, 11):
        np.testing.assert_array_equal(layer.forward(X[i : i + 1])[0], Y[i])
    order = np.random.RandomState(0).permutation(12)
    X_perm = X[order]
    if layout == "channels_last":
        X_perm = channels_last(X_perm)
    np.testing.assert_array_equal(layer.forward(X_perm), Y[order])
    np.testing.assert_array_equal(layer.forward(X[3:10]), Y[3:10])


def test_batchnorm_channels_last_input_gives_the_results_of_c_ordered_input():
    rng = np.random.RandomState(0)
    X = shifted_batch((5, 8, 6, 7))
    dout = rng.normal(size=X.shape)
    results = []
    for X_in, dout_in in [
        (X, dout),
        (channels_last(X), channels_last(dout)),
        (channels_last(X), dout),  # a gradient in another layout
    ]:
        layer = randomise_affine(built(BatchNormalization(), (8, 6, 7)))
        Y = layer.forward(X_in, training=True)
        dX = layer.backward(dout_in)
        results.append(
            (
                Y,
                dX,
                layer.grads,
                layer.running_mean,
                layer.running_var,
                layer.forward(X_in),
            )
        )
        if is_channels_last(X_in):
            # The memory layout of the input is kept.
            assert is_channels_last(Y) and is_channels_last(dX)
            assert is_channels_last(results[-1][-1])
        else:
            assert Y.flags.c_contiguous and dX.flags.c_contiguous
    reference = results[0]
    for result in results[1:]:
        for got, want in zip(result, reference):
            if isinstance(want, dict):
                assert got.keys() == want.keys()
                got, want = list(got.values()), list(want.values())
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_batchnorm_backward_without_input_grad_sets_grads_returns_none():
    layer = randomise_affine(built(BatchNormalization(), (3, 4, 5)))
    X = shifted_batch((4, 3, 4, 5))
    dout = np.random.RandomState(0).normal(size=X.shape)
    layer.forward(X, training=True)
    assert layer.backward(dout, input_grad=False) is None
    grads = {key: grad.copy() for key, grad in layer.grads.items()}
    layer.backward(dout)
    for key in ("gamma", "beta"):
        np.testing.assert_array_equal(grads[key], layer.grads[key])
    np.testing.assert_allclose(grads["beta"], dout.sum(axis=(0, 2, 3)), rtol=1e-12)


def test_batchnorm_training_needs_more_than_one_value_per_channel():
    layer = built(BatchNormalization(), (4,))
    with pytest.raises(ValueError, match="more than one value per channel"):
        layer.forward(np.ones((1, 4)), training=True)
    np.testing.assert_array_equal(layer.running_var, np.ones(4))
    # One sample is enough for maps with several pixels, and for inference.
    built(BatchNormalization(), (2, 3, 3)).forward(
        shifted_batch((1, 2, 3, 3)), training=True
    )
    assert layer.forward(np.ones((1, 4))).shape == (1, 4)


# --------------------------------------------------------------------------
# AvgPool2D and GlobalAvgPool2D
# --------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["c_order", "channels_last"])
@pytest.mark.parametrize("pool_size", [2, 3, (2, 3), (3, 1)])
def test_avgpool2d_output_equals_reshape_and_mean_reference(pool_size, layout):
    ph, pw = pair(pool_size)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(2, 3, 7, 8))
    layer = built(AvgPool2D(pool_size), (3, 7, 8))
    out = layer.forward(channels_last(X) if layout == "channels_last" else X)
    ho, wo = 7 // ph, 8 // pw
    reference = (
        X[:, :, : ho * ph, : wo * pw].reshape(2, 3, ho, ph, wo, pw).mean(axis=(3, 5))
    )
    assert out.shape == reference.shape
    np.testing.assert_allclose(out, reference, rtol=1e-12, atol=1e-15)
    if layout == "channels_last":
        assert is_channels_last(out)


@pytest.mark.parametrize("pool_size, stride", [(2, 1), ((2, 3), (1, 2)), (3, 2)])
def test_avgpool2d_overlapping_windows_equal_a_loop_reference(pool_size, stride):
    (ph, pw), (sh, sw) = pair(pool_size), pair(stride)
    X = np.random.RandomState(0).normal(size=(2, 2, 7, 8))
    out = built(AvgPool2D(pool_size, stride), (2, 7, 8)).forward(X)
    ho, wo = (7 - ph) // sh + 1, (8 - pw) // sw + 1
    assert out.shape == (2, 2, ho, wo)
    for p in range(ho):
        for q in range(wo):
            window = X[:, :, p * sh : p * sh + ph, q * sw : q * sw + pw]
            np.testing.assert_allclose(
                out[:, :, p, q], window.mean(axis=(2, 3)), rtol=1e-12, atol=1e-15
            )


def test_avgpool2d_gradient_is_spread_evenly_and_overlaps_accumulate():
    # Non-overlapping 2x2 windows on a 5x5 map: a quarter of dout on each
    # of the four entries, nothing on the last row and column.
    layer = built(AvgPool2D(2), (1, 5, 5))
    out = layer.forward(np.zeros((1, 1, 5, 5)), training=True)
    dout = np.array([[[[4.0, 8.0], [12.0, 16.0]]]])
    assert out.shape == dout.shape
    expected = np.zeros((5, 5))
    expected[:4, :4] = np.kron([[1.0, 2.0], [3.0, 4.0]], np.ones((2, 2)))
    np.testing.assert_array_equal(layer.backward(dout)[0, 0], expected)
    # Stride 1 on a 3x3 map: four windows share the centre.
    layer = built(AvgPool2D(2, stride=1), (1, 3, 3))
    layer.forward(np.zeros((1, 1, 3, 3)), training=True)
    dX = layer.backward(np.ones((1, 1, 2, 2)))
    expected = np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 4
    np.testing.assert_array_equal(dX[0, 0], expected)


@pytest.mark.parametrize(
    "pool, shape", [(3, (1, 2, 5)), ((2, 4), (1, 4, 3)), (2, (1, 1, 1))]
)
def test_avgpool2d_build_raises_when_pool_is_bigger_than_input(pool, shape):
    with pytest.raises(ValueError, match=r"AvgPool2D pool .* does not fit"):
        AvgPool2D(pool).build(shape)
    ph, pw = pair(pool)
    assert AvgPool2D(pool).build((1, ph, pw)) == (1, 1, 1)


@pytest.mark.parametrize("layout", ["c_order", "channels_last"])
def test_global_avgpool2d_equals_mean_over_height_and_width(layout):
    X = np.random.RandomState(0).normal(size=(4, 3, 5, 6))
    layer = built(GlobalAvgPool2D(), (3, 5, 6))
    X_in = channels_last(X) if layout == "channels_last" else X
    Y = layer.forward(X_in, training=True)
    assert Y.shape == (4, 3)
    np.testing.assert_allclose(Y, X.mean(axis=(2, 3)), rtol=1e-12, atol=1e-15)
    # A sample's mean does not depend on the rest of the batch.
    np.testing.assert_array_equal(layer.forward(X_in[2:3])[0], Y[2])
    dout = np.random.RandomState(1).normal(size=(4, 3))
    dX = layer.backward(dout)
    np.testing.assert_allclose(
        dX, np.broadcast_to(dout[:, :, None, None] / 30, X.shape), rtol=1e-15
    )


def test_global_avgpool2d_build_returns_channels_and_rejects_flat_input():
    assert GlobalAvgPool2D().build((5, 3, 4)) == (5,)
    with pytest.raises(ValueError, match="GlobalAvgPool2D takes"):
        GlobalAvgPool2D().build((12,))


# --------------------------------------------------------------------------
# State, dtypes, shapes, pickling: all four layers
# --------------------------------------------------------------------------


LAYER_CASES = [
    pytest.param(lambda: Dropout(0.5), (2, 5, 6), id="Dropout-4d"),
    pytest.param(lambda: Dropout(0.3), (7,), id="Dropout-2d"),
    pytest.param(BatchNormalization, (2, 5, 6), id="BatchNormalization-4d"),
    pytest.param(BatchNormalization, (7,), id="BatchNormalization-2d"),
    pytest.param(lambda: AvgPool2D(2), (2, 5, 6), id="AvgPool2D"),
    pytest.param(lambda: AvgPool2D((2, 3), stride=1), (2, 5, 6), id="AvgPool2D-s1"),
    pytest.param(GlobalAvgPool2D, (2, 5, 6), id="GlobalAvgPool2D"),
]


def snapshot(layer):
    """Copies of every array the layer holds, and its random generator's state."""
    arrays = {f"params[{k}]": v.copy() for k, v in layer.params.items()}
    for name, value in vars(layer).items():
        if isinstance(value, np.ndarray):
            arrays[name] = value.copy()
        if isinstance(value, np.random.RandomState):
            arrays[name] = value.get_state()[1].copy()
    return arrays


def trained(make, input_shape, dtype=np.float64):
    """A built layer after one training pass and clear_cache."""
    layer = built(make(), input_shape, dtype)
    X = np.random.RandomState(1).normal(size=(3,) + input_shape).astype(dtype)
    layer.forward(X, training=True)
    layer.clear_cache()
    return layer


@pytest.mark.parametrize("make, input_shape", LAYER_CASES)
def test_inference_forward_keeps_no_state_on_the_layer(make, input_shape):
    layer = trained(make, input_shape)
    X = np.random.RandomState(0).normal(size=(3,) + input_shape)
    before = dict(vars(layer))
    arrays_before = snapshot(layer)
    layer.forward(X, training=False)
    assert vars(layer).keys() == before.keys()
    for key, value in before.items():
        assert vars(layer)[key] is value, key
    arrays_after = snapshot(layer)
    assert arrays_after.keys() == arrays_before.keys()
    for key, value in arrays_before.items():
        np.testing.assert_array_equal(arrays_after[key], value, err_msg=key)


@pytest.mark.parametrize("make, input_shape", LAYER_CASES)
def test_clear_cache_removes_what_training_forward_kept(make, input_shape):
    layer = built(make(), input_shape)
    X = np.random.RandomState(0).normal(size=(3,) + input_shape)
    keys_before = set(vars(layer))
    layer.forward(X, training=True)
    assert "_cache" in vars(layer)
    layer.clear_cache()
    assert set(vars(layer)) == keys_before


@pytest.mark.parametrize("make, input_shape", LAYER_CASES)
def test_float32_in_gives_float32_out_forward_and_backward(make, input_shape):
    layer = built(make(), input_shape, dtype=np.float32)
    for array in (*layer.params.values(), *vars(layer).values()):
        if isinstance(array, np.ndarray):
            assert array.dtype == np.float32
    rng = np.random.RandomState(0)
    X = rng.normal(size=(3,) + input_shape).astype(np.float32)
    out = layer.forward(X, training=True)
    assert out.dtype == np.float32
    assert layer.forward(X, training=False).dtype == np.float32
    dX = layer.backward(rng.normal(size=out.shape).astype(np.float32))
    assert dX.dtype == np.float32
    assert dX.shape == X.shape
    assert layer.grads.keys() == layer.params.keys()
    for key, grad in layer.grads.items():
        assert grad.dtype == np.float32, key
        assert grad.shape == layer.params[key].shape, key
    for name in ("running_mean", "running_var"):
        if hasattr(layer, name):
            assert getattr(layer, name).dtype == np.float32, name


@pytest.mark.parametrize("make, input_shape", LAYER_CASES)
def test_build_returns_the_shape_forward_produces(make, input_shape):
    layer = make()
    out_shape = layer.build(input_shape, np.random.RandomState(0), np.float64)
    X = np.random.RandomState(0).normal(size=(2,) + input_shape)
    assert layer.forward(X).shape == (2,) + tuple(out_shape)
    assert layer.forward(X, training=True).shape == (2,) + tuple(out_shape)


@pytest.mark.parametrize("make, input_shape", LAYER_CASES)
def test_pickled_layer_predicts_the_same(make, input_shape):
    layer = trained(make, input_shape)
    X = np.random.RandomState(0).normal(size=(3,) + input_shape)
    clone = pickle.loads(pickle.dumps(layer))
    np.testing.assert_array_equal(clone.forward(X), layer.forward(X))
    assert repr(clone) == repr(layer)
