"""Activation layers: moved to :mod:`skconv.layers` (``skconv.layers.activations``).

Kept so that code and models from skconv 0.1.0, which name the classes
``skconv.activations.ReLU`` and so on, still import and unpickle.
"""

from .layers.activations import (  # noqa: F401
    ACTIVATIONS,
    INITIALISATIONS,
    Identity,
    Logistic,
    ReLU,
    Tanh,
)

__all__ = ["ACTIVATIONS", "INITIALISATIONS", "Identity", "Logistic", "ReLU", "Tanh"]
