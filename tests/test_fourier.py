"""Tests of Conv2D's backward pass through the FFT (skconv._fourier)."""

import numpy as np
import pytest

from skconv import _threads
from skconv._conv import im2col, pad_images
from skconv._correlate import input_gradient_by_correlation
from skconv._fourier import (
    fourier_bytes,
    fourier_gradients,
    fourier_pays,
    transform_size,
)
from skconv._layout import channels_last_copy, pixel_rows, transposed_product
from skconv.layers import Conv2D
from skconv.testing import assert_layer_gradients


def im2col_gradients(X, dY, K, pads):
    """The kernel and input gradients im2col's backward pass computes."""
    _, channels, height, width = X.shape
    n_filters, _, kh, kw = K.shape
    X_padded = pad_images(X, pads)
    out = (X_padded.shape[2] - kh + 1, X_padded.shape[3] - kw + 1)
    product = transposed_product(dY, im2col(X_padded, (kh, kw), (1, 1), out))
    dK = product.reshape(n_filters, kh, kw, channels).transpose(0, 3, 1, 2)
    dX = input_gradient_by_correlation(dY, K, (height, width), out, pads)
    return dK, dX


def random_case(rng, n, channels, n_filters, size, kernel, padding, dtype=np.float64):
    layer = Conv2D(n_filters, kernel, padding=padding)
    layer.build((channels, *size), rng, dtype)
    pads, out = layer.geometry(*size)
    X = channels_last_copy(rng.normal(size=(n, channels, *size)).astype(dtype))
    dY = rng.normal(size=(n * out[0] * out[1], n_filters)).astype(dtype)
    return layer, X, dY, pads


@pytest.mark.parametrize(("size", "kernel", "padding"), [
    ((7, 7), 5, "same"),
    ((7, 7), 5, "valid"),
    ((8, 9), (5, 7), "same"),  # rectangular kernel on a rectangular map
    ((8, 8), 6, "same"),  # even kernel: one more row of padding below
    ((9, 7), (3, 2), "same"),
    ((6, 6), 3, "valid"),
    ((5, 11), 1, "valid"),
    ((11, 11), 7, "valid"),  # 11 x 11 transforms as 11 x 12
])
@pytest.mark.parametrize("input_grad", [True, False])
def test_fourier_gradients_are_the_im2col_gradients(size, kernel, padding, input_grad):
    rng = np.random.RandomState(0)
    layer, X, dY, pads = random_case(rng, 3, 4, 5, size, kernel, padding)
    K = layer.params["W"]
    dK, dX = fourier_gradients(X, dY, K, pads, input_grad)
    expected_dK, expected_dX = im2col_gradients(X, dY, K, pads)
    np.testing.assert_allclose(dK, expected_dK, rtol=1e-11, atol=1e-12)
    if input_grad:
        np.testing.assert_allclose(dX, expected_dX, rtol=1e-11, atol=1e-12)
        assert dX.shape == X.shape
        assert pixel_rows(dX).flags.c_contiguous  # stored channels-last
    else:
        assert dX is None


def test_transform_size_is_at_least_the_padded_map_and_fast():
    assert transform_size(18, 18) == (18, 18)
    assert transform_size(11, 11) == (11, 12)
    P, Q = transform_size(37, 23)
    assert P >= 37 and Q >= 23


@pytest.mark.parametrize(("kernel", "padding", "size"), [
    (5, "same", (7, 7)), (5, "valid", (7, 7)), ((5, 7), "valid", (7, 9)), (6, "same", (8, 8)),
])
def test_conv2d_gradients_through_the_fft_match_finite_differences(kernel, padding, size):
    rng = np.random.RandomState(1)
    layer = Conv2D(8, kernel, padding=padding)
    layer.build((8, *size), rng, np.float64)
    layer.params["b"] = rng.normal(size=8)
    assert fourier_pays(8, 8, size, layer.kernel_size, layer.stride, True)
    X = rng.normal(size=(2, 8, *size))
    dout = rng.normal(size=layer.forward(X).shape)
    assert_layer_gradients(layer, X, dout)


def test_conv2d_uses_the_fft_where_it_pays_and_im2col_elsewhere(monkeypatch):
    import skconv.layers.conv as conv_module

    calls = []
    original = conv_module.fourier_gradients

    def recording(*args, **kwargs):
        calls.append(args[2].shape)
        return original(*args, **kwargs)

    monkeypatch.setattr(conv_module, "fourier_gradients", recording)
    rng = np.random.RandomState(0)
    for kernel, channels, input_grad, expected in [
        (5, 8, True, 1), (3, 8, True, 0), (5, 3, True, 0), (5, 8, False, 0),
    ]:
        calls.clear()
        layer = Conv2D(8, kernel, padding="same")
        layer.build((channels, 14, 14), rng, np.float32)
        X = channels_last_copy(rng.normal(size=(4, channels, 14, 14)).astype(np.float32))
        dout = channels_last_copy(np.ones((4, 8, 14, 14), np.float32))
        layer.forward(X, training=True)
        layer.backward(dout, input_grad=input_grad)
        assert len(calls) == expected, (kernel, channels, input_grad)
        # The gradients either way are the im2col ones, to float32 rounding.
        expected_dK, _ = im2col_gradients(X.astype(np.float64), pixel_rows(dout).astype(
            np.float64), layer.params["W"].astype(np.float64), layer.geometry(14, 14)[0])
        np.testing.assert_allclose(layer.grads["W"], expected_dK, rtol=2e-4, atol=2e-4)
        if input_grad:
            dX = layer.backward(dout)
            monkeypatch.setattr(conv_module, "fourier_pays", lambda *args: False)
            np.testing.assert_allclose(dX, layer.backward(dout), rtol=1e-4, atol=1e-4)
            monkeypatch.setattr(conv_module, "fourier_pays", fourier_pays)


