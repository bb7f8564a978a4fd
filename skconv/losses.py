"""Output functions fused with their cross-entropy losses.

The network ends in a linear layer that produces *logits*; the functions here
turn logits into log-probabilities and losses. Working with log-probabilities
(log-sum-exp, softplus) keeps everything finite: a logit of +-1e4 neither
overflows nor produces ``log(0)``.

Two output functions, named as in scikit-learn's MLP:

* ``"softmax"`` (3 or more classes): one logit per class, categorical
  cross-entropy;
* ``"logistic"`` (2 classes): one logit ``z = logit_1 - logit_0``, binary
  cross-entropy.
"""

import numpy as np


def log_softmax(Z):
    """Row-wise ``log(softmax(Z))``, computed by subtracting the row max.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_classes)

    Returns
    -------
    log_proba : ndarray of shape (n_samples, n_classes)
        Finite wherever ``Z`` is finite.
    """
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def log_logistic(Z):
    """``log([1 - sigmoid(z), sigmoid(z)])`` for a single logit column.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, 1)

    Returns
    -------
    log_proba : ndarray of shape (n_samples, 2)
        ``[-softplus(z), -softplus(-z)]`` with ``softplus(z) = log(1 + e^z)``
        evaluated by :func:`numpy.logaddexp`, so it never overflows.
    """
    z = Z[:, :1]
    zero = np.zeros_like(z)
    return -np.hstack([np.logaddexp(zero, z), np.logaddexp(zero, -z)])


def softmax_cross_entropy(Z, Y, sample_weight):
    """Weighted categorical cross-entropy of softmax outputs.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_classes)
        Logits.
    Y : ndarray of shape (n_samples, n_classes)
        One-hot targets.
    sample_weight : ndarray of shape (n_samples,)
        Non-negative, with a positive sum.

    Returns
    -------
    loss : float
        ``sum_n w_n * (-sum_k Y_nk log p_nk) / sum_n w_n``.
    dZ : ndarray of shape (n_samples, n_classes)
        Gradient of ``loss`` with respect to ``Z``. Softmax and
        cross-entropy are differentiated together because the Jacobian of
        softmax cancels against ``1 / p``, leaving ``w_n (p_n - Y_n) / sum w``.
    """
    log_proba = log_softmax(Z)
    weights = (sample_weight / sample_weight.sum()).astype(Z.dtype, copy=False)
    loss = -np.dot(weights, np.einsum("ij,ij->i", Y, log_proba))
    dZ = (np.exp(log_proba) - Y) * weights[:, None]
    return float(loss), dZ


def logistic_cross_entropy(Z, Y, sample_weight):
    """Weighted binary cross-entropy of a logistic output.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, 1)
        Logits of the positive class.
    Y : ndarray of shape (n_samples, 1)
        Targets in {0, 1}.
    sample_weight : ndarray of shape (n_samples,)

    Returns
    -------
    loss : float
        ``sum_n w_n (softplus(z_n) - y_n z_n) / sum_n w_n``, which equals
        ``-y log(p) - (1 - y) log(1 - p)`` with ``p = sigmoid(z)``.
    dZ : ndarray of shape (n_samples, 1)
        ``w_n (sigmoid(z_n) - y_n) / sum w``, for the same reason as the
        softmax case.
    """
    weights = (sample_weight / sample_weight.sum()).astype(Z.dtype, copy=False)
    losses = np.logaddexp(np.zeros_like(Z), Z) - Y * Z
    loss = np.dot(weights, losses[:, 0])
    proba = np.exp(-np.logaddexp(np.zeros_like(Z), -Z))
    dZ = (proba - Y) * weights[:, None]
    return float(loss), dZ


#: Log-probabilities of every class from the logits, by output function.
LOG_PROBA_FUNCTIONS = {"softmax": log_softmax, "logistic": log_logistic}

#: Fused loss-and-gradient functions, by output function.
LOSS_FUNCTIONS = {
    "softmax": softmax_cross_entropy,
    "logistic": logistic_cross_entropy,
}
