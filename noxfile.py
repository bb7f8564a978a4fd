"""Test sessions for the supported stack: the oldest versions setup.cfg claims, and the newest.

Run ``nox -s oldest`` (Python 3.10 with the lower bounds pinned), ``nox -s latest``
(the newest Python and the newest releases, from the unpacked sdist) or ``nox -s
docs`` (the HTML site in ``docs/_build/html``); arguments after ``--`` go to pytest
(or sphinx), e.g. ``nox -s oldest -- tests/test_common.py``. ``.ci/run`` calls these
sessions.
"""

import shutil
import tarfile
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["oldest", "latest"]

#: The lower bounds in setup.cfg, pinned; they are true because this session passes.
#: Every pin has wheels for Python 3.10, so nothing is compiled (a missing wheel
#: fails at once with pip naming the package, through --only-binary).
OLDEST = [
    "numpy==1.25.0",
    "scipy==1.10.0",
    "scikit-learn==1.6.1",
    "joblib==1.3.0",
    "threadpoolctl==3.1.0",
]
#: The lower bounds of the test extra's packages (setup.cfg), pinned beside them:
#: the extras install on the oldest stack and the suite passes with them.
OLDEST_EXTRAS = [
    "pytest==7.0.1",
    "pytest-xdist==3.0.2",
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


@nox.session
def docs(session):
    """The documentation (with nox's own Python), warnings as errors, the gallery in quick mode."""
    session.install(".[docs]")
    out = session.posargs[0] if session.posargs else "docs/_build/html"
    session.run("python", "-m", "sphinx", "-W", "--keep-going", "-b", "html", "docs", out)
