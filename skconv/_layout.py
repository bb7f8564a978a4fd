"""The channels-last memory layout of feature maps, in one place.

The rule
--------
A 4-D feature map has the logical shape NCHW ``(n_samples, channels,
height, width)`` and is stored channels-last (NHWC): allocated as
``(n, h, w, c)`` and seen through ``transpose(0, 3, 1, 2)``. A 2-D array
``(n_samples, features)`` is stored C-ordered, so its channel axis is
already last. Everything that meets a map element-wise is allocated, or
copied, in that same layout.

Why: a convolution computes its output as one matrix product with a row
per pixel, which *is* NHWC in memory, and the next convolution's im2col
reads windows of ``kw * channels`` contiguous values from it. NumPy's
element-wise passes over operands with different axis orders run several
times slower than over matching ones, so every layer keeps to the layout
the convolutions produce, through these helpers:

* :func:`channels_last_view`, :func:`is_channels_last`,
  :func:`from_channels_last`, :func:`pixel_rows`: moving between the
  logical NCHW shape and the stored layout;
* :func:`channels_last_empty`, :func:`channels_last_zeros`,
  :func:`channels_last_copy`, :func:`copy_in_layout`,
  :func:`match_layout`, :func:`memory_order_uniform`: new arrays in the
  layout of the maps;
* :func:`row_block`, :func:`add_bias`, :func:`sum_rows`,
  :func:`transposed_product`: fast passes over the narrow ``(pixels,
  channels)`` matrices this layout gives.
"""

import math

import numpy as np

from ._threads import work_groups
from ._workers import run_blocks

# Axis order of the stored (channels-last) array, by the number of
# dimensions of the logical array, and its inverse.
_TO_CHANNELS_LAST = {2: (0, 1), 4: (0, 2, 3, 1)}
_FROM_CHANNELS_LAST = {2: (0, 1), 4: (0, 3, 1, 2)}


def channels_last_shape(shape):
    """The stored shape of a logical ``shape``: ``(n, h, w, c)`` for NCHW."""
    if len(shape) == 4:
        n, c, h, w = shape
        return (n, h, w, c)
    return tuple(shape)


def channels_last_view(X):
    """``X`` with its channel axis last: NHWC for a map, ``X`` itself if 2-D.

    A view (no copy); C-contiguous exactly when ``X`` follows the rule.
    """
    return X.transpose(_TO_CHANNELS_LAST[X.ndim])


def is_channels_last(X):
    """Whether ``X`` (2-D or 4-D) is stored as the layout rule says."""
    return channels_last_view(X).flags.c_contiguous


def from_channels_last(Z, shape):
    """The logical ``shape`` view of data stored channels-last in ``Z``.

    Parameters
    ----------
    Z : ndarray
        Values in channels-last order, e.g. a ``(n * h * w, c)`` matrix with a
        row per pixel.
    shape : tuple of int
        Logical shape ``(n, c, h, w)`` (or ``(n, features)``).

    Returns
    -------
    X : ndarray of shape ``shape``
        A view of ``Z`` (no copy when ``Z`` is contiguous).
    """
    stored = Z.reshape(channels_last_shape(shape))
    return stored.transpose(_FROM_CHANNELS_LAST[len(shape)])


def pixel_rows(X):
    """``X`` as a ``(pixels, channels)`` matrix; free when channels-last."""
    return channels_last_view(X).reshape(-1, X.shape[1])


def channels_last_empty(shape, dtype):
    """An uninitialised array of logical ``shape`` stored channels-last."""
    return from_channels_last(np.empty(channels_last_shape(shape), dtype=dtype), shape)


def channels_last_zeros(shape, dtype):
    """A zero array of logical ``shape`` (NCHW) stored channels-last (NHWC)."""
    return from_channels_last(np.zeros(channels_last_shape(shape), dtype=dtype), shape)


def channels_last_copy(X):
    """A copy of the NCHW map ``X`` (always new memory), stored channels-last
    as a conv's output is."""
    return from_channels_last(channels_last_view(X).copy(), X.shape)


