"""Test-session setup shared by tests/ and the doctests in skconv/."""

import os

# scikit-learn's check_array_api_input is skipped unless SciPy's array API
# support is switched on, and SciPy reads this only when first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
