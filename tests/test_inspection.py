"""skconv.inspection: feature maps and saliency, at inference, never changing the model."""

import pickle
import threading
import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skconv import ConvNetClassifier, ConvNetRegressor
from skconv.inspection import feature_maps, layer_names, saliency
from skconv.network import forward


@pytest.fixture(autouse=True)
def quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _data(n=60, shape=(1, 8, 8), seed=0, n_classes=3):
    rng = np.random.RandomState(seed)
    return rng.uniform(size=(n, int(np.prod(shape)))), rng.randint(0, n_classes, n)


def _fit(Estimator, X, y, **params):
    settings = {"filters": (3, 4), "hidden_layer_sizes": (6,), "max_iter": 3,
                    "learning_rate_init": 0.01, "random_state": 0}
    return Estimator(**{**settings, **params}).fit(X, y)


@pytest.fixture(scope="module")
def two_blocks():
    """A batch-normalised, dropout-trained classifier of two blocks: do not modify it."""
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _fit(ConvNetClassifier, X, y, batch_normalization=True, dropout=0.3), X


# ------------------------------------------------------------ feature_maps


def assert_folded_close(actual, expected):
    """float64 maps of layers run one by one against ``forward``, which
    folds a batch normalisation into the convolution before it."""
    assert actual.dtype == np.float64
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12)


def test_default_maps_are_each_blocks_output(two_blocks):
    clf, X = two_blocks
    names = layer_names(clf)
    assert names[:2] == ["block_0", "block_1"]
    assert names[2:] == ["Conv2D_0", "BatchNormalization_0", "MaxPool2D_0", "ReLU_0",
                         "Conv2D_1", "BatchNormalization_1", "MaxPool2D_1", "ReLU_1",
                         "Flatten_0", "Dense_0", "BatchNormalization_2", "ReLU_2",
                         "Dropout_0", "Dense_1"]
    maps = feature_maps(clf, X[:7])
    assert list(maps) == ["block_0", "block_1"]
    images = X[:7].reshape(-1, 1, 8, 8)
    # Block k ends at its ReLU (layers_[3] and layers_[7]): after pooling.
    # feature_maps runs the layers one by one; forward folds each batch
    # normalisation into the convolution before it (the same to rounding).
    assert_folded_close(maps["block_0"], forward(clf.layers_[:4], images))
    assert_folded_close(maps["block_1"], forward(clf.layers_[:8], images))
    assert maps["block_0"].shape == (7, 3, 4, 4) and maps["block_1"].shape == (7, 4, 2, 2)
    assert all(m.flags.c_contiguous for m in maps.values())


def test_layers_by_name_and_index(two_blocks):
    clf, X = two_blocks
    maps = feature_maps(clf, X[:5], layers=["Conv2D_1", 0, -2, "Dense_0"])
    assert list(maps) == ["Conv2D_1", 0, -2, "Dense_0"]
    images = X[:5].reshape(-1, 1, 8, 8)
    assert_folded_close(maps["Conv2D_1"], forward(clf.layers_[:5], images))
    np.testing.assert_array_equal(maps[0], forward(clf.layers_[:1], images))
    # -2 is the Dropout: the identity at inference, so the hidden features.
    assert_folded_close(maps[-2], clf.transform(X[:5]))
    assert maps["Dense_0"].shape == (5, 6)
    single = feature_maps(clf, X[:5], layers="Conv2D_0")
    assert list(single) == ["Conv2D_0"] and single["Conv2D_0"].shape == (5, 3, 8, 8)


def test_feature_maps_in_chunks_and_float32(digits):
    X, y = digits
    clf = _fit(ConvNetClassifier, X[:300].astype(np.float32), y[:300])
    whole = feature_maps(clf, X[:200])
    with config_context(working_memory=0.005):
        assert clf._chunk_rows(np.float32, clf.layers_) < 50
        chunked = feature_maps(clf, X[:200])
    for name in whole:
        assert chunked[name].dtype == np.float32
        np.testing.assert_allclose(chunked[name], whole[name], rtol=1e-6)


@pytest.mark.parametrize("layers, message", [
    ("Conv2D_5", "names no layer"),
    (["block_0", "relu_0"], "names no layer"),
    ([14], "the network has 14 layers"),
    ([-15], "the network has 14 layers"),
    ([1.5], "names no layer"),
])
def test_layers_naming_no_layer_are_refused(two_blocks, layers, message):
    clf, X = two_blocks
    before = pickle.dumps(clf)
    with pytest.raises(ValueError, match=message):
        feature_maps(clf, X[:2], layers=layers)
    assert pickle.dumps(clf) == before


