"""Pooling layers: MaxPool2D, AvgPool2D and GlobalAvgPool2D."""

import functools
import math

import numpy as np

from .._conv import pair, pool_output_length, window_view
from .._layout import (
    channels_last_empty,
    channels_last_view,
    channels_last_zeros,
    copy_in_layout,
    is_channels_last,
    match_layout,
    row_block,
)
from .._threads import work_blocks
from .._workers import run_blocks
from .base import Layer

#: Work units per input value of a max-pooling pass: a few element-wise
#: passes with temporaries, each slower than a multiply-add in a product.
_POOL_WORK = 32


@functools.lru_cache(maxsize=64)
def _window_offsets(pool_size):
    """The ``(i, j)`` offsets inside a pooling window, row-major."""
    ph, pw = pool_size
    return tuple((i, j) for i in range(ph) for j in range(pw))


def _max_of_views(out, view, count):
    """``out = max(view(0), ..., view(count - 1))``, element-wise, in place."""
    if count == 1:
        np.copyto(out, view(0))
        return
    np.maximum(view(0), view(1), out=out)
    for k in range(2, count):
        np.maximum(out, view(k), out=out)


class _Pool2D(Layer):
    """Window bookkeeping shared by the pooling layers.

    Attributes
    ----------
    commutes_with_monotone : bool
        Class attribute: True when ``pool(f(X)) = f(pool(X))`` for every
        element-wise non-decreasing ``f`` (a layer whose ``monotone`` is
        True), so that a network may pool first and apply ``f`` to the
        smaller map. True for max pooling only.
    """

    commutes_with_monotone = False
    per_sample_inference = True
    _config_keys = ("pool_size", "stride")

    def __init__(self, pool_size, stride=None):
        super().__init__()
        self.pool_size = pair(pool_size)
        self.stride = self.pool_size if stride is None else pair(stride)

    def _repr_args(self):
        return f"pool_size={self.pool_size}, stride={self.stride}"

    def _out_shape(self, height, width):
        (ph, pw), (sh, sw) = self.pool_size, self.stride
        return pool_output_length(height, ph, sh), pool_output_length(width, pw, sw)

    def _offsets(self):
        return _window_offsets(self.pool_size)

    def output_shape(self, input_shape):
        channels, height, width = input_shape
        ho, wo = self._out_shape(height, width)
        if ho < 1 or wo < 1:
            raise ValueError(
                f"{type(self).__name__} pool {self.pool_size} does not fit an input "
                f"of height x width {height}x{width}; use a smaller pool_size."
            )
        return (channels, ho, wo)


