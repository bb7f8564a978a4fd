"""Tests of the convolution arithmetic in skconv._conv."""

import math

import numpy as np
import pytest
from scipy.signal import correlate2d

from skconv._conv import (
    Windows,
    conv_input_gradient,
    conv_output_length,
    correlate_naive,
    im2col,
    kernel_matrix,
    offsets_seeing_input,
    pad_images,
    padding_amounts,
    pair,
)
from skconv._correlate import fill_rows, input_gradient_by_correlation, window_gradient
from skconv._layout import transposed_product

SIZES = range(1, 10)
KERNELS = range(1, 6)
STRIDES = (1, 2, 3)


# --------------------------------------------------------------------------
# Output lengths and padding
# --------------------------------------------------------------------------


@pytest.mark.parametrize("stride", STRIDES)
@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("size", SIZES)
def test_same_padding_output_length_is_ceil_of_size_over_stride(size, kernel, stride):
    assert conv_output_length(size, kernel, stride, "same") == math.ceil(size / stride)


@pytest.mark.parametrize("stride", STRIDES)
@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("size", SIZES)
def test_valid_output_length_is_floor_formula(size, kernel, stride):
    if kernel > size:
        # The kernel does not fit: zero or negative means "no output".
        assert conv_output_length(size, kernel, stride, "valid") < 1
    else:
        assert conv_output_length(size, kernel, stride, "valid") == (
            (size - kernel) // stride + 1
        )


@pytest.mark.parametrize("stride", STRIDES)
@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("size", SIZES)
def test_valid_padding_adds_nothing(size, kernel, stride):
    assert padding_amounts(size, kernel, stride, "valid") == (0, 0)


@pytest.mark.parametrize("stride", STRIDES)
@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("size", SIZES)
def test_same_padding_is_minimal_and_extra_goes_after(size, kernel, stride):
    before, after = padding_amounts(size, kernel, stride, "same")
    n_out = math.ceil(size / stride)
    # Exactly enough zeros for the last window to fit, never negative.
    assert before >= 0 and after >= 0
    assert before + after == max((n_out - 1) * stride + kernel - size, 0)
    # Odd totals put the extra row/column at the bottom/right.
    assert after - before in (0, 1)
    # The last window fits inside the padded input and starts inside it.
    padded = size + before + after
    assert (n_out - 1) * stride + kernel <= padded


@pytest.mark.parametrize("kernel", (1, 3, 5))
@pytest.mark.parametrize("size", (5, 6, 9))
def test_same_padding_is_symmetric_for_odd_kernel_and_stride_one(size, kernel):
    half = (kernel - 1) // 2
    assert padding_amounts(size, kernel, 1, "same") == (half, half)


@pytest.mark.parametrize("size", (5, 6))
def test_same_padding_puts_extra_zero_after_for_even_kernel(size):
    assert padding_amounts(size, 2, 1, "same") == (0, 1)
    assert padding_amounts(size, 4, 1, "same") == (1, 2)


def test_pair_accepts_int_and_tuple():
    assert pair(3) == (3, 3)
    assert pair((2, 5)) == (2, 5)
    assert pair(np.int64(4)) == (4, 4)
    assert all(type(v) is int for v in pair((np.int64(2), np.int32(3))))


def test_pad_images_returns_input_itself_without_padding_and_zeros_otherwise():
    X = np.arange(24.0).reshape(1, 2, 3, 4)
    assert pad_images(X, ((0, 0), (0, 0))) is X
    Xp = pad_images(X, ((1, 2), (0, 1)))
    assert Xp.shape == (1, 2, 6, 5)
    np.testing.assert_array_equal(Xp[:, :, 1:4, 0:4], X)
    mask = np.ones(Xp.shape, dtype=bool)
    mask[:, :, 1:4, 0:4] = False
    assert np.all(Xp[mask] == 0)


# --------------------------------------------------------------------------
# im2col and the input gradient against references
# --------------------------------------------------------------------------


