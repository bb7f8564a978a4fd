"""ONNX export (the [onnx] extra): onnxruntime gives skconv's predictions."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC

from skconv import ConvNetClassifier, ConvNetRegressor
from skconv.layers import ACTIVATIONS, AvgPool2D, Conv2D, MaxPool2D

skl2onnx = pytest.importorskip("skl2onnx")  # the [onnx] extra, which CI installs
onnxruntime = pytest.importorskip("onnxruntime")
from skconv.onnx import to_onnx


@pytest.fixture(autouse=True)
def quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def run(onnx_model, X):
    """onnxruntime's outputs for ``X``, by output name."""
    session = onnxruntime.InferenceSession(onnx_model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(None, {"X": X})))


def _data(n, shape, seed, dtype=np.float64):
    rng = np.random.RandomState(seed)
    return rng.uniform(size=(n, int(np.prod(shape)))).astype(dtype), rng


TARGETS = {
    "binary": lambda rng, n: rng.randint(0, 2, n),
    "multiclass": lambda rng, n: np.array(["ant", "bee", "cat", "dog"])[rng.randint(0, 4, n)],
    "multilabel": lambda rng, n: rng.randint(0, 2, (n, 3)),
    "regression": lambda rng, n: rng.normal(size=n),
    "regression-2": lambda rng, n: rng.normal(size=(n, 2)),
}


def random_architectures(n, seed=0):
    """``n`` random architectures, each with a target kind and a dtype, that build."""
    rng = np.random.RandomState(seed)
    found = []
    while len(found) < n:
        n_blocks = rng.randint(0, 3)
        shape = (int(rng.randint(1, 4)),) + tuple(int(s) for s in rng.randint(5, 14, 2))
        params = {
            "image_shape": shape,
            "filters": tuple(int(f) for f in rng.randint(1, 5, n_blocks)),
            "kernel_size": tuple(int(k) for k in rng.randint(1, 6, n_blocks)) or 3,
            "stride": int(rng.randint(1, 4)),
            "padding": str(rng.choice(["valid", "same"])),
            "pool_size": int(rng.randint(1, 4)),
            "pooling": str(rng.choice(["max", "avg"])),
            "global_pooling": bool(rng.rand() < 0.3),
            "hidden_layer_sizes": tuple(int(h) for h in rng.randint(1, 8, rng.randint(0, 3))),
            "activation": str(rng.choice(sorted(ACTIVATIONS))),
            "batch_normalization": bool(rng.rand() < 0.4),
            "dropout": float(rng.choice([0.0, 0.3])),
            "convolutions_per_block": int(rng.choice([1, 1, 2])),
        }
        try:
            ConvNetClassifier(**params).summary()  # builds the plan, or says why not
        except ValueError:
            continue
        found.append((params, str(rng.choice(sorted(TARGETS))),
                      [np.float32, np.float64][rng.randint(2)]))
    return found


ARCHITECTURES = random_architectures(40)


def _fitted(params, target, dtype, seed):
    X, rng = _data(48, params["image_shape"], seed, dtype)
    y = TARGETS[target](rng, len(X))
    Estimator = ConvNetRegressor if target.startswith("regression") else ConvNetClassifier
    model = Estimator(**params, max_iter=2, batch_size=16, learning_rate_init=0.01,
                      random_state=seed).fit(X, y)
    return model, _data(64, params["image_shape"], seed + 1000, dtype)[0]


