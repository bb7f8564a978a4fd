"""Layers with parameters or shape changes: Conv2D, MaxPool2D, Flatten, Dense,
Dropout, BatchNormalization, AvgPool2D and GlobalAvgPool2D.

One contract for every layer (activations live in :mod:`skconv.activations`
and follow it too):

* ``build(input_shape, rng, dtype)`` creates the parameters for an input of
  shape ``input_shape`` (one sample, no batch axis) and returns the output
  shape of one sample;
* ``forward(X, training=False)`` returns the output for a batch. Only when
  ``training`` is true does it keep what ``backward`` needs; inference keeps
  nothing on the layer, so one fitted model can predict from several threads;
* ``backward(dout, input_grad=True)`` takes the gradient of the loss with
  respect to the output of the last training forward pass, stores the
  parameter gradients in ``grads`` under the same keys as ``params``, and
  returns the gradient with respect to the input (layers with parameters
  return None instead when ``input_grad`` is false, which saves the work for
  the first layer of a network).

Images are NCHW: ``(n_samples, channels, height, width)``.
"""

import numpy as np

from ._conv import (
    _row_block,
    add_bias,
    channels_last_zeros,
    conv_input_gradient,
    conv_output_length,
    im2col,
    kernel_from_matrix,
    kernel_matrix,
    match_layout,
    pad_images,
    padding_amounts,
    pair,
    pool_output_length,
    sum_rows,
    transposed_product,
    window_view,
)


def init_uniform(rng, shape, fan_in, fan_out, init, dtype):
    """Draw weights from a uniform distribution scaled for the activation.

    Parameters
    ----------
    rng : numpy.random.RandomState
    shape : tuple of int
    fan_in, fan_out : int
        Inputs to and outputs from one unit (times the kernel area for
        convolutions).
    init : {"he", "glorot", "glorot_logistic"}
        ``"he"`` (for ReLU): bound ``sqrt(6 / fan_in)``. ``"glorot"``:
        ``sqrt(6 / (fan_in + fan_out))``; ``"glorot_logistic"`` uses factor 2
        instead of 6, as scikit-learn's MLP does for the logistic activation.
    dtype : numpy dtype

    Returns
    -------
    weights : ndarray of shape ``shape``
        Drawn in float64 and then cast, so float32 and float64 models made with
        the same seed start from the same weights.
    """
    if init == "he":
        bound = np.sqrt(6.0 / fan_in)
    else:
        factor = 2.0 if init == "glorot_logistic" else 6.0
        bound = np.sqrt(factor / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=shape).astype(dtype, copy=False)


class Layer:
    """Base class: a layer without parameters whose output is its input."""

    def __init__(self):
        self.params = {}
        self.grads = {}

    def build(self, input_shape, rng=None, dtype=np.float64):
        """Create parameters for ``input_shape``; return the output shape."""
        self.input_shape = tuple(input_shape)
        return self.input_shape

    def forward(self, X, training=False):
        return X

    def backward(self, dout, input_grad=True):
        return dout

    def values_per_sample(self):
        """Array elements one sample occupies in a forward pass (for chunking)."""
        return int(np.prod(self.input_shape))

    def clear_cache(self):
        """Drop what the last training pass kept: its cache and gradients.

        A fitted model then pickles to little more than its weights (and the
        optimizer state that ``warm_start`` and ``partial_fit`` continue).
        """
        self.__dict__.pop("_cache", None)
        self.grads = {}

    def __repr__(self):
        return f"{type(self).__name__}({self._repr_args()})"

    def _repr_args(self):
        return ""


