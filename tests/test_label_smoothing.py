"""label_smoothing: softened training targets, true labels everywhere else."""

import numpy as np
import pytest
from sklearn.metrics import log_loss
from sklearn.utils._param_validation import InvalidParameterError

from skconv import ConvNetClassifier


@pytest.fixture
def small(digits):
    X, y = digits
    return X[:300], y[:300]


def training_targets(clf, y):
    targets = {"classes_": np.unique(y), "_target_type": "multiclass",
               "out_activation_": "softmax"}
    if y.ndim == 2:
        targets.update(_target_type="multilabel-indicator", out_activation_="logistic")
    elif len(targets["classes_"]) == 2:
        targets.update(_target_type="binary", out_activation_="logistic")
    Y = clf._encode_targets(y, targets, np.float64)
    return Y, clf._training_targets(Y, targets)


def test_softmax_targets_spread_the_smoothing_over_the_classes():
    y = np.array([0, 1, 2, 3, 1])
    Y, smooth = training_targets(ConvNetClassifier(label_smoothing=0.2), y)
    np.testing.assert_allclose(smooth, 0.8 * Y + 0.05)
    np.testing.assert_allclose(smooth.sum(axis=1), 1.0)


@pytest.mark.parametrize("y", [np.array([0, 1, 1, 0]), np.array([[0, 1], [1, 1], [1, 0]])])
def test_logistic_targets_move_towards_one_half(y):
    Y, smooth = training_targets(ConvNetClassifier(label_smoothing=0.2), y)
    np.testing.assert_allclose(smooth, np.where(Y == 1, 0.9, 0.1))


def test_no_smoothing_keeps_the_targets():
    Y, same = training_targets(ConvNetClassifier(), np.array([0, 2, 1]))
    assert same is Y


def test_smoothing_trains_less_confident_models_scored_on_true_labels(
        small, fast, quiet_convergence):
    X, y = small
    plain = ConvNetClassifier(**fast, random_state=0).fit(X[:200], y[:200])
    smooth = ConvNetClassifier(**fast, label_smoothing=0.3, random_state=0)
    smooth.fit(X[:200], y[:200], X_val=X[200:], y_val=y[200:])
    confidence = {name: model.predict_proba(X[:200]).max(axis=1).mean()
                  for name, model in [("plain", plain), ("smooth", smooth)]}
    assert confidence["smooth"] < confidence["plain"] - 0.05
    # The validation loss is the cross-entropy of the true labels.
    np.testing.assert_allclose(smooth.validation_loss_curve_[-1],
                               log_loss(y[200:], smooth.predict_proba(X[200:])),
                               rtol=1e-6)


def test_smoothing_outside_zero_one_is_refused(small, fast):
    X, y = small
    with pytest.raises(InvalidParameterError, match=r"'label_smoothing' parameter of "
                                                    r"ConvNetClassifier.*\[0(\.0)?, 1"):
        ConvNetClassifier(**fast, label_smoothing=1.0).fit(X, y)
