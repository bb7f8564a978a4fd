"""Tests of Conv2D, MaxPool2D, Flatten and Dense in skconv.layers."""

import numpy as np
import pytest
from scipy.signal import convolve2d, correlate2d

from skconv._conv import correlate_naive, pair
from skconv.layers import Conv2D, Dense, Flatten, Identity, Logistic, MaxPool2D, ReLU, Tanh
from skconv.testing import assert_layer_gradients


def built(layer, input_shape, dtype=np.float64, seed=0):
    """Build ``layer`` for one sample of ``input_shape``; give it random biases."""
    layer.build(input_shape, np.random.RandomState(seed), dtype)
    if "b" in layer.params:
        rng = np.random.RandomState(seed + 100)
        layer.params["b"] = rng.normal(size=layer.params["b"].shape).astype(dtype)
    return layer


def distinct_values(rng, shape):
    """Values in random order, pairwise at least 1 / size apart (no ties)."""
    size = int(np.prod(shape))
    return rng.permutation(size).reshape(shape).astype(np.float64) / size - 0.5


# --------------------------------------------------------------------------
# Finite-difference gradient checks
# --------------------------------------------------------------------------


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("kernel_size", [1, 2, 3, (2, 3)])
@pytest.mark.parametrize("n_filters", [1, 2])
@pytest.mark.parametrize("in_channels", [1, 3])
@pytest.mark.parametrize("batch", [1, 2])
def test_conv2d_gradients_match_finite_differences(
    batch, in_channels, n_filters, kernel_size, stride, padding
):
    rng = np.random.RandomState(0)
    conv = Conv2D(n_filters, kernel_size, stride=stride, padding=padding)
    layer = built(conv, (in_channels, 5, 6))
    X = rng.normal(size=(batch, in_channels, 5, 6))
    dout = rng.normal(size=layer.forward(X).shape)
    assert_layer_gradients(layer, X, dout)


@pytest.mark.parametrize("stride", [None, 1])
@pytest.mark.parametrize("pool_size", [2, (2, 3)])
def test_maxpool2d_gradients_match_finite_differences(pool_size, stride):
    rng = np.random.RandomState(0)
    layer = built(MaxPool2D(pool_size, stride=stride), (2, 5, 7))
    X = distinct_values(rng, (2, 2, 5, 7))
    dout = rng.normal(size=layer.forward(X).shape)
    assert_layer_gradients(layer, X, dout)


@pytest.mark.parametrize(
    "make, input_shape",
    [
        (lambda: Conv2D(2, 5, padding="same"), (2, 2, 3)),  # kernel > input
        (lambda: Conv2D(2, 4, stride=2, padding="same"), (1, 2, 3)),
        (lambda: Conv2D(2, (3, 2), stride=(1, 2), padding="same"), (2, 5, 6)),
        (lambda: Conv2D(2, (3, 2), stride=(2, 3)), (2, 7, 8)),  # unused margins
        (lambda: MaxPool2D(2, stride=3), (1, 8, 8)),  # gaps between windows
        (lambda: MaxPool2D((1, 3), stride=(2, 1)), (2, 5, 6)),
        # Maps on which the kernel's rim sees only padding (the cut kernel).
        (lambda: Conv2D(2, 3, padding="same"), (3, 1, 1)),
        (lambda: Conv2D(2, 3, padding="same"), (2, 1, 5)),
        (lambda: Conv2D(2, (5, 3), stride=2, padding="same"), (2, 2, 1)),
    ],
    ids=["conv-big-kernel-same", "conv-big-kernel-same-s2", "conv-stride-1x2-same",
         "conv-stride-2x3-valid", "pool-gaps", "pool-1x3-stride-2x1",
         "conv-3x3-same-on-1x1", "conv-3x3-same-on-one-row", "conv-5x3-same-s2-on-2x1"],
)
def test_edge_case_geometries_gradients_match_finite_differences(make, input_shape):
    rng = np.random.RandomState(0)
    layer = built(make(), input_shape)
    X = distinct_values(rng, (2,) + input_shape)
    dout = rng.normal(size=layer.forward(X).shape)
    assert_layer_gradients(layer, X, dout)