class MaxPool2D(_Pool2D):
    """2-D max pooling; the gradient flows to the arg-max of each window.

    Parameters
    ----------
    pool_size : int or tuple of (int, int)
        Height and width of the windows (one int: square).
    stride : int or tuple of (int, int), default=None
        Defaults to ``pool_size`` (non-overlapping windows). Rows and columns
        that do not fill a whole window are dropped, as in PyTorch.

    Notes
    -----
    When several entries of a window tie for the maximum, the first one (in
    row-major order) receives the gradient.

    Max pooling commutes with every monotone non-decreasing element-wise
    ``f``: ``max(f(x)) = f(max(x))`` (``commutes_with_monotone`` is True).

    Cost of one sample: ``flops = (ph * pw - 1) * C * Ho * Wo`` comparisons.
    """

    commutes_with_monotone = True

    def _flops(self, input_shape, output_shape):
        ph, pw = self.pool_size
        return (ph * pw - 1) * math.prod(output_shape)

    def forward(self, X, training=False):
        out_shape = self._out_shape(*X.shape[2:])
        if not training and is_channels_last(X):
            return self._separable_max(X, out_shape)
        offsets = self._offsets()
        first = window_view(X, offsets[0], self.stride, out_shape)
        # empty_like with order "K" keeps the memory layout of the view
        # (channels-last after a conv), so every pass below runs over
        # matching strides.
        out = np.empty_like(first, order="K")
        # In training, the index of the window offset holding the maximum,
        # in the smallest unsigned type that counts the window's offsets.
        index_type = np.min_scalar_type(len(offsets) - 1)
        argmax = None
        if training:  # the first offset's index, 0, needs no pass if others follow
            make = np.empty_like if len(offsets) > 1 else np.zeros_like
            argmax = make(out, dtype=index_type)
        blocks = work_blocks(X.shape[0], _POOL_WORK * X[0].size)

        def block(b):
            samples = blocks[b]
            Xb, outb = X[samples], out[samples]
            np.copyto(outb, first[samples])
            for k, offset in enumerate(offsets[1:], start=1):
                view = window_view(Xb, offset, self.stride, out_shape)
                if training:
                    # The last offset that beats the running maximum is the
                    # first (row-major) position holding the window's maximum.
                    # Arithmetic, not masked writes, which are slow.
                    if k == 1:
                        np.multiply(view > outb, 1, dtype=index_type, out=argmax[samples])
                    else:
                        beats = np.multiply(view > outb, k, dtype=index_type)
                        np.maximum(argmax[samples], beats, out=argmax[samples])
                np.maximum(outb, view, out=outb)

        run_blocks(block, len(blocks))
        if training:
            self._cache = (argmax, X.shape)
        return out

    def _separable_max(self, X, out_shape):
        """Inference: the maximum over window rows, then over window columns.

        The maximum of a window is the maximum of its rows' maxima, exactly
        (only a tie of -0.0 and +0.0 may come out with the other sign: both
        passes keep either).
        On a channels-last map, the pass over rows reads whole image rows
        (``width * channels`` values in a row of memory), which NumPy runs
        several times faster than the ``channels``-long runs of the pass
        over each window offset; only the pass over columns, on half the
        values (2x2 windows), keeps those short runs. 1.0-1.7x faster on
        five map shapes, batch 1000. Training keeps the per-offset passes,
        which also find the arg-max.
        """
        (ph, pw), (sh, sw) = self.pool_size, self.stride
        ho, wo = out_shape
        n, channels, _, width = X.shape
        out = channels_last_empty((n, channels, ho, wo), X.dtype)
        blocks = work_blocks(n, _POOL_WORK * X[0].size)

        def block(b):
            samples = blocks[b]
            Xb = X[samples]
            rows_max = channels_last_empty((len(Xb), channels, ho, width), X.dtype)
            _max_of_views(rows_max,
                         lambda i: window_view(Xb, (i, 0), (sh, 1), (ho, width)), ph)
            _max_of_views(out[samples],
                         lambda j: window_view(rows_max, (0, j), (1, sw), (ho, wo)), pw)

        run_blocks(block, len(blocks))
        return out

    def backward(self, dout, input_grad=True):
        argmax, input_shape = self._cache
        out_shape = argmax.shape[2:]
        dout = match_layout(dout, argmax)
        overlapping = any(s < p for s, p in zip(self.stride, self.pool_size))
        # Windows that tile the input exactly assign every position of dX.
        tiled = tuple(self.stride) == tuple(self.pool_size) and all(
            o * s == size for o, s, size in zip(out_shape, self.stride, input_shape[2:])
        )
        dX = (channels_last_empty if tiled else channels_last_zeros)(input_shape, dout.dtype)
        blocks = work_blocks(len(dX), _POOL_WORK * dX[0].size)

        def block(b):
            samples = blocks[b]
            dXb, doutb, argmaxb = dX[samples], dout[samples], argmax[samples]
            for k, offset in enumerate(self._offsets()):
                view = window_view(dXb, offset, self.stride, out_shape)
                if overlapping:
                    view += doutb * (argmaxb == k)
                else:  # each input position belongs to one window: assign
                    np.multiply(doutb, argmaxb == k, out=view)

        run_blocks(block, len(blocks))
        return dX


