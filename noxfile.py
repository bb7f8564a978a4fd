"""Sessions that test the supported stack, from the lowest versions setup.cfg claims.

``nox`` runs ``oldest`` (Python 3.10 with every lower bound pinned), ``minimum``
(Python 3.12 and 3.13 with their lowest numpy, scipy and joblib), ``between`` (the
contract tests with the scikit-learn releases between the oldest and the newest)
and ``latest`` (the newest Python and releases, from the unpacked sdist); ``nox -s
docs`` builds the HTML site with the newest releases and with the docs extra's lower
bounds. Arguments after ``--`` go to pytest (or name sphinx's output folder), e.g.
``nox -s oldest -- tests/test_common.py``. ``.ci/run`` calls every session.
"""

import shutil
import tarfile
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["oldest", "minimum", "between", "latest"]

#: The lower bounds in setup.cfg, pinned; they are true because this session passes.
#: Every pin has wheels for Python 3.10, so nothing is compiled (a missing wheel
#: fails at once with pip naming the package, through --only-binary).
OLDEST = [
    "numpy==1.25.0",
    "scipy==1.10.0",
    "scikit-learn==1.6.1",
    "joblib==1.3.0",
    "threadpoolctl==3.5.0",
]
#: The lower bounds of the test extra's packages (setup.cfg), pinned beside them:
#: the extras install on the oldest stack and the suite passes with them.
OLDEST_EXTRAS = [
    "pytest==7.0.1",
    "pytest-xdist==3.0.2",
    "pandas==2.0.3",
    "rich==13.7.0",
    "hypothesis==6.100.0",
    "matplotlib==3.7.0",
    "skops==0.16.0",
    "dask[distributed]==2024.1.0",
    "dask-ml==2024.4.4",
    "skl2onnx==1.18.0",
    "onnx==1.17.0",
    "onnxruntime==1.19.0",
]
#: Packages with compiled code that must come as wheels.
BINARY_ONLY = "--only-binary=numpy,scipy,scikit-learn,pandas,matplotlib"


@nox.session(python="3.10")
def oldest(session):
    """The test suite on Python 3.10 with numpy, scipy, scikit-learn and joblib at their lower bounds."""
    session.install(BINARY_ONLY, ".[test]", *OLDEST, *OLDEST_EXTRAS)
    session.run("python", "-m", "pip", "check")
    session.run("python", "-m", "pytest", "-p", "no:cacheprovider", *session.posargs)


#: The lower bounds setup.cfg claims on newer Pythons (numpy's and scipy's first
#: releases with wheels for them), with the oldest scikit-learn, joblib and
#: threadpoolctl; the test extra takes its newest releases there (pytest 9, say).
#: pyarrow 26 (pulled in by dask-ml's dask[dataframe]) needs NumPy 2 without
#: saying so in its metadata: with NumPy 1 it is held below that.
MINIMUM_BY_PYTHON = {
    "3.12": ["numpy==1.26.0", "scipy==1.11.2", "joblib==1.4.0", "pyarrow<26"],
    "3.13": ["numpy==2.1.0", "scipy==1.14.1", "joblib==1.4.0"],
}
#: The tests of the scikit-learn contract, which depend the most on its version.
CONTRACT_TESTS = [
    "tests/test_common.py",
    "tests/test_bad_input.py",
    "tests/test_estimator.py",
    "tests/test_regressor.py",
    "tests/test_integration.py",
]


@nox.session(python=list(MINIMUM_BY_PYTHON))
def minimum(session):
    """The test suite on Python 3.12 and 3.13 with their lowest numpy, scipy and
    joblib and scikit-learn 1.6.1, the other packages at their newest."""
    session.install(BINARY_ONLY, ".[test]", *MINIMUM_BY_PYTHON[session.python],
                    *(pin for pin in OLDEST
                      if not pin.startswith(("numpy", "scipy", "joblib"))))
    session.run("python", "-m", "pip", "check")
    session.run("python", "-m", "pytest", "-p", "no:cacheprovider", *session.posargs)


@nox.session(python="3.12")
@nox.parametrize("scikit_learn", ["1.7.2", "1.8.0"])
def between(session, scikit_learn):
    """The contract tests with the scikit-learn releases between the oldest
    supported and the newest, everything else at its newest."""
    session.install(BINARY_ONLY, ".[test]", f"scikit-learn=={scikit_learn}")
    session.run("python", "-m", "pytest", "-p", "no:cacheprovider", *CONTRACT_TESTS,
                *session.posargs)


@nox.session(python="3.13")
def latest(session):
    """The test suite on the newest Python with the newest release of everything,
    run from the unpacked sdist: it also checks that the sdist carries what its
    tests need (conftest.py, tests/fixtures, the examples, the README)."""
    session.install("build")
    tmp = Path(session.create_tmp()).resolve()
    shutil.rmtree(tmp)  # no sdist or unpacked tree of an earlier run
    tmp.mkdir()
    session.run("python", "-m", "build", "--sdist", "--outdir", str(tmp))
    (sdist,) = tmp.glob("skconv-*.tar.gz")
    with tarfile.open(sdist) as archive:
        # The "data" filter (no absolute paths or links out) where Python has it.
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(tmp, **safe)
    session.chdir(str(tmp / sdist.name.removesuffix(".tar.gz")))
    session.install("--upgrade", "--upgrade-strategy=eager", ".[test]")
    session.run("python", "-m", "pytest", "-p", "no:cacheprovider", *session.posargs)


#: The docs extra's lower bounds (setup.cfg), pinned for ``nox -s "docs(stack='oldest')"``.
OLDEST_DOCS = [
    "sphinx==7.0.0",
    "numpydoc==1.6.0",
    "sphinx-gallery==0.18.0",
    "myst-parser==2.0.0",
    "pydata-sphinx-theme==0.15.1",
    "matplotlib==3.7.0",
]


@nox.session
@nox.parametrize("stack", ["latest", "oldest"])
def docs(session, stack):
    """The documentation (with nox's own Python), warnings as errors, the gallery in
    quick mode: with the newest releases, or with the docs extra's lower bounds."""
    # The oldest docs stack runs on the oldest numpy, scipy and scikit-learn:
    # matplotlib 3.7.0 is built for NumPy 1 and does not import beside NumPy 2.
    oldest = [BINARY_ONLY, *OLDEST, *OLDEST_DOCS] if stack == "oldest" else []
    session.install(".[docs]", *oldest)
    session.run("python", "-m", "pip", "check")
    # A gallery that cannot import matplotlib still builds its pages.
    session.run("python", "-c", "import matplotlib.pyplot")
    out = session.posargs[0] if session.posargs else "docs/_build/html"
    session.run("python", "-m", "sphinx", "-W", "--keep-going", "-b", "html", "docs", out)
    # Every page, the gallery's too: a build that ends early can still exit 0.
    pages = ["api.html"] + [f"auto_examples/{example.stem}.html"
                            for example in Path("examples").glob("plot_*.py")]
    missing = [page for page in pages if not (Path(out) / page).is_file()]
    if missing:
        session.error(f"the build wrote no {', '.join(missing)}")
