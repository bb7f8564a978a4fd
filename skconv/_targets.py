"""The classifier's targets: kinds of y, class codes, missing labels, class weights."""

from numbers import Number, Real

import numpy as np
from sklearn.utils._param_validation import InvalidParameterError

from .losses import log_logistic, log_sigmoid, log_softmax

MULTILABEL = "multilabel-indicator"


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


def _is_missing(value):
    """None, NaN, pandas' NA or NaT: anything that is not equal to itself."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pandas.NA: its comparisons are NA, and bool(NA) raises
        return True


def _label_kind(value):
    if isinstance(value, (str, bytes)):
        return "strings"
    if isinstance(value, Number):
        return "numbers"
    return type(value).__name__


def check_labels(labels, name):
    """Raise a ValueError naming ``name`` if ``labels`` holds missing values
    (NaN, None, pandas' NA) or mixes strings and numbers."""
    labels = np.asarray(labels).ravel()
    if labels.dtype.kind in "fc":
        missing = np.flatnonzero(np.isnan(labels))
    elif labels.dtype.kind == "O":
        missing = np.flatnonzero([_is_missing(v) for v in labels])
    else:
        return
    if missing.size:
        raise ValueError(
            f"{name} contains NaN or None at positions {missing[:5].tolist()}"
            f"{' ...' if missing.size > 5 else ''}: every label must be a class. "
            "Drop those samples or give them a label."
        )
    if labels.dtype.kind == "O":
        kinds = {}
        for value in labels:
            kinds.setdefault(_label_kind(value), value)
        if len(kinds) > 1:
            examples = ", ".join(f"{kind} (e.g. {value!r})" for kind, value in kinds.items())
            raise ValueError(
                f"{name} mixes labels of different kinds: {examples}. Classes must "
                "be all strings or all numbers: convert them, e.g. y.astype(str)."
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


def check_class_weight_values(class_weight):
    """A clear error unless a dict ``class_weight`` holds non-negative finite numbers."""
    if isinstance(class_weight, dict):
        bad = {
            label: weight for label, weight in class_weight.items()
            if not (isinstance(weight, Real)
                    and not isinstance(weight, bool)
                    and np.isfinite(weight) and weight >= 0)
        }
        if bad:
            raise InvalidParameterError(
                "The 'class_weight' parameter of ConvNetClassifier must map "
                "labels to non-negative finite numbers. Got "
                f"{bad!r} among its values."
            )


def classification_targets(estimator, y, classes, incremental, continuing):
    """Check a classifier's ``y`` (and ``classes``); the fitted attributes they set.

Returns
-------
targets : dict
    ``classes_``, ``_target_type`` ("binary", "multiclass" or
    "multilabel-indicator"), ``n_outputs_`` and ``out_activation_``.
"""
    kind = MULTILABEL if y.ndim == 2 else None
    if continuing:
        known, was = estimator.classes_, estimator._target_type
        if (kind == MULTILABEL) != (was == MULTILABEL):
            raise ValueError(
                f"y is {'a multilabel indicator matrix' if kind else '1-D'}, but "
                f"this ConvNetClassifier was fitted on "
                f"{'multilabel' if was == MULTILABEL else 'single-label'} targets."
            )
        if classes is not None and not np.array_equal(np.unique(classes), known):
            raise ValueError(
                f"classes={classes!r} differs from the classes of the first "
                f"call to partial_fit, {known!r}."
            )
    elif kind == MULTILABEL:
        known = np.arange(y.shape[1])
        if classes is not None and not np.array_equal(np.unique(classes), known):
            raise ValueError(
                f"With a multilabel indicator y of {y.shape[1]} columns, classes "
                f"must be range({y.shape[1]}) or None; got {classes!r}."
            )
    elif incremental:
        if classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: "
                "every label that will ever appear."
            )
        check_labels(classes, "classes")
        known = np.unique(classes)
    else:
        known = np.unique(y)
    if kind == MULTILABEL:
        if y.shape[1] != len(known):
            raise ValueError(
                f"y has {y.shape[1]} label columns, but this ConvNetClassifier "
                f"was fitted on {len(known)} labels."
            )
        if estimator.class_weight is not None:
            raise InvalidParameterError(
                "class_weight is not supported with multilabel targets (each "
                "label is its own binary problem); use sample_weight."
            )
        return _targets(known, MULTILABEL, len(known), "logistic")
    class_codes(y, known, "y", "this ConvNetClassifier was set up with")
    if len(known) < 2:
        raise ValueError(
            "ConvNetClassifier needs samples of at least 2 classes in the "
            f"data, but the data contains only one class: {known[0]!r}."
        )
    if len(known) == 2:
        return _targets(known, "binary", 1, "logistic")
    return _targets(known, "multiclass", len(known), "softmax")


def _targets(classes, kind, n_outputs, out_activation):
    return {"classes_": classes, "_target_type": kind, "n_outputs_": n_outputs,
            "out_activation_": out_activation}


#: Log-probabilities from the outputs, by kind of target.
LOG_PROBA = {"binary": log_logistic, "multiclass": log_softmax, MULTILABEL: log_sigmoid}


def _binary_labels(estimator, scores):
    return estimator.classes_[(scores[:, 0] > 0).astype(int)]


def _multiclass_labels(estimator, scores):
    return estimator.classes_[np.argmax(scores, axis=1)]


def _indicator(estimator, scores):
    return (scores > 0).astype(int)


#: Predictions from the outputs, by kind of target.
PREDICT = {"binary": _binary_labels, "multiclass": _multiclass_labels,
            MULTILABEL: _indicator}
