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
