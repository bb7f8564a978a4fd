"""The scikit-learn estimator contract, checked by scikit-learn itself."""

import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import (
    check_estimator,
    check_param_validation,
    parametrize_with_checks,
)

from skconv import ConvNetClassifier

# Configurations checked besides the defaults: other depths, kernels,
# paddings, solvers and activations must keep the contract too.
CONFIGURATIONS = [
    ConvNetClassifier(),
    ConvNetClassifier(filters=(8,), kernel_size=5, padding="same", solver="sgd",
                      learning_rate_init=0.01, activation="tanh"),
    ConvNetClassifier(filters=(), hidden_layer_sizes=(32, 16), activation="logistic",
                      learning_rate_init=0.01),
]


@parametrize_with_checks(CONFIGURATIONS)
def test_sklearn_compatible_estimator(estimator, check):
    # A max_iter stop warns, as MLPClassifier's does; that is not a failure.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def test_default_estimator_passes_check_estimator():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check_estimator(ConvNetClassifier())


def test_parameter_constraints_cover_every_parameter():
    # Not yielded by check_estimator for third-party estimators.
    check_param_validation("ConvNetClassifier", ConvNetClassifier())
