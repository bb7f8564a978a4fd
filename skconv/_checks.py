"""Checks the estimators share: hyperparameter sequences, weight sums, failed fits."""

import functools
import inspect
import re
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import _check_sample_weight

# check_weight_sum reports all-zero weights in skconv's words on every
# scikit-learn; newer ones' _check_sample_weight would refuse them first.
_WEIGHT_CHECKS = (
    {"allow_all_zero_weights": True}
    if "allow_all_zero_weights" in inspect.signature(_check_sample_weight).parameters
    else {}
)


class TrainingInterrupted(KeyboardInterrupt):
    """``KeyboardInterrupt`` raised again by ``partial_fit`` after keeping its updates.

    ``fit`` ends quietly on Ctrl-C (with a warning, as ``MLPClassifier``
    does) because it is the whole training; ``partial_fit`` is called in
    the user's own loop, which must stop too, so it re-raises. Being a
    ``KeyboardInterrupt``, it stops such a loop like any other Ctrl-C.
    """


def keep_model_on_error(fit_method):
    """Undo every attribute change of a fit that raises.

    Training builds the new state aside and commits it at the end, but
    ``validate_data`` sets ``n_features_in_`` early; restoring the attribute
    dictionary guarantees that a failed fit leaves a fitted model as it was.
    :class:`TrainingInterrupted` is raised after the commit, and keeps it.
    """

    @functools.wraps(fit_method)
    def wrapper(self, *args, **kwargs):
        before = dict(self.__dict__)
        try:
            return fit_method(self, *args, **kwargs)
        except TrainingInterrupted:
            raise
        except BaseException:
            # scikit-learn's callback machinery tears its own state down.
            callback_state = {
                key: value for key, value in self.__dict__.items()
                if key.startswith(("_callback", "_skl_callbacks"))
            }
            self.__dict__.clear()
            self.__dict__.update(before)
            self.__dict__.update(callback_state)
            raise

    return wrapper


def positive_ints(estimator, name, value, length=None):
    """Validate a sequence of positive ints; return it as a tuple."""
    values = tuple(value)
    owner = type(estimator).__name__
    if not all(isinstance(v, Integral) and not isinstance(v, bool) and v >= 1 for v in values):
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must hold integers >= 1. "
            f"Got {value!r} instead."
        )
    if length is not None and len(values) != length:
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must hold one value per "
            f"convolution block ({length}, the length of filters). Got {value!r}."
        )
    return values


def check_weights(weights, X, name="sample_weight", dtype=None):
    """Non-negative weights of shape ``(len(X),)`` with a positive, finite sum.

    scikit-learn's checks, reported under ``name`` (``sample_weight_val``
    too, where scikit-learn's messages would say ``sample_weight``).
    """
    try:
        weights = _check_sample_weight(weights, X, dtype=dtype, ensure_non_negative=True,
                                       **_WEIGHT_CHECKS)
    except (TypeError, ValueError) as exc:
        if name == "sample_weight":
            raise
        raise type(exc)(re.sub(r"\bsample_weight\b", name, str(exc))) from exc
    return check_weight_sum(weights, name)


def check_weight_sum(sample_weight, what="sample_weight"):
    """The weights, if their sum is finite and positive; else a clear error."""
    total = float(sample_weight.sum())
    if not np.isfinite(total):
        raise ValueError(
            f"{what} sums to {total} in {sample_weight.dtype.name}: the weights "
            "are too large. Rescale them (e.g. divide by their maximum); the "
            "loss depends on their ratios."
        )
    if total == 0:
        raise ValueError(
            f"{what} sums to zero: no sample would be learned from. Give some "
            "samples a positive weight."
        )
    return sample_weight
