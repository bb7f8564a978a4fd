"""Fully connected layers: Flatten (maps to vectors) and Dense."""

import math

import numpy as np

from .._layout import channels_last_empty
from .base import Layer, _is_known, init_uniform


class Flatten(Layer):
    """Reshape ``(n, C, H, W)`` to ``(n, C*H*W)`` in C order.

    Notes
    -----
    Cost: no arithmetic (``flops = 0``); the output is a view of the input
    when the input is C-ordered.
    """

    def output_shape(self, input_shape):
        if not _is_known(input_shape):
            return (None,)
        return (int(math.prod(input_shape)),)

    def forward(self, X, training=False):
        return X.reshape(X.shape[0], -1)

    def backward(self, dout, input_grad=True):
        # Returned channels-last, the layout of the maps it came from, so the
        # element-wise passes of the layers below run over matching strides.
        dX = channels_last_empty((dout.shape[0],) + self.input_shape, dout.dtype)
        dX[...] = dout.reshape(dX.shape)
        return dX


class Dense(Layer):
    """Fully connected layer ``Y = X @ W + b``.

    Parameters
    ----------
    n_units : int or None
        Number of outputs. None stands for "not known yet" (the output layer
        of a network planned before the number of classes is known): such a
        layer describes itself (its ``output_shape`` is ``(None,)``; its
        ``n_params``, ``flops`` and ``memory`` are None, as are those of the
        layers after it) but cannot be built.
    init : {"he", "glorot", "glorot_logistic"}, default="he"

    Attributes
    ----------
    params : dict
        ``"W"``: ndarray of shape (n_inputs, n_units); ``"b"``: (n_units,).
    grads : dict
        Same keys and shapes as ``params``.

    Notes
    -----
    Cost of one sample: ``flops = 2 * n_inputs * n_units + n_units`` (one
    multiply-add per weight, plus the bias); ``n_params = n_inputs * n_units
    + n_units``.
    """

    _config_keys = ("n_units", "init")

    def __init__(self, n_units, init="he"):
        super().__init__()
        self.n_units = None if n_units is None else int(n_units)
        self.init = init

    def _repr_args(self):
        return f"n_units={self.n_units}"

    def output_shape(self, input_shape):
        (_,) = input_shape
        return (self.n_units,)

    def param_shapes(self, input_shape):
        (n_inputs,) = input_shape
        return {"W": (n_inputs, self.n_units), "b": (self.n_units,)}

    def _flops(self, input_shape, output_shape):
        (n_inputs,), (n_units,) = input_shape, output_shape
        return 2 * n_inputs * n_units + n_units

    def _initialise(self, rng, dtype):
        if self.n_units is None:
            raise ValueError(
                "Dense(n_units=None) cannot be built: set n_units to the number "
                "of outputs first."
            )
        (n_inputs,) = self.input_shape
        self.params = {
            "W": init_uniform(
                rng, (n_inputs, self.n_units), n_inputs, self.n_units, self.init, dtype
            ),
            "b": np.zeros(self.n_units, dtype=dtype),
        }

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


__all__ = ["Dense", "Flatten"]
