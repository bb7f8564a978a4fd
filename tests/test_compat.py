"""Models saved by skconv 0.1.0 still load, predict as they did, and train on.

The files in ``tests/fixtures/v0_1_0/`` were written by skconv 0.1.0 (commit
b11b7cf) with ``tests/fixtures/make_v0_1_fixtures.py``; ``expected.npz``
holds the inputs of the checks and what 0.1.0 returned on them. They must
never be regenerated with newer code: they are the promise that whatever the
package's layout becomes (``skconv._estimator``, ``skconv.layers``,
``skconv.activations``, ``skconv.optimizers`` are the module paths stored in
them), a 0.1.0 pickle, joblib or skops file keeps working.

Tolerance: on the machine that wrote the files the loaded models reproduce
the stored outputs bit for bit. Another NumPy/OpenBLAS build (or another CPU,
which makes OpenBLAS pick other kernels) may sum the matrix products in
another order and differ in the last bits, so by default the floats are
compared with ``rtol=1e-6`` (float64) / ``1e-5`` (float32), relative to the
largest stored value (``atol``), which is far below what any change of the
model would cause; ``predict`` must be identical. Set
``SKCONV_COMPAT_BITWISE=1`` to demand bit-identical floats too (use it when
refactoring on one machine, to catch a changed order of operations).

The pickle and joblib files were written under NumPy 2 (``versions.json``):
NumPy 1 cannot unpickle NumPy 2's random states (their bit generator is
pickled as a class, which NumPy 1 reads as a name), whatever package holds
them. So under an older NumPy major version than the files' those tests
skip, saying so; the ``.skops`` files, which store no pickles of NumPy
objects, are tested on every supported NumPy.
"""

import json
import os
import pathlib
import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import skconv
from skconv import ConvNetClassifier

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "v0_1_0"
INFO = json.loads((FIXTURES / "versions.json").read_text())
# file name -> model name, e.g. "clf_f32.pkl" -> "clf_f32"
FILES = INFO["files"]
METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")
BITWISE = os.environ.get("SKCONV_COMPAT_BITWISE", "") not in ("", "0")
RTOL = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-5}


def files_with(suffix):
    return sorted(name for name in FILES if name.endswith(suffix))


@pytest.fixture(scope="module")
def expected():
    with np.load(FIXTURES / "expected.npz") as data:
        return dict(data)


def numpy_major(version):
    return int(version.split(".")[0])


def skip_pickles_from_a_newer_numpy():
    saved, running = INFO["numpy"], np.__version__
    if numpy_major(running) < numpy_major(saved):
        pytest.skip(
            f"the 0.1 pickles were written with NumPy {saved}, whose random states "
            f"NumPy {running} cannot unpickle (NumPy's limit, not skconv's)"
        )


def load(file_name):
    path = FIXTURES / file_name
    if not file_name.endswith(".skops"):
        skip_pickles_from_a_newer_numpy()
    if file_name.endswith(".joblib"):
        return joblib.load(path)
    if file_name.endswith(".pkl"):
        with open(path, "rb") as file:
            return pickle.load(file)
    pytest.importorskip("skops")
    from skconv import persistence

    return persistence.load(path)


def classifier_of(model):
    return model[-1] if hasattr(model, "steps") else model


def assert_predicts_as_v0_1(model, model_name, expected):
    X = expected[f"{model_name}__X"]
    for method in METHODS:
        stored = expected[f"{model_name}__{method}"]
        got = getattr(model, method)(X)
        assert got.shape == stored.shape, method
        assert got.dtype == stored.dtype, method
        if method == "predict" or BITWISE:
            np.testing.assert_array_equal(got, stored, err_msg=method)
        else:
            rtol = RTOL[stored.dtype]
            np.testing.assert_allclose(
                got, stored, rtol=rtol, atol=rtol * np.abs(stored).max(), err_msg=method
            )