def test_the_random_architectures_cover_every_layer_and_option():
    seen = set()
    for params, target, dtype in ARCHITECTURES:
        model = ConvNetClassifier(**params)
        shape = model.image_shape
        seen |= {target, np.dtype(dtype).name, params["activation"]}
        for layer in __import__("skconv").network.plan_layers(
                shape, n_outputs=1, **model._validate_architecture()):
            seen.add(type(layer).__name__)
            seen |= {"stacked convolutions"} if params["convolutions_per_block"] > 1 else set()
            if isinstance(layer, Conv2D):
                seen.add(f"padding={layer.padding}")
                seen |= {"stride>1"} if layer.stride[0] > 1 else set()
                odd = (layer.geometry(*shape[1:])[0][0][0]
                       != layer.geometry(*shape[1:])[0][0][1])
                seen |= {"asymmetric padding"} if odd else set()
            if isinstance(layer, (MaxPool2D, AvgPool2D)) and (
                    shape[1] % layer.pool_size[0] or shape[2] % layer.pool_size[1]):
                seen.add("pool leftover")
            shape = layer.output_shape(shape)
    expected = set(TARGETS) | {"float32", "float64"} | set(ACTIVATIONS) | {
        "Conv2D", "MaxPool2D", "AvgPool2D", "GlobalAvgPool2D", "Flatten", "Dense",
        "Dropout", "BatchNormalization", "padding=valid", "padding=same", "stride>1",
        "asymmetric padding", "pool leftover", "stacked convolutions"}
    assert expected - seen == set()


@pytest.mark.parametrize("k", range(len(ARCHITECTURES)))
def test_onnxruntime_gives_skconvs_predictions(k):
    params, target, dtype = ARCHITECTURES[k]
    model, X = _fitted(params, target, dtype, seed=k)
    outputs = run(to_onnx(model, X[:1]), X)
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    if isinstance(model, ConvNetRegressor):
        (values,) = outputs.values()
        expected = model.predict(X).reshape(len(X), -1)
        assert values.dtype == dtype and values.shape == expected.shape
        np.testing.assert_allclose(values, expected, rtol=tolerance, atol=tolerance)
        return
    np.testing.assert_array_equal(outputs["label"], model.predict(X))
    assert outputs["probabilities"].dtype == dtype
    np.testing.assert_allclose(outputs["probabilities"], model.predict_proba(X),
                               rtol=0, atol=tolerance)


@pytest.fixture(scope="module")
def images():
    X, rng = _data(60, (1, 8, 8), seed=0, dtype=np.float32)
    return X, rng.randint(0, 3, len(X))


def _small(Estimator=ConvNetClassifier, **params):
    return Estimator(**{"filters": (3,), "hidden_layer_sizes": (5,), "max_iter": 2,
                               "random_state": 0, **params})


@pytest.mark.parametrize("labels, dtype", [
    (np.array(["no", "yes"]), object),
    (np.array([-1, 1]), np.int64),
    (np.array([1.0, 3.0, 7.0]), np.float64),
    (np.array([False, True]), np.bool_),
    (np.array(["cat", "dog", "emu"], dtype=object), object),
])
def test_labels_of_every_kind_as_plain_tensors(images, labels, dtype):
    X, codes = images
    y = labels[codes % len(labels)]
    clf = _small().fit(X, y)
    outputs = run(to_onnx(clf, X[:1]), X)
    assert list(outputs) == ["label", "probabilities"]
    assert outputs["label"].dtype == dtype and outputs["label"].shape == (len(X),)
    np.testing.assert_array_equal(outputs["label"], clf.predict(X))
    np.testing.assert_allclose(outputs["probabilities"], clf.predict_proba(X), atol=1e-5)


