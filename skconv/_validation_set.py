"""The held-out data that early stopping and the validation curves watch."""

import math

import numpy as np
from sklearn.model_selection import train_test_split

from . import _network
from .losses import LOG_PROBA_FUNCTIONS


def split_validation(n_samples, codes, fraction, n_classes, rng):
    """Indices of a stratified train / validation split.

    Parameters
    ----------
    n_samples : int
    codes : ndarray of shape (n_samples,)
        Class index of each sample.
    fraction : float
        Share of the samples set aside, rounded up, and at least one per
        class so that the split can be stratified.
    n_classes : int
    rng : numpy.random.RandomState

    Returns
    -------
    train, validation : ndarray of int

    Raises
    ------
    ValueError
        When there are too few samples to keep one of each class on both
        sides.
    """
    n_validation = max(math.ceil(fraction * n_samples), n_classes)
    if n_samples - n_validation < n_classes or np.bincount(codes).min() < 2:
        raise ValueError(
            f"early_stopping needs a validation set with every class on both "
            f"sides of the split, but {n_samples} samples with "
            f"validation_fraction={fraction} and {n_classes} classes (the "
            f"smallest with {np.bincount(codes).min()} samples) are too few. "
            "Pass more data, or early_stopping=False."
        )
    seed = rng.randint(np.iinfo(np.int32).max)
    return train_test_split(
        np.arange(n_samples),
        test_size=n_validation,
        stratify=codes,
        random_state=seed,
    )


def validation_metrics(layers, X, codes, sample_weight, output, chunk_rows):
    """Accuracy and mean cross-entropy of the network on a validation set.

    Parameters
    ----------
    layers : list of Layer
    X : ndarray of shape (n_samples, channels, height, width)
    codes : ndarray of shape (n_samples,)
        Class index of each sample.
    sample_weight : ndarray of shape (n_samples,)
    output : {"softmax", "logistic"}
    chunk_rows : int
        Samples per forward pass.

    Returns
    -------
    accuracy, loss : float
        Both weighted by ``sample_weight``; the loss has no penalty term.
    """
    logits = _network.forward_in_chunks(layers, X, chunk_rows, X.dtype)
    log_proba = LOG_PROBA_FUNCTIONS[output](logits)
    total = float(np.sum(sample_weight))
    correct = np.argmax(log_proba, axis=1) == codes
    accuracy = float(np.dot(sample_weight, correct)) / total
    loss = -float(np.dot(sample_weight, log_proba[np.arange(len(codes)), codes])) / total
    return accuracy, loss