class Conv2D(Layer):
    """2-D multi-channel cross-correlation with one bias per filter.

    ``Y_i = B_i + sum_j X_j * K_ij``, where ``*`` is cross-correlation (no
    kernel flip), ``i`` runs over filters and ``j`` over input channels.

    Parameters
    ----------
    n_filters : int
        Number of output channels.
    kernel_size : int or tuple of (int, int)
    stride : int or tuple of (int, int), default=1
    padding : {"valid", "same"}, default="valid"
        ``"valid"``: no padding. ``"same"``: zero padding so the output has
        ``ceil(size / stride)`` rows and columns.
    init : {"he", "glorot", "glorot_logistic"}, default="he"
        Weight initialisation, see :func:`init_uniform`.

    Attributes
    ----------
    params : dict
        ``"W"``: ndarray of shape (n_filters, in_channels, kh, kw);
        ``"b"``: ndarray of shape (n_filters,).
    grads : dict
        Gradients of the loss, same keys and shapes as ``params``.

    Notes
    -----
    The forward pass gathers every window into a matrix (im2col) and makes
    one matrix product. The backward pass computes

    * ``dK_ij = X_j * dY_i`` (valid cross-correlation), as one product of
      ``dY`` with the same window matrix;
    * ``dB_i = sum(dY_i)``;
    * ``dX_j = sum_i dY_i (*full) K_ij``, the full convolution, computed
      offset by offset as ``dY @ K[:, :, a, b]`` added onto the input grid
      (see :func:`skconv._conv.conv_input_gradient`).
    """

    def __init__(self, n_filters, kernel_size, stride=1, padding="valid", init="he"):
        super().__init__()
        self.n_filters = int(n_filters)
        self.kernel_size = pair(kernel_size)
        self.stride = pair(stride)
        self.padding = padding
        self.init = init

    def _repr_args(self):
        return (
            f"n_filters={self.n_filters}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding!r}"
        )

    def geometry(self, height, width):
        """Padding ``((top, bottom), (left, right))`` and output ``(ho, wo)``."""
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        pads = (
            padding_amounts(height, kh, sh, self.padding),
            padding_amounts(width, kw, sw, self.padding),
        )
        out = (
            conv_output_length(height, kh, sh, self.padding),
            conv_output_length(width, kw, sw, self.padding),
        )
        return pads, out

    def build(self, input_shape, rng=None, dtype=np.float64):
        channels, height, width = input_shape
        _, (ho, wo) = self.geometry(height, width)
        if ho < 1 or wo < 1:
            raise ValueError(
                f"Conv2D kernel {self.kernel_size} with padding={self.padding!r} "
                f"does not fit an input of height x width {height}x{width}; "
                "use a smaller kernel or padding='same'."
            )
        self.input_shape = tuple(input_shape)
        kh, kw = self.kernel_size
        area = kh * kw
        self.params = {
            "W": init_uniform(
                rng,
                (self.n_filters, channels, kh, kw),
                channels * area,
                self.n_filters * area,
                self.init,
                dtype,
            ),
            "b": np.zeros(self.n_filters, dtype=dtype),
        }
        return (self.n_filters, ho, wo)

    def values_per_sample(self):
        # The input plus its im2col matrix, one row per output position.
        channels, height, width = self.input_shape
        _, (ho, wo) = self.geometry(height, width)
        kh, kw = self.kernel_size
        return channels * height * width + ho * wo * channels * kh * kw

    def forward(self, X, training=False):
        n, _, height, width = X.shape
        pads, (ho, wo) = self.geometry(height, width)
        X_padded = pad_images(X, pads)
        cols = im2col(X_padded, self.kernel_size, self.stride, (ho, wo))
        Y = cols @ kernel_matrix(self.params["W"]).T
        add_bias(Y, self.params["b"])
        if training:
            self._cache = (cols, X_padded.shape, pads, (ho, wo))
        # Rows of Y are (sample, row, col): a transposed view gives NCHW
        # without a copy, stored channels-last as the next im2col reads it.
        return Y.reshape(n, ho, wo, self.n_filters).transpose(0, 3, 1, 2)

    def backward(self, dout, input_grad=True):
        """Store ``dK`` and ``dB``; return ``dX`` (None if not ``input_grad``).

        The first layer of a network has no use for its input gradient;
        skipping it saves the most expensive part of the backward pass.
        """
        cols, padded_shape, pads, out_shape = self._cache
        W = self.params["W"]
        # Free (a reshape) when dout is stored channels-last, as it is when
        # it comes back through the activation from the next layer.
        dY = dout.transpose(0, 2, 3, 1).reshape(-1, self.n_filters)
        self.grads = {
            "W": kernel_from_matrix(transposed_product(dY, cols), W.shape),
            "b": sum_rows(dY),
        }
        if not input_grad:
            return None
        dX = conv_input_gradient(dY, W, padded_shape, self.stride, out_shape)
        (top, bottom), (left, right) = pads
        return dX[:, :, top : padded_shape[2] - bottom, left : padded_shape[3] - right]


