"""Output heads: what the last layer's outputs mean, and the loss they train with.

A head pairs an output function with its loss, as scikit-learn's MLP pairs
``out_activation_`` with ``loss``. The estimators pick one by name, once,
when a model is initialised (``out_activation_``), and every later step
(training, validation, prediction) looks it up in :data:`HEADS`:

========== ====================================== =========================
name       output                                 loss
========== ====================================== =========================
softmax    one logit per class (3 or more)        categorical cross-entropy
logistic   one logit per label (binary: one)      binary cross-entropy per
                                                  label, summed
identity   the outputs themselves (regression)    half the squared error
========== ====================================== =========================
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .losses import logistic_cross_entropy, softmax_cross_entropy, squared_error


def _argmax_indicator(Z):
    """One-hot rows of each row's largest output."""
    indicator = np.zeros(Z.shape, dtype=bool)
    indicator[np.arange(len(Z)), np.argmax(Z, axis=1)] = True
    return indicator


def _positive_indicator(Z):
    return Z > 0


@dataclass(frozen=True)
class OutputHead:
    """An output function and the loss it is trained with.

    Attributes
    ----------
    name : str
        The ``out_activation_`` of a model with this head.
    loss : callable
        ``loss(Z, Y, sample_weight) -> (loss, dZ)``: the weighted mean loss
        of outputs ``Z`` against encoded targets ``Y``, both of shape
        ``(n_samples, n_outputs)``, and its gradient with respect to ``Z``.
    decide : callable or None
        ``decide(Z)``: the boolean indicator matrix of the predicted
        classes or labels, in the layout of the encoded targets; None for
        regression.
    """

    name: str
    loss: Callable
    decide: Callable = None


#: Output heads by ``out_activation_``.
HEADS = {
    "softmax": OutputHead("softmax", softmax_cross_entropy, _argmax_indicator),
    "logistic": OutputHead("logistic", logistic_cross_entropy, _positive_indicator),
    "identity": OutputHead("identity", squared_error),
}
