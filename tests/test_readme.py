"""Every Python snippet of README.md runs as written, in order, in one namespace.

A user reads the README from the top and pastes its snippets into one session,
so each ```python block runs after the ones above it, with their names. Blocks
written as an interactive session (``>>>`` lines) are run as doctests, so the
output they show must be the output they give. A block that needs something
optional says so by what it imports; it then skips only when that is absent
(an extra, scikit-learn's callbacks before 1.9, the Fashion-MNIST files).
The snippets run in a temporary folder (the persistence snippet writes a file).
"""

import doctest
import importlib.util
import os
import re
import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning

from skconv.datasets import FASHION_MNIST_HOME

README = Path(__file__).parent.parent / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
HEADING = re.compile(r"^#+ (.*)$", re.MULTILINE)


def python_blocks():
    """Each block with the heading of the section it is in, in reading order."""
    text = README.read_text(encoding="utf-8")
    blocks = []
    for match in BLOCK.finditer(text):
        headings = HEADING.findall(text[: match.start()])
        blocks.append(pytest.param(match.group(1), id=f"{len(blocks)}-{headings[-1]}"))
    return blocks


BLOCKS = python_blocks()

#: What a block needs, by a string in it: (is it there?, reason to skip).
NEEDS = {
    "sklearn.callback": (
        lambda: importlib.util.find_spec("sklearn.callback") is not None,
        "scikit-learn's callbacks need scikit-learn 1.9 or later",
    ),
    "ProgressBar": (lambda: importlib.util.find_spec("rich") is not None,
                    "ProgressBar needs rich"),
    "skops": (lambda: importlib.util.find_spec("skops") is not None,
              "the persistence extra (skops) is not installed"),
    "load_fashion_mnist": (
        lambda: Path(os.environ.get("SKCONV_FASHION_MNIST_HOME", FASHION_MNIST_HOME)).is_dir(),
        "the Fashion-MNIST files are not installed",
    ),
}


@pytest.fixture(scope="module")
def namespace(tmp_path_factory):
    """The one session the snippets share, and a folder to run them in."""
    return {"__name__": "__readme__"}, tmp_path_factory.mktemp("readme")


#: The session's names after each block, by the block's test id.
AFTER = {}


def test_readme_has_snippets():
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("code", BLOCKS)
def test_readme_snippet_runs(code, namespace, monkeypatch, request):
    for needle, (available, reason) in NEEDS.items():
        if needle in code and not available():
            pytest.skip(reason)
    names, folder = namespace
    monkeypatch.chdir(folder)
    with warnings.catch_warnings():
        # The snippets train for a few epochs on purpose.
        warnings.simplefilter("ignore", ConvergenceWarning)
        if code.lstrip().startswith(">>>"):
            run_as_doctest(code, names)
        else:
            exec(compile(code, str(README), "exec"), names)  # noqa: S102 (the point)
    AFTER[request.node.callspec.id] = dict(names)


def run_as_doctest(code, names):
    test = doctest.DocTestParser().get_doctest(code, names, "README", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    output = []
    runner.run(test, out=output.append, clear_globs=False)
    assert runner.failures == 0, "".join(output)



def test_quick_start_shows_the_defaults_learning_the_digits():
    """The quick start fits the default configuration on three quarters of the
    digits (the suite's one fit of the defaults on real images): it must reach
    the accuracy a user is promised on the quarter held out, stopped by its
    tolerance before max_iter."""
    from skconv import ConvNetClassifier

    quick_start = AFTER.get(BLOCKS[0].id)
    if quick_start is None:
        pytest.skip("the quick-start snippet did not run (see its own test)")
    clf, X_test, y_test = (quick_start[name] for name in ("clf", "X_test", "y_test"))
    assert clf.get_params() == ConvNetClassifier(random_state=0).get_params()
    assert len(X_test) == 450  # a stratified quarter of the 1,797 digits
    assert clf.n_iter_ < clf.max_iter
    assert clf.score(X_test, y_test) >= 0.97
