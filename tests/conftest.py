"""Fixtures the test files share: the digits data, fast settings, a fitted model.

scikit-learn and skconv are imported inside the fixtures: pytest-xdist's
controller loads this file before it starts the workers, and has no use for
them (importing them there delayed every worker by about 2 s).
"""

import warnings

import pytest

#: Settings that train a small network in well under a second on digits.
FAST_SETTINGS = dict(filters=(4,), hidden_layer_sizes=(16,), max_iter=5,
                     learning_rate_init=0.01)


@pytest.fixture(scope="session")
def raw_digits():
    """scikit-learn's 8x8 digits, pixel values 0-16."""
    from sklearn.datasets import load_digits

    return load_digits(return_X_y=True)


@pytest.fixture(scope="session")
def digits(raw_digits):
    """The digits scaled to [0, 1], all 1,797 images."""
    X, y = raw_digits
    return X / 16, y


@pytest.fixture
def fast():
    """A fresh copy of :data:`FAST_SETTINGS` to build estimators from."""
    return dict(FAST_SETTINGS)


@pytest.fixture
def quiet_convergence():
    """Silence ConvergenceWarning: short fits stop at max_iter on purpose."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def fitted_classifier(digits):
    """A classifier fitted on 600 digits, shared by a module's tests: do not modify it."""
    from sklearn.exceptions import ConvergenceWarning

    from skconv import ConvNetClassifier

    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return ConvNetClassifier(**FAST_SETTINGS, random_state=0).fit(X[:600], y[:600])


@pytest.fixture
def v0_1_pickles_readable():
    """Skip, saying why, under an older NumPy major version than wrote the 0.1
    pickle and joblib fixtures (tests/fixtures/v0_1_0/versions.json): NumPy 1
    cannot unpickle NumPy 2's random states. The .skops files load everywhere."""
    import json
    from pathlib import Path

    import numpy as np

    info = Path(__file__).parent / "fixtures" / "v0_1_0" / "versions.json"
    saved = json.loads(info.read_text())["numpy"]
    if int(np.__version__.split(".")[0]) < int(saved.split(".")[0]):
        pytest.skip(f"the 0.1 pickles were written with NumPy {saved}, whose random "
                    f"states NumPy {np.__version__} cannot unpickle")


@pytest.fixture
def helpers_on(monkeypatch):
    """An idle 2-CPU machine, 2 BLAS threads allowed, and small blocks:
    fits of digits get several blocks per operation and one helper.

    Yields the list of the helper jobs started (``_workers._Job``; each has
    ``n_items``). A test may ask for it midway, with
    ``request.getfixturevalue("helpers_on")``, after a reference computed
    with the default blocks on one thread.
    """
    import threadpoolctl

    from skconv import _threads, _workers

    monkeypatch.setattr(_threads, "other_cores", lambda: 0.0)
    monkeypatch.setattr(_threads, "usable_cores", lambda: 2)
    monkeypatch.setattr(_threads, "BLOCK_WORK", 2**10)
    jobs = []
    original = _workers._Job

    def counting_job(function, n_items):
        job = original(function, n_items)
        jobs.append(job)
        return job

    monkeypatch.setattr(_workers, "_Job", counting_job)
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        yield jobs