def copy_in_layout(view):
    """A copy of ``view`` that keeps its axis order (channels-last stays so)."""
    return view.copy(order="K")


def match_layout(array, like):
    """``array``, copied into the memory layout of ``like`` if it differs.

    Element-wise passes over operands with different axis orders (say NCHW
    and NHWC) run several times slower than over matching ones; one copy
    first pays off when several passes follow.
    """
    scale = array.itemsize / like.itemsize
    if array.strides == tuple(int(s * scale) for s in like.strides):
        return array
    matched = np.empty_like(like, dtype=array.dtype)
    matched[...] = array
    return matched


def memory_order_uniform(random_state, like):
    """Uniform draws in ``[0, 1)`` shaped like ``like``, in its memory layout.

    The values are drawn in the order ``like`` is stored (for a C-ordered
    array, ``random_state.random_sample(like.shape)`` itself), and returned
    as a view with the strides of ``like``, so that element-wise passes
    between the two run over matching strides.
    """
    order = sorted(range(like.ndim), key=lambda axis: -abs(like.strides[axis]))
    draws = random_state.random_sample(tuple(like.shape[axis] for axis in order))
    return draws.transpose(np.argsort(order))


def row_block(n_rows, n_cols):
    """Rows per block so that blocks of a narrow matrix are about 512 wide.

    Element-wise passes and reductions over a ``(rows, 8)`` matrix run an
    inner loop of 8; viewing it as ``(rows / k, 8 * k)`` makes them fast.
    """
    return math.gcd(n_rows, max(1, 512 // n_cols))


def tiled(v, k):
    """``np.tile(v, k)`` for a vector, without np.tile's Python-level overhead
    (1.7 against 6.0 us on small vectors; it runs several times a batch)."""
    return v[np.newaxis].repeat(k, axis=0).reshape(-1)


def add_bias(Y, b):
    """``Y += b`` for a C-contiguous ``(rows, n)`` matrix, in wide blocks.

    The rows are taken ``k`` at a time as rows of ``k * n`` values (about
    512), and the few rows left over one by one.
    """
    rows, n = Y.shape
    k = max(1, 512 // n)
    head = rows - rows % k
    if head:
        wide = Y[:head].reshape(-1, k * n)
        wide += tiled(b, k)
    if head < rows:
        Y[head:] += b


def sum_rows(Y):
    """``Y.sum(axis=0)`` for a ``(rows, n)`` matrix, in wide blocks."""
    k = row_block(*Y.shape)
    return Y.reshape(-1, k * Y.shape[1]).sum(axis=0).reshape(k, -1).sum(axis=0)


#: Rows per block of :func:`transposed_product` (and of
#: :func:`skconv._correlate.window_gradient`, which must sum the same blocks).
PRODUCT_ROWS = 2048


def transposed_product(A, B, block_rows=PRODUCT_ROWS):
    """``A.T @ B`` for tall matrices, summed over blocks of rows.

    OpenBLAS runs products whose inner dimension is tens of thousands of
    rows and whose outputs are tiny (the first layer's kernel gradient:
    ``(8 x 43264) @ (43264 x 9)``) well below its speed; blocks of 2048 rows
    that stay in cache make them 2-3 times faster. The blocking is fixed, so
    results are reproducible.

    Parameters
    ----------
    A : ndarray of shape (n_rows, m)
    B : ndarray of shape (n_rows, k)
    block_rows : int, default=2048

    Returns
    -------
    product : ndarray of shape (m, k)
    """
    if A.shape[0] <= block_rows:
        return A.T @ B
    starts = range(0, A.shape[0], block_rows)
    # The products of the row blocks may run on several threads; they are
    # summed in block order, so the result does not depend on the threads.
    groups = work_groups(len(starts), A.shape[0] * A.shape[1] * B.shape[1])
    parts = [None] * len(starts)

    def group(g):
        for block in groups[g]:
            rows = slice(starts[block], starts[block] + block_rows)
            parts[block] = A[rows].T @ B[rows]

    run_blocks(group, len(groups))
    product = parts[0]
    for part in parts[1:]:
        product += part
    return product
