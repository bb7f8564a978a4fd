"""Conv2D: 2-D multi-channel cross-correlation, on im2col and one product
(and the FFT for the gradients of large kernels)."""

import functools
from collections import namedtuple

import numpy as np

from .._conv import (
    conv_input_gradient,
    conv_output_length,
    kernel_from_matrix,
    kernel_matrix,
    offsets_seeing_input,
    pad_images,
    padding_amounts,
    pair,
)
from .._correlate import correlate, input_gradient_by_correlation, window_gradient
from .._fourier import fourier_gradients, fourier_pays
from .._layout import from_channels_last, pixel_rows, sum_rows, transposed_product
from .base import Layer, init_uniform

#: What a training forward pass keeps for the backward pass: the input, the
#: windows the kernel gradient reads (a window matrix, or the Windows to
#: gather it from again), the padded input's shape, the padding, the output
#: size and the kernel rows and columns that see the input.
_Cache = namedtuple("_Cache", "X windows padded_shape pads out_shape reach")


@functools.lru_cache(maxsize=256)
def _geometry(height, width, kernel_size, stride, padding):
    """:meth:`Conv2D.geometry`, computed once per shape (it runs every batch)."""
    (kh, kw), (sh, sw) = kernel_size, stride
    pads = (
        padding_amounts(height, kh, sh, padding),
        padding_amounts(width, kw, sw, padding),
    )
    out = (
        conv_output_length(height, kh, sh, padding),
        conv_output_length(width, kw, sw, padding),
    )
    return pads, out


@functools.lru_cache(maxsize=256)
def _kernel_reach(height, width, kernel_size, stride, padding):
    """The part of the kernel that ever sees the input, and the padding it needs.

    On maps smaller than a 'same' kernel's reach (a 1 x 1 map under a 3 x 3
    kernel, one-row images) the outer kernel rows or columns only ever meet
    zero padding: they add nothing to the output and get a zero gradient.
    The convolution then runs with the kernel cut to ``rows x columns`` on
    the input padded by ``pads`` only, which is the same sum without the
    zero terms (the rounding may differ in the last bit: the products are
    shorter).

    Returns
    -------
    rows, columns : slice
        The kernel rows and columns that see the input (all of them on maps
        as large as the kernel, and always with 'valid' padding).
    pads : tuple of ((top, bottom), (left, right))
        The zero padding the cut kernel reads.
    """
    full_pads, out = _geometry(height, width, kernel_size, stride, padding)
    reach, pads = [], []
    for kernel, step, n_out, (before, _), size in zip(
        kernel_size, stride, out, full_pads, (height, width)
    ):
        seen = offsets_seeing_input(kernel, step, n_out, before, size)
        first, stop = seen[0], seen[-1] + 1
        last_read = stop - 1 + step * (n_out - 1)  # in the fully padded map
        reach.append(slice(first, stop))
        pads.append((before - first, max(0, last_read - (before + size - 1))))
    return reach[0], reach[1], tuple(pads)


