"""Output functions fused with their cross-entropy losses.

The network ends in a linear layer that produces *logits*; the functions here
turn logits into log-probabilities and losses. Working with log-probabilities
(log-sum-exp, softplus) keeps everything finite: a logit of +-1e4 neither
overflows nor produces ``log(0)``.

Three output functions, named as in scikit-learn's MLP:

* ``"softmax"`` (3 or more classes): one logit per class, categorical
  cross-entropy;
* ``"logistic"`` (2 classes, or multilabel targets): one logit per label
  (``z = logit_1 - logit_0`` for two classes), binary cross-entropy summed
  over the labels;
* ``"identity"`` (regression): the outputs themselves, half the squared
  error as :class:`~sklearn.neural_network.MLPRegressor` computes it.
"""

import numpy as np


def log_softmax(Z):
    """Row-wise ``log(softmax(Z))``, computed by subtracting the row max.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_classes)
        Logits, one per class.

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
        The logit of the positive class.

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


def log_sigmoid(Z):
    """Element-wise ``log(sigmoid(Z))``: each label's log-probability.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_labels)
        One logit per label.

    Returns
    -------
    log_proba : ndarray of shape (n_samples, n_labels)
        ``-softplus(-z)``, finite for every finite ``z``.
    """
    return -np.logaddexp(np.zeros_like(Z), -Z)


def logistic_cross_entropy(Z, Y, sample_weight):
    """Weighted binary cross-entropy of logistic outputs, summed over labels.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_labels)
        Logits of the positive class (one column for a binary problem, one
        per label for multilabel targets).
    Y : ndarray of shape (n_samples, n_labels)
        Targets in {0, 1}.
    sample_weight : ndarray of shape (n_samples,)
        Weight of each sample in the mean.

    Returns
    -------
    loss : float
        ``sum_n w_n sum_k (softplus(z_nk) - y_nk z_nk) / sum_n w_n``, where
        ``softplus(z) - y z = -y log(p) - (1 - y) log(1 - p)`` with
        ``p = sigmoid(z)``; summed over labels as scikit-learn's
        ``binary_log_loss``.
    dZ : ndarray of shape (n_samples, n_labels)
        ``w_n (sigmoid(z_nk) - y_nk) / sum w``, for the same reason as the
        softmax case.
    """
    weights = (sample_weight / sample_weight.sum()).astype(Z.dtype, copy=False)
    losses = np.logaddexp(np.zeros_like(Z), Z) - Y * Z
    # One column is a binary problem: skip the sum, which changes nothing.
    per_sample = losses[:, 0] if losses.shape[1] == 1 else losses.sum(axis=1)
    loss = np.dot(weights, per_sample)
    proba = np.exp(-np.logaddexp(np.zeros_like(Z), -Z))
    dZ = (proba - Y) * weights[:, None]
    return float(loss), dZ


def squared_error(Z, Y, sample_weight):
    """Half the weighted mean squared error, as scikit-learn's ``squared_loss``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_outputs)
        Predictions.
    Y : ndarray of shape (n_samples, n_outputs)
        Targets.
    sample_weight : ndarray of shape (n_samples,)
        Non-negative, with a positive sum.

    Returns
    -------
    loss : float
        ``0.5 * mean_k (sum_n w_n (z_nk - y_nk)**2 / sum_n w_n)``, the
        weighted average over samples and the mean over outputs, halved (the
        convention of :class:`~sklearn.neural_network.MLPRegressor`).
    dZ : ndarray of shape (n_samples, n_outputs)
        The exact gradient, ``w_n (z_nk - y_nk) / (sum w * n_outputs)``.
    """
    weights = (sample_weight / sample_weight.sum()).astype(Z.dtype, copy=False)
    residual = Z - Y
    n_outputs = Z.shape[1]
    loss = 0.5 * np.dot(weights, np.einsum("ij,ij->i", residual, residual)) / n_outputs
    dZ = residual * (weights[:, None] / n_outputs)
    return float(loss), dZ


#: Log-probabilities of every class from the logits, by output function.
LOG_PROBA_FUNCTIONS = {"softmax": log_softmax, "logistic": log_logistic}

#: Fused loss-and-gradient functions, by output function.
LOSS_FUNCTIONS = {
    "softmax": softmax_cross_entropy,
    "logistic": logistic_cross_entropy,
    "identity": squared_error,
}


__all__ = [
    "LOG_PROBA_FUNCTIONS",
    "LOSS_FUNCTIONS",
    "log_logistic",
    "log_sigmoid",
    "log_softmax",
    "logistic_cross_entropy",
    "softmax_cross_entropy",
    "squared_error",
]
