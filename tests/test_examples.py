"""Every examples/plot_*.py runs headless in quick mode and saves PNG figures.

Each example runs in its own Python process, as a user would run it, with
``MPLBACKEND=Agg``, ``SKCONV_EXAMPLES_QUICK=1`` (small data, few epochs) and
``SKCONV_EXAMPLES_OUTPUT`` pointing at a temporary folder. matplotlib is an
optional dependency (the ``examples`` extra): without it these tests skip.
"""

import os
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


def run_example(script, output, **extra_env):
    env = dict(os.environ)
    env.update(
        MPLBACKEND="Agg",
        SKCONV_EXAMPLES_QUICK="1",
        SKCONV_EXAMPLES_OUTPUT=str(output),
        # The examples import the checkout's skconv, installed or not.
        PYTHONPATH=os.pathsep.join(
            [str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p]
        ),
        **extra_env,
    )
    # One BLAS thread: on a busy shared machine, two OpenBLAS threads that
    # wait for each other make these small fits many times slower.
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    return subprocess.run(
        [sys.executable, str(script)],
        check=False,
        env=env,
        cwd=output,
        capture_output=True,
        text=True,
        timeout=300,
    )


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
def test_example_runs_in_quick_mode(script, tmp_path):
    result = run_example(script, tmp_path)
    assert result.returncode == 0, (
        f"{script.name} failed with exit code {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
    if SKIPPING in result.stdout:  # Fashion-MNIST's files, or the onnx extra
        pytest.skip(result.stdout.splitlines()[0])
    pngs = sorted(tmp_path.glob("*.png"))
    assert pngs, f"{script.name} saved no PNG in {tmp_path}:\n{result.stdout}"
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 5000  # a real figure, not an empty canvas


@pytest.mark.parametrize("name", ["plot_fashion_mnist.py", "plot_fashion_inspection.py"])
def test_fashion_example_without_data_exits_cleanly(tmp_path, name):
    script = ROOT / "examples" / name
    result = run_example(
        script, tmp_path, SKCONV_FASHION_MNIST_HOME=str(tmp_path / "no-such-folder")
    )
    assert result.returncode == 0, result.stderr
    assert FASHION_MISSING in result.stdout
    assert "apt-get install dataset-fashion-mnist" in result.stdout
    assert not list(tmp_path.glob("*.png"))
