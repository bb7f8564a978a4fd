"""summary(): the network described layer by layer, before and after fitting."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from skconv import ConvNetClassifier, ConvNetRegressor, Summary
from skconv import _network

SMALL = dict(filters=(4, 8), hidden_layer_sizes=(16,), max_iter=1, random_state=0)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:200] / 16, y[:200]


def fit_quietly(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def n_weights(estimator):
    return sum(param.size for param in _network.parameters(estimator.layers_))


@pytest.mark.parametrize("Estimator", [ConvNetClassifier, ConvNetRegressor])
def test_fitted_total_params_is_the_number_of_weights(Estimator, digits):
    X, y = digits
    model = fit_quietly(Estimator(**SMALL, batch_normalization=True), X, y)
    summary = model.summary()
    assert isinstance(summary, Summary)
    assert summary.total_params == n_weights(model)
    assert len(summary.rows) == len(model.layers_)
    assert [row.name for row in summary.rows] == [type(l).__name__ for l in model.layers_]
    assert summary.rows[-1].output_shape == (model.n_outputs_,)


def test_summary_before_fit_with_y_equals_summary_after_fit(digits):
    X, y = digits
    clf = ConvNetClassifier(**SMALL)
    before = clf.summary(X, y)
    assert not hasattr(clf, "n_features_in_")  # summary() fits nothing
    after = fit_quietly(clf, X, y).summary()
    assert before.rows == after.rows
    assert before.total_params == after.total_params == n_weights(clf)
    assert before.total_flops == after.total_flops


def test_summary_before_fit_without_y_marks_the_output_unknown():
    summary = ConvNetClassifier(**SMALL, image_shape=(8, 8)).summary()
    assert summary.input_shape == (1, 8, 8)
    last = summary.rows[-1]
    assert last.output_shape == (None,)
    assert last.n_params is None and summary.total_params is None
    assert summary.total_flops is None
    # Every layer before the output is known.
    assert all(row.n_params is not None for row in summary.rows[:-1])
    assert "?" in str(summary)


def test_flops_of_a_known_network_are_counted_by_hand():
    """One 3x3 'valid' conv of 2 filters on 1x5x5, flatten, dense to 3 outputs."""
    reg = ConvNetRegressor(filters=(2,), padding="valid", pool_size=1,
                           hidden_layer_sizes=(), image_shape=(5, 5))
    summary = reg.summary(y=np.zeros((4, 3)))
    conv, dense = summary.rows[0], summary.rows[-1]
    assert conv.output_shape == (2, 3, 3)
    assert conv.n_params == 2 * 9 + 2
    assert conv.flops == 2 * 9 * 2 * 9 + 2 * 9  # multiply-adds, then the bias
    assert dense.n_params == 18 * 3 + 3
    assert dense.flops == 2 * 18 * 3 + 3
    assert summary.total_params == 20 + 57


def test_table_lists_every_layer_with_its_numbers(digits):
    X, y = digits
    clf = fit_quietly(ConvNetClassifier(**SMALL), X, y)
    text = str(clf.summary())
    header = text.splitlines()[0].split()
    assert header[:2] == ["Layer", "Output"] and "Params" in header and "FLOPs" in header
    assert f"{clf.summary().total_params:,}" in text
    for layer in clf.layers_:
        assert type(layer).__name__ in text


def test_memory_is_bytes_of_each_output_in_the_model_dtype(digits):
    X, y = digits
    clf = fit_quietly(ConvNetClassifier(**SMALL), X.astype(np.float32), y)
    for row in clf.summary().rows:
        assert row.memory == int(np.prod(row.output_shape)) * 4


def test_unfitted_summary_without_a_shape_says_what_it_needs():
    with pytest.raises(ValueError, match="image_shape, or pass a sample"):
        ConvNetClassifier().summary()


def test_summary_of_a_clone_does_not_touch_the_original(digits):
    X, y = digits
    clf = ConvNetClassifier(**SMALL)
    clone(clf).summary(X)
    assert clf.get_params() == ConvNetClassifier(**SMALL).get_params()
