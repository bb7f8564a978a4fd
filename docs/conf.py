"""Sphinx configuration: numpydoc API pages, the README as the user guide, the gallery.

Build with ``python -m sphinx -W -b html docs docs/_build/html`` (``nox -s docs``).
The gallery runs every ``examples/plot_*.py`` in quick mode
(``SKCONV_EXAMPLES_QUICK=1``, as ``tests/test_examples.py`` does), so the build
takes about a minute; the figures are the quick runs' figures.
"""

import importlib.util
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # document the checkout, installed or not

# Quick mode for the gallery; the examples' own PNG copies go to a scratch
# folder, not into the source tree. One BLAS thread: small fits on a shared
# machine are faster that way (see the README's "Scale" section).
os.environ["SKCONV_EXAMPLES_QUICK"] = "1"
os.environ.setdefault("SKCONV_EXAMPLES_OUTPUT", tempfile.mkdtemp(prefix="skconv-gallery-"))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import skconv

project = "skconv"
author = "skconv developers"
copyright = "2026, skconv developers"
release = skconv.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "images", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip"]

# -- API pages ----------------------------------------------------------------
autosummary_generate = True
autosummary_ignore_module_all = False  # a module's page lists its __all__
# Class pages list their members (_templates/class.rst): those skconv
# defines, its base classes' included. scikit-learn's own (get_params, score,
# set_output, metadata routing) are documented by scikit-learn, whose cross-references
# would not resolve here.
autodoc_default_options = {}
autodoc_typehints = "none"  # the numpydoc sections say the types
add_module_names = False

numpydoc_show_class_members = False  # the class template lists the members
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# Every public docstring is checked; these checks are left out: See Also
# sections, examples, extended summaries, the return value's name (as in
# scikit-learn's own configuration), SS05, which takes a summary that is a
# noun phrase ("Outputs of chosen layers") for a verb in the third person, and
# GL01: the summary starts on the line of the opening quotes (PEP 257), which
# numpydoc 1.6 reports and newer releases accept.
numpydoc_validation_checks = {"all", "SA01", "EX01", "ES01", "RT02", "GL08", "SS05", "GL01"}
numpydoc_validation_exclude = {
    r"\.__init__$",  # documented in the class docstring
    r"\.set_callbacks$",  # scikit-learn's callback API (1.9 and later)
    r"\.[A-Z][A-Z0-9_]+$",  # tables and constants: a ``#:`` comment, no sections
}

# -- Markdown ---------------------------------------------------------------
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

# -- Gallery ------------------------------------------------------------------
def fashion_mnist_installed():
    """Whether the Fashion-MNIST files are where the examples look for them."""
    from skconv.datasets import load_fashion_mnist

    try:
        load_fashion_mnist(os.environ.get("SKCONV_FASHION_MNIST_HOME") or None,
                           return_X_y=True, kind="test")
    except FileNotFoundError:
        return False
    return True


#: Examples that stop early (``sys.exit(0)``, which would end the whole
#: build) without their data or optional extra, by what they need. Without
#: it they are rendered, code and text, but not run: so on Read the Docs,
#: which has no Fashion-MNIST package.
NEEDS = {
    "plot_fashion_mnist": fashion_mnist_installed,
    "plot_fashion_inspection": fashion_mnist_installed,
    "plot_onnx": lambda: all(importlib.util.find_spec(name) is not None
                             for name in ("skl2onnx", "onnx", "onnxruntime")),
}
NOT_RUN = sorted(name for name, available in NEEDS.items() if not available())
if NOT_RUN:
    print(f"skconv docs: not running {', '.join(NOT_RUN)} (data or extra missing)")

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    # Every plot_*.py runs, but those whose data or extra is missing.
    "filename_pattern": r"/plot_" + "".join(
        rf"(?!{name.removeprefix('plot_')}\.py)" for name in NOT_RUN),
    "ignore_pattern": r"(__init__|digits_demo)\.py",  # the demo is a console script
    "download_all_examples": False,
    "reference_url": {"skconv": None},
    "doc_module": ("skconv",),
    "backreferences_dir": None,
    "remove_config_comments": True,
    "min_reported_time": 1,
    "write_computation_times": False,
}

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skconv {release}"
html_theme_options = {
    "github_url": "https://github.com/skconv/skconv",
    "navigation_with_keys": False,
}
html_static_path = []
html_show_sourcelink = False