def assert_is_fitted_v0_1_classifier(model, model_name, expected):
    clf = classifier_of(model)
    assert isinstance(clf, ConvNetClassifier)
    assert clf.n_features_in_ == 64
    assert clf.image_shape_ == (1, 8, 8)
    assert clf.n_iter_ == 3
    np.testing.assert_array_equal(clf.classes_, expected[f"{model_name}__classes"])
    assert clf.classes_.dtype == expected[f"{model_name}__classes"].dtype
    # get_params works on the loaded object and gives the saved settings.
    params = clf.get_params()
    for key, value in INFO["params"][model_name].items():
        saved = tuple(value) if isinstance(value, list) else value
        assert params[key] == saved, key
    # Hyperparameters added since 0.1 take the default that trains as 0.1 did.
    assert params["augmentation"] is None


@pytest.mark.parametrize("file_name", files_with(".joblib"))
def test_v0_1_joblib_models_predict_identically(file_name, expected):
    model = load(file_name)
    assert_is_fitted_v0_1_classifier(model, FILES[file_name], expected)
    assert_predicts_as_v0_1(model, FILES[file_name], expected)


@pytest.mark.parametrize("file_name", files_with(".pkl"))
def test_v0_1_pickle_models_predict_identically(file_name, expected):
    model = load(file_name)
    assert_is_fitted_v0_1_classifier(model, FILES[file_name], expected)
    assert_predicts_as_v0_1(model, FILES[file_name], expected)


@pytest.mark.parametrize("file_name", files_with(".skops"))
def test_v0_1_skops_models_load_with_skconv_persistence_and_predict_identically(
    file_name, expected
):
    pytest.importorskip("skops")
    model = load(file_name)  # skconv.persistence.load: trusts skconv's types only
    assert_is_fitted_v0_1_classifier(model, FILES[file_name], expected)
    assert_predicts_as_v0_1(model, FILES[file_name], expected)


@pytest.mark.parametrize("file_name", files_with(".skops"))
def test_v0_1_skops_files_hold_only_types_skconv_trusts(file_name):
    skops_io = pytest.importorskip("skops.io")
    from skconv.persistence import trusted_types

    untrusted = skops_io.get_untrusted_types(file=FIXTURES / file_name)
    # A skconv model holds skconv types, which skops does not trust by default.
    assert untrusted
    assert set(untrusted) <= set(trusted_types())


@pytest.mark.parametrize("file_name", sorted(FILES))
def test_v0_1_models_continue_training(file_name, expected):
    model_name = FILES[file_name]
    X_check = expected[f"{model_name}__X"]
    X, y = expected[f"{model_name}__X_train"], expected[f"{model_name}__y_train"]
    model = load(file_name)
    clf = classifier_of(model)
    classes = clf.classes_.copy()

    # partial_fit continues the saved optimizer state for one epoch.
    X_clf = model[:-1].transform(X) if hasattr(model, "steps") else X
    clf.partial_fit(X_clf, y)
    assert clf.n_iter_ == 4
    np.testing.assert_array_equal(clf.classes_, classes)
    predictions = model.predict(X_check)
    assert predictions.shape == (len(X_check),)
    assert set(predictions) <= set(classes)
    assert model.predict_proba(X_check).shape == (len(X_check), len(classes))

    # A warm-started fit continues from the saved layers.
    model.set_params(**{
        ("convnet__" if hasattr(model, "steps") else "") + key: value
        for key, value in dict(warm_start=True, max_iter=1).items()
    })
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        model.fit(X, y)
    assert clf.n_iter_ == 5
    assert model.predict(X_check).shape == (len(X_check),)
    assert np.isfinite(model.decision_function(X_check)).all()


def test_v0_1_fixtures_are_complete():
    """Every format of every model is there, written by skconv 0.1.0."""
    assert INFO["skconv"] == "0.1.0"
    on_disk = {path.name for path in FIXTURES.iterdir()}
    assert set(FILES) | {"expected.npz", "versions.json"} == on_disk
    assert {name.rsplit(".", 1)[1] for name in FILES} == {"joblib", "pkl", "skops"}
    assert skconv.__version__  # the package imports under its public name


def test_v0_1_model_notices_an_architecture_change_before_continuing(expected):
    """A 0.1 model recorded no architecture: it gets the one of its saved
    parameters, so partial_fit after set_params(filters=...) is refused
    instead of failing inside the optimizer."""
    model = load("clf_f32.joblib")
    X, y = expected["clf_f32__X_train"], expected["clf_f32__y_train"]
    model.set_params(filters=(5, 9))
    with pytest.raises(ValueError, match="architecture changed"):
        model.partial_fit(X, y)
