"""Element-wise activation layers and the tables that name them.

Each derivative is written in terms of what the forward pass kept: ReLU
keeps its mask, logistic and tanh keep their output.

Every activation here is monotone non-decreasing (``monotone = True``), so
max pooling commutes with it, ``max(f(x)) = f(max(x))``, and
:func:`skconv.network.plan_layers` pools before it, running it on a smaller
map. An activation without that property keeps the default ``monotone =
False`` and is applied before the pool.
"""

import math

import numpy as np
from scipy import special

from .base import Layer


class Activation(Layer):
    """Base of the element-wise activations: same shape, no parameters.

    Attributes
    ----------
    monotone : bool
        Class attribute: True when ``f`` is non-decreasing, so that max
        pooling commutes with it (see :class:`~skconv.layers.Layer`).
        False here; each subclass states its own.
    flops_per_element : int
        Class attribute: operations counted per element for ``flops``.

    Notes
    -----
    Cost of one sample: ``flops = flops_per_element * size`` (one per element
    for ReLU, Logistic and Tanh, 0 for Identity, which returns its input).
    """

    flops_per_element = 1
    per_sample_inference = True

    def _flops(self, input_shape, output_shape):
        return self.flops_per_element * math.prod(input_shape)


class Identity(Activation):
    """``f(x) = x``; monotone."""

    monotone = True
    flops_per_element = 0


class ReLU(Activation):
    """``f(x) = max(x, 0)``; the gradient is 1 where ``x > 0``, else 0; monotone."""

    monotone = True

    def forward(self, X, training=False):
        if training:
            self._cache = X > 0
        return np.maximum(X, 0)

    def backward(self, dout, input_grad=True):
        return dout * self._cache


class Logistic(Activation):
    """``f(x) = 1 / (1 + exp(-x))``; ``f' = f (1 - f)``; monotone."""

    monotone = True

    def forward(self, X, training=False):
        out = special.expit(X)
        if training:
            self._cache = out
        return out

    def backward(self, dout, input_grad=True):
        out = self._cache
        return dout * out * (1 - out)


class Tanh(Activation):
    """``f(x) = tanh(x)``; ``f' = 1 - f**2``; monotone."""

    monotone = True

    def forward(self, X, training=False):
        out = np.tanh(X)
        if training:
            self._cache = out
        return out

    def backward(self, dout, input_grad=True):
        out = self._cache
        return dout * (1 - out * out)


#: Activation layers by the names scikit-learn's MLP uses.
ACTIVATIONS = {
    "identity": Identity,
    "logistic": Logistic,
    "relu": ReLU,
    "tanh": Tanh,
}

#: Weight initialisation that suits the layer feeding each activation.
INITIALISATIONS = {
    "identity": "glorot",
    "logistic": "glorot_logistic",
    "relu": "he",
    "tanh": "glorot",
}


__all__ = [
    "ACTIVATIONS",
    "INITIALISATIONS",
    "Activation",
    "Identity",
    "Logistic",
    "ReLU",
    "Tanh",
]
