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

def pytest_configure(config):
    """With pytest-xdist (``-n 2``), keep each ``xdist_group`` on one worker.

    The README's snippets run in order in one namespace, the examples in one
    process and the Dask cluster starts once per group, so xdist's default
    "load" distribution becomes "loadgroup" (which spreads every other test
    as "load" does).
    """
    if getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadgroup"