def test_no_convolution_block_needs_layers(digits):
    X, y = digits
    clf = _fit(ConvNetClassifier, X[:100], y[:100], filters=())
    with pytest.raises(ValueError, match="no convolution block"):
        feature_maps(clf, X[:2])
    assert feature_maps(clf, X[:2], layers="Dense_0")["Dense_0"].shape == (2, 6)


def test_inspection_refuses_unfitted_models_and_pipelines(two_blocks):
    clf, X = two_blocks
    for function in (feature_maps, saliency):
        with pytest.raises(NotFittedError):
            function(ConvNetClassifier(), X[:2])
        pipe = make_pipeline(StandardScaler(), clf)
        with pytest.raises(TypeError, match=r"pipe\[-1\], pipe\[:-1\].transform"):
            function(pipe, X[:2])
    with pytest.raises(NotFittedError):
        layer_names(ConvNetClassifier())


# ------------------------------------------------------------------ saliency


def _numerical_saliency(output, X, h=1e-6):
    """Central differences of ``output(X)`` (one value per row) for every pixel."""
    gradient = np.zeros_like(X)
    for j in range(X.shape[1]):
        step = np.zeros(X.shape[1])
        step[j] = h
        gradient[:, j] = (output(X + step) - output(X - step)) / (2 * h)
    return gradient


ARCHITECTURES = {
    "tanh-avg": {"activation": "tanh", "pooling": "avg"},
    "bn-dropout-logistic": {"activation": "logistic", "batch_normalization": True,
                                "dropout": 0.4},
    "relu-max": {},
    "valid-even-strided": {"padding": "valid", "kernel_size": (2, 1), "stride": 2,
                               "activation": "tanh"},
    "same-even-global": {"kernel_size": 4, "global_pooling": True, "activation": "tanh"},
    "dense-only": {"filters": (), "hidden_layer_sizes": (5, 4), "activation": "tanh"},
}


@pytest.mark.parametrize("params", ARCHITECTURES.values(), ids=ARCHITECTURES)
def test_saliency_matches_finite_differences(params):
    X, y = _data(shape=(2, 7, 8))
    clf = _fit(ConvNetClassifier, X, y, image_shape=(2, 7, 8), **params)
    x = X[:4]
    rows = np.arange(len(x))
    predicted = np.searchsorted(clf.classes_, clf.predict(x))
    gradient = saliency(clf, x)
    expected = _numerical_saliency(lambda Z: clf.decision_function(Z)[rows, predicted], x)
    np.testing.assert_allclose(gradient, expected, rtol=1e-5, atol=1e-8)
    assert np.abs(gradient).max() > 1e-6  # not trivially zero
    # Another class, given by label, for every sample.
    other = saliency(clf, x, target=clf.classes_[2])
    expected = _numerical_saliency(lambda Z: clf.decision_function(Z)[:, 2], x)
    np.testing.assert_allclose(other, expected, rtol=1e-5, atol=1e-8)


def test_binary_saliency_is_the_log_odds_of_the_class():
    X, y = _data(n_classes=2)
    labels = np.array(["no", "yes"])[y]
    clf = _fit(ConvNetClassifier, X, labels, activation="tanh")
    x = X[:3]
    z_gradient = _numerical_saliency(clf.decision_function, x)  # log-odds of "yes"
    np.testing.assert_allclose(saliency(clf, x, target="yes"), z_gradient, rtol=1e-5,
                               atol=1e-8)
    np.testing.assert_allclose(saliency(clf, x, target="no"), -z_gradient, rtol=1e-5,
                               atol=1e-8)
    sign = np.where(clf.predict(x) == "yes", 1, -1)[:, None]
    np.testing.assert_allclose(saliency(clf, x), sign * z_gradient, rtol=1e-5, atol=1e-8)
    # One target per sample.
    per_sample = saliency(clf, x, target=["yes", "no", "yes"])
    np.testing.assert_allclose(per_sample, [[1], [-1], [1]] * z_gradient, rtol=1e-5,
                               atol=1e-8)


def test_multilabel_saliency_defaults_to_the_most_likely_label():
    X, _ = _data()
    Y = (X[:, :3] > 0.5).astype(int)
    clf = _fit(ConvNetClassifier, X, Y, activation="tanh")
    x = X[:3]
    likely = np.argmax(clf.decision_function(x), axis=1)
    rows = np.arange(3)
    expected = _numerical_saliency(lambda Z: clf.decision_function(Z)[rows, likely], x)
    np.testing.assert_allclose(saliency(clf, x), expected, rtol=1e-5, atol=1e-8)
    expected = _numerical_saliency(lambda Z: clf.decision_function(Z)[:, 1], x)
    np.testing.assert_allclose(saliency(clf, x, target=1), expected, rtol=1e-5, atol=1e-8)