class Conv2D(Layer):
    """2-D multi-channel cross-correlation with one bias per filter.

    ``Y_i = B_i + sum_j X_j * K_ij``, where ``*`` is cross-correlation (no
    kernel flip), ``i`` runs over filters and ``j`` over input channels.

    Parameters
    ----------
    n_filters : int
        Number of output channels.
    kernel_size : int or tuple of (int, int)
        Height and width of the kernels (one int: square).
    stride : int or tuple of (int, int), default=1
        Steps between windows, down and across (one int: both).
    padding : {"valid", "same"}, default="valid"
        ``"valid"``: no padding. ``"same"``: zero padding so the output has
        ``ceil(size / stride)`` rows and columns.
    init : {"he", "glorot", "glorot_logistic"}, default="he"
        Weight initialisation, see :func:`~skconv.layers.init_uniform`.

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
    one matrix product, a block of samples at a time so that each block's
    windows are still in cache when the product reads them. The backward
    pass computes

    * ``dK_ij = X_j * dY_i`` (valid cross-correlation), as one product of
      ``dY`` with the same window matrix, gathered again by blocks of rows
      from the input (kept by the forward pass; inputs with fewer than 8
      values per kernel row keep the matrix itself);
    * ``dB_i = sum(dY_i)``;
    * ``dX_j = sum_i dY_i (*full) K_ij``, the full convolution: with a
      stride of 1, one more im2col product, of the padded ``dY`` with the
      rotated kernels (see :func:`skconv._correlate.input_gradient_by_correlation`);
      with larger strides offset by offset, ``dY @ K[:, :, a, b]`` added onto
      the input grid (see :func:`skconv._conv.conv_input_gradient`).

    With a stride of 1, kernels of 25 values or more (5 x 5 and up), 8 or
    more input channels and maps of 7 x 7 or more, both gradients come from
    Fourier transforms instead, whose cost does not grow with the kernel
    (0.3-0.9x the time of the products above; see
    :func:`skconv._fourier.fourier_pays`).

    Cost of one sample, with ``C`` input channels, ``F`` filters and an
    ``Ho x Wo`` output: ``flops = 2 * C * kh * kw * F * Ho * Wo`` (one
    multiply-add per kernel value and output) ``+ F * Ho * Wo`` (the bias);
    ``n_params = F * C * kh * kw + F``.

    Examples
    --------
    >>> from skconv.layers import Conv2D
    >>> conv = Conv2D(8, 3, padding="same")
    >>> conv.output_shape((1, 28, 28))
    (8, 28, 28)
    >>> conv.n_params((1, 28, 28)), conv.flops((1, 28, 28))
    (80, 119168)
    """

    _config_keys = ("n_filters", "kernel_size", "stride", "padding", "init")

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
        """The padding and output size for an input map of ``height x width``.

        Parameters
        ----------
        height, width : int
            The input map's size.

        Returns
        -------
        pads : tuple of ((int, int), (int, int))
            Zero padding ``((top, bottom), (left, right))``.
        out : tuple of (int, int)
            The output map's ``(height, width)``.
        """
        return _geometry(height, width, tuple(self.kernel_size), tuple(self.stride),
                         self.padding)

    def output_shape(self, input_shape):
        _, height, width = input_shape
        _, (ho, wo) = self.geometry(height, width)
        if ho < 1 or wo < 1:
            raise ValueError(
                f"Conv2D kernel {self.kernel_size} with padding={self.padding!r} "
                f"does not fit an input of height x width {height}x{width}; "
                "use a smaller kernel or padding='same'."
            )
        return (self.n_filters, ho, wo)

    def param_shapes(self, input_shape):
        kh, kw = self.kernel_size
        return {"W": (self.n_filters, input_shape[0], kh, kw), "b": (self.n_filters,)}

    def _flops(self, input_shape, output_shape):
        kh, kw = self.kernel_size
        n_filters, ho, wo = output_shape
        return 2 * input_shape[0] * kh * kw * n_filters * ho * wo + n_filters * ho * wo

    def _initialise(self, rng, dtype):
        channels = self.input_shape[0]
        shapes = self.param_shapes(self.input_shape)
        area = self.kernel_size[0] * self.kernel_size[1]
        self.params = {
            "W": init_uniform(
                rng,
                shapes["W"],
                channels * area,
                self.n_filters * area,
                self.init,
                dtype,
            ),
            "b": np.zeros(shapes["b"], dtype=dtype),
        }

    def values_per_sample(self):
        # The input plus its im2col matrix, one row per output position.
        channels, height, width = self.input_shape
        _, (ho, wo) = self.geometry(height, width)
        kh, kw = self.kernel_size
        return channels * height * width + ho * wo * channels * kh * kw

    def forward(self, X, training=False):
        # Each block of samples gathers its windows in cache; training keeps
        # what the kernel gradient gathers them from again (see correlate).
        Y, (ho, wo), cache = self._correlate(X, keep=training)
        if training:
            self._cache = cache
        # Rows of Y are (sample, row, col): NCHW without a copy, stored
        # channels-last as the next im2col reads it.
        return from_channels_last(Y, (len(X), self.n_filters, ho, wo))

    def forward_blocks(self, X, epilogue, affine=None):
        """Inference, handing each block of samples' output to ``epilogue``.

        The same values as ``forward(X)``, never gathered into one array:
        ``epilogue(Y_block, samples)`` receives the output maps of
        ``X[samples]``, shape ``(m, n_filters, ho, wo)``, stored
        channels-last, for consecutive blocks of samples while they are
        still in cache (see :func:`skconv._correlate.correlate`). It runs on
        skconv's helper threads too, and must write only to the ``samples``
        of its output.

        Parameters
        ----------
        X : ndarray of shape (n_samples, channels, height, width)
            The input, in any memory layout.
        epilogue : callable
            ``epilogue(Y_block, samples)``, called once per group of blocks;
            its return value is ignored.
        affine : tuple of (ndarray, ndarray) of shape (n_filters,), optional
            ``(scale, shift)``: the blocks are ``forward(X) * scale +
            shift`` per filter (an inference batch normalisation after the
            layer, say), computed by the product itself with the kernel
            scaled by ``scale`` and the bias ``b * scale + shift``: no
            second pass over the output (the same values up to rounding).
        """
        weights = None
        if affine is not None:
            scale, shift = affine
            weights = (self.params["W"] * scale[:, None, None, None],
                       self.params["b"] * scale + shift)
        _, (ho, wo) = self.geometry(*X.shape[2:])
        shape = (self.n_filters, ho, wo)

        def maps(Y_rows, samples):
            epilogue(from_channels_last(Y_rows, (len(Y_rows) // (ho * wo), *shape)),
                     samples)

        self._correlate(X, epilogue=maps, weights=weights)

    def _correlate(self, X, keep=False, epilogue=None, weights=None):
        """:func:`~skconv._correlate.correlate` of ``X`` with the kernel cut to
        what sees it, on ``X`` padded for that kernel.

        ``weights``: ``(W, b)`` in place of the layer's own (inference).

        Returns ``(Y, out_shape, cache)``: correlate's rows (None with an
        ``epilogue``), the output size and, if ``keep``, what the backward
        pass reads (a :data:`_Cache`; else None).
        """
        height, width = X.shape[2:]
        _, out_shape = self.geometry(height, width)
        rows, columns, pads = _kernel_reach(height, width, tuple(self.kernel_size),
                                            tuple(self.stride), self.padding)
        W, b = weights or (self.params["W"], self.params["b"])
        kernel = W[:, :, rows, columns]
        X_padded = pad_images(X, pads)
        Y, cols = correlate(X_padded, kernel_matrix(kernel).T, kernel.shape[2:],
                            self.stride, out_shape, b, keep=keep,
                            epilogue=epilogue)
        if not keep:
            return Y, out_shape, None
        # X itself, not a copy: the FFT backward pass reads it (no layer
        # writes into its input).
        return Y, out_shape, _Cache(X, cols, X_padded.shape, pads, out_shape,
                                    (rows, columns))

    def backward(self, dout, input_grad=True):
        """Store ``dK`` and ``dB`` in ``grads``; return ``dX``.

        The first layer of a network has no use for its input gradient;
        skipping it saves the most expensive part of the backward pass.

        Parameters
        ----------
        dout : ndarray of shape (n_samples, n_filters, ho, wo)
            The gradient of the loss with respect to the output.
        input_grad : bool, default=True
            Whether to compute ``dX``.

        Returns
        -------
        dX : ndarray of shape (n_samples, channels, height, width) or None
            The gradient with respect to the input; None if not
            ``input_grad``.
        """
        X, cols, padded_shape, pads, out_shape, (rows, columns) = self._cache
        W = self.params["W"]
        kernel = W[:, :, rows, columns]
        # Free (a reshape) when dout is stored channels-last, as it is when
        # it comes back through the activation from the next layer.
        dY = pixel_rows(dout)
        dX = None
        if fourier_pays(X.shape[1], self.n_filters, X.shape[2:], kernel.shape[2:],
                        self.stride, input_grad):
            dK, dX = fourier_gradients(X, dY, kernel, pads, input_grad)
        elif isinstance(cols, np.ndarray):
            dK = kernel_from_matrix(transposed_product(dY, cols), kernel.shape)
        else:
            dK = kernel_from_matrix(window_gradient(dY, cols), kernel.shape)
        if kernel.shape != W.shape:  # the kernel's rim saw only zeros
            dK_full = np.zeros_like(W)
            dK_full[:, :, rows, columns] = dK
            dK = dK_full
        self.grads = {"W": dK, "b": sum_rows(dY)}
        if not input_grad:
            return None
        if dX is not None:
            return dX
        if tuple(self.stride) == (1, 1):
            (top, bottom), (left, right) = pads
            size = (padded_shape[2] - top - bottom, padded_shape[3] - left - right)
            return input_gradient_by_correlation(dY, kernel, size, out_shape, pads)
        return conv_input_gradient(dY, kernel, padded_shape, self.stride, out_shape, pads)


__all__ = ["Conv2D"]
