"""Class labels: codes, missing labels and class weights (the classifier's targets)."""

import numpy as np


def class_codes(labels, classes, name, classes_are):
    """Index of each label in the sorted ``classes``; a clear error for others.

    ``classes_are`` ends the message, saying where the classes come from.
    """
    unseen = np.setdiff1d(labels, classes)
    if unseen.size:
        raise ValueError(
            f"{name} contains labels {unseen.tolist()} that are not among the "
            f"classes {classes_are}, {classes.tolist()}."
        )
    return np.searchsorted(classes, labels)


def check_no_missing_labels(labels, name):
    """Raise a ValueError naming ``name`` if ``labels`` holds NaN (or None)."""
    labels = np.asarray(labels).ravel()
    if labels.dtype.kind in "fc":
        missing = np.flatnonzero(np.isnan(labels))
    elif labels.dtype.kind == "O":
        missing = np.flatnonzero([v is None or v != v for v in labels])
    else:
        return
    if missing.size:
        raise ValueError(
            f"{name} contains NaN or None at positions {missing[:5].tolist()}"
            f"{' ...' if missing.size > 5 else ''}: every label must be a class. "
            "Drop those samples or give them a label."
        )


def class_weights(class_weight, classes, codes, sample_weight):
    """The weight of each class, from a ``{label: weight}`` dict or "balanced".

    "balanced" is ``n_samples / (n_classes * count)``, as scikit-learn's, with
    weighted counts so that integer sample weights still act like repeated
    samples; a class without weight keeps weight 0.
    """
    if class_weight == "balanced":
        counts = np.bincount(codes, weights=sample_weight, minlength=len(classes))
        return np.divide(
            counts.sum(), len(classes) * counts,
            out=np.zeros(len(classes)), where=counts > 0,
        )
    unknown = set(class_weight) - set(classes.tolist())
    if unknown:
        raise ValueError(
            f"class_weight has keys {sorted(unknown, key=str)} that are not "
            f"among the classes {classes.tolist()}."
        )
    return np.array([class_weight.get(c, 1.0) for c in classes.tolist()])