@pytest.mark.parametrize(("kernel", "size"), [(15, (7, 7)), ((5, 19), (7, 8))])
def test_kernels_cut_to_what_sees_the_input_go_through_the_fft_as_through_im2col(
        kernel, size, monkeypatch):
    """On maps smaller than a 'same' kernel's reach, Conv2D cuts the kernel's
    rim (it sees only padding); the FFT pass gets the cut kernel and its
    padding, and gives im2col's gradients, with zeros on the rim."""
    import skconv.layers.conv as conv_module

    rng = np.random.RandomState(5)
    layer = Conv2D(8, kernel, padding="same")
    layer.build((8, *size), rng, np.float64)
    X = rng.normal(size=(3, 8, *size))
    dout = rng.normal(size=layer.forward(X).shape)
    used = []
    monkeypatch.setattr(conv_module, "fourier_gradients",
                        lambda *args: used.append(args[2].shape) or fourier_gradients(*args))
    layer.forward(X, training=True)
    dX = layer.backward(dout)
    dK = layer.grads["W"]
    assert used and used[0] != layer.params["W"].shape, "a cut kernel through the FFT"
    monkeypatch.setattr(conv_module, "fourier_pays", lambda *args: False)
    layer.forward(X, training=True)
    np.testing.assert_allclose(dX, layer.backward(dout), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(dK, layer.grads["W"], rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize(("stride", "kernel", "channels", "size", "input_grad", "expected"), [
    ((1, 1), (5, 5), 8, (7, 7), True, True),
    ((1, 1), (7, 7), 16, (28, 28), True, True),
    ((1, 1), (3, 3), 64, (28, 28), True, False),  # 3 x 3: the transforms cost more
    ((2, 2), (5, 5), 8, (14, 14), True, False),  # strided: not a convolution
    ((1, 1), (5, 5), 3, (28, 28), True, False),  # few channels
    ((1, 1), (5, 5), 8, (14, 14), False, False),  # a first layer: no dX
    ((1, 1), (5, 5), 8, (6, 6), True, False),  # a small map
])
def test_fourier_pays_for_large_kernels_on_channels_only(
        stride, kernel, channels, size, input_grad, expected):
    assert fourier_pays(channels, 16, size, kernel, stride, input_grad) is expected


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fourier_gradients_do_not_depend_on_threads_or_blocks(dtype, request):
    """Several sample blocks and frequency groups shared with a helper give
    exactly what one thread alone gives."""
    rng = np.random.RandomState(2)
    layer, X, dY, pads = random_case(rng, 12, 8, 8, (9, 9), 5, "same", dtype)
    K = layer.params["W"]
    alone = fourier_gradients(X, dY, K, pads)
    jobs = request.getfixturevalue("helpers_on")
    with _threads.compute_threads():
        shared = fourier_gradients(X, dY, K, pads)
    assert jobs and max(job.n_items for job in jobs) > 1, "the work was cut into blocks"
    for a, b in zip(alone, shared):
        np.testing.assert_array_equal(a, b)


def test_float32_fourier_gradients_are_within_float32_rounding_of_float64():
    rng = np.random.RandomState(3)
    layer, X, dY, pads = random_case(rng, 8, 16, 8, (14, 14), 7, "same")
    exact = fourier_gradients(X, dY, layer.params["W"], pads)
    single = fourier_gradients(X.astype(np.float32), dY.astype(np.float32),
                               layer.params["W"].astype(np.float32), pads)
    for a, b in zip(exact, single):
        assert b.dtype == np.float32
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-4 * np.abs(a).max())


@pytest.mark.parametrize(("channels", "n_filters", "n"), [(8, 8, 16), (64, 64, 8), (64, 64, 32),
                                                      (8, 32, 4)])
def test_fourier_bytes_bound_what_the_backward_pass_allocates(channels, n_filters, n):
    """The estimate counts the whole-batch spectra and the per-layer kernel
    transforms; the pass's traced peak (its output and the transforms'
    temporaries included) stays within 2.5x of it."""
    import tracemalloc

    rng = np.random.RandomState(4)
    layer, X, dY, pads = random_case(rng, n, channels, n_filters, (14, 14), 5, "same",
                                     np.float32)
    estimate = fourier_bytes(channels, n_filters, (18, 18), n, 4)
    tracemalloc.start()
    fourier_gradients(X, dY, layer.params["W"], pads)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert estimate <= peak <= 2.5 * estimate


def test_the_training_memory_estimate_counts_the_largest_fourier_pass(monkeypatch):
    from skconv import _resources

    layers = [Conv2D(8, 3, padding="same"), Conv2D(16, 5, padding="same"),
              Conv2D(16, 5, padding="same")]
    for layer, shape in zip(layers, [(1, 14, 14), (8, 14, 14), (16, 14, 14)]):
        layer.build(shape, np.random.RandomState(0), np.float32)
    with_spectra = _resources.training_memory(layers, (1, 14, 14), 4, 32)
    monkeypatch.setattr(_resources, "fourier_pays", lambda *args: False)
    without = _resources.training_memory(layers, (1, 14, 14), 4, 32)
    assert with_spectra[0] == without[0]
    # One pass at a time: the larger of the two layers', not their sum.
    assert with_spectra[1] - without[1] == fourier_bytes(16, 16, (18, 18), 32, 4)
