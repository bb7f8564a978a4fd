"""The scikit-learn estimator contract, checked by scikit-learn itself."""

import functools
import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_inplace_ensure_writeable,
    check_param_validation,
    parametrize_with_checks,
)

from skconv import Augmentation, ConvNetClassifier, ConvNetRegressor

# Configurations checked besides the defaults: other depths, kernels,
# paddings, solvers, schedules, activations and training options must keep
# the contract too.
CONFIGURATIONS = [
    ConvNetClassifier(),
    ConvNetClassifier(filters=(8,), kernel_size=5, padding="same", solver="sgd",
                      learning_rate_init=0.01, activation="tanh"),
    ConvNetClassifier(filters=(), hidden_layer_sizes=(32, 16), activation="logistic",
                      learning_rate_init=0.01),
    ConvNetClassifier(filters=(8,), solver="adamw", learning_rate="cosine"),
    ConvNetClassifier(filters=(8,), solver="sgd", learning_rate="adaptive",
                      learning_rate_init=0.01),
    ConvNetClassifier(filters=(8,), class_weight="balanced"),
    ConvNetClassifier(filters=(8,), early_stopping=True),
    ConvNetClassifier(filters=(8,), pooling="avg", global_pooling=True),
    ConvNetClassifier(filters=(8,), batch_normalization=True),
    ConvNetClassifier(filters=(8,), convolutions_per_block=2),
    ConvNetClassifier(filters=(8,), dropout=0.2),
    # The augmentation plumbing must keep the contract. Noise is the
    # transformation that suits the checks' data (a row of a few pixels that
    # are features, not an image: flipping or erasing them destroys them).
    ConvNetClassifier(filters=(8,), augmentation=Augmentation(noise=0.05)),
    ConvNetRegressor(),
    ConvNetRegressor(filters=(8,), kernel_size=5, solver="sgd", learning_rate_init=0.01,
                     activation="tanh"),
    ConvNetRegressor(filters=(), hidden_layer_sizes=(32, 16), learning_rate="cosine"),
    ConvNetRegressor(filters=(8,), early_stopping=True),
    ConvNetRegressor(filters=(8,), pooling="avg", global_pooling=True, solver="adamw"),
    ConvNetRegressor(filters=(8,), batch_normalization=True, dropout=0.2),
]

# The configurations besides the defaults train for SHORT epochs of their
# estimator; the defaults train for their full max_iter, as users get them.
# The contract does not depend on how long a network trains, and these fits
# were 90% of the suite's mini-batches. Twice the fewest epochs that pass
# every check's score threshold for classifiers (all pass with 5); regressors
# need 20 (check_regressors_train fails with 10 for five of the six regressor
# configurations, and with 15 under early stopping).
SHORT = {"ConvNetClassifier": 10, "ConvNetRegressor": 20}


def trains_short(estimator):
    name = type(estimator).__name__
    is_default = repr(estimator) == f"{name}()"
    return estimator if is_default else estimator.set_params(max_iter=SHORT[name])


CONFIGURATIONS = [trains_short(estimator) for estimator in CONFIGURATIONS]

# Only where the configuration makes the equivalence impossible, with why.
RANDOM_VALIDATION_SPLIT = (
    "early_stopping holds out a random validation split of the rows, so "
    "weighting a row cannot be the same as repeating it"
)


BATCH_STATISTICS = (
    "batch normalisation uses the unweighted statistics of each batch, where "
    "a row repeated k times counts k times and a row of weight k once"
)
ONE_MASK_PER_ROW = (
    "dropout draws one random mask per row: a row of weight k gets one mask, "
    "k repeated rows get k different masks"
)
AUGMENTATION_PER_ROW = (
    "augmentation draws one random transformation per row: a row of weight k "
    "is seen transformed once, k repeated rows k different ways"
)


def expected_failed_checks(estimator):
    reasons = [
        reason
        for enabled, reason in [
            (estimator.early_stopping, RANDOM_VALIDATION_SPLIT),
            (estimator.batch_normalization, BATCH_STATISTICS),
            (estimator.dropout > 0, ONE_MASK_PER_ROW),
            (estimator.augmentation is not None, AUGMENTATION_PER_ROW),
        ]
        if enabled
    ]
    if reasons:
        return {"check_sample_weight_equivalence_on_dense_data": "; ".join(reasons)}
    return {}


def listed(mark):
    """The same parametrize mark with its values in a list, and its ids cached.

    Before scikit-learn 1.9, parametrize_with_checks passes pytest a generator,
    which pytest 9 deprecates (and this project's filterwarnings makes an error).
    Its ids function formats an estimator's repr for each of its ~100 checks,
    about 1 s of every worker's collection: each estimator (and check) is formatted
    once here. Both hash by identity, so the ids are the same.
    """
    argnames, argvalues = mark.args
    kwargs = dict(mark.kwargs)
    if callable(kwargs.get("ids")):
        kwargs["ids"] = functools.lru_cache(maxsize=None)(kwargs["ids"])
    return pytest.mark.parametrize(argnames, list(argvalues), **kwargs)


@listed(parametrize_with_checks(CONFIGURATIONS, expected_failed_checks=expected_failed_checks))
def test_sklearn_compatible_estimator(estimator, check):
    # A max_iter stop warns, as MLPClassifier's does; that is not a failure.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


# scikit-learn runs these on its own estimators but does not yield them for
# third-party ones, so they are called directly.


ESTIMATORS = pytest.mark.parametrize("Estimator", [ConvNetClassifier, ConvNetRegressor])


@ESTIMATORS
def test_parameter_constraints_cover_every_parameter(Estimator):
    check_param_validation(Estimator.__name__, Estimator())


@ESTIMATORS
def test_dataframe_column_names_are_checked(Estimator):
    pytest.importorskip("pandas")  # an extra that CI installs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check_dataframe_column_names_consistency(Estimator.__name__, Estimator())


@ESTIMATORS
def test_input_is_never_modified_in_place(Estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check_inplace_ensure_writeable(Estimator.__name__, Estimator())


def test_default_construction_has_no_expected_failures():
    """parametrize_with_checks runs check_estimator's checks on the defaults above;
    this keeps them free of expected failures."""
    for estimator in (ConvNetClassifier(), ConvNetRegressor()):
        assert expected_failed_checks(estimator) == {}
