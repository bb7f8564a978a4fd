"""ConvNetClassifier inside scikit-learn's tools and persisted with joblib."""

import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from skconv import ConvNetClassifier

QUICK = dict(hidden_layer_sizes=(32,), max_iter=15, learning_rate_init=0.005, random_state=0)


pytestmark = pytest.mark.usefixtures("quiet_convergence")


@pytest.fixture(scope="module")
def digits600(raw_digits):
    X, y = raw_digits
    return X[:600], y[:600]


def test_pipeline_with_scaler(digits600):
    X, y = digits600
    pipe = make_pipeline(MinMaxScaler(), ConvNetClassifier(filters=(8,), **QUICK))
    pipe.fit(X[:450], y[:450])
    assert pipe[-1].image_shape_ == (1, 8, 8)
    assert pipe.score(X[450:], y[450:]) > 0.85


def test_grid_search_over_kernel_sizes_and_depths(digits600):
    X, y = digits600
    grid = {"kernel_size": [3, 5], "filters": [(8,), (8, 16)]}
    search = GridSearchCV(ConvNetClassifier(**QUICK), grid, cv=3).fit(X / 16, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.all(search.cv_results_["mean_test_score"] > 0.8)
    best = search.best_estimator_
    assert best.kernel_size == search.best_params_["kernel_size"]
    depth = len(search.best_params_["filters"])
    assert sum(type(layer).__name__ == "Conv2D" for layer in best.layers_) == depth
    assert best.layers_[0].kernel_size == (best.kernel_size,) * 2


def test_cross_val_score(digits600):
    X, y = digits600
    scores = cross_val_score(ConvNetClassifier(filters=(8,), **QUICK), X / 16, y, cv=3)
    assert scores.shape == (3,)
    assert scores.min() > 0.8


def test_clone_gives_unfitted_copy_with_same_parameters(digits600):
    X, y = digits600
    clf = ConvNetClassifier(filters=(8, 16), kernel_size=(5, 3), **QUICK).fit(X / 16, y)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "layers_")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_joblib_round_trip_gives_identical_probabilities(tmp_path, digits600, dtype):
    X, y = digits600
    X = (X / 16).astype(dtype)
    clf = ConvNetClassifier(filters=(8,), **QUICK).fit(X, y)
    path = tmp_path / "model.joblib"
    joblib.dump(clf, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.layers_[0].params["W"].dtype == dtype
    # Memory-mapped, read-only weights still predict.
    mapped = joblib.load(path, mmap_mode="r")
    np.testing.assert_array_equal(mapped.predict_proba(X), clf.predict_proba(X))


def test_pickle_keeps_no_training_caches(digits600):
    X, y = digits600
    clf = ConvNetClassifier(filters=(8,), **QUICK).fit(X / 16, y)
    assert not any(hasattr(layer, "_cache") for layer in clf.layers_)
    assert all(layer.grads == {} for layer in clf.layers_)
    # Weights plus Adam's two moment arrays, and little else.
    weight_bytes = sum(p.nbytes for layer in clf.layers_ for p in layer.params.values())
    assert len(pickle.dumps(clf)) < 3.3 * weight_bytes
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict(X / 16), clf.predict(X / 16))


def test_standard_scaled_pipeline_persists(tmp_path, digits600):
    X, y = digits600
    pipe = make_pipeline(StandardScaler(), ConvNetClassifier(filters=(8,), **QUICK)).fit(X, y)
    joblib.dump(pipe, tmp_path / "pipe.joblib")
    loaded = joblib.load(tmp_path / "pipe.joblib")
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