def test_flatten_gradients_match_finite_differences():
    rng = np.random.RandomState(0)
    layer = built(Flatten(), (2, 3, 4))
    X = rng.normal(size=(3, 2, 3, 4))
    dout = rng.normal(size=(3, 24))
    assert_layer_gradients(layer, X, dout)


@pytest.mark.parametrize("batch, n_inputs, n_units", [(1, 1, 1), (3, 5, 4)])
def test_dense_gradients_match_finite_differences(batch, n_inputs, n_units):
    rng = np.random.RandomState(0)
    layer = built(Dense(n_units), (n_inputs,))
    X = rng.normal(size=(batch, n_inputs))
    dout = rng.normal(size=(batch, n_units))
    assert_layer_gradients(layer, X, dout)


def test_gradient_check_detects_a_wrong_backward():
    # The checks above are only meaningful if a wrong gradient fails them.
    class WrongBias(Conv2D):
        def backward(self, dout):
            dX = super().backward(dout)
            self.grads["b"] = self.grads["b"] * 1.01
            return dX

    rng = np.random.RandomState(0)
    layer = built(WrongBias(2, 2), (1, 4, 4))
    X = rng.normal(size=(2, 1, 4, 4))
    dout = rng.normal(size=(2, 2, 3, 3))
    with pytest.raises(AssertionError, match="gradient of b"):
        assert_layer_gradients(layer, X, dout)


# --------------------------------------------------------------------------
# Conv2D against scipy
# --------------------------------------------------------------------------


def test_conv2d_forward_matches_scipy_correlate2d_summed_over_channels():
    rng = np.random.RandomState(0)
    layer = built(Conv2D(4, (3, 2)), (3, 6, 5))
    X = rng.normal(size=(2, 3, 6, 5))
    K, B = layer.params["W"], layer.params["b"]
    Y = layer.forward(X)
    assert Y.shape == (2, 4, 4, 4)
    for n in range(2):
        for i in range(4):
            expected = sum(correlate2d(X[n, j], K[i, j], "valid") for j in range(3))
            np.testing.assert_allclose(Y[n, i], expected + B[i], rtol=1e-12, atol=1e-12)


WORKED_X = np.array([[1, 6, 2], [5, 3, 1], [7, 0, 4]], dtype=np.float64)
WORKED_K = np.array([[0, -1], [2, 1]], dtype=np.float64)


def worked_layer(kernel):
    layer = Conv2D(1, 2)
    layer.build((1, 3, 3), np.random.RandomState(0), np.float64)
    layer.params["W"] = kernel.reshape(1, 1, 2, 2).copy()
    layer.params["b"] = np.zeros(1)
    return layer


def test_conv2d_worked_example_is_cross_correlation_not_convolution():
    Y = worked_layer(WORKED_K).forward(WORKED_X[None, None])[0, 0]
    # 1*0 + 6*(-1) + 5*2 + 3*1 = 7, 6*0 + 2*(-1) + 3*2 + 1*1 = 5,
    # 5*0 + 3*(-1) + 7*2 + 0*1 = 11, 3*0 + 1*(-1) + 0*2 + 4*1 = 3.
    cross_correlation = np.array([[7, 5], [11, 3]], dtype=np.float64)
    np.testing.assert_array_equal(Y, cross_correlation)
    np.testing.assert_array_equal(correlate2d(WORKED_X, WORKED_K, "valid"), Y)

    # True convolution flips the kernel to [[1, 2], [-1, 0]]:
    # 1*1 + 6*2 + 5*(-1) + 3*0 = 8, 6*1 + 2*2 + 3*(-1) + 1*0 = 7,
    # 5*1 + 3*2 + 7*(-1) + 0*0 = 4, 3*1 + 1*2 + 0*(-1) + 4*0 = 5.
    convolution = np.array([[8, 7], [4, 5]], dtype=np.float64)
    np.testing.assert_array_equal(convolve2d(WORKED_X, WORKED_K, "valid"), convolution)
    assert not np.array_equal(Y, convolution)


