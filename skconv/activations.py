"""Element-wise activation layers and the table that names them.

Each derivative is written in terms of what the forward pass kept: ReLU
keeps its mask, logistic and tanh keep their output.
"""

import numpy as np
from scipy.special import expit

from .layers import Layer


class Identity(Layer):
    """``f(x) = x``."""


class ReLU(Layer):
    """``f(x) = max(x, 0)``; the gradient is 1 where ``x > 0``, else 0."""

    def forward(self, X, training=False):
        if training:
            self._cache = X > 0
        return np.maximum(X, 0)

    def backward(self, dout, input_grad=True):
        return dout * self._cache


class Logistic(Layer):
    """``f(x) = 1 / (1 + exp(-x))``; ``f' = f (1 - f)``."""

    def forward(self, X, training=False):
        out = expit(X)
        if training:
            self._cache = out
        return out

    def backward(self, dout, input_grad=True):
        out = self._cache
        return dout * out * (1 - out)


class Tanh(Layer):
    """``f(x) = tanh(x)``; ``f' = 1 - f**2``."""

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