def test_regressor_saliency_per_output_column():
    X, _ = _data()
    Y = np.c_[X[:, :8].mean(axis=1), X[:, -8:].mean(axis=1)]
    reg = _fit(ConvNetRegressor, X, Y, activation="tanh", batch_normalization=True)
    x = X[:3]
    for column in (0, 1):
        expected = _numerical_saliency(lambda Z, c=column: reg.predict(Z)[:, c], x)
        np.testing.assert_allclose(saliency(reg, x, target=column), expected, rtol=1e-5,
                                   atol=1e-8)
    with pytest.raises(ValueError, match="has 2 outputs: pass target"):
        saliency(reg, x)
    for bad in (2, -1, 0.5, [0, 1]):
        with pytest.raises(ValueError, match="target must be"):
            saliency(reg, x, target=bad)
    single = _fit(ConvNetRegressor, X, Y[:, 0], activation="tanh")
    expected = _numerical_saliency(single.predict, x)
    np.testing.assert_allclose(saliency(single, x), expected, rtol=1e-5, atol=1e-8)


def test_saliency_is_shaped_like_x_in_the_models_dtype(digits):
    X, y = digits
    clf = _fit(ConvNetClassifier, X[:200].astype(np.float32), y[:200])
    flat = saliency(clf, X[:4].astype(np.float32))
    assert flat.shape == (4, 64) and flat.dtype == np.float32
    images = saliency(clf, X[:4].reshape(4, 8, 8).astype(np.float32))
    assert images.shape == (4, 8, 8)
    np.testing.assert_array_equal(images.reshape(4, 64), flat)
    with config_context(working_memory=0.001):  # one row at a time
        np.testing.assert_allclose(saliency(clf, X[:4].astype(np.float32)), flat,
                                   rtol=1e-4, atol=1e-6 * np.abs(flat).max())


@pytest.mark.parametrize("target, message", [
    (7, r"target contains labels \[7\] that are not among the classes"),
    ([0, 1], r"one per sample \(3 here\)"),
    (["a", "b", "c"], "not among the classes"),
])
def test_target_outside_the_classes_is_refused(two_blocks, target, message):
    clf, X = two_blocks
    before = pickle.dumps(clf)
    with pytest.raises(ValueError, match=message):
        saliency(clf, X[:3], target=target)
    assert pickle.dumps(clf) == before


def test_inspection_never_changes_the_model(two_blocks):
    clf, X = two_blocks
    before = pickle.dumps(clf)
    proba = clf.predict_proba(X)
    feature_maps(clf, X, layers=list(range(len(clf.layers_))))
    saliency(clf, X)
    assert pickle.dumps(clf) == before
    np.testing.assert_array_equal(clf.predict_proba(X), proba)  # bit-identical
    assert not any(hasattr(layer, "_cache") for layer in clf.layers_)


def test_saliency_while_other_threads_predict(two_blocks):
    clf, X = two_blocks
    expected_proba = clf.predict_proba(X)
    # Different rows in each thread: a cache shared between threads would mix them.
    parts = [X[:30], X[30:]]
    expected = [saliency(clf, part) for part in parts]
    expected_maps = [feature_maps(clf, part) for part in parts]
    failures = []

    def predict_repeatedly():
        for _ in range(40):
            if not np.array_equal(clf.predict_proba(X), expected_proba):
                failures.append("predict_proba changed")

    def inspect_repeatedly(k):
        for _ in range(40):
            if not np.array_equal(saliency(clf, parts[k]), expected[k]):
                failures.append(f"saliency of part {k} changed")
            maps = feature_maps(clf, parts[k])
            if any(not np.array_equal(maps[n], expected_maps[k][n]) for n in maps):
                failures.append(f"feature maps of part {k} changed")

    threads = [threading.Thread(target=predict_repeatedly) for _ in range(2)]
    threads += [threading.Thread(target=inspect_repeatedly, args=(k,)) for k in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


@pytest.mark.parametrize("file_name", ["clf_f32.pkl", "binary_avg_f64.pkl"])
def test_models_saved_by_0_1_transform_and_look_inside(file_name, v0_1_pickles_readable):
    import pathlib

    path = pathlib.Path(__file__).parent / "fixtures" / "v0_1_0" / file_name
    with open(path, "rb") as file:
        clf = pickle.load(file)
    X = np.random.RandomState(0).uniform(size=(5, 64)).astype(clf._dtype())
    images = X.reshape(-1, *clf.image_shape_)
    np.testing.assert_array_equal(clf.transform(X), forward(clf.layers_[:-1], images))
    assert list(feature_maps(clf, X)) == ["block_0", "block_1"][: len(clf.filters)]
    gradient = saliency(clf, X)
    assert gradient.shape == X.shape and np.isfinite(gradient).all()