def test_conv2d_with_rotated_kernel_reproduces_true_convolution():
    rotated = np.rot90(WORKED_K, 2)
    np.testing.assert_array_equal(rotated, [[1, 2], [-1, 0]])
    Y = worked_layer(rotated).forward(WORKED_X[None, None])[0, 0]
    np.testing.assert_array_equal(Y, convolve2d(WORKED_X, WORKED_K, "valid"))


def conv_backward_case():
    rng = np.random.RandomState(0)
    layer = built(Conv2D(3, (2, 3)), (2, 5, 6))
    X = rng.normal(size=(2, 2, 5, 6))
    Y = layer.forward(X, training=True)
    dY = rng.normal(size=Y.shape)
    dX = layer.backward(dY)
    return layer, X, dY, dX


def test_conv2d_kernel_gradient_is_correlation_of_input_with_output_gradient():
    layer, X, dY, _ = conv_backward_case()
    dK = layer.grads["W"]
    assert dK.shape == layer.params["W"].shape
    for i in range(3):
        for j in range(2):
            expected = sum(correlate2d(X[n, j], dY[n, i], "valid") for n in range(2))
            np.testing.assert_allclose(dK[i, j], expected, rtol=1e-12, atol=1e-12)


def test_conv2d_bias_gradient_is_sum_of_output_gradient():
    layer, _, dY, _ = conv_backward_case()
    assert layer.grads["b"].shape == (3,)
    for i in range(3):
        np.testing.assert_allclose(layer.grads["b"][i], dY[:, i].sum(), rtol=1e-12)


def test_conv2d_input_gradient_is_full_convolution_with_kernel():
    layer, X, dY, dX = conv_backward_case()
    K = layer.params["W"]
    assert dX.shape == X.shape
    for n in range(2):
        for j in range(2):
            expected = sum(convolve2d(dY[n, i], K[i, j], "full") for i in range(3))
            np.testing.assert_allclose(dX[n, j], expected, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------
# MaxPool2D
# --------------------------------------------------------------------------


def test_maxpool2d_gradient_goes_only_to_argmax_of_each_window():
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 1, size=(2, 3, 4, 6))
    dout = rng.normal(size=(2, 3, 2, 3))
    expected_out = np.empty(dout.shape)
    expected_dX = np.zeros(X.shape)
    for n in range(2):
        for c in range(3):
            for p in range(2):
                for q in range(3):
                    # Plant a known winner at a random position of the window.
                    y, x = 2 * p + rng.randint(2), 2 * q + rng.randint(2)
                    X[n, c, y, x] = expected_out[n, c, p, q] = 2 + rng.uniform()
                    expected_dX[n, c, y, x] = dout[n, c, p, q]
    layer = built(MaxPool2D(2), (3, 4, 6))
    np.testing.assert_array_equal(layer.forward(X, training=True), expected_out)
    dX = layer.backward(dout)
    np.testing.assert_array_equal(dX, expected_dX)
    assert np.count_nonzero(dX) == dout.size


def test_maxpool2d_overlapping_windows_accumulate_gradient_at_shared_argmax():
    X = np.zeros((1, 1, 3, 3))
    X[0, 0, 1, 1] = 5.0  # the max of all four 2x2 windows (stride 1)
    layer = built(MaxPool2D(2, stride=1), (1, 3, 3))
    out = layer.forward(X, training=True)
    np.testing.assert_array_equal(out, np.full((1, 1, 2, 2), 5.0))
    dout = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    dX = layer.backward(dout)
    expected = np.zeros((1, 1, 3, 3))
    expected[0, 0, 1, 1] = 10.0
    np.testing.assert_array_equal(dX, expected)