class _Pool2D(Layer):
    """Window bookkeeping shared by the pooling layers."""

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
        ph, pw = self.pool_size
        return [(i, j) for i in range(ph) for j in range(pw)]

    def build(self, input_shape, rng=None, dtype=np.float64):
        channels, height, width = input_shape
        ho, wo = self._out_shape(height, width)
        if ho < 1 or wo < 1:
            raise ValueError(
                f"{type(self).__name__} pool {self.pool_size} does not fit an input "
                f"of height x width {height}x{width}; use a smaller pool_size."
            )
        self.input_shape = tuple(input_shape)
        return (channels, ho, wo)


class MaxPool2D(_Pool2D):
    """2-D max pooling; the gradient flows to the arg-max of each window.

    Parameters
    ----------
    pool_size : int or tuple of (int, int)
    stride : int or tuple of (int, int), default=None
        Defaults to ``pool_size`` (non-overlapping windows). Rows and columns
        that do not fill a whole window are dropped, as in PyTorch.

    Notes
    -----
    When several entries of a window tie for the maximum, the first one (in
    row-major order) receives the gradient.
    """

    def forward(self, X, training=False):
        out_shape = self._out_shape(*X.shape[2:])
        offsets = self._offsets()
        out = window_view(X, offsets[0], self.stride, out_shape).copy(order="K")
        # In training, the index of the window offset holding the maximum.
        # zeros_like keeps the memory layout of `out`, so that every pass
        # below runs over matching strides.
        index_type = np.uint8 if len(offsets) < 256 else np.uint16
        argmax = np.zeros_like(out, dtype=index_type) if training else None
        for k, offset in enumerate(offsets[1:], start=1):
            view = window_view(X, offset, self.stride, out_shape)
            if training:
                # The last offset that beats the running maximum is the
                # first (row-major) position holding the window's maximum.
                # Arithmetic, not masked writes, which are slow.
                beats = np.multiply(view > out, k, dtype=index_type)
                np.maximum(argmax, beats, out=argmax)
            np.maximum(out, view, out=out)
        if training:
            self._cache = (argmax, X.shape)
        return out

    def backward(self, dout, input_grad=True):
        argmax, input_shape = self._cache
        out_shape = argmax.shape[2:]
        dout = match_layout(dout, argmax)
        dX = channels_last_zeros(input_shape, dout.dtype)
        overlapping = any(s < p for s, p in zip(self.stride, self.pool_size))
        for k, offset in enumerate(self._offsets()):
            view = window_view(dX, offset, self.stride, out_shape)
            if overlapping:
                view += dout * (argmax == k)
            else:  # each input position belongs to one window: assign
                np.multiply(dout, argmax == k, out=view)
        return dX


class Flatten(Layer):
    """Reshape ``(n, C, H, W)`` to ``(n, C*H*W)`` in C order."""

    def build(self, input_shape, rng=None, dtype=np.float64):
        self.input_shape = tuple(input_shape)
        return (int(np.prod(input_shape)),)

    def forward(self, X, training=False):
        return X.reshape(X.shape[0], -1)

    def backward(self, dout, input_grad=True):
        # Returned channels-last, the layout of the maps it came from, so the
        # element-wise passes of the layers below run over matching strides.
        channels, height, width = self.input_shape
        dX = np.empty((dout.shape[0], height, width, channels), dtype=dout.dtype)
        dX = dX.transpose(0, 3, 1, 2)
        dX[...] = dout.reshape(dX.shape)
        return dX


class Dense(Layer):
    """Fully connected layer ``Y = X @ W + b``.

    Parameters
    ----------
    n_units : int
    init : {"he", "glorot", "glorot_logistic"}, default="he"

    Attributes
    ----------
    params : dict
        ``"W"``: ndarray of shape (n_inputs, n_units); ``"b"``: (n_units,).
    grads : dict
        Same keys and shapes as ``params``.
    """

    def __init__(self, n_units, init="he"):
        super().__init__()
        self.n_units = int(n_units)
        self.init = init

    def _repr_args(self):
        return f"n_units={self.n_units}"

    def build(self, input_shape, rng=None, dtype=np.float64):
        (n_inputs,) = input_shape
        self.input_shape = tuple(input_shape)
        self.params = {
            "W": init_uniform(
                rng, (n_inputs, self.n_units), n_inputs, self.n_units, self.init, dtype
            ),
            "b": np.zeros(self.n_units, dtype=dtype),
        }
        return (self.n_units,)

    def forward(self, X, training=False):
        if training:
            self._cache = X
        Y = X @ self.params["W"]
        Y += self.params["b"]
        return Y

    def backward(self, dout, input_grad=True):
        X = self._cache
        self.grads = {"W": X.T @ dout, "b": dout.sum(axis=0)}
        return dout @ self.params["W"].T if input_grad else None