def fast_correlate(X, K, b, stride, padding):
    """Cross-correlation by im2col and one matrix product."""
    kh, kw = K.shape[2:]
    sh, sw = pair(stride)
    h, w = X.shape[2:]
    pads = (padding_amounts(h, kh, sh, padding), padding_amounts(w, kw, sw, padding))
    out = (
        conv_output_length(h, kh, sh, padding),
        conv_output_length(w, kw, sw, padding),
    )
    cols = im2col(pad_images(X, pads), (kh, kw), (sh, sw), out)
    assert cols.shape == (X.shape[0] * out[0] * out[1], X.shape[1] * kh * kw)
    Y = cols @ kernel_matrix(K).T + b
    return Y.reshape(X.shape[0], out[0], out[1], K.shape[0]).transpose(0, 3, 1, 2)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("kernel", [1, 2, 3, (2, 3)])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("batch", [1, 3])
def test_im2col_matmul_equals_correlate_naive(batch, channels, kernel, stride, padding):
    rng = np.random.RandomState(0)
    kh, kw = pair(kernel)
    X = rng.normal(size=(batch, channels, 5, 7))  # non-square
    K = rng.normal(size=(2, channels, kh, kw))
    b = rng.normal(size=2)
    expected = correlate_naive(X, K, b, stride=stride, padding=padding)
    np.testing.assert_allclose(
        fast_correlate(X, K, b, stride, padding), expected, rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("stride", [1, 2, (1, 3)])
@pytest.mark.parametrize("kernel", [1, 3, (2, 3)])
def test_correlate_naive_equals_scipy_per_channel_sum(kernel, stride, padding):
    # An independent reference for the reference: pad, correlate every
    # (filter, channel) pair with scipy, sum over channels, subsample.
    rng = np.random.RandomState(1)
    kh, kw = pair(kernel)
    sh, sw = pair(stride)
    X = rng.normal(size=(2, 3, 6, 5))
    K = rng.normal(size=(2, 3, kh, kw))
    b = rng.normal(size=2)
    pads = (padding_amounts(6, kh, sh, padding), padding_amounts(5, kw, sw, padding))
    Xp = np.pad(X, ((0, 0), (0, 0)) + pads)
    Y = correlate_naive(X, K, b, stride=stride, padding=padding)
    for n in range(2):
        for f in range(2):
            full = sum(correlate2d(Xp[n, c], K[f, c], mode="valid") for c in range(3))
            np.testing.assert_allclose(Y[n, f], full[::sh, ::sw] + b[f], rtol=1e-12)


@pytest.mark.parametrize(
    "kernel, stride",
    [
        (1, 1),
        (2, 1),  # overlapping windows
        (3, 1),  # overlapping windows
        (3, 2),  # overlapping windows with a stride
        ((2, 3), (1, 2)),  # overlapping, non-square
        (2, 2),  # tiling windows
        (2, 3),  # gaps between windows: some inputs never seen
        ((3, 2), (2, 3)),
    ],
)
@pytest.mark.parametrize("batch, channels", [(1, 1), (2, 3)])
def test_conv_input_gradient_is_adjoint_of_correlation(kernel, stride, batch, channels):
    # <correlate(X, K), dY> == <X, dX>: the input gradient of a linear map is
    # its adjoint, whatever the stride, overlap or gaps between windows.
    rng = np.random.RandomState(2)
    kh, kw = pair(kernel)
    sh, sw = pair(stride)
    shape = (batch, channels, 7, 8)
    out = ((7 - kh) // sh + 1, (8 - kw) // sw + 1)
    X = rng.normal(size=shape)
    K = rng.normal(size=(2, channels, kh, kw))
    Y = im2col(X, (kh, kw), (sh, sw), out) @ kernel_matrix(K).T
    dY = rng.normal(size=Y.shape)
    dX = conv_input_gradient(dY, K, shape, (sh, sw), out)
    assert dX.shape == shape
    np.testing.assert_allclose(np.sum(Y * dY), np.sum(X * dX), rtol=1e-12)


def test_conv_input_gradient_counts_how_often_each_input_is_seen():
    # With all-ones gradients and kernel, dX counts the windows covering
    # every position.
    shape = (1, 1, 4, 5)
    out = (3, 2)  # kernel 2, stride (1, 2)
    counts = conv_input_gradient(np.ones((3 * 2, 1)), np.ones((1, 1, 2, 2)), shape, (1, 2), out)
    expected = np.zeros((4, 5))
    for p in range(3):
        for q in range(2):
            expected[p : p + 2, 2 * q : 2 * q + 2] += 1
    np.testing.assert_array_equal(counts[0, 0], expected)
    assert np.all(counts[0, 0, :, 4] == 0)  # the last column is never visited


def test_offsets_seeing_input_leave_out_the_ones_that_see_only_padding():
    # A 3-tall 'same' kernel on a one-row map, padded 1 above and below: the
    # rows above and below the middle one read zeros only.
    assert offsets_seeing_input(3, 1, 1, 1, 1) == (1,)
    # Without padding, or on maps as large as the kernel, every offset counts.
    assert offsets_seeing_input(3, 1, 4, 0, 6) == (0, 1, 2)
    assert offsets_seeing_input(3, 1, 2, 1, 2) == (0, 1, 2)
    # A 5-wide 'same' kernel on a 2-wide map (padded 2 and 2, so the map is at
    # columns 2 and 3): offset 0 reads columns 0 and 1, offset 4 columns 4 and 5.
    assert offsets_seeing_input(5, 1, 2, 2, 2) == (1, 2, 3)
    # Stride 2 over a padded map: offset 0 starts in the padding, then jumps in.
    assert offsets_seeing_input(3, 2, 2, 1, 3) == (0, 1, 2)


@pytest.mark.parametrize(
    "size, kernel, stride",
    [((1, 1), (3, 3), (1, 1)), ((1, 5), (3, 3), (1, 1)), ((2, 2), (5, 5), (1, 1)),
     ((1, 7), (3, 5), (1, 2)), ((6, 5), (3, 3), (2, 2))],
)
def test_conv_input_gradient_through_padding_is_the_cropped_full_gradient(size, kernel, stride):
    # Given the padding, the gradient is that of the input itself: the padded
    # gradient with the padding cut off, bit for bit.
    rng = np.random.RandomState(4)
    (h, w), (kh, kw), (sh, sw) = size, kernel, stride
    pads = (padding_amounts(h, kh, sh, "same"), padding_amounts(w, kw, sw, "same"))
    padded = (3, 2, h + sum(pads[0]), w + sum(pads[1]))
    out = (conv_output_length(h, kh, sh, "same"), conv_output_length(w, kw, sw, "same"))
    K = rng.normal(size=(4, 2, kh, kw))
    dY = rng.normal(size=(3 * out[0] * out[1], 4))
    full = conv_input_gradient(dY, K, padded, stride, out)
    (top, _), (left, _) = pads
    cropped = full[:, :, top : top + h, left : left + w]
    np.testing.assert_array_equal(conv_input_gradient(dY, K, padded, stride, out, pads), cropped)


@pytest.mark.parametrize("channels", [3, 8])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("kernel", [(3, 3), (2, 4)])
def test_im2col_channels_last_path_equals_reference(channels, stride, kernel):
    # Channels-last input with kw * channels >= 8 takes the one-copy path;
    # the result must not depend on the memory layout.
    rng = np.random.RandomState(3)
    X_nhwc = rng.normal(size=(2, 9, 8, channels))
    X = X_nhwc.transpose(0, 3, 1, 2)  # NCHW shape, channels-last memory
    K = rng.normal(size=(4, channels) + kernel)
    b = rng.normal(size=4)
    out = conv_output_length(9, kernel[0], stride, "valid"), conv_output_length(8, kernel[1], stride, "valid")
    fast = im2col(X, kernel, (stride, stride), out)
    reference = im2col(np.ascontiguousarray(X), kernel, (stride, stride), out)
    np.testing.assert_array_equal(fast, reference)
    Y = (fast @ kernel_matrix(K).T + b).reshape(2, out[0], out[1], 4).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(Y, correlate_naive(X, K, b, stride), rtol=1e-12, atol=1e-12)


def test_im2col_preserves_float32():
    X = np.random.RandomState(0).normal(size=(2, 2, 4, 4)).astype(np.float32)
    cols = im2col(X, (2, 2), (1, 1), (3, 3))
    assert cols.dtype == np.float32
    K = np.ones((1, 2, 2, 2), dtype=np.float32)
    dY = np.ones((2 * 3 * 3, 1), dtype=np.float32)
    assert conv_input_gradient(dY, K, X.shape, (1, 1), (3, 3)).dtype == np.float32


@pytest.mark.parametrize(
    "shape, kernel", [((3, 3), (2, 2)), ((5, 7), (3, 2)), ((4, 6), (1, 1))]
)
def test_correlate_naive_single_channel_equals_scipy_correlate2d(shape, kernel):
    rng = np.random.RandomState(3)
    x = rng.normal(size=shape)
    k = rng.normal(size=kernel)
    bias = 0.75
    Y = correlate_naive(x[None, None], k[None, None], np.array([bias]))
    np.testing.assert_allclose(
        Y[0, 0], correlate2d(x, k, mode="valid") + bias, rtol=1e-12
    )


@pytest.mark.parametrize("n_rows", [1, 5, 2048, 2049, 5000])
def test_transposed_product_equals_matmul(n_rows):
    rng = np.random.RandomState(4)
    A = rng.normal(size=(n_rows, 3))
    B = rng.normal(size=(n_rows, 4))
    np.testing.assert_allclose(transposed_product(A, B), A.T @ B, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        transposed_product(A, B, block_rows=7), A.T @ B, rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel", [(1, 1), (2, 2), (3, 3), (2, 5), (7, 7)])
@pytest.mark.parametrize("size", [(7, 7), (9, 8)])
def test_stride_one_input_gradient_by_correlation_equals_the_per_offset_sum(
    padding, kernel, size
):
    # The rotated-kernel correlation and the per-offset sum compute the same
    # full convolution, with the products summed in another order.
    rng = np.random.RandomState(5)
    (h, w), (kh, kw) = size, kernel
    pads = (padding_amounts(h, kh, 1, padding), padding_amounts(w, kw, 1, padding))
    out = (conv_output_length(h, kh, 1, padding), conv_output_length(w, kw, 1, padding))
    padded = (3, 4, h + sum(pads[0]), w + sum(pads[1]))
    K = rng.normal(size=(5, 4, kh, kw))
    dY = rng.normal(size=(3 * out[0] * out[1], 5))
    reference = conv_input_gradient(dY, K, padded, (1, 1), out, pads)
    dX = input_gradient_by_correlation(dY, K, size, out, pads)
    assert dX.shape == (3, 4, h, w)
    np.testing.assert_allclose(dX, reference, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n_samples, size, stride, kernel", [
    (1, 6, 1, (3, 3)),       # fewer rows than one block
    (5, 28, 1, (3, 3)),      # blocks that start and end inside samples and image rows
    (40, 9, 2, (2, 3)),      # many samples per block, strided windows
    (3, 48, 1, (5, 5)),      # more than one block per sample
])
def test_window_gradient_is_the_kernel_gradient_of_the_whole_window_matrix(
        n_samples, size, stride, kernel):
    """Gathering the windows block by block gives the same bits as the
    product with the whole window matrix."""
    rng = np.random.RandomState(5)
    channels = 8
    X = rng.normal(size=(n_samples, size, size + 1, channels)).transpose(0, 3, 1, 2)
    out = tuple(conv_output_length(s, k, stride, "valid")
                for s, k in zip(X.shape[2:], kernel))
    windows = Windows(X, kernel, (stride, stride), out)
    assert not windows.transposed  # the path that gathers again
    dY = rng.normal(size=(n_samples * out[0] * out[1], 4))
    cols = im2col(X, kernel, (stride, stride), out)
    np.testing.assert_array_equal(window_gradient(dY, windows), transposed_product(dY, cols))
    for first, last in [(0, 1), (3, len(cols)), (out[1] - 1, 2 * out[1] + 1)]:
        rows = np.empty((last - first, cols.shape[1]))
        fill_rows(windows, rows, first, last)
        np.testing.assert_array_equal(rows, cols[first:last])


def test_training_keeps_the_windows_not_their_matrix_for_inputs_with_channels():
    """A training pass over a channels-last map with channels keeps the
    Windows (a view of its input), not a window matrix 9x the input's size."""
    from skconv.layers import Conv2D

    layer = Conv2D(4, 3, padding="same")
    layer.build((8, 6, 6), np.random.RandomState(0), np.float64)
    X = np.random.RandomState(1).normal(size=(2, 6, 6, 8)).transpose(0, 3, 1, 2)
    layer.forward(X, training=True)
    assert isinstance(layer._cache.windows, Windows)
    first = Conv2D(4, 3, padding="same")
    first.build((1, 6, 6), np.random.RandomState(0), np.float64)
    first.forward(X[:, :1], training=True)
    assert isinstance(first._cache.windows, np.ndarray)  # one channel: the matrix
