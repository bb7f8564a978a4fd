"""Every examples/plot_*.py runs headless in quick mode and saves PNG figures.

The examples run as scripts (``__main__``), each in a folder of its own, with
``MPLBACKEND=Agg``, ``SKCONV_EXAMPLES_QUICK=1`` (small data, few epochs) and
``SKCONV_EXAMPLES_OUTPUT`` pointing at that folder. They run one after another
in one Python process apart from the tests, as sphinx-gallery runs them (with
the figures closed and matplotlib's settings reset between two): starting
Python and importing scikit-learn and matplotlib once instead of once per
script was a third of this file's time. matplotlib is an optional dependency
(the ``examples`` extra): without it these tests skip. Under pytest-xdist the
module runs whole on one worker (the root conftest's scheduler), so the
scripts run once.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))
FASHION_MISSING = "Fashion-MNIST is not installed"
#: What an example prints when its data or an optional extra is absent.
SKIPPING = "is not installed, skipping this example"
#: The examples that need the Fashion-MNIST files, run once more without them.
FASHION_EXAMPLES = ["plot_fashion_mnist", "plot_fashion_inspection"]

#: The process that runs the scripts: jobs come in on stdin as JSON, results go
#: out on stdout. A script's output, warnings and traceback are its "stdout".
RUNNER = r"""
import contextlib, io, json, os, runpy, sys, traceback
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

results, start_env, start_dir = [], dict(os.environ), os.getcwd()
for job in json.load(sys.stdin):
    os.environ.clear()
    os.environ.update(start_env, **job["env"])
    os.chdir(job["output"])
    output, returncode = io.StringIO(), 0
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            runpy.run_path(job["script"], run_name="__main__")
        except SystemExit as exc:
            returncode = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        except BaseException:
            traceback.print_exc()
            returncode = 1
    plt.close("all")
    matplotlib.rcdefaults()
    os.chdir(start_dir)
    results.append({"returncode": returncode, "stdout": output.getvalue()})
json.dump(results, sys.__stdout__)
"""


def run_examples(jobs):
    """Run ``(script, output folder, extra environment)`` jobs; their results."""
    env = dict(os.environ)
    env.update(
        MPLBACKEND="Agg",
        SKCONV_EXAMPLES_QUICK="1",
        # The examples import the checkout's skconv, installed or not.
        PYTHONPATH=os.pathsep.join(
            [str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p]
        ),
    )
    # One BLAS thread: on a busy shared machine, two OpenBLAS threads that
    # wait for each other make these small fits many times slower.
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    payload = [
        {"script": str(script), "output": str(output),
         "env": {"SKCONV_EXAMPLES_OUTPUT": str(output), **extra_env}}
        for script, output, extra_env in jobs
    ]
    process = subprocess.run(
        [sys.executable, "-c", RUNNER], input=json.dumps(payload), env=env,
        capture_output=True, text=True, check=False, timeout=900,
    )
    assert process.returncode == 0, f"the runner failed:\n{process.stderr}"
    return json.loads(process.stdout)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every example in quick mode, the Fashion-MNIST one without its data, and
    the README's demo: the result of each, by name, and its output folder."""
    jobs = {script.stem: (script, {}) for script in EXAMPLES}
    no_data = {"SKCONV_FASHION_MNIST_HOME": str(tmp_path_factory.mktemp("no-data") / "none")}
    for name in FASHION_EXAMPLES:
        jobs[f"{name}-without-data"] = (ROOT / "examples" / f"{name}.py", no_data)
    jobs["digits_demo"] = (ROOT / "examples" / "digits_demo.py", {})
    folders = {name: tmp_path_factory.mktemp(name) for name in jobs}
    results = run_examples(
        [(script, folders[name], env) for name, (script, env) in jobs.items()]
    )
    return {name: (result, folders[name]) for name, result in zip(jobs, results)}


def test_examples_are_found():
    names = {script.name for script in EXAMPLES}
    assert {
        "plot_digits.py",
        "plot_shapes.py",
        "plot_grid_search.py",
        "plot_pipeline_persistence.py",
        "plot_fashion_mnist.py",
        "plot_image_regression.py",
        "plot_augmentation.py",
        "plot_fashion_inspection.py",
        "plot_onnx.py",
    } <= names


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda script: script.stem)
def test_example_runs_in_quick_mode(script, runs):
    result, folder = runs[script.stem]
    assert result["returncode"] == 0, (
        f"{script.name} failed with exit code {result['returncode']}\n{result['stdout']}"
    )
    if SKIPPING in result["stdout"]:  # Fashion-MNIST's files, or the onnx extra
        pytest.skip(result["stdout"].splitlines()[0])
    pngs = sorted(folder.glob("*.png"))
    assert pngs, f"{script.name} saved no PNG in {folder}:\n{result['stdout']}"
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 5000  # a real figure, not an empty canvas


@pytest.mark.parametrize("name", FASHION_EXAMPLES)
def test_fashion_example_without_data_exits_cleanly(runs, name):
    result, folder = runs[f"{name}-without-data"]
    assert result["returncode"] == 0, result["stdout"]
    assert FASHION_MISSING in result["stdout"]
    assert "apt-get install dataset-fashion-mnist" in result["stdout"]
    assert not list(folder.glob("*.png"))


def test_demo_prints_the_held_out_accuracy_of_every_epoch(runs):
    """The README's demo: each epoch line shows the held-out score, and the last
    one is the final held-out accuracy (the watched set does not change the model)."""
    result, _ = runs["digits_demo"]
    assert result["returncode"] == 0, result["stdout"]
    epochs = re.findall(
        r"^Epoch (\d+), loss = [\d.]+, validation score = ([\d.]+)", result["stdout"], re.MULTILINE
    )
    assert [int(epoch) for epoch, _ in epochs] == [1, 2, 3], result["stdout"]
    final = re.search(r"ConvNetClassifier held-out accuracy: ([\d.]+)", result["stdout"])
    assert float(epochs[-1][1]) == pytest.approx(float(final.group(1)), abs=1e-4)


def test_a_failing_example_is_reported_with_its_traceback(tmp_path):
    """The runner keeps going after a script fails, and says why it failed."""
    broken, fine = tmp_path / "broken.py", tmp_path / "fine.py"
    broken.write_text("print('before')\nraise RuntimeError('the reason')\n")
    fine.write_text("import os\nprint(os.environ['SKCONV_EXAMPLES_OUTPUT'])\n")
    first, second = run_examples([(broken, tmp_path, {}), (fine, tmp_path, {})])
    assert first["returncode"] == 1
    assert "before" in first["stdout"] and "RuntimeError: the reason" in first["stdout"]
    assert second == {"returncode": 0, "stdout": f"{tmp_path}\n"}
