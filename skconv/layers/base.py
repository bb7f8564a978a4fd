"""The layer contract, weight initialisation, and layers describing themselves.

One contract for every layer (activations included):

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

And one description, written here once: ``output_shape``, ``param_shapes``,
``n_params``, ``flops``, ``memory``, ``get_config`` and ``describe`` need
no built parameters, so a network can be planned, summarised or exported
before it is built. Each family supplies only ``output_shape``,
``param_shapes``, ``_flops`` and the names of its hyperparameters.

Images are NCHW: ``(n_samples, channels, height, width)``.
"""

import math
from dataclasses import dataclass

import numpy as np


def init_uniform(rng, shape, fan_in, fan_out, init, dtype):
    """Draw weights from a uniform distribution scaled for the activation.

    Parameters
    ----------
    rng : numpy.random.RandomState
        Source of the random draws.
    shape : tuple of int
        Shape of the weight array.
    fan_in, fan_out : int
        Inputs to and outputs from one unit (times the kernel area for
        convolutions).
    init : {"he", "glorot", "glorot_logistic"}
        ``"he"`` (for ReLU): bound ``sqrt(6 / fan_in)``. ``"glorot"``:
        ``sqrt(6 / (fan_in + fan_out))``; ``"glorot_logistic"`` uses factor 2
        instead of 6, as scikit-learn's MLP does for the logistic activation.
    dtype : numpy dtype
        The weights' dtype.

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


def _is_known(shape):
    """Whether every size in ``shape`` is known (none is None)."""
    return all(size is not None for size in shape)


@dataclass(frozen=True)
class LayerDescription:
    """What one layer does to one sample, from :meth:`Layer.describe`.

    Parameters
    ----------
    name : str
        The layer's type name, a key of :data:`skconv.layers.LAYERS`.
    output_shape : tuple
        One sample's output shape (None for sizes not known yet).
    n_params : int or None
        Trainable parameter values.
    flops : int or None
        Floating-point operations of one sample's forward pass.
    memory : int or None
        Bytes of one sample's output.
    config : dict
        :meth:`Layer.get_config`.
    """

    name: str
    output_shape: tuple
    n_params: int | None
    flops: int | None
    memory: int | None
    config: dict


class Layer:
    """Base class: a layer without parameters whose output is its input.

    Attributes
    ----------
    params : dict of str to ndarray
        Trainable parameters (empty here), created by ``build``.
    grads : dict of str to ndarray
        Gradients of the loss, same keys as ``params``, written by ``backward``.
    monotone : bool
        Class attribute: True for element-wise, non-decreasing layers
        (``x <= y`` implies ``f(x) <= f(y)``). Max-pooling commutes with
        those, ``max(f(x)) = f(max(x))``, so a network may pool before them
        and run them on a smaller map. False here, which is always safe.
    per_sample_inference : bool
        Class attribute: True when inference on a block of samples gives,
        bit for bit, those samples' part of inference on the whole batch
        (element-wise and per-window layers; not a product, whose rounding
        may depend on its shape). Such layers right after a Conv2D run on
        each block of its output while it is still in cache
        (:func:`skconv.network.forward`); honoured for skconv's own layers
        and for classes that set it themselves. False here, which is always
        safe.

    Notes
    -----
    The contract every layer keeps: :meth:`build` creates the parameters
    for one sample's input shape and returns its output shape;
    :meth:`forward` keeps what :meth:`backward` needs only when ``training``
    is true (inference stores nothing on the layer, so one fitted model can
    predict from several threads); :meth:`backward` stores the parameter
    gradients in ``grads`` and returns the gradient with respect to the
    input, or None when ``input_grad`` is false for a layer with parameters.
    Images are NCHW, ``(n_samples, channels, height, width)``.

    Subclasses list their constructor hyperparameters in the class
    attribute ``_config_keys`` (instance attributes of the same names), and
    override :meth:`output_shape`, :meth:`param_shapes` and ``_flops`` when
    they change the shape, own parameters or compute something.
    """

    monotone = False
    per_sample_inference = False
    _config_keys = ()

    def __init__(self):
        self.params = {}
        self.grads = {}

    # ------------------------------------------------------------ the contract

    def build(self, input_shape, rng=None, dtype=np.float64):
        """Create parameters for one sample of ``input_shape``.

        Parameters
        ----------
        input_shape : tuple of int
            One sample's shape, no batch axis.
        rng : numpy.random.RandomState, default=None
            Source of the initial weights, for layers that draw any.
        dtype : numpy dtype, default=np.float64
            The parameters' dtype, and the dtype of the inputs to expect.

        Returns
        -------
        output_shape : tuple of int
            :meth:`output_shape` of ``input_shape``.

        Raises
        ------
        ValueError
            If the layer does not fit ``input_shape``.
        """
        output_shape = self.output_shape(input_shape)
        self.input_shape = tuple(input_shape)
        self._initialise(rng, dtype)
        return output_shape

    def _initialise(self, rng, dtype):
        """Create ``params`` (and other built state) once ``input_shape`` is set."""

    def forward(self, X, training=False):
        """The layer's output for a batch; in training, keep what ``backward`` needs.

        Parameters
        ----------
        X : ndarray of shape (n_samples, ...)
            A batch of inputs, each of shape ``input_shape`` (images are
            NCHW in meaning, possibly stored channels-last, see
            ``skconv._layout``).
        training : bool, default=False
            True in a training pass: the layer keeps a cache for
            :meth:`backward` (and dropout drops). Inference keeps nothing,
            so one built layer can serve several threads at once.

        Returns
        -------
        out : ndarray of shape (n_samples, ...)
            The output, each sample of shape ``output_shape(input_shape)``;
            for this base class, ``X`` itself.
        """
        return X

    def backward(self, dout, input_grad=True):
        """The vector-Jacobian product of the last training ``forward``.

        Writes the gradient of ``L = sum(forward(X) * dout)`` with respect to
        every parameter into :attr:`grads`, under the keys of :attr:`params`.

        Parameters
        ----------
        dout : ndarray of shape (n_samples, ...)
            The gradient of the loss with respect to the layer's output.
        input_grad : bool, default=True
            Whether to compute the gradient with respect to the input; the
            first layer of a network does not need it.

        Returns
        -------
        dX : ndarray of shape (n_samples, ...) or None
            The gradient with respect to the input (None if ``input_grad``
            is False); for this base class, ``dout`` itself.
        """
        return dout

    def values_per_sample(self):
        """Count the array elements one sample occupies in a forward pass.

        Returns
        -------
        n_values : int
            The size of one input sample, which is what the network's
            ``working_memory`` chunking counts.
        """
        return int(np.prod(self.input_shape))

    def clear_cache(self):
        """Drop what the last training pass kept: its cache and gradients.

        A fitted model then pickles to little more than its weights (and the
        optimizer state that ``warm_start`` and ``partial_fit`` continue).
        """
        self.__dict__.pop("_cache", None)
        self.grads = {}

    # --------------------------------------------------------- the description

    def output_shape(self, input_shape):
        """One sample's output shape for one sample of ``input_shape``.

        Pure: needs no built parameters. Sizes not known yet (None) propagate.

        Parameters
        ----------
        input_shape : tuple of int
            No batch axis, e.g. ``(channels, height, width)``.

        Returns
        -------
        output_shape : tuple of int or None
            No batch axis; None for each size that is not known yet.

        Raises
        ------
        ValueError
            If the layer does not fit ``input_shape`` (a kernel or pool window
            larger than the padded map, an input of the wrong rank).
        """
        return tuple(input_shape)

    def param_shapes(self, input_shape):
        """Give the shapes of the arrays ``build`` creates in ``params``.

        Parameters
        ----------
        input_shape : tuple of int
            One sample's shape, no batch axis.

        Returns
        -------
        shapes : dict of str to tuple
            One shape per key of ``params``; empty for a layer without
            parameters.
        """
        return {}

    def n_params(self, input_shape):
        """Number of trainable parameter values for ``input_shape``.

        Parameters
        ----------
        input_shape : tuple of int
            One sample's shape, no batch axis.

        Returns
        -------
        n_params : int or None
            The total size of :meth:`param_shapes`; None when a size of the
            input or output is not known yet (``Dense(None)``).
        """
        if not self._sizes_known(input_shape):
            return None
        shapes = self.param_shapes(input_shape).values()
        return sum(math.prod(shape) for shape in shapes)

    def flops(self, input_shape):
        """Floating-point operations of one sample's inference forward pass.

        A multiply-add counts as 2. Each layer's formula is in its Notes.

        Parameters
        ----------
        input_shape : tuple of int
            One sample's shape, no batch axis.

        Returns
        -------
        flops : int or None
            None when a size of the input or output is not known yet.
        """
        if not self._sizes_known(input_shape):
            return None
        return int(self._flops(tuple(input_shape), self.output_shape(input_shape)))

    def _flops(self, input_shape, output_shape):
        return 0

    def memory(self, input_shape, itemsize=8):
        """Count the bytes of the output one sample's forward pass produces.

        Counted for every layer, also those that return a view of their
        input (``Flatten``, ``Identity``, ``Dropout`` in inference).

        Parameters
        ----------
        input_shape : tuple of int
            One sample's shape, no batch axis.
        itemsize : int, default=8
            Bytes per value: ``np.dtype(dtype).itemsize``.

        Returns
        -------
        memory : int or None
            None when a size of the input or output is not known yet.
        """
        if not self._sizes_known(input_shape):
            return None
        return math.prod(self.output_shape(input_shape)) * int(itemsize)

    def _sizes_known(self, input_shape):
        # One rule for every count: an unknown size makes it unknown.
        return _is_known(input_shape) and _is_known(self.output_shape(input_shape))

    def get_config(self):
        """The type name and constructor hyperparameters.

        Returns
        -------
        config : dict
            ``{"type": name, **hyperparameters}``, enough for
            :func:`skconv.layers.layer_from_config` to rebuild an equal,
            unbuilt layer, e.g. ``{"type": "Dense", "n_units": 8, "init":
            "he"}``.
        """
        config = {"type": type(self).__name__}
        config.update((key, getattr(self, key)) for key in self._config_keys)
        return config

    def describe(self, input_shape, itemsize=8):
        """What the layer does to one sample of ``input_shape``.

        Parameters
        ----------
        input_shape : tuple of int
            One sample's shape, no batch axis.
        itemsize : int, default=8
            Bytes per value, for ``memory``.

        Returns
        -------
        description : LayerDescription
            The layer's name, output shape, parameter count, FLOPs, output
            bytes and configuration.
        """
        return LayerDescription(
            name=type(self).__name__,
            output_shape=self.output_shape(input_shape),
            n_params=self.n_params(input_shape),
            flops=self.flops(input_shape),
            memory=self.memory(input_shape, itemsize),
            config=self.get_config(),
        )

    def __repr__(self):
        return f"{type(self).__name__}({self._repr_args()})"

    def _repr_args(self):
        return ""


__all__ = ["Layer", "LayerDescription", "init_uniform"]
