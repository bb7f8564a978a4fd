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

    Each worker is given one BLAS thread: with as many workers as cores, a
    second OpenBLAS thread per worker only busy-waits for a core that another
    worker holds (on 2 cores it cost the suite a third more CPU time). Tests
    about threads set their own limits with ``threadpool_limits``.
    """
    global _worker_blas_limit
    if getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadgroup"
    if os.environ.get("PYTEST_XDIST_WORKER") and _worker_blas_limit is None:
        import scipy.linalg  # noqa: F401 -- load SciPy's BLAS too, so the limit covers it
        import threadpoolctl

        _worker_blas_limit = threadpoolctl.threadpool_limits(limits=1, user_api="blas")