@pytest.mark.parametrize("pool_size", [2, (2, 3)])
def test_maxpool2d_ties_send_gradient_to_first_position_in_row_major_order(pool_size):
    ph, pw = pair(pool_size)
    layer = built(MaxPool2D(pool_size), (1, 2 * ph, 2 * pw))
    # Constant input: every entry of every window ties; the top-left wins.
    X = np.ones((1, 1, 2 * ph, 2 * pw))
    layer.forward(X, training=True)
    dout = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    dX = layer.backward(dout)
    expected = np.zeros_like(X)
    expected[0, 0, ::ph, ::pw] = dout[0, 0]
    np.testing.assert_array_equal(dX, expected)

    # A tie between the last entry of the first row and the first entry of
    # the second row: the first-row entry (earlier in row-major order) wins.
    X = np.zeros((1, 1, 2 * ph, 2 * pw))
    X[0, 0, 0, pw - 1] = X[0, 0, 1, 0] = 3.0
    layer.forward(X, training=True)
    dX = layer.backward(dout)
    assert dX[0, 0, 0, pw - 1] == 1.0
    assert dX[0, 0, 1, 0] == 0.0


@pytest.mark.parametrize("pool_size", [2, 3, (2, 3), (3, 1)])
def test_maxpool2d_output_equals_reshape_and_max_reference(pool_size):
    ph, pw = pair(pool_size)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(2, 3, 7, 8))
    layer = built(MaxPool2D(pool_size), (3, 7, 8))
    out = layer.forward(X)
    ho, wo = 7 // ph, 8 // pw
    reference = (
        X[:, :, : ho * ph, : wo * pw].reshape(2, 3, ho, ph, wo, pw).max(axis=(3, 5))
    )
    np.testing.assert_array_equal(out, reference)


def test_maxpool2d_drops_rows_and_columns_that_do_not_fill_a_window():
    layer = MaxPool2D(2)
    assert layer.build((1, 5, 7)) == (1, 2, 3)
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(1, 1, 5, 7))
    X[:, :, 4, :] = 100.0  # last row: no full window
    X[:, :, :, 6] = 100.0  # last column: no full window
    out = layer.forward(X, training=True)
    assert out.shape == (1, 1, 2, 3)
    assert out.max() < 1.0
    dX = layer.backward(np.ones(out.shape))
    assert np.all(dX[:, :, 4, :] == 0) and np.all(dX[:, :, :, 6] == 0)
    assert dX.sum() == 6


# --------------------------------------------------------------------------
# State, dtypes, build errors
# --------------------------------------------------------------------------


LAYER_CASES = [
    pytest.param(lambda: Conv2D(2, 3, padding="same"), (2, 5, 6), id="Conv2D-same"),
    pytest.param(lambda: Conv2D(2, (2, 3), stride=2), (2, 5, 6), id="Conv2D-valid-s2"),
    pytest.param(lambda: MaxPool2D(2), (2, 5, 6), id="MaxPool2D"),
    pytest.param(lambda: MaxPool2D((2, 3), stride=1), (2, 5, 6), id="MaxPool2D-s1"),
    pytest.param(Flatten, (2, 5, 6), id="Flatten"),
    pytest.param(lambda: Dense(4), (7,), id="Dense"),
    pytest.param(ReLU, (2, 5, 6), id="ReLU"),
    pytest.param(Logistic, (7,), id="Logistic"),
    pytest.param(Tanh, (2, 5, 6), id="Tanh"),
    pytest.param(Identity, (7,), id="Identity"),
]

CACHING = (Conv2D, MaxPool2D, Dense, ReLU, Logistic, Tanh)


@pytest.mark.parametrize("make, input_shape", LAYER_CASES)
def test_inference_forward_keeps_no_state_on_the_layer(make, input_shape):
    layer = built(make(), input_shape)
    X = np.random.RandomState(0).normal(size=(3,) + input_shape)
    before = dict(layer.__dict__)
    params_before = {k: v.copy() for k, v in layer.params.items()}
    layer.forward(X, training=False)
    assert layer.__dict__.keys() == before.keys()
    for key, value in before.items():
        assert layer.__dict__[key] is value, key
    for key, value in params_before.items():
        np.testing.assert_array_equal(layer.params[key], value)