class AvgPool2D(_Pool2D):
    """2-D average pooling; the gradient is spread evenly over each window.

    Parameters
    ----------
    pool_size : int or tuple of (int, int)
        Height and width of the windows (one int: square).
    stride : int or tuple of (int, int), default=None
        Defaults to ``pool_size`` (non-overlapping windows). Rows and columns
        that do not fill a whole window are dropped, as in
        :class:`MaxPool2D`.

    Notes
    -----
    With windows of ``ph * pw`` entries and stride ``(sh, sw)``:

    * ``Y[n, c, p, q] = sum_{i < ph, j < pw} X[n, c, p*sh + i, q*sw + j]
      / (ph * pw)``;
    * ``dX[n, c, y, x] = sum over the windows (p, q) holding (y, x) of
      dY[n, c, p, q] / (ph * pw)``: overlapping windows accumulate, and
      positions in no window get 0.

    Average pooling does not commute with a non-linear activation.

    Cost of one sample: ``flops = ph * pw * C * Ho * Wo`` (``ph * pw - 1``
    additions and one division per output).
    """

    def _flops(self, input_shape, output_shape):
        ph, pw = self.pool_size
        return ph * pw * math.prod(output_shape)

    def forward(self, X, training=False):
        out_shape = self._out_shape(*X.shape[2:])
        offsets = self._offsets()
        # Keeps the layout of X (channels-last after a conv).
        out = copy_in_layout(window_view(X, offsets[0], self.stride, out_shape))
        for offset in offsets[1:]:
            out += window_view(X, offset, self.stride, out_shape)
        out /= len(offsets)
        if training:
            self._cache = X.shape
        return out

    def backward(self, dout, input_grad=True):
        input_shape = self._cache
        ho, wo = dout.shape[2:]
        offsets = self._offsets()
        share = channels_last_empty(dout.shape, dout.dtype)
        np.divide(dout, len(offsets), out=share)
        dX = channels_last_zeros(input_shape, dout.dtype)
        overlapping = any(s < p for s, p in zip(self.stride, self.pool_size))
        for offset in offsets:
            view = window_view(dX, offset, self.stride, (ho, wo))
            if overlapping:
                view += share
            else:  # each input position belongs to one window at most
                view[...] = share
        return dX


class GlobalAvgPool2D(Layer):
    """Mean of each channel over height and width: ``(n, C, H, W) -> (n, C)``.

    Notes
    -----
    ``Y[n, c] = sum_{y, x} X[n, c, y, x] / (H * W)`` and
    ``dX[n, c, y, x] = dY[n, c] / (H * W)``.

    Cost of one sample: ``flops = C * H * W`` (``H * W - 1`` additions and
    one division per channel).
    """

    def output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(
                "GlobalAvgPool2D takes (channels, height, width) inputs; got "
                f"samples of shape {tuple(input_shape)}."
            )
        return (input_shape[0],)

    def _flops(self, input_shape, output_shape):
        return math.prod(input_shape)

    def forward(self, X, training=False):
        if training:
            self._cache = X.shape
        n, c, h, w = X.shape
        if not is_channels_last(X):
            return X.mean(axis=(2, 3))
        # Channels-last (a conv map): sum rows of k * c values, then the k
        # blocks; k depends on the map size only, not on the batch.
        k = row_block(h * w, c)
        pixels = channels_last_view(X)
        sums = pixels.reshape(n, -1, k * c).sum(axis=1).reshape(n, k, c).sum(axis=1)
        sums /= h * w
        return sums

    def backward(self, dout, input_grad=True):
        n, c, h, w = self._cache
        # Channels-last, like the conv maps the input came from.
        dX = channels_last_empty((n, c, h, w), dout.dtype)
        np.divide(dout[:, None, None, :], h * w, out=channels_last_view(dX))
        return dX


__all__ = ["AvgPool2D", "GlobalAvgPool2D", "MaxPool2D"]