def _memory_order_uniform(random_state, like):
    """Uniform draws in ``[0, 1)`` shaped like ``like``, in its memory layout.

    The values are drawn in the order ``like`` is stored (for a C-ordered
    array, ``random_state.random_sample(like.shape)`` itself), and returned
    as a view with the strides of ``like``, so that element-wise passes
    between the two run over matching strides.
    """
    order = sorted(range(like.ndim), key=lambda axis: -abs(like.strides[axis]))
    draws = random_state.random_sample(tuple(like.shape[axis] for axis in order))
    return draws.transpose(np.argsort(order))


class Dropout(Layer):
    """Inverted dropout: zero random entries in training, rescale the rest.

    Parameters
    ----------
    rate : float, default=0.5
        Probability of zeroing an entry, in ``[0, 1)``. 0 makes the layer a
        no-op.

    Attributes
    ----------
    random_state : numpy.random.RandomState
        Source of the masks, created by ``build`` from one seed drawn from
        the ``rng`` it is given; each training pass draws from it, so a
        model built from the same seed sees the same masks.

    Notes
    -----
    In training, with ``u`` uniform in ``[0, 1)`` for each entry,

    ``M = [u >= rate] / (1 - rate)``, ``Y = X * M``, ``dX = dout * M``,

    so each entry is kept with probability ``1 - rate`` and ``E[Y] = X``.
    In inference ``Y = X`` (the same object). The uniforms are drawn in the
    memory order of ``X``, so the mask an entry gets depends on the layout
    of the input as well as on the seed.
    """

    def __init__(self, rate=0.5):
        super().__init__()
        rate = float(rate)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout rate must be in [0, 1); got {rate}.")
        self.rate = rate

    def _repr_args(self):
        return f"rate={self.rate}"

    def build(self, input_shape, rng=None, dtype=np.float64):
        # One draw whatever the rate, so that the rate does not change the
        # weights of the layers built after this one.
        seed = (np.random if rng is None else rng).randint(np.iinfo(np.int32).max)
        self.random_state = np.random.RandomState(seed)
        self.input_shape = tuple(input_shape)
        return self.input_shape

    def forward(self, X, training=False):
        if not training or self.rate == 0.0:
            return X
        keep = _memory_order_uniform(self.random_state, X) >= self.rate
        mask = np.multiply(keep, 1.0 / (1.0 - self.rate), dtype=X.dtype)
        self._cache = mask
        return X * mask

    def backward(self, dout, input_grad=True):
        if self.rate == 0.0:
            return dout
        return dout * self._cache