@pytest.mark.parametrize("make, input_shape", LAYER_CASES)
def test_clear_cache_removes_what_training_forward_kept(make, input_shape):
    layer = built(make(), input_shape)
    X = np.random.RandomState(0).normal(size=(3,) + input_shape)
    keys_before = set(layer.__dict__)
    layer.forward(X, training=True)
    if isinstance(layer, CACHING):
        assert "_cache" in layer.__dict__
    layer.clear_cache()
    assert "_cache" not in layer.__dict__
    assert set(layer.__dict__) == keys_before
    layer.clear_cache()  # idempotent
    assert "_cache" not in layer.__dict__


@pytest.mark.parametrize("make, input_shape", LAYER_CASES)
def test_float32_in_gives_float32_out_forward_and_backward(make, input_shape):
    layer = built(make(), input_shape, dtype=np.float32)
    for param in layer.params.values():
        assert param.dtype == np.float32
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


@pytest.mark.parametrize("make, input_shape", LAYER_CASES)
def test_build_returns_the_shape_forward_produces(make, input_shape):
    layer = make()
    out_shape = layer.build(input_shape, np.random.RandomState(0), np.float64)
    X = np.random.RandomState(0).normal(size=(2,) + input_shape)
    assert layer.forward(X).shape == (2,) + tuple(out_shape)


def test_conv2d_build_output_shapes_for_same_and_valid():
    rng = np.random.RandomState(0)
    assert Conv2D(4, 3, padding="same").build((2, 5, 6), rng) == (4, 5, 6)
    assert Conv2D(4, 3, stride=2, padding="same").build((2, 5, 6), rng) == (4, 3, 3)
    assert Conv2D(4, (2, 3)).build((2, 5, 6), rng) == (4, 4, 4)
    assert Conv2D(4, 3, stride=2).build((2, 5, 6), rng) == (4, 2, 2)
    layer = Conv2D(4, (2, 3))
    layer.build((2, 5, 6), rng)
    assert layer.params["W"].shape == (4, 2, 2, 3)
    assert layer.params["b"].shape == (4,)


def test_conv2d_same_padding_output_matches_explicitly_padded_valid():
    rng = np.random.RandomState(0)
    same = built(Conv2D(2, (2, 3), stride=2, padding="same"), (1, 5, 6))
    valid = built(Conv2D(2, (2, 3), stride=2), (1, 6, 7))
    valid.params = same.params
    X = rng.normal(size=(1, 1, 5, 6))
    # ceil(5/2)=3 rows need 1 extra row (bottom); ceil(6/2)=3 cols need 1 (right).
    Xp = np.pad(X, ((0, 0), (0, 0), (0, 1), (0, 1)))
    np.testing.assert_allclose(same.forward(X), valid.forward(Xp), rtol=1e-12)


@pytest.mark.parametrize(
    "kernel, stride, shape",
    [(3, 1, (3, 1, 1)), (3, 1, (2, 1, 5)), ((5, 3), 2, (2, 2, 1)), (5, 1, (1, 2, 3)),
     (3, 2, (2, 1, 4))],
)
def test_conv2d_on_maps_smaller_than_its_reach_matches_the_reference(kernel, stride, shape):
    # The kernel's rows and columns that only ever meet padding are cut: the
    # output is still the padded cross-correlation, and their gradient is 0.
    rng = np.random.RandomState(1)
    layer = built(Conv2D(3, kernel, stride=stride, padding="same"), shape)
    X = rng.normal(size=(2,) + shape)
    W, b = layer.params["W"], layer.params["b"]
    Y = layer.forward(X, training=True)
    np.testing.assert_allclose(Y, correlate_naive(X, W, b, stride, "same"), rtol=1e-12)
    layer.backward(rng.normal(size=Y.shape))
    (top, _), (left, _) = layer.geometry(*shape[1:])[0]
    kh, kw = W.shape[2:]
    sees_input = np.zeros((kh, kw), dtype=bool)  # offsets that read a real pixel
    for i in range(kh):
        for j in range(kw):
            rows = i + stride * np.arange(Y.shape[2]) - top
            columns = j + stride * np.arange(Y.shape[3]) - left
            sees_input[i, j] = ((rows >= 0) & (rows < shape[1])).any() and (
                (columns >= 0) & (columns < shape[2])).any()
    assert not sees_input.all()  # the case does cut the kernel
    assert np.all(layer.grads["W"][:, :, ~sees_input] == 0)
    assert np.all(layer.grads["W"][:, :, sees_input] != 0)