def test_multilabel_labels_are_the_indicator_matrix(images):
    X, _ = images
    Y = (X[:, :3] > 0.5).astype(int)
    clf = _small().fit(X, Y)
    outputs = run(to_onnx(clf, X[:1]), X)
    assert outputs["label"].dtype == np.int64 and outputs["label"].shape == (len(X), 3)
    np.testing.assert_array_equal(outputs["label"], clf.predict(X))
    np.testing.assert_allclose(outputs["probabilities"], clf.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zipmap_is_honoured(images, dtype):
    X, codes = images
    clf = _small().fit(X.astype(dtype), np.array(["a", "b", "c"])[codes])
    proba = clf.predict_proba(X.astype(dtype))
    outputs = run(to_onnx(clf, X[:1].astype(dtype), options={id(clf): {"zipmap": True}}),
                  X.astype(dtype))
    assert list(outputs) == ["output_label", "output_probability"]
    np.testing.assert_array_equal(outputs["output_label"], clf.predict(X))
    as_rows = [[row[label] for label in clf.classes_] for row in outputs["output_probability"]]
    np.testing.assert_allclose(as_rows, proba, atol=1e-6)  # ZipMap's float32
    columns = run(to_onnx(clf, X[:1].astype(dtype),
                          options={ConvNetClassifier: {"zipmap": "columns"}}),
                  X.astype(dtype))
    assert list(columns) == ["output_label", "sa", "sb", "sc"]
    np.testing.assert_allclose(np.c_[columns["sa"], columns["sb"], columns["sc"]], proba,
                               atol=1e-6)


def test_zipmap_given_for_the_pipeline_reaches_its_classifier(images):
    X, y = images
    pipe = make_pipeline(StandardScaler(), _small()).fit(X, y)
    outputs = run(to_onnx(pipe, X[:1], options={id(pipe): {"zipmap": True}}), X)
    assert list(outputs) == ["output_label", "output_probability"]


def test_nocl_gives_class_indices(images):
    X, codes = images
    clf = _small().fit(X, np.array(["a", "b", "c"])[codes])
    outputs = run(to_onnx(clf, X[:1], options={id(clf): {"nocl": True}}), X)
    np.testing.assert_array_equal(outputs["label"],
                                  np.searchsorted(clf.classes_, clf.predict(X)))


def test_transform_option_exports_transform(images):
    X, y = images
    for model in (_small().fit(X, y), _small(ConvNetRegressor).fit(X, X[:, 0])):
        outputs = run(to_onnx(model, X[:1], options={id(model): {"transform": True}}), X)
        np.testing.assert_allclose(outputs["variable"], model.transform(X), atol=1e-5)


def test_float64_graphs_avoid_what_onnxruntime_lacks(images):
    X, y = images
    ops = {}
    for dtype in (np.float32, np.float64):
        clf = _small(pooling="avg", global_pooling=True).fit(X.astype(dtype), y)
        ops[dtype] = {node.op_type for node in to_onnx(clf, X[:1]).graph.node}
    assert {"Conv", "AveragePool"} <= ops[np.float32]
    assert not {"Conv", "AveragePool", "GlobalAveragePool"} & ops[np.float64]
    assert "MatMul" in ops[np.float64]


def test_pipeline_with_a_scaler_and_skl2onnx_itself(images):
    X, y = images
    pipe = make_pipeline(StandardScaler(), _small()).fit(X, y)
    outputs = run(to_onnx(pipe, X[:1]), X)
    np.testing.assert_array_equal(outputs["label"], pipe.predict(X))
    np.testing.assert_allclose(outputs["probabilities"], pipe.predict_proba(X), atol=1e-5)
    # skl2onnx's own entry point, with its own default for classifiers (zipmap).
    outputs = run(skl2onnx.to_onnx(pipe, X[:1]), X)
    np.testing.assert_array_equal(outputs["output_label"], pipe.predict(X))
    as_rows = [[row[c] for c in pipe.classes_] for row in outputs["output_probability"]]
    np.testing.assert_allclose(as_rows, pipe.predict_proba(X), atol=1e-5)


def test_cnn_features_into_another_estimator(images):
    X, y = images
    for head in (SVC(), LogisticRegression()):
        pipe = make_pipeline(StandardScaler(), _small(), head).fit(X, y)
        with warnings.catch_warnings():
            # skl2onnx 1.20 reads SVC.probA_ and probB_, deprecated by scikit-learn 1.9.
            warnings.filterwarnings("ignore", "Attribute `prob[AB]_`", FutureWarning)
            onnx_model = to_onnx(pipe, X[:1])
        outputs = run(onnx_model, X)
        # The label is the first output; its name is skl2onnx's to choose
        # (for SVC: "label" under scikit-learn 1.6, "output_label" under 1.9).
        labels = next(iter(outputs.values()))
        np.testing.assert_array_equal(labels, pipe.predict(X))
        if isinstance(head, LogisticRegression):  # skl2onnx's default: zipmap
            as_rows = [[row[c] for c in pipe.classes_]
                       for row in outputs["output_probability"]]
            np.testing.assert_allclose(as_rows, pipe.predict_proba(X), atol=1e-5)


def test_regressor_outputs_are_two_dimensional(images):
    X, _ = images
    for y in (X[:, 0], X[:, :2]):
        reg = _small(ConvNetRegressor).fit(X, y)
        (values,) = run(to_onnx(reg, X[:1]), X).values()
        assert values.shape == (len(X), reg.n_outputs_)
        np.testing.assert_allclose(values, reg.predict(X).reshape(len(X), -1), atol=1e-5)


def test_x_sample_may_be_images(images):
    X, y = images
    clf = _small().fit(X, y)
    outputs = run(to_onnx(clf, X[:2].reshape(2, 8, 8)), X)
    np.testing.assert_array_equal(outputs["label"], clf.predict(X))


class Unconvertible(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        return X


def test_unfitted_models_are_refused(images):
    X, _y = images
    with pytest.raises(NotFittedError, match="ConvNetClassifier instance is not fitted"):
        to_onnx(ConvNetClassifier(), X[:1])
    with pytest.raises(NotFittedError, match="Step 'cnn'"):
        to_onnx(Pipeline([("scale", StandardScaler().fit(X)), ("cnn", _small())]), X[:1])


@pytest.mark.parametrize("step, name", [
    (Unconvertible(), "'mine' \\(Unconvertible\\)"),
    (FunctionTransformer(np.log1p), "'mine' \\(FunctionTransformer\\)"),
])
def test_a_step_skl2onnx_cannot_convert_is_named(images, step, name):
    X, y = images
    pipe = Pipeline([("mine", step), ("scale", StandardScaler()), ("cnn", _small())])
    pipe.fit(X, y)
    before = pickle.dumps(pipe)
    with pytest.raises(RuntimeError, match=f"Step {name} of the pipeline cannot be"):
        to_onnx(pipe, X[:1])
    assert pickle.dumps(pipe) == before


def test_bad_x_sample_and_opset_are_refused(images):
    X, y = images
    clf = _small().fit(X, y)
    before = pickle.dumps(clf)
    with pytest.raises(ValueError, match="X_sample has 10 features per row, but the "
                                         "ConvNetClassifier to export was fitted on 64"):
        to_onnx(clf, X[:1, :10])
    with pytest.raises(ValueError, match="X_sample must hold rows"):
        to_onnx(clf, X[0])  # one row needs to be 2-D
    with pytest.raises(RuntimeError, match="target_opset >= 13; got 12"):
        to_onnx(clf, X[:1], target_opset=12)
    to_onnx(clf, X[:1])
    assert pickle.dumps(clf) == before


@pytest.mark.parametrize("file_name", ["clf_f32.pkl", "pipe_bn_f64.joblib"])
def test_models_saved_by_0_1_export(file_name, v0_1_pickles_readable):
    import pathlib

    import joblib

    path = pathlib.Path(__file__).parent / "fixtures" / "v0_1_0" / file_name
    model = joblib.load(path)
    X = np.random.RandomState(0).uniform(size=(20, 64))
    cnn = model[-1] if hasattr(model, "steps") else model
    X = X.astype(cnn._dtype())
    outputs = run(to_onnx(model, X[:1]), X)
    np.testing.assert_array_equal(outputs["label"], model.predict(X))
    np.testing.assert_allclose(outputs["probabilities"], model.predict_proba(X),
                               atol=1e-5 if cnn._dtype() == np.float32 else 1e-12)
