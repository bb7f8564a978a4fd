"""Multilabel targets: one logistic output per label, as MLPClassifier has them."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score

from skconv import ConvNetClassifier
from skconv._training import loss_and_gradients
from skconv.losses import logistic_cross_entropy
from skconv.testing import numerical_gradient

FAST = dict(filters=(4,), hidden_layer_sizes=(16,), max_iter=10, random_state=0,
            learning_rate_init=0.01, n_iter_no_change=50)


@pytest.fixture(scope="module")
def digits_labels():
    """Three labels per digit image: even, greater than 4, a multiple of 3."""
    X, y = load_digits(return_X_y=True)
    Y = np.column_stack([y % 2 == 0, y > 4, y % 3 == 0]).astype(int)
    return X[:600] / 16, Y[:600], X[600:900] / 16, Y[600:900]


@pytest.fixture(autouse=True)
def quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def fitted(digits_labels):
    # Shared by several tests: do not mutate it.
    X, Y, _, _ = digits_labels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return ConvNetClassifier(**FAST).fit(X, Y)


def test_indicator_y_trains_one_logistic_output_per_label(fitted):
    assert fitted.out_activation_ == "logistic"
    assert fitted.n_outputs_ == 3
    np.testing.assert_array_equal(fitted.classes_, [0, 1, 2])


def test_predict_returns_the_indicator_matrix(fitted, digits_labels):
    _, _, X_test, Y_test = digits_labels
    predicted = fitted.predict(X_test)
    assert predicted.shape == Y_test.shape
    assert set(np.unique(predicted)) <= {0, 1}
    np.testing.assert_array_equal(predicted, fitted.predict_proba(X_test) > 0.5)


def test_predict_proba_is_each_labels_probability(fitted, digits_labels):
    _, _, X_test, _ = digits_labels
    proba = fitted.predict_proba(X_test)
    assert proba.shape == (len(X_test), 3)
    logits = fitted.decision_function(X_test)
    np.testing.assert_allclose(proba, 1 / (1 + np.exp(-logits)), rtol=1e-12)
    np.testing.assert_allclose(fitted.predict_log_proba(X_test), np.log(proba), rtol=1e-10)


def test_score_is_subset_accuracy_and_the_cnn_learns(fitted, digits_labels):
    _, _, X_test, Y_test = digits_labels
    score = fitted.score(X_test, Y_test)
    assert score == accuracy_score(Y_test, fitted.predict(X_test))
    # All three labels right; the most frequent combination alone scores 0.2.
    assert score > 0.6


def test_multilabel_loss_gradient_matches_finite_differences(fitted, digits_labels):
    X, Y, _, _ = digits_labels
    import copy

    from skconv import _network

    layers = copy.deepcopy(fitted.layers_)
    for layer in layers:
        for key in layer.params:
            layer.params[key] = layer.params[key].astype(np.float64)
    images, targets = X[:5].reshape(-1, 1, 8, 8), Y[:5].astype(float)
    weights = np.array([1.0, 2.0, 0.5, 1.0, 1.5])

    def loss():
        return loss_and_gradients(layers, images, targets, weights, 1e-3,
                                  logistic_cross_entropy)

    loss()
    analytic = [g.copy() for g in _network.gradients(layers)]
    for param, grad in zip(_network.parameters(layers), analytic):
        np.testing.assert_allclose(grad, numerical_gradient(loss, param),
                                   rtol=1e-5, atol=1e-8)


def test_partial_fit_with_indicator_y(digits_labels):
    X, Y, X_test, Y_test = digits_labels
    clf = ConvNetClassifier(**FAST)
    clf.partial_fit(X[:300], Y[:300])  # the labels are the columns: classes optional
    clf.partial_fit(X[300:], Y[300:], classes=[0, 1, 2])
    assert clf.n_iter_ == 2
    assert clf.predict(X_test).shape == Y_test.shape
    with pytest.raises(ValueError, match="multilabel"):
        clf.partial_fit(X[:10], Y[:10, 0])
    with pytest.raises(ValueError, match="range\\(3\\)"):
        ConvNetClassifier(**FAST).partial_fit(X[:10], Y[:10], classes=[0, 1])


def test_early_stopping_with_multilabel_uses_subset_accuracy(digits_labels):
    X, Y, X_test, Y_test = digits_labels
    clf = ConvNetClassifier(**dict(FAST, max_iter=4), early_stopping=True)
    clf.fit(X, Y, X_val=X_test, y_val=Y_test)
    assert clf.score(X_test, Y_test) == pytest.approx(clf.best_validation_score_)


def test_two_dimensional_y_that_is_not_an_indicator_is_refused(digits_labels):
    X, Y, _, _ = digits_labels
    with pytest.raises(ValueError, match="multilabel indicator matrix"):
        ConvNetClassifier(**FAST).fit(X[:50], Y[:50] * 3)
    with pytest.raises(ValueError, match="of 0s and 1s"):
        ConvNetClassifier(**FAST).fit(X[:50], Y[:50] * 2 - 1)


def test_class_weight_with_multilabel_is_refused(digits_labels):
    X, Y, _, _ = digits_labels
    with pytest.raises(ValueError, match="class_weight is not supported"):
        ConvNetClassifier(**FAST, class_weight="balanced").fit(X[:50], Y[:50])
