"""Conv2D's backward pass through the FFT, for large kernels.

With a stride of 1, both gradients of a cross-correlation are
convolutions, and a convolution is a product of Fourier transforms:

* ``dK_ij = X_j * dY_i`` (valid cross-correlation) is, with ``dY`` flipped
  (rows and columns reversed), the linear convolution of the padded input
  with the flipped ``dY``, read at ``ho - 1 + i, wo - 1 + j``;
* ``dX_j = sum_i dY_i (*full) K_ij`` is the convolution of the flipped
  ``dY`` with the flipped kernels, read backwards.

Flipping both sides turns every correlation into a plain convolution, so no
transform needs conjugating. The transforms have the size of the padded
input, ``P x Q``, which no linear result of either convolution overruns, so
the circular products are exact. The mixing of channels is then one
``(n, F) @ (F, C)`` product per frequency (``dX``) and one ``(C, n) @ (n,
F)`` (``dK``): their cost no longer grows with the kernel, while im2col's
grows with ``kh * kw``. :func:`fourier_pays` says where that wins.
"""

import functools

import numpy as np
import scipy.fft

from ._layout import channels_last_view, from_channels_last
from ._threads import sample_blocks, work_groups
from ._workers import run_blocks


@functools.lru_cache(maxsize=256)
def transform_size(height, width):
    """Transform size ``(P, Q)`` for a padded ``height x width`` map.

    The smallest sizes at least as large that ``scipy.fft`` transforms fast
    (:func:`scipy.fft.next_fast_len`): the rows, transformed as complex
    values, and the columns, as real ones (a 7 x 7 map padded to 11 x 11
    transforms as 11 x 12).
    """
    return (scipy.fft.next_fast_len(height, real=False),
            scipy.fft.next_fast_len(width, real=True))


