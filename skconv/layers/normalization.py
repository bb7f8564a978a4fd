"""Batch normalisation, on the fastest view of the maps' memory layout."""

import math

import numpy as np

from .._layout import (
    channels_last_view,
    from_channels_last,
    is_channels_last,
    match_layout,
    row_block,
    tiled,
)
from .._workers import run_blocks
from .base import Layer

#: Bytes of the working view per block of a batch-normalisation pass: large
#: enough that a block costs far more than its Python calls, small enough
#: that two threads share a batch's conv maps (13 blocks of 32 filters over
#: 28x28 maps, float32, batch 64). One thread runs blocks as fast as whole
#: arrays (0.9-1.1x); two ran BN of those maps 1.3x faster.
_BLOCK_BYTES = 1 << 19


class _PerChannel:
    """Per-channel sums and broadcasts over the fastest view of an array.

    For an array stored channels-last (4-D conv maps) or a C-ordered 2-D
    array, the work happens on a ``(rows / k, k * channels)`` matrix view
    with per-channel vectors tiled ``k`` times (the wide blocks of
    :func:`skconv._layout.add_bias`), cut into blocks of rows that helper
    threads share; otherwise directly on the array, in one block, with
    vectors shaped to broadcast along axis 1.

    The blocks depend on the array's shape and dtype only, and per-channel
    sums add the blocks' partial sums in block order: the results do not
    depend on how many threads ran them.
    """

    def __init__(self, X):
        self.shape = X.shape
        self.channels = X.shape[1]
        self.count = X.size // self.channels
        self.wide = is_channels_last(X)
        if self.wide:
            self.k = row_block(self.count, self.channels)
            rows = self.count // self.k
            row_bytes = self.k * self.channels * X.itemsize
            per_block = max(1, _BLOCK_BYTES // row_bytes)
            self.blocks = [slice(start, min(start + per_block, rows))
                           for start in range(0, rows, per_block)]
        else:
            self.axes = (0,) + tuple(range(2, X.ndim))
            self.vector_shape = (1, self.channels) + (1,) * (X.ndim - 2)
            self.blocks = [slice(None)]

    def view(self, A):
        """``A`` (same shape and layout as the input) as the working array."""
        if not self.wide:
            return A
        return channels_last_view(A).reshape(-1, self.k * self.channels)

    def vector(self, v):
        """A per-channel vector, ready to broadcast against working arrays."""
        return tiled(v, self.k) if self.wide else v.reshape(self.vector_shape)

    def each_block(self, function):
        """``function(rows)`` for every block (a slice of the working arrays),
        shared with the helper threads; the blocks write disjoint memory."""
        blocks = self.blocks
        run_blocks(lambda b: function(blocks[b]), len(blocks))

    def sums(self, terms, n_terms, dtype):
        """Per-channel sums of what ``terms(rows)`` returns for each block.

        ``terms(rows)`` returns ``n_terms`` partial sums of its block (from
        :meth:`block_sum` and :meth:`block_sum_of_products`; it may also
        write its block of an output). The result is a tuple of ``n_terms``
        arrays of shape (channels,): the partial sums added in block order.
        """
        width = self.k * self.channels if self.wide else self.channels
        partial = np.empty((n_terms, len(self.blocks), width), dtype=dtype)

        def block(b):
            for term, value in enumerate(terms(self.blocks[b])):
                partial[term, b] = value

        run_blocks(block, len(self.blocks))
        return tuple(self.fold(term) for term in partial)

    def block_sum(self, A):
        """Per-column sums of a block of a working array (per-channel sums
        when not wide)."""
        if self.wide:
            return A.sum(axis=0)
        return A.sum(axis=self.axes)

    def block_sum_of_products(self, A, B):
        """``block_sum(A * B)`` without the product array.

        On the wide view, ``einsum`` adds the products row by row as
        ``(A * B).sum(axis=0)`` does, in half the time (one pass, no
        temporary): the same bits where NumPy's einsum does not fuse the
        multiply-adds (builds with an x86-64-v2 baseline, such as the test
        VM's); where it fuses them (aarch64, x86-64-v3 baselines) each
        product is rounded once less.
        """
        if self.wide:
            return np.einsum("ij,ij->j", A, B)
        return self.block_sum(A * B)

    def fold(self, partial):
        """Per-channel totals, shape (channels,), from the blocks' partial
        sums (shape ``(n_blocks, width)``), added in block order."""
        column_sums = partial.sum(axis=0)
        if not self.wide:
            return column_sums
        return column_sums.reshape(self.k, self.channels).sum(axis=0)

    def restore(self, Z):
        """A working array back in the input's shape (and layout)."""
        if not self.wide:
            return Z
        return from_channels_last(Z, self.shape)


class BatchNormalization(Layer):
    """Batch normalisation (Ioffe and Szegedy, 2015) with a learned affine map.

    Each channel of a 4-D input is normalised over (batch, height, width);
    each feature of a 2-D input over the batch.

    Parameters
    ----------
    momentum : float, default=0.9
        Weight of the old value in the running averages (Keras' convention;
        PyTorch's ``momentum=0.1`` is this class's ``momentum=0.9``).
    epsilon : float, default=1e-5
        Added to the variance before the square root.

    Attributes
    ----------
    params : dict
        ``"gamma"`` (scale, initially ones) and ``"beta"`` (shift, initially
        zeros), of shape (channels,). Not named ``"W"``: the L2 penalty and
        weight decay apply to params named ``"W"`` only.
    grads : dict
        Same keys and shapes as ``params``.
    running_mean, running_var : ndarray of shape (channels,)
        Running averages of the batch statistics (initially zeros and ones),
        updated by each training pass and used for inference.

    Notes
    -----
    With ``m`` values per channel in the batch (``n * H * W`` or ``n``), in
    training:

    * ``mu = sum(x) / m``, ``var = sum((x - mu)**2) / m`` (biased);
    * ``x_hat = (x - mu) / sqrt(var + epsilon)``,
      ``y = gamma * x_hat + beta``;
    * ``running_mean <- momentum * running_mean + (1 - momentum) * mu``,
      ``running_var <- momentum * running_var + (1 - momentum) * var * m /
      (m - 1)`` (the unbiased variance, as in PyTorch), so training needs
      ``m >= 2``.

    The backward pass goes through the batch statistics:

    * ``dbeta = sum(dy)``, ``dgamma = sum(dy * x_hat)``;
    * ``dx = gamma / sqrt(var + epsilon) * (dy - (dbeta + x_hat * dgamma) / m)``.

    In inference, ``y = gamma * (x - running_mean) / sqrt(running_var +
    epsilon) + beta``, computed as ``x * scale + shift``: each sample's
    output does not depend on the rest of the batch, and the running
    statistics do not change.

    The output (and the input gradient) keep the memory layout of the
    input: conv maps stored channels-last are processed as a
    ``(pixels, channels)`` matrix.

    Cost of one sample: ``flops = 2 * size`` (one multiplication and one
    addition per element, with the inference scale and shift folded per
    channel); ``n_params = 2 * channels`` (``gamma`` and ``beta``). The
    running statistics are state, not parameters: no gradient trains them,
    and ``n_params`` does not count them.
    """

    _config_keys = ("momentum", "epsilon")
    per_sample_inference = True  # inference is x * scale + shift

    def __init__(self, momentum=0.9, epsilon=1e-5):
        super().__init__()
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)

    def _repr_args(self):
        return f"momentum={self.momentum}, epsilon={self.epsilon}"

    def output_shape(self, input_shape):
        if len(input_shape) not in (1, 3):
            raise ValueError(
                "BatchNormalization takes (features,) or (channels, height, "
                f"width) inputs; got samples of shape {tuple(input_shape)}."
            )
        return tuple(input_shape)

    def param_shapes(self, input_shape):
        return {"gamma": (input_shape[0],), "beta": (input_shape[0],)}

    def _flops(self, input_shape, output_shape):
        return 2 * math.prod(input_shape)

    def _initialise(self, rng, dtype):
        channels = self.input_shape[0]
        self.params = {
            "gamma": np.ones(channels, dtype=dtype),
            "beta": np.zeros(channels, dtype=dtype),
        }
        self.running_mean = np.zeros(channels, dtype=dtype)
        self.running_var = np.ones(channels, dtype=dtype)

    def inference_affine(self):
        """The inference pass as one scale and shift per channel.

        Returns
        -------
        scale, shift : ndarray of shape (channels,)
            Inference computes ``x * scale + shift``: ``scale = gamma /
            sqrt(running_var + epsilon)``, ``shift = beta - running_mean *
            scale``.
        """
        scale = self.params["gamma"] / np.sqrt(self.running_var + self.epsilon)
        return scale, self.params["beta"] - self.running_mean * scale

    def forward(self, X, training=False):
        axes = _PerChannel(X)
        Z = axes.view(X)
        Y = np.empty_like(Z)
        if not training:
            scale, shift = (axes.vector(v) for v in self.inference_affine())

            def affine(rows):
                np.multiply(Z[rows], scale, out=Y[rows])
                Y[rows] += shift

            axes.each_block(affine)
            return axes.restore(Y)
        gamma, beta = self.params["gamma"], self.params["beta"]
        m = axes.count
        if m < 2:
            raise ValueError(
                "BatchNormalization needs more than one value per channel in "
                f"training; got a batch of shape {X.shape}."
            )
        (total,) = axes.sums(lambda rows: (axes.block_sum(Z[rows]),), 1, Z.dtype)
        mean = total / m
        x_hat = np.empty_like(Z)
        centre = axes.vector(mean)

        def squares(rows):
            # Centred first, then squared: no cancellation in float32.
            centred = np.subtract(Z[rows], centre, out=x_hat[rows])
            return (axes.block_sum_of_products(centred, centred),)

        (squared,) = axes.sums(squares, 1, Z.dtype)
        var = squared / m
        inv_std = 1.0 / np.sqrt(var + self.epsilon)
        inv, gain, shift = (axes.vector(v) for v in (inv_std, gamma, beta))

        def normalise(rows):
            block = x_hat[rows]
            block *= inv
            np.multiply(block, gain, out=Y[rows])
            Y[rows] += shift

        axes.each_block(normalise)
        momentum = self.momentum
        self.running_mean = momentum * self.running_mean + (1 - momentum) * mean
        self.running_var = momentum * self.running_var + (1 - momentum) * (
            var * (m / (m - 1))
        )
        self._cache = (axes, x_hat, inv_std)
        return axes.restore(Y)

    def backward(self, dout, input_grad=True):
        axes, x_hat, inv_std = self._cache
        dY = axes.view(match_layout(dout, axes.restore(x_hat)))
        dbeta, dgamma = axes.sums(
            lambda rows: (axes.block_sum(dY[rows]),
                          axes.block_sum_of_products(dY[rows], x_hat[rows])),
            2, dY.dtype,
        )
        self.grads = {"gamma": dgamma, "beta": dbeta}
        if not input_grad:
            return None
        m = axes.count
        dX = np.empty_like(dY)
        slope, offset = axes.vector(dgamma / m), axes.vector(dbeta / m)
        gain = axes.vector(self.params["gamma"] * inv_std)

        def input_gradient(rows):
            block = np.multiply(x_hat[rows], slope, out=dX[rows])
            block += offset
            np.subtract(dY[rows], block, out=block)
            block *= gain

        axes.each_block(input_gradient)
        return axes.restore(dX)


__all__ = ["BatchNormalization"]