class _PerChannel:
    """Per-channel sums and broadcasts over the fastest view of an array.

    For an array stored channels-last (4-D conv maps) or a C-ordered 2-D
    array, the work happens on a ``(rows / k, k * channels)`` matrix view
    with per-channel vectors tiled ``k`` times (the wide blocks of
    :func:`skconv._conv.add_bias`); otherwise directly on the array, with
    vectors shaped to broadcast along axis 1.
    """

    def __init__(self, X):
        self.shape = X.shape
        self.channels = X.shape[1]
        self.count = X.size // self.channels
        rows = X if X.ndim == 2 else X.transpose(0, 2, 3, 1)
        self.wide = rows.flags.c_contiguous
        if self.wide:
            self.k = _row_block(self.count, self.channels)
        else:
            self.axes = (0,) + tuple(range(2, X.ndim))
            self.vector_shape = (1, self.channels) + (1,) * (X.ndim - 2)

    def view(self, A):
        """``A`` (same shape and layout as the input) as the working array."""
        if not self.wide:
            return A
        rows = A if A.ndim == 2 else A.transpose(0, 2, 3, 1)
        return rows.reshape(-1, self.k * self.channels)

    def vector(self, v):
        """A per-channel vector, ready to broadcast against working arrays."""
        return np.tile(v, self.k) if self.wide else v.reshape(self.vector_shape)

    def total(self, Z):
        """Per-channel sums of a working array: shape (channels,)."""
        if self.wide:
            return Z.sum(axis=0).reshape(self.k, self.channels).sum(axis=0)
        return Z.sum(axis=self.axes)

    def restore(self, Z):
        """A working array back in the input's shape (and layout)."""
        if not self.wide:
            return Z
        if len(self.shape) == 2:
            return Z.reshape(self.shape)
        n, c, h, w = self.shape
        return Z.reshape(n, h, w, c).transpose(0, 3, 1, 2)


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
    """

    def __init__(self, momentum=0.9, epsilon=1e-5):
        super().__init__()
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)

    def _repr_args(self):
        return f"momentum={self.momentum}, epsilon={self.epsilon}"

    def build(self, input_shape, rng=None, dtype=np.float64):
        if len(input_shape) not in (1, 3):
            raise ValueError(
                "BatchNormalization takes (features,) or (channels, height, "
                f"width) inputs; got samples of shape {tuple(input_shape)}."
            )
        self.input_shape = tuple(input_shape)
        channels = input_shape[0]
        self.params = {
            "gamma": np.ones(channels, dtype=dtype),
            "beta": np.zeros(channels, dtype=dtype),
        }
        self.running_mean = np.zeros(channels, dtype=dtype)
        self.running_var = np.ones(channels, dtype=dtype)
        return self.input_shape

    def forward(self, X, training=False):
        axes = _PerChannel(X)
        Z = axes.view(X)
        gamma, beta = self.params["gamma"], self.params["beta"]
        if not training:
            scale = gamma / np.sqrt(self.running_var + self.epsilon)
            shift = beta - self.running_mean * scale
            Y = Z * axes.vector(scale)
            Y += axes.vector(shift)
            return axes.restore(Y)
        m = axes.count
        if m < 2:
            raise ValueError(
                "BatchNormalization needs more than one value per channel in "
                f"training; got a batch of shape {X.shape}."
            )
        mean = axes.total(Z) / m
        x_hat = Z - axes.vector(mean)
        var = axes.total(x_hat * x_hat) / m
        inv_std = 1.0 / np.sqrt(var + self.epsilon)
        x_hat *= axes.vector(inv_std)
        Y = x_hat * axes.vector(gamma)
        Y += axes.vector(beta)
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
        dbeta = axes.total(dY)
        dgamma = axes.total(dY * x_hat)
        self.grads = {"gamma": dgamma, "beta": dbeta}
        if not input_grad:
            return None
        m = axes.count
        dX = x_hat * axes.vector(dgamma / m)
        dX += axes.vector(dbeta / m)
        np.subtract(dY, dX, out=dX)
        dX *= axes.vector(self.params["gamma"] * inv_std)
        return axes.restore(dX)


class AvgPool2D(_Pool2D):
    """2-D average pooling; the gradient is spread evenly over each window.

    Parameters
    ----------
    pool_size : int or tuple of (int, int)
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
    """

    def forward(self, X, training=False):
        out_shape = self._out_shape(*X.shape[2:])
        offsets = self._offsets()
        # copy(order="K") keeps the layout of X (channels-last after a conv).
        out = window_view(X, offsets[0], self.stride, out_shape).copy(order="K")
        for offset in offsets[1:]:
            out += window_view(X, offset, self.stride, out_shape)
        out /= len(offsets)
        if training:
            self._cache = X.shape
        return out

    def backward(self, dout, input_grad=True):
        input_shape = self._cache
        n, c, ho, wo = dout.shape
        offsets = self._offsets()
        share = np.empty((n, ho, wo, c), dtype=dout.dtype).transpose(0, 3, 1, 2)
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
    """

    def build(self, input_shape, rng=None, dtype=np.float64):
        if len(input_shape) != 3:
            raise ValueError(
                "GlobalAvgPool2D takes (channels, height, width) inputs; got "
                f"samples of shape {tuple(input_shape)}."
            )
        self.input_shape = tuple(input_shape)
        return (input_shape[0],)

    def forward(self, X, training=False):
        if training:
            self._cache = X.shape
        n, c, h, w = X.shape
        pixels = X.transpose(0, 2, 3, 1)
        if not pixels.flags.c_contiguous:
            return X.mean(axis=(2, 3))
        # Channels-last (a conv map): sum rows of k * c values, then the k
        # blocks; k depends on the map size only, not on the batch.
        k = _row_block(h * w, c)
        sums = pixels.reshape(n, -1, k * c).sum(axis=1).reshape(n, k, c).sum(axis=1)
        sums /= h * w
        return sums

    def backward(self, dout, input_grad=True):
        n, c, h, w = self._cache
        # Channels-last, like the conv maps the input came from.
        dX = np.empty((n, h, w, c), dtype=dout.dtype)
        np.divide(dout[:, None, None, :], h * w, out=dX)
        return dX.transpose(0, 3, 1, 2)