def fourier_bytes(channels, n_filters, padded, n_samples, itemsize):
    """Bytes of the arrays one FFT backward pass holds at its peak.

    The transforms of the input, of ``dY`` and of ``dX`` for every sample,
    ``P x (Q // 2 + 1)`` complex values per channel each, and, once per
    layer, the transformed kernels and kernel gradient (complex, one per
    channel and filter pair) and the kernel gradient's inverse transform
    (``P x Q`` real values per pair).

    Parameters
    ----------
    channels, n_filters : int
    padded : tuple of (int, int)
        Height and width of the padded input.
    n_samples : int
    itemsize : int
        Bytes of one real value (4 for float32).

    Returns
    -------
    nbytes : int
    """
    P, Q = transform_size(*padded)
    half = P * (Q // 2 + 1)
    per_sample = 2 * half * (2 * channels + n_filters)
    per_layer = (4 * half + P * Q) * channels * n_filters
    return (per_sample * n_samples + per_layer) * itemsize


def fourier_pays(channels, n_filters, in_size, kernel, stride, input_grad):
    """Whether the FFT backward pass is expected to beat im2col's.

    Measured on the layers of ``benchmarks/bench_grid.py`` and a few more
    (2-core Intel Xeon VM, float32, batches of 32 to 256): the FFT pass took
    0.29-0.74x im2col's time for 5 x 5 to 9 x 9 kernels from 8 or more
    channels on maps of 12 x 12 to 28 x 28, 0.88-0.91x on 7 x 7 and 10 x 10
    maps; 1.2-2.2x for every 3 x 3 kernel, where the transforms cost more
    than the products they save. First layers (no input gradient, one to
    three channels) keep im2col too.

    Parameters
    ----------
    channels, n_filters : int
    in_size : tuple of (int, int)
        Height and width of the unpadded input.
    kernel, stride : tuple of (int, int)
    input_grad : bool
        Whether the input gradient is wanted too.

    Returns
    -------
    pays : bool
    """
    return (
        input_grad
        and tuple(stride) == (1, 1)
        and kernel[0] * kernel[1] >= 25
        and channels >= 8
        and min(in_size) >= 7
        and n_filters >= 8
    )


def fourier_gradients(X, dY, K, pads, input_grad=True):
    """Kernel and input gradients of a stride-1 cross-correlation, by the FFT.

    Parameters
    ----------
    X : ndarray of shape (n_samples, channels, height, width)
        The input without its padding, stored channels-last.
    dY : ndarray of shape (n_samples * ho * wo, n_filters)
        Output gradients, rows ordered (sample, row, column).
    K : ndarray of shape (n_filters, channels, kh, kw)
    pads : tuple of ((top, bottom), (left, right))
        The zero padding the forward pass read.
    input_grad : bool, default=True
        Whether to compute ``dX``.

    Returns
    -------
    dK : ndarray of shape (n_filters, channels, kh, kw)
    dX : ndarray of shape (n_samples, channels, height, width) or None
        Stored channels-last.

    Notes
    -----
    Three passes, each shared between threads: the transforms of ``X`` and
    ``dY``, a block of samples at a time (the blocks of
    :func:`skconv._threads.sample_blocks`); the products, a group of
    frequencies at a time (each frequency's product is one whole-batch
    matrix product, the same whatever the grouping); the inverse transforms
    of ``dX``, by blocks of samples again. So the result does not depend on
    the threads.
    """
    n, channels, height, width = X.shape
    n_filters, _, kh, kw = K.shape
    (top, bottom), (left, right) = pads
    padded = (height + top + bottom, width + left + right)
    ho, wo = padded[0] - kh + 1, padded[1] - kw + 1
    P, Q = transform_size(*padded)
    half = Q // 2 + 1
    bins = P * half
    X_nhwc = channels_last_view(X)
    dY_nhwc = dY.reshape(n, ho, wo, n_filters)
    spectrum = np.result_type(X.dtype, np.complex64)
    X_hat = np.empty((n, P, half, channels), dtype=spectrum)
    dY_hat = np.empty((n, P, half, n_filters), dtype=spectrum)
    blocks = sample_blocks(n, P * Q * (channels + n_filters) * 8,
                           P * Q * (channels + n_filters) * 3 * X.itemsize)

    def transform(b):
        samples = blocks[b]
        m = samples.stop - samples.start
        X_padded = np.zeros((m, P, Q, channels), dtype=X.dtype)
        X_padded[:, top : top + height, left : left + width] = X_nhwc[samples]
        X_hat[samples] = scipy.fft.rfft2(X_padded, axes=(1, 2), workers=1)
        dY_flipped = np.zeros((m, P, Q, n_filters), dtype=X.dtype)
        dY_flipped[:, :ho, :wo] = dY_nhwc[samples, ::-1, ::-1]
        dY_hat[samples] = scipy.fft.rfft2(dY_flipped, axes=(1, 2), workers=1)

    run_blocks(transform, len(blocks))
    # (bins, n, c) views: one frequency's coefficients of every sample.
    X_bins = X_hat.reshape(n, bins, channels).transpose(1, 0, 2)
    dY_bins = dY_hat.reshape(n, bins, n_filters).transpose(1, 0, 2)
    dK_hat = np.empty((bins, channels, n_filters), dtype=spectrum)
    if input_grad:
        flipped = np.zeros((P, Q, n_filters, channels), dtype=K.dtype)
        flipped[:kh, :kw] = K[:, :, ::-1, ::-1].transpose(2, 3, 0, 1)
        K_hat = scipy.fft.rfft2(flipped, axes=(0, 1), workers=1).reshape(
            bins, n_filters, channels)
        dX_hat = np.empty((n, P, half, channels), dtype=spectrum)
        dX_bins = dX_hat.reshape(n, bins, channels).transpose(1, 0, 2)
    groups = work_groups(bins, 4 * n * channels * n_filters * bins * (1 + input_grad))

    def product(g):
        frequencies = slice(groups[g].start, groups[g].stop)
        np.matmul(X_bins[frequencies].transpose(0, 2, 1), dY_bins[frequencies],
                  out=dK_hat[frequencies])
        if input_grad:
            np.matmul(dY_bins[frequencies], K_hat[frequencies], out=dX_bins[frequencies])

    run_blocks(product, len(groups))
    dK_full = scipy.fft.irfft2(dK_hat.reshape(P, half, channels, n_filters), s=(P, Q),
                               axes=(0, 1), workers=1)
    dK = np.ascontiguousarray(
        dK_full[ho - 1 : ho - 1 + kh, wo - 1 : wo - 1 + kw].transpose(3, 2, 0, 1))
    if not input_grad:
        return dK, None
    dX = np.empty((n, height, width, channels), dtype=X.dtype)
    # dX[q] is the convolution at padded[0] - 1 - top - q: read backwards.
    rows = slice(padded[0] - 1 - top, bottom - 1 if bottom else None, -1)
    columns = slice(padded[1] - 1 - left, right - 1 if right else None, -1)

    def inverse(b):
        samples = blocks[b]
        full = scipy.fft.irfft2(dX_hat[samples], s=(P, Q), axes=(1, 2), workers=1)
        dX[samples] = full[:, rows, columns]

    run_blocks(inverse, len(blocks))
    return dK, from_channels_last(dX, (n, channels, height, width))
