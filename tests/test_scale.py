"""Scale: parallel grid search (loky, Dask), dask-ml's out-of-core Incremental.

``partial_fit`` over a memmap is in ``test_out_of_core.py``.

The Dask tests need the optional extras (``pip install "dask[distributed]"
dask-ml``) and skip without them.
"""

import os
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skconv import ConvNetClassifier

REPO_ROOT = str(Path(__file__).resolve().parent.parent)  # holds the skconv package

_X, _Y = load_digits(return_X_y=True)
X = _X[:300] / 16
Y = _Y[:300]
GRID = {"kernel_size": [3, 5], "filters": [(4,), (4, 8)]}
SMALL = dict(hidden_layer_sizes=(8,), max_iter=3, learning_rate_init=0.01, random_state=0)
# Under pytest-xdist, one worker (the root conftest): the searches and the Dask cluster are module
# fixtures, started once.


def grid_search(n_jobs):
    search = GridSearchCV(ConvNetClassifier(**SMALL), GRID, cv=3, n_jobs=n_jobs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return search.fit(X, Y)


@pytest.fixture(scope="module")
def sequential():
    return grid_search(n_jobs=None)


def assert_same_search(search, reference):
    assert search.best_params_ == reference.best_params_
    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_array_equal(search.cv_results_[key], reference.cv_results_[key])
    assert search.cv_results_["params"] == reference.cv_results_["params"]


def test_grid_search_on_loky_matches_sequential(sequential):
    with joblib.parallel_config(backend="loky"):
        search = grid_search(n_jobs=2)
    assert_same_search(search, sequential)
    assert search.best_score_ > 0.3  # chance is 0.1; three epochs on 200 images


@pytest.fixture(scope="module")
def dask_client():
    pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    # Worker processes are spawned: they find skconv through PYTHONPATH unless
    # it is pip-installed.
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO_ROOT, previous]))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # distributed's own deprecations
            cluster = distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True,
                host="127.0.0.1", dashboard_address=None,
            )
            client = distributed.Client(cluster)
        yield client
        client.close()
        cluster.close()
    finally:
        if previous is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = previous


def test_dask_workers_import_skconv(dask_client):
    import skconv

    versions = dask_client.run(lambda: __import__("skconv").__version__)
    assert len(versions) == 2
    assert set(versions.values()) == {skconv.__version__}


def test_grid_search_on_dask_matches_sequential(dask_client, sequential):
    with joblib.parallel_config(backend="dask"):
        search = grid_search(n_jobs=2)
    assert_same_search(search, sequential)


def test_incremental_over_a_dask_array(dask_client):
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X_all = (_X / 16).astype(np.float32)
    dX = da.from_array(X_all[:1500], chunks=(300, 64))
    dy = da.from_array(_Y[:1500], chunks=300)
    clf = wrappers.Incremental(
        ConvNetClassifier(filters=(4,), hidden_layer_sizes=(16,), learning_rate_init=0.01,
                          random_state=0),
        scoring="accuracy",
    )
    clf.fit(dX, dy, classes=np.arange(10))
    assert clf.estimator_.n_iter_ == 5  # one partial_fit per block
    assert clf.estimator_.t_ == 1500
    predicted = clf.predict(da.from_array(X_all[1500:], chunks=100))
    assert isinstance(predicted, da.Array)
    accuracy = float((predicted.compute() == _Y[1500:]).mean())
    assert accuracy > 0.6
    proba = clf.predict_proba(da.from_array(X_all[1500:], chunks=100)).compute()
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
