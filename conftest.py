"""Test-session setup shared by tests/ and the doctests in skconv/."""

import importlib.util
import os

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


def pytest_configure(config):
    """pytest-xdist (``-n auto``): groups stay on one worker; one BLAS thread each.

    The README's snippets run in order in one namespace, the examples in one
    process and the Dask cluster starts once per group, so xdist's default
    "load" distribution becomes "loadgroup" (which spreads every other test
    as "load" does).

    Each worker is given one BLAS thread, so that ``-n auto`` on a machine
    of N cores runs N BLAS threads, not N * N (skconv limits BLAS inside
    ``fit`` and ``predict`` itself; this covers the tests' own NumPy work).
    On the 2-core test VM it made no measurable difference (test_common,
    layers and conv: 122.6 s of CPU with it, 123.5 s without, two runs
    each). Tests about threads set their own limits with ``threadpool_limits``.
    """
    global _worker_blas_limit
    if getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadgroup"
    if os.environ.get("PYTEST_XDIST_WORKER") and _worker_blas_limit is None:
        import scipy.linalg  # noqa: F401 -- load SciPy's BLAS too, so the limit covers it
        import threadpoolctl

        _worker_blas_limit = threadpoolctl.threadpool_limits(limits=1, user_api="blas")
