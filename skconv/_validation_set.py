"""The held-out split that early stopping watches when no ``X_val`` is given."""

import math

import numpy as np
from sklearn.model_selection import train_test_split


def split_validation(n_samples, fraction, rng, strata=None):
    """Indices of a train / validation split, stratified when ``strata`` is given.

    Parameters
    ----------
    n_samples : int
    fraction : float
        Share of the samples set aside, rounded up; when stratified, at least
        one per class so that every class is on both sides; otherwise at
        least two, the fewest an R² is defined on.
    rng : numpy.random.RandomState
        One draw seeds the split.
    strata : ndarray of shape (n_samples,) of int, default=None
        Class index of each sample (single-label classification); None for a
        plain random split (regression, multilabel targets).

    Returns
    -------
    train, validation : ndarray of int

    Raises
    ------
    ValueError
        When there are too few samples to keep one of each class (or, without
        strata, one sample) on both sides.
    """
    n_classes = 1 if strata is None else int(strata.max()) + 1
    smallest = n_samples if strata is None else np.bincount(strata).min()
    n_validation = max(math.ceil(fraction * n_samples), 2 if strata is None else n_classes)
    if n_samples - n_validation < n_classes or smallest < 2:
        if strata is None:
            raise ValueError(
                f"early_stopping needs at least one training and two validation "
                f"samples, but {n_samples} samples with "
                f"validation_fraction={fraction} are too few. Pass more data, "
                "or early_stopping=False."
            )
        raise ValueError(
            f"early_stopping needs a validation set with every class on both "
            f"sides of the split, but {n_samples} samples with "
            f"validation_fraction={fraction} and {n_classes} classes (the "
            f"smallest with {smallest} samples) are too few. "
            "Pass more data, or early_stopping=False."
        )
    seed = rng.randint(np.iinfo(np.int32).max)
    return train_test_split(
        np.arange(n_samples), test_size=n_validation, stratify=strata, random_state=seed
    )


def check_split_weights(train_weight, validation_weight, fraction):
    """A clear error if either side of the early-stopping split weighs nothing."""
    for part, weights, use in (("validation", validation_weight, "score"),
                               ("training", train_weight, "learn from")):
        if float(weights.sum()) == 0:
            raise ValueError(
                f"early_stopping's random {part} split (validation_fraction="
                f"{fraction}) holds only samples of sample_weight 0: nothing to "
                f"{use}. Give more samples a positive weight, or pass X_val and "
                "y_val."
            )