@pytest.mark.parametrize(
    "kernel, shape", [(4, (1, 3, 3)), ((2, 5), (2, 3, 4)), ((4, 1), (1, 3, 9))]
)
def test_conv2d_build_raises_when_valid_kernel_is_bigger_than_input(kernel, shape):
    layer = Conv2D(2, kernel)
    with pytest.raises(ValueError, match=r"does not fit an input of height x width"):
        layer.build(shape, np.random.RandomState(0))
    # The message names the kernel and the input size.
    with pytest.raises(ValueError, match=rf"{shape[1]}x{shape[2]}"):
        layer.build(shape, np.random.RandomState(0))
    # The same kernel is fine with 'same' padding or on a large enough input.
    Conv2D(2, kernel, padding="same").build(shape, np.random.RandomState(0))
    kh, kw = pair(kernel)
    assert Conv2D(2, kernel).build((1, kh, kw), np.random.RandomState(0)) == (2, 1, 1)


@pytest.mark.parametrize(
    "pool, shape", [(3, (1, 2, 5)), ((2, 4), (1, 4, 3)), (2, (1, 1, 1))]
)
def test_maxpool2d_build_raises_when_pool_is_bigger_than_input(pool, shape):
    with pytest.raises(ValueError, match=r"MaxPool2D pool .* does not fit"):
        MaxPool2D(pool).build(shape)
    ph, pw = pair(pool)
    assert MaxPool2D(pool).build((1, ph, pw)) == (1, 1, 1)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("stride", [1, 2])
def test_conv2d_results_do_not_depend_on_input_memory_layout(padding, stride):
    # Channels-last input (as conv and pooling outputs are stored) with many
    # channels takes im2col's one-copy path; the gradient checks above use
    # C-ordered input. Both must give the same outputs and gradients.
    rng = np.random.RandomState(7)
    layer = Conv2D(5, 3, stride=stride, padding=padding)
    layer.build((8, 7, 6), rng, np.float64)
    X_last = rng.normal(size=(3, 7, 6, 8)).transpose(0, 3, 1, 2)
    X_first = np.ascontiguousarray(X_last)
    Y_last = layer.forward(X_last, training=True)
    dout = rng.normal(size=Y_last.shape)
    dX_last = layer.backward(dout)
    grads_last = {k: v.copy() for k, v in layer.grads.items()}
    Y_first = layer.forward(X_first, training=True)
    dX_first = layer.backward(dout)
    np.testing.assert_allclose(Y_last, Y_first, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dX_last, dX_first, rtol=1e-12, atol=1e-12)
    for key in grads_last:
        np.testing.assert_allclose(grads_last[key], layer.grads[key], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "pool_size, stride, shape",
    [(2, None, (2, 3, 6, 6)), (2, None, (2, 3, 7, 5)), (2, 3, (2, 3, 6, 6)),
     (2, 3, (2, 3, 8, 7)), ((2, 3), None, (1, 2, 4, 9)), (3, 2, (1, 2, 7, 7))],
)
def test_maxpool2d_gradient_is_zero_where_no_window_reaches(pool_size, stride, shape):
    # Positions left out by the windows (odd sizes, strides larger than the
    # pool) get no gradient, whatever was in memory before.
    rng = np.random.RandomState(0)
    layer = built(MaxPool2D(pool_size, stride=stride), shape[1:])
    X = distinct_values(rng, shape)
    out = layer.forward(X, training=True)
    dX = layer.backward(np.ones_like(out))
    ph, pw = pair(pool_size)
    sh, sw = pair(stride if stride is not None else pool_size)
    covered = np.zeros(shape, dtype=bool)
    for p in range(out.shape[2]):
        for q in range(out.shape[3]):
            covered[:, :, p * sh : p * sh + ph, q * sw : q * sw + pw] = True
    assert np.all(dX[~covered] == 0)
    assert dX.sum() == out.size  # one unit of gradient per window
