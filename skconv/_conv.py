"""Convolution arithmetic as pure functions.

Everything here works on NCHW arrays (``n_samples, channels, height,
width``) and is vectorised over the batch and the channels: the only Python
loops run over the ``kh * kw`` positions inside a kernel window, never over
samples or channels.

Vocabulary follows :func:`scipy.signal.correlate2d`:

* *valid* cross-correlation: the kernel only visits positions where it fits
  entirely inside the input, ``H_out = (H - kh) // stride + 1``;
* *same* padding: zeros are added so that ``H_out = ceil(H / stride)``;
  when the total padding is odd the extra row/column goes to the bottom/right
  (the TensorFlow convention);
* *full* convolution: the kernel is rotated by 180 degrees and visits every
  position where it overlaps the input at all.

The fast path (:func:`im2col` + one matrix product, and
:func:`conv_input_gradient` for the input gradient, both channels-last in
memory as :mod:`skconv._layout` says) sits beside :func:`correlate_naive`,
a deliberately slow reference that the tests compare it against.
"""

import functools

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ._layout import channels_last_view, channels_last_zeros, is_channels_last
from ._threads import sample_blocks
from ._workers import run_blocks


def pair(value):
    """Return ``value`` as a ``(rows, cols)`` tuple of ints.

    Parameters
    ----------
    value : int or tuple of two ints
        A size given once for both spatial axes, or once per axis.

    Returns
    -------
    pair : tuple of (int, int)
    """
    if np.ndim(value) == 0:
        return int(value), int(value)
    rows, cols = value
    return int(rows), int(cols)


