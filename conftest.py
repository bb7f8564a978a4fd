"""Test-session setup shared by tests/ and the doctests in skconv/."""

import importlib.util
import os

import pytest

# scikit-learn's check_array_api_input is skipped unless SciPy's array API
# support is switched on, and SciPy reads this only when first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# skconv.onnx needs the [onnx] extra; without it, its doctests are not collected
# (tests/test_onnx.py skips itself).
collect_ignore = []
if any(importlib.util.find_spec(name) is None
       for name in ("skl2onnx", "onnx", "onnxruntime")):
    collect_ignore.append("skconv/onnx")

#: Under pytest-xdist, the BLAS limit of this worker (kept for the session).
_worker_blas_limit = None


#: Test modules whose tests share one expensive setup: the README's snippets
#: run in order in one namespace, the examples in one process, the Dask tests
#: on one cluster. Under pytest-xdist each of them runs whole on one worker.
ONE_WORKER_MODULES = frozenset(
    {"tests/test_readme.py", "tests/test_examples.py", "tests/test_scale.py"}
)


#: Tests sent to a worker at a time, outside those modules. One at a time, the
#: controller's messages cost 4.6 s of CPU per 3,300 trivial tests (beside the
#: workers, on the same cores); in tens, 0.3 s more than xdist's own "load".
CHUNK = 10


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: absent without xdist
def pytest_xdist_make_scheduler(config, log):
    """``-n auto``: spread the tests in runs of :data:`CHUNK`, as xdist's
    "load" does, except that each module of :data:`ONE_WORKER_MODULES` goes
    whole to one worker, and those modules (the longest units of work) start
    first, so none of them is left running alone at the end.

    xdist's own groups (``xdist_group`` marks with ``--dist loadgroup``) do not
    work with pytest 9.2: xdist 3.8 tags a worker's test ids through an
    attribute that pytest no longer reads, so every worker ran the examples and
    the README's snippets again (29 s and about 40 s of CPU more). Grouping by
    module on the controller needs neither the tags nor the marks. A
    distribution chosen with ``--dist`` other than "load" is left alone.
    """
    if config.option.dist != "load":
        return None
    from collections import OrderedDict

    from xdist.scheduler import LoadScopeScheduling

    class GroupsFirst(OrderedDict):
        """The work queue, with the one-worker modules at its head."""

        def __setitem__(self, scope, tests):
            super().__setitem__(scope, tests)
            if scope in ONE_WORKER_MODULES:
                self.move_to_end(scope, last=False)

    class ModulesOnOneWorker(LoadScopeScheduling):
        def __init__(self, config, log=None):
            super().__init__(config, log)
            self.workqueue = GroupsFirst()
            self._scopes, self._counts = {}, {}

        def _split_scope(self, nodeid):
            # First called for every test in collection order (schedule),
            # later looked up as each test completes.
            scope = self._scopes.get(nodeid)
            if scope is None:
                module = nodeid.split("::", 1)[0]
                if module in ONE_WORKER_MODULES:
                    scope = module
                else:
                    position = self._counts[module] = self._counts.get(module, 0) + 1
                    scope = f"{module}#{(position - 1) // CHUNK}"
                self._scopes[nodeid] = scope
            return scope

    return ModulesOnOneWorker(config, log)


def pytest_configure(config):
    """pytest-xdist (``-n auto``): one BLAS thread per worker.

    Each worker is given one BLAS thread, so that ``-n auto`` on a machine
    of N cores runs N BLAS threads, not N * N (skconv limits BLAS inside
    ``fit`` and ``predict`` itself; this covers the tests' own NumPy work).
    On the 2-core test VM it made no measurable difference (test_common,
    layers and conv: 122.6 s of CPU with it, 123.5 s without, two runs
    each). Tests about threads set their own limits with ``threadpool_limits``.
    """
    global _worker_blas_limit
    if os.environ.get("PYTEST_XDIST_WORKER") and _worker_blas_limit is None:
        import scipy.linalg  # noqa: F401 -- load SciPy's BLAS too, so the limit covers it
        import threadpoolctl

        _worker_blas_limit = threadpoolctl.threadpool_limits(limits=1, user_api="blas")


def pytest_collection_modifyitems(items):
    """The docstrings' examples (the doctests in skconv/) fit for a few epochs
    to stay quick, so the ConvergenceWarning they raise is expected, as it is
    for the README's snippets (tests/test_readme.py ignores it there too)."""
    expected = pytest.mark.filterwarnings(
        "ignore::sklearn.exceptions.ConvergenceWarning"
    )
    for item in items:
        if item.nodeid.startswith("skconv/"):
            item.add_marker(expected)
