"""Saved and loaded models predict bit for bit as before (pickle, joblib, skops)."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skconv import ConvNetClassifier, persistence

_X, _Y = load_digits(return_X_y=True)
X = _X[:150] / 16
Y = _Y[:150]
SMALL = dict(filters=(4,), hidden_layer_sizes=(8,), max_iter=2, random_state=0)

ARCHITECTURES = {
    "default": {},
    "batchnorm-dropout": dict(batch_normalization=True, dropout=0.3),
    "deep-avg-global-sgd": dict(filters=(4, 4), pooling="avg", global_pooling=True,
                                solver="sgd", activation="tanh"),
    "adamw-logistic-valid": dict(solver="adamw", activation="logistic", padding="valid"),
    "no-conv-identity": dict(filters=(), activation="identity"),
}


def fit(params, dtype=np.float64, y=Y):
    clf = ConvNetClassifier(**{**SMALL, **params})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return clf.fit(X.astype(dtype), y)


def assert_same_model(a, b, dtype):
    Xd = X.astype(dtype)
    for method in ("predict_proba", "decision_function", "predict"):
        np.testing.assert_array_equal(getattr(a, method)(Xd), getattr(b, method)(Xd))
    assert b.predict_proba(Xd).dtype == dtype
    assert [type(layer) for layer in a.layers_] == [type(layer) for layer in b.layers_]
    for la, lb in zip(a.layers_, b.layers_):
        assert la.params.keys() == lb.params.keys()
        for key in la.params:
            assert lb.params[key].dtype == dtype
            np.testing.assert_array_equal(la.params[key], lb.params[key])


def _pickle(clf, tmp_path):
    return pickle.loads(pickle.dumps(clf))


def _joblib(clf, tmp_path):
    joblib.dump(clf, tmp_path / "model.joblib")
    return joblib.load(tmp_path / "model.joblib")


def _joblib_compressed(clf, tmp_path):
    joblib.dump(clf, tmp_path / "model.joblib.gz", compress=3)
    return joblib.load(tmp_path / "model.joblib.gz")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("round_trip", [_pickle, _joblib, _joblib_compressed],
                         ids=["pickle", "joblib", "joblib-compressed"])
def test_round_trip_is_bit_identical(round_trip, architecture, dtype, tmp_path):
    clf = fit(ARCHITECTURES[architecture], dtype)
    loaded = round_trip(clf, tmp_path)
    assert_same_model(clf, loaded, dtype)


def test_loaded_model_continues_training_like_the_original(tmp_path):
    """The optimizer state and random stream are saved too."""
    clf = fit({})
    loaded = _joblib(clf, tmp_path)
    clf.partial_fit(X, Y)
    loaded.partial_fit(X, Y)
    assert_same_model(clf, loaded, np.float64)


def test_binary_model_round_trip(tmp_path):
    clf = fit({}, y=np.where(Y % 2 == 0, "even", "odd"))
    assert_same_model(clf, _pickle(clf, tmp_path), np.float64)


# ------------------------------------------------------------------ skops

@pytest.fixture(scope="module")
def skops_io():
    """skops.io, an optional extra that CI installs: only its tests skip without it.

    Imported here rather than at collection: it takes seconds (skops lists
    every scikit-learn estimator), paid only by the process that runs these.
    """
    return pytest.importorskip("skops.io")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_skops_round_trip_is_bit_identical(skops_io, architecture, dtype, tmp_path):
    clf = fit(ARCHITECTURES[architecture], dtype)
    skops_io.dump(clf, tmp_path / "model.skops")
    untrusted = skops_io.get_untrusted_types(file=tmp_path / "model.skops")
    assert f"{ConvNetClassifier.__module__}.ConvNetClassifier" in untrusted
    assert set(untrusted) <= set(persistence.trusted_types())
    assert_same_model(clf, persistence.load(tmp_path / "model.skops"), dtype)
    assert_same_model(clf, persistence.load(str(tmp_path / "model.skops")), dtype)
    assert_same_model(clf, persistence.loads(skops_io.dumps(clf)), dtype)
    # skops itself, given the documented list, loads it too.
    loaded = skops_io.load(tmp_path / "model.skops", trusted=persistence.trusted_types())
    assert_same_model(clf, loaded, dtype)


def test_skops_pipeline_with_scaler_round_trip(skops_io, tmp_path):
    pipe = make_pipeline(StandardScaler(), ConvNetClassifier(**SMALL))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe.fit(X, Y)
    skops_io.dump(pipe, tmp_path / "pipe.skops")
    assert set(skops_io.get_untrusted_types(file=tmp_path / "pipe.skops")) <= set(
        persistence.trusted_types()
    )
    with open(tmp_path / "pipe.skops", "rb") as file:
        loaded = persistence.load(file)
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    np.testing.assert_array_equal(loaded[0].scale_, pipe[0].scale_)


def test_trusted_types_cover_every_layer_class():
    import importlib
    import inspect
    import pkgutil

    from skconv import layers, optimizers

    names = persistence.trusted_types()
    assert len(names) == len(set(names))
    # Every public layer class of every module of skconv.layers is in the
    # LAYERS table (bar the abstract bases), and trusted under its name.
    for info in pkgutil.iter_modules(layers.__path__):
        module = importlib.import_module(f"skconv.layers.{info.name}")
        for name, cls in vars(module).items():
            if (inspect.isclass(cls) and issubclass(cls, layers.Layer)
                    and cls not in (layers.Layer, layers.Activation)
                    and cls.__module__ == module.__name__ and not name.startswith("_")):
                assert layers.LAYERS[name] is cls
                assert f"{cls.__module__}.{name}" in names
    for cls in optimizers.SOLVERS.values():
        assert f"skconv.optimizers.{cls.__name__}" in names
    assert all(name.startswith("skconv.") for name in names)


def test_trusted_types_include_the_names_in_0_1_0_files():
    import importlib

    from skconv import layers

    names = persistence.trusted_types()
    assert set(persistence.LEGACY_TYPE_NAMES) <= set(names)
    expected = {"skconv._estimator.ConvNetClassifier", "skconv.layers.Conv2D",
                "skconv.layers.BatchNormalization", "skconv.activations.ReLU",
                "skconv.activations.Identity"}
    assert expected <= set(persistence.LEGACY_TYPE_NAMES)
    # Each legacy name still imports, as the class it named.
    for name in persistence.LEGACY_TYPE_NAMES:
        module, _, attribute = name.rpartition(".")
        cls = getattr(importlib.import_module(module), attribute)
        assert cls is ConvNetClassifier or layers.LAYERS[attribute] is cls


def _double(X):  # a user function: skops cannot know it is harmless
    return 2 * X


class Custom:
    """A user's class stored next to the model."""


@pytest.mark.parametrize(
    "make",
    [
        lambda: make_pipeline(FunctionTransformer(_double), ConvNetClassifier(**SMALL)),
        lambda: ConvNetClassifier(**SMALL),
    ],
    ids=["function-transformer", "custom-attribute"],
)
def test_untrusted_types_are_refused(skops_io, make, tmp_path):
    model = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, Y)
    if isinstance(model, ConvNetClassifier):
        model.extra_ = Custom()
    skops_io.dump(model, tmp_path / "model.skops")
    untrusted = set(skops_io.get_untrusted_types(file=tmp_path / "model.skops"))
    foreign = untrusted - set(persistence.trusted_types())
    assert foreign and all(not name.startswith("skconv.") for name in foreign)
    from skops.io.exceptions import UntrustedTypesFoundException

    with pytest.raises(UntrustedTypesFoundException, match="not skconv's"):
        persistence.load(tmp_path / "model.skops")
    with pytest.raises(TypeError, match=sorted(foreign)[0].replace(".", r"\.")):
        persistence.loads(skops_io.dumps(model))


def test_load_rejects_a_non_path():
    with pytest.raises(TypeError, match="file name or a binary file object"):
        persistence.load(42)