def padding_amounts(size, kernel, stride, padding):
    """Zero padding ``(before, after)`` along one axis.

    Parameters
    ----------
    size : int
        Length of the input along the axis.
    kernel : int
        Length of the kernel along the axis.
    stride : int
        Step between two kernel positions.
    padding : {"valid", "same"}
        ``"valid"`` adds nothing; ``"same"`` adds just enough zeros for
        ``ceil(size / stride)`` outputs.

    Returns
    -------
    before, after : int
    """
    if padding == "valid":
        return 0, 0
    n_out = -(-size // stride)
    total = max((n_out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def conv_output_length(size, kernel, stride, padding):
    """Length of a cross-correlation output along one axis.

    ``(size + pad_before + pad_after - kernel) // stride + 1``; zero or
    negative means the kernel does not fit.
    """
    before, after = padding_amounts(size, kernel, stride, padding)
    return (size + before + after - kernel) // stride + 1


def pool_output_length(size, pool, stride):
    """Length of a pooling output along one axis (windows that fit; floor)."""
    return (size - pool) // stride + 1


def pad_images(X, pads):
    """Zero-pad the two spatial axes of an NCHW array.

    Parameters
    ----------
    X : ndarray of shape (n_samples, channels, height, width)
    pads : tuple of ((top, bottom), (left, right))

    Returns
    -------
    X_padded : ndarray
        ``X`` itself when no padding is needed (no copy); otherwise a new
        array stored channels-last, like the convolution outputs.
    """
    (top, bottom), (left, right) = pads
    if top == bottom == left == right == 0:
        return X
    n, c, h, w = X.shape
    X_padded = channels_last_zeros((n, c, h + top + bottom, w + left + right), X.dtype)
    X_padded[:, :, top : top + h, left : left + w] = X
    return X_padded


def window_view(X, offset, stride, out_shape):
    """Strided view of the input positions a kernel offset sees.

    For kernel offset ``(i, j)`` the view holds
    ``X[:, :, i + stride_h * p, j + stride_w * q]`` for every output position
    ``(p, q)``, so iterating over the ``kh * kw`` offsets visits every window.
    """
    i, j = offset
    sh, sw = stride
    ho, wo = out_shape
    return X[:, :, i : i + sh * (ho - 1) + 1 : sh, j : j + sw * (wo - 1) + 1 : sw]


def kernel_matrix(K):
    """Kernels ``(n_filters, channels, kh, kw)`` as the matrix im2col expects.

    Returns
    -------
    matrix : ndarray of shape (n_filters, kh * kw * channels)
        Columns ordered ``(i, j, c)``, like the rows of :func:`im2col`.
    """
    return K.transpose(0, 2, 3, 1).reshape(K.shape[0], -1)


def kernel_from_matrix(matrix, kernel_shape):
    """Inverse of :func:`kernel_matrix`: a contiguous ``(F, C, kh, kw)`` array."""
    n_filters, channels, kh, kw = kernel_shape
    return np.ascontiguousarray(
        matrix.reshape(n_filters, kh, kw, channels).transpose(0, 3, 1, 2)
    )


class Windows:
    """The window matrix (im2col) of ``X``, filled block of samples by block.

    Parameters
    ----------
    X : ndarray of shape (n_samples, channels, height, width)
        The (already padded) input, in any memory layout.
    kernel : tuple of (int, int)
        Kernel height and width ``(kh, kw)``.
    stride : tuple of (int, int)
    out_shape : tuple of (int, int)
        Output height and width ``(ho, wo)``.

    Notes
    -----
    Row ``(n, p, q)`` of the matrix holds the window under output position
    ``(p, q)`` of sample ``n`` in ``(i, j, c)`` order, so a cross-correlation
    is ``matrix @ kernel_matrix(K).T``. Channels-last input with at least 8
    values per kernel row is gathered into a C-ordered matrix (each kernel
    row of a window is ``kw * c`` contiguous values, so one copy of the
    window view is fastest); inputs with fewer channels into its transpose,
    one block of whole image rows per kernel offset and channel, seen as a
    Fortran-ordered matrix that BLAS reads without a copy.
    """

    def __init__(self, X, kernel, stride, out_shape):
        self.X, self.kernel, self.stride, self.out_shape = X, kernel, stride, out_shape
        self.transposed = not (is_channels_last(X) and kernel[1] * X.shape[1] >= 8)
        # One strided view of every window, (n, ho, wo, kh, kw, c):
        # windows[n, p, q, i, j, ch] = X[n, ch, p * sh + i, q * sw + j].
        (kh, kw), (sh, sw), (ho, wo) = kernel, stride, out_shape
        n, c = X.shape[:2]
        s_n, s_c, s_h, s_w = X.strides
        self.windows = as_strided(
            X, (n, ho, wo, kh, kw, c), (s_n, s_h * sh, s_w * sw, s_h, s_w, s_c),
            writeable=False,
        )

    def empty(self, n_samples):
        """Uninitialised storage for the windows of ``n_samples`` samples."""
        (kh, kw), (ho, wo), c = self.kernel, self.out_shape, self.X.shape[1]
        if self.transposed:
            return np.empty((kh, kw, c, n_samples, ho, wo), dtype=self.X.dtype)
        return np.empty((n_samples, ho, wo, kh, kw, c), dtype=self.X.dtype)

    def fill(self, storage, samples=slice(None), into=slice(None)):
        """Copy the windows of ``X[samples]`` into the samples ``into`` of ``storage``.

        One copy either way; the transposed storage is written a whole image
        row (``wo`` contiguous values) at a time.
        """
        if self.transposed:
            storage[:, :, :, into] = self.windows[samples].transpose(3, 4, 5, 0, 1, 2)
        else:
            storage[into] = self.windows[samples]

    def matrix(self, storage, samples=slice(None)):
        """The ``(n * ho * wo, kh * kw * c)`` matrix of the windows in ``storage``.

        With ``samples``, only the rows of those samples (a view).
        """
        ho, wo = self.out_shape
        if self.transposed:
            kh, kw, c, n = storage.shape[:4]
            cols = storage.reshape(kh * kw * c, n * ho * wo).T
        else:
            cols = storage.reshape(storage.shape[0] * ho * wo, -1)
        if samples == slice(None):
            return cols
        return cols[samples.start * ho * wo : samples.stop * ho * wo]


def im2col(X, kernel, stride, out_shape):
    """Gather every kernel window of ``X`` into the rows of a matrix.

    Parameters
    ----------
    X : ndarray of shape (n_samples, channels, height, width)
        The (already padded) input, in any memory layout.
    kernel : tuple of (int, int)
        Kernel height and width ``(kh, kw)``.
    stride : tuple of (int, int)
    out_shape : tuple of (int, int)
        Output height and width ``(ho, wo)``.

    Returns
    -------
    cols : ndarray of shape (n_samples * ho * wo, kh * kw * channels)
        Row ``(n, p, q)`` holds the window under output position ``(p, q)``
        of sample ``n`` in ``(i, j, c)`` order, so a cross-correlation is
        ``cols @ kernel_matrix(K).T``. C-ordered, or Fortran-ordered for
        inputs with few channels (see :class:`Windows`).
    """
    windows = Windows(X, kernel, stride, out_shape)
    storage = windows.empty(X.shape[0])
    windows.fill(storage)
    return windows.matrix(storage)


#: Bytes of the stacked per-offset products of :func:`conv_input_gradient`.
STACK_BYTES = 1 << 21


@functools.lru_cache(maxsize=256)
def offsets_seeing_input(kernel, stride, n_out, pad_before, size):
    """The kernel offsets along one axis whose windows see the input, not only padding.

    Offset ``i`` reads padded positions ``i, i + stride, ...,
    i + stride * (n_out - 1)``; the input itself is at ``pad_before ..
    pad_before + size - 1``. On maps smaller than the kernel (a 1 x 1 map
    under a 3 x 3 'same' kernel, a one-row image) most offsets see only zeros.

    Returns
    -------
    offsets : tuple of int
    """
    return tuple(
        i for i in range(kernel)
        if any(pad_before <= i + stride * p < pad_before + size for p in range(n_out))
    )


def conv_input_gradient(dY, K, input_shape, stride, out_shape, pads=((0, 0), (0, 0))):
    """Gradient of a cross-correlation with respect to its input.

    ``dX_j = sum_i dY_i (*full) K_ij``: the full convolution of the output
    gradients with the kernels. Written as a sum over kernel offsets
    ``(a, b)``: the product ``dY @ K[:, :, a, b]`` is added at the input
    positions that offset saw (the adjoint of :func:`im2col`, without
    building its matrix). Each addition runs over contiguous rows of
    ``wo * channels`` values. Conv2D passes the kernel already cut to the
    part that sees the input (see :func:`offsets_seeing_input`).

    Parameters
    ----------
    dY : ndarray of shape (n_samples * ho * wo, n_filters)
        Output gradients, rows ordered like those of :func:`im2col`.
    K : ndarray of shape (n_filters, channels, kh, kw)
    input_shape : tuple of int
        ``(n_samples, channels, height, width)`` of the padded input.
    stride, out_shape : tuple of (int, int)
    pads : tuple of ((top, bottom), (left, right)), default=no padding
        The zero padding ``input_shape`` includes.

    Returns
    -------
    dX : ndarray of shape (n_samples, channels, height - top - bottom, width - left - right)
        The gradient of the input inside the padding; a view of an array
        stored channels-last.
    """
    n, c, height, width = input_shape
    n_filters, _, kh, kw = K.shape
    sh, sw = stride
    ho, wo = out_shape
    (top, bottom), (left, right) = pads
    offsets = [(i, j) for i in range(kh) for j in range(kw)]
    # (offsets, F, c): the kernel slice of each offset, as dY @ K needs it.
    K_stack = np.ascontiguousarray(K.transpose(2, 3, 0, 1)).reshape(kh * kw, n_filters, c)
    dX = channels_last_zeros(input_shape, dY.dtype)
    dX_nhwc = channels_last_view(dX)  # the same memory, indexed (n, h, w, c)
    # Blocks of samples write disjoint parts of dX; the offsets add up in
    # the same order in every block.
    blocks = sample_blocks(n, ho * wo * kh * kw * c * (n_filters + 1))

    def block(b):
        samples = blocks[b]
        rows_of_dY = dY[samples.start * ho * wo : samples.stop * ho * wo]
        dX_block = dX_nhwc[samples]
        # Stacked products compute several offsets' dY @ K[:, :, i, j] in one
        # call (the same BLAS call per offset as a loop), as many at a time
        # as fit in STACK_BYTES.
        per_offset = rows_of_dY.shape[0] * c * dY.itemsize
        group = max(1, min(len(offsets), STACK_BYTES // max(per_offset, 1)))
        for first in range(0, len(offsets), group):
            updates = np.matmul(rows_of_dY, K_stack[first : first + group])
            for (i, j), update in zip(offsets[first : first + group], updates):
                rows = slice(i, i + sh * (ho - 1) + 1, sh)
                columns = slice(j, j + sw * (wo - 1) + 1, sw)
                dX_block[:, rows, columns, :] += update.reshape(-1, ho, wo, c)

    run_blocks(block, len(blocks))
    return dX[:, :, top : height - bottom, left : width - right]


def correlate_naive(X, K, b, stride=1, padding="valid"):
    """Reference multi-channel cross-correlation with explicit loops.

    Deliberately slow and obviously correct; the tests compare the fast
    layers against it.

    Parameters
    ----------
    X : ndarray of shape (n_samples, in_channels, height, width)
    K : ndarray of shape (n_filters, in_channels, kh, kw)
    b : ndarray of shape (n_filters,)
    stride : int or tuple of (int, int), default=1
    padding : {"valid", "same"}, default="valid"

    Returns
    -------
    Y : ndarray of shape (n_samples, n_filters, ho, wo)
        ``Y[n, f, p, q] = b[f] + sum_{c,i,j} Xpad[n, c, p*s + i, q*s + j]
        * K[f, c, i, j]``.
    """
    kh, kw = K.shape[2:]
    sh, sw = pair(stride)
    h, w = X.shape[2:]
    pads = (
        padding_amounts(h, kh, sh, padding),
        padding_amounts(w, kw, sw, padding),
    )
    Xp = pad_images(X, pads)
    ho = conv_output_length(h, kh, sh, padding)
    wo = conv_output_length(w, kw, sw, padding)
    Y = np.empty((X.shape[0], K.shape[0], ho, wo), dtype=np.result_type(X, K))
    for n in range(X.shape[0]):
        for f in range(K.shape[0]):
            for p in range(ho):
                for q in range(wo):
                    window = Xp[n, :, p * sh : p * sh + kh, q * sw : q * sw + kw]
                    Y[n, f, p, q] = b[f] + np.sum(window * K[f])
    return Y
