"""Cross-correlation by blocks of samples: im2col windows times one kernel matrix.

Conv2D's forward pass runs it on the input; its backward pass runs it once
more, for a stride of 1, on the output gradient with the rotated kernels
(:func:`input_gradient_by_correlation`). Both are channels-last in memory,
as :mod:`skconv._layout` says.
"""

import numpy as np

from ._conv import Windows, kernel_matrix, pad_images
from ._layout import (
    PRODUCT_ROWS,
    add_bias,
    from_channels_last,
    is_channels_last,
    pixel_rows,
)
from ._threads import MAX_BLOCKS, sample_blocks, work_groups
from ._workers import run_blocks

#: Output bytes per call of :func:`correlate`'s ``epilogue`` at most (whole
#: blocks of samples; at least one).
EPILOGUE_BYTES = 1 << 22


def correlate(X_padded, weights, kernel, stride, out_shape, bias=None, keep=False,
              epilogue=None):
    """Rows ``windows(X_padded) @ weights (+ bias)``, a block of samples at a time.

    Parameters
    ----------
    X_padded : ndarray of shape (n_samples, channels, height, width)
        The input, already padded.
    weights : ndarray of shape (kh * kw * channels, n_filters)
        ``kernel_matrix(K).T``.
    kernel, stride, out_shape : tuple of (int, int)
        ``(kh, kw)``, the steps and ``(ho, wo)``.
    bias : ndarray of shape (n_filters,), default=None
    keep : bool, default=False
        Keep what the kernel gradient needs (training): the window matrix
        where it is stored transposed (inputs with few channels), else the
        :class:`~skconv._conv.Windows` of ``X_padded``, from which
        :func:`window_gradient` gathers the windows again, a block at a time.
        Each block of the product gathers its own windows, which are still in
        cache when the product reads them: a whole window matrix written to
        memory and read back made the training product of 32 to 32 filters
        on 28x28 maps twice as slow.
    epilogue : callable, default=None
        Inference only (not with ``keep``): ``epilogue(rows, samples)`` takes
        the output rows of consecutive blocks of samples, ``(m * ho * wo,
        n_filters)`` for at most :data:`EPILOGUE_BYTES`, while they are still
        in cache, and nothing is returned (the layers that follow then read
        no whole output map from memory).

    Returns
    -------
    Y : ndarray of shape (n_samples * ho * wo, n_filters) or None
        Rows ordered (sample, row, column): NCHW stored channels-last. None
        with an ``epilogue``.
    cols : ndarray of shape (n_samples * ho * wo, kh * kw * channels), Windows or None
        If ``keep``: the window matrix, or the Windows to gather it from.
        For 1x1 windows of a channels-last input the matrix is a view of
        ``X_padded``'s own memory. Either way the input must not change while
        they are in use (no layer writes into its input).
    """
    n = X_padded.shape[0]
    ho, wo = out_shape
    n_filters = weights.shape[1]
    Y = None if epilogue else np.empty((n * ho * wo, n_filters), dtype=X_padded.dtype)
    blocks = sample_blocks(n, ho * wo * weights.shape[0] * (n_filters + 1),
                           ho * wo * weights.shape[0] * X_padded.itemsize)
    Y_dtype = X_padded.dtype
    one_by_one = tuple(kernel) == (1, 1) and tuple(stride) == (1, 1)
    if one_by_one and is_channels_last(X_padded):
        # 1x1 windows are the pixels: the window matrix is the input's own
        # memory, and the same blocks multiply it without a copy (kernel_size=1,
        # and kernels cut down to one position on 1x1 maps).
        windows, storage = None, pixel_rows(X_padded)
    else:
        windows = Windows(X_padded, kernel, stride, out_shape)
        storage = windows.empty(n) if keep and windows.transposed else None

    def product(b, out):
        """Block ``b``'s rows of the output, into ``out``."""
        samples = blocks[b]
        if windows is None:
            cols = storage[samples.start * ho * wo : samples.stop * ho * wo]
        elif storage is not None:
            windows.fill(storage, samples, samples)
            cols = windows.matrix(storage, samples)
        else:
            own = windows.empty(samples.stop - samples.start)
            windows.fill(own, samples)
            cols = windows.matrix(own)
        np.matmul(cols, weights, out=out)
        if bias is not None:
            add_bias(out, bias)

    if epilogue is None:
        run_blocks(lambda b: product(b, Y[_rows(blocks[b], ho * wo)]), len(blocks))
    else:
        # Consecutive blocks share one epilogue call, on at most
        # EPILOGUE_BYTES of output: fewer calls of the layers after it,
        # whose Python overhead per call outweighed the cache they saved
        # on blocks of a dozen samples (3 to 16 filters over 28x28 maps).
        per_block = max(1, EPILOGUE_BYTES // max(1, (blocks[0].stop - blocks[0].start)
                                                 * ho * wo * n_filters * Y_dtype.itemsize))
        # And at least MAX_BLOCKS groups where there are as many blocks, for
        # the helper threads (groups change no value: only who computes it).
        per_block = min(per_block, max(1, len(blocks) // MAX_BLOCKS))
        groups = [range(g, min(g + per_block, len(blocks)))
                  for g in range(0, len(blocks), per_block)]

        def group(g):
            samples = slice(blocks[groups[g][0]].start, blocks[groups[g][-1]].stop)
            out = np.empty(((samples.stop - samples.start) * ho * wo, n_filters),
                           dtype=Y_dtype)
            for b in groups[g]:
                rows = _rows(blocks[b], ho * wo)
                product(b, out[rows.start - samples.start * ho * wo :
                               rows.stop - samples.start * ho * wo])
            epilogue(out, samples)

        run_blocks(group, len(groups))
    if not keep:
        return Y, None
    if windows is None:
        return Y, storage
    return Y, (windows if storage is None else windows.matrix(storage))


def _rows(samples, per_sample):
    """The rows of ``samples`` in a matrix of ``per_sample`` rows per sample."""
    return slice(samples.start * per_sample, samples.stop * per_sample)


def window_gradient(dY, windows):
    """``dY.T @ M`` for the window matrix ``M`` of ``windows``, gathered by blocks.

    The same sums as ``transposed_product(dY, im2col(...))``: the products
    of blocks of :data:`PRODUCT_ROWS` rows, added in block order, each
    block's windows gathered into cache just before its product reads them.

    Parameters
    ----------
    dY : ndarray of shape (n_samples * ho * wo, n_filters)
        Output gradients, rows ordered like the window matrix's.
    windows : Windows
        Not transposed (the input channels-last, with at least 8 values per
        kernel row).

    Returns
    -------
    product : ndarray of shape (n_filters, kh * kw * channels)
    """
    n_rows = dY.shape[0]
    starts = range(0, n_rows, PRODUCT_ROWS)
    (kh, kw), channels = windows.kernel, windows.X.shape[1]
    width = kh * kw * channels
    groups = work_groups(len(starts), n_rows * dY.shape[1] * width)
    parts = [None] * len(starts)

    def group(g):
        buffer = np.empty((min(PRODUCT_ROWS, n_rows), width), dtype=dY.dtype)
        for block in groups[g]:
            first = starts[block]
            last = min(first + PRODUCT_ROWS, n_rows)
            cols = buffer[: last - first]
            fill_rows(windows, cols, first, last)
            parts[block] = dY[first:last].T @ cols

    run_blocks(group, len(groups))
    product = parts[0]
    for part in parts[1:]:
        product += part
    return product


def fill_rows(windows, out, first, last):
    """Copy rows ``first:last`` of the window matrix of ``windows`` into ``out``.

    Whole samples, then whole image rows, then single windows, in as few
    copies as those boundaries allow (at most seven for a block).
    """
    ho, wo = windows.out_shape
    per_sample = ho * wo
    view = windows.windows  # (n, ho, wo, kh, kw, c)
    out = out.reshape((last - first,) + view.shape[3:])
    row, done = first, 0
    while row < last:
        sample, within = divmod(row, per_sample)
        p, q = divmod(within, wo)
        left = last - row
        if within == 0 and left >= per_sample:
            k = left // per_sample
            part, source = k * per_sample, view[sample : sample + k]
        elif q == 0 and left >= wo:
            k = min(left // wo, ho - p)
            part, source = k * wo, view[sample, p : p + k]
        else:
            part = min(left, wo - q)
            source = view[sample, p, q : q + part]
        out[done : done + part].reshape(source.shape)[...] = source
        row, done = row + part, done + part


def input_gradient_by_correlation(dY, K, input_size, out_shape, pads):
    """The input gradient of a stride-1 cross-correlation, as one more correlation.

    ``dX_c = sum_f dY_f (*full) K_fc`` is the valid cross-correlation of
    ``dY``, padded by ``kh - 1 - top`` above and ``h - ho + top`` below (and
    likewise across), with the kernels rotated by 180 degrees and their two
    channel axes swapped: the same products as the per-offset sum of
    :func:`skconv._conv.conv_input_gradient`, gathered into one im2col
    product, which BLAS runs faster than ``kh * kw`` thin ones (0.68x the
    time for 7x7 kernels from 8 to 16 channels on 14x14 maps, 0.89-0.97x
    for 3x3 and 5x5 ones).

    Parameters
    ----------
    dY : ndarray of shape (n_samples * ho * wo, n_filters)
        Output gradients, rows ordered (sample, row, column).
    K : ndarray of shape (n_filters, channels, kh, kw)
    input_size : tuple of (int, int)
        ``(h, w)`` of the input without its padding.
    out_shape : tuple of (int, int)
        ``(ho, wo)``.
    pads : tuple of ((top, bottom), (left, right))
        The padding the forward pass read.

    Returns
    -------
    dX : ndarray of shape (n_samples, channels, h, w)
        Stored channels-last.
    """
    n_filters, channels, kh, kw = K.shape
    (h, w), (ho, wo) = input_size, out_shape
    (top, _), (left, _) = pads
    n = dY.shape[0] // (ho * wo)
    grad_pads = ((kh - 1 - top, h - ho + top), (kw - 1 - left, w - wo + left))
    dY_maps = from_channels_last(dY, (n, n_filters, ho, wo))
    rotated = K[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (channels, n_filters, kh, kw)
    rows, _ = correlate(pad_images(dY_maps, grad_pads), kernel_matrix(rotated).T,
                        (kh, kw), (1, 1), (h, w))
    return from_channels_last(rows, (n, channels, h, w))
