"""transform(): a fitted network as a feature extractor for other estimators."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

from skconv import ConvNetClassifier, ConvNetRegressor
from skconv.network import forward


@pytest.fixture(autouse=True)
def quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _fit(Estimator, X, y, **params):
    settings = {"filters": (4,), "hidden_layer_sizes": (16,), "max_iter": 3,
                    "learning_rate_init": 0.01, "random_state": 0}
    return Estimator(**{**settings, **params}).fit(X, y)


def test_transform_is_the_input_of_the_output_layer(fitted_classifier, digits):
    X, _ = digits
    features = fitted_classifier.transform(X[:50])
    images = X[:50].reshape(-1, 1, 8, 8)
    np.testing.assert_array_equal(features, forward(fitted_classifier.layers_[:-1], images))
    assert features.shape == (50, 16)
    # The output layer applied to them gives decision_function.
    W, b = fitted_classifier.layers_[-1].params["W"], fitted_classifier.layers_[-1].params["b"]
    np.testing.assert_allclose(features @ W + b, fitted_classifier.decision_function(X[:50]),
                               rtol=1e-12)
    assert (features >= 0).all()  # the hidden layer's ReLU


def test_transform_uses_inference_semantics_with_batch_norm_and_dropout(digits):
    X, y = digits
    clf = _fit(ConvNetClassifier, X[:300], y[:300], batch_normalization=True, dropout=0.5)
    assert type(clf.layers_[-2]).__name__ == "Dropout"
    first = clf.transform(X[:40])
    # Deterministic (no dropout mask) and per sample (running statistics).
    np.testing.assert_array_equal(first, clf.transform(X[:40]))
    np.testing.assert_allclose(clf.transform(X[:1]), first[:1], rtol=1e-12)


@pytest.mark.parametrize("params, width", [
    ({"hidden_layer_sizes": ()}, 4 * 4 * 4),  # the flattened maps of the last block
    ({"hidden_layer_sizes": (), "global_pooling": True}, 4),  # their channel means
    ({"filters": (), "hidden_layer_sizes": ()}, 64),  # X itself
])
def test_transform_without_hidden_layers(digits, params, width):
    X, y = digits
    clf = _fit(ConvNetClassifier, X[:200], y[:200], **params)
    features = clf.transform(X[:20])
    assert features.shape == (20, width) == (20, clf._n_features_out)
    if not clf.filters:
        np.testing.assert_array_equal(features, X[:20])


def test_regressor_transform_and_float32_preserved(digits):
    X, _ = digits
    X32 = X[:200].astype(np.float32)
    reg = _fit(ConvNetRegressor, X32, X32[:, :2].sum(axis=1), hidden_layer_sizes=(8, 5))
    features = reg.transform(X32[:10])
    assert features.dtype == np.float32 and features.shape == (10, 5)
    W, b = reg.layers_[-1].params["W"], reg.layers_[-1].params["b"]
    np.testing.assert_allclose((features @ W + b)[:, 0], reg.predict(X32[:10]), rtol=1e-5)


def test_cnn_features_feed_an_svc_and_a_logistic_regression(digits):
    X, y = digits
    for head in (SVC(), LogisticRegression(max_iter=500)):
        pipe = make_pipeline(ConvNetClassifier(filters=(8,), hidden_layer_sizes=(32,),
                                               max_iter=10, random_state=0), head)
        pipe.fit(X[:1000], y[:1000])
        assert pipe.score(X[1000:], y[1000:]) >= 0.85
        # The pipeline's second step learned from the CNN's features.
        np.testing.assert_array_equal(
            pipe.predict(X[1000:1100]),
            pipe[-1].predict(pipe[0].transform(X[1000:1100])))


def test_fit_transform_is_fit_then_transform(digits):
    X, y = digits
    clf = ConvNetClassifier(filters=(4,), hidden_layer_sizes=(8,), max_iter=2,
                            random_state=0)
    np.testing.assert_array_equal(clone(clf).fit_transform(X[:200], y[:200]),
                                  clone(clf).fit(X[:200], y[:200]).transform(X[:200]))


def test_feature_names_and_pandas_output(fitted_classifier, digits):
    pd = pytest.importorskip("pandas")
    X, _ = digits
    names = fitted_classifier.get_feature_names_out()
    assert list(names) == [f"convnetclassifier{i}" for i in range(16)]
    clf = pickle.loads(pickle.dumps(fitted_classifier)).set_output(transform="pandas")
    frame = clf.transform(X[:5])
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == list(names)


def test_transform_is_chunked_and_writes_nothing(fitted_classifier, digits):
    X, _ = digits
    before = pickle.dumps(fitted_classifier)
    full = fitted_classifier.transform(X[:300])
    with config_context(working_memory=0.01):  # a few rows per chunk
        assert fitted_classifier._chunk_rows(np.float64, fitted_classifier.layers_) < 300
        chunked = fitted_classifier.transform(X[:300])
    np.testing.assert_allclose(chunked, full, rtol=1e-12)
    assert pickle.dumps(fitted_classifier) == before


def test_transform_before_fit_and_with_wrong_width(fitted_classifier, digits):
    X, _ = digits
    with pytest.raises(NotFittedError):
        ConvNetClassifier().transform(X[:2])
    with pytest.raises(ValueError, match="features"):
        fitted_classifier.transform(X[:2, :10])
