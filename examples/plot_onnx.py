"""
============================================
Deploying a model: ONNX and onnxruntime
============================================

:func:`skconv.onnx.to_onnx` converts a fitted
:class:`~skconv.ConvNetClassifier` (or regressor, or a pipeline holding
one) to an ONNX graph, which onnxruntime, and other ONNX runtimes, run
without skconv, scikit-learn or Python. We train the network of Keras'
MNIST example on 28x28 synthetic shapes, export it, check that onnxruntime
gives the same labels and probabilities, and time both at batch 1000.

It needs the ``onnx`` extra (``python -m pip install ".[onnx]"``: skl2onnx,
onnx and onnxruntime); without it, the script says so and exits. Expected
runtime: about 19 s of CPU time with one OpenBLAS thread on idle cores of a 2-core Intel Xeon VM (2026-12-02) (a few seconds with
``SKCONV_EXAMPLES_QUICK=1``, which trains a smaller network on fewer
images). The timings depend on the machine and its load:
``benchmarks/bench_onnx.py`` measures them with more care. Figures are
saved as PNG files in the folder named by ``SKCONV_EXAMPLES_OUTPUT``, by
default ``examples/output/``.
"""

# %%
# The examples share three settings: the quick mode, the output folder and
# the non-interactive backend (``MPLBACKEND=Agg``) when there is no display.
import importlib.util
import os
import sys
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from skconv import ConvNetClassifier
from skconv.datasets import make_shapes

QUICK = os.environ.get("SKCONV_EXAMPLES_QUICK", "0") not in ("", "0")
try:
    HERE = Path(__file__).resolve().parent
except NameError:  # run where __file__ is not defined
    HERE = Path.cwd()
OUTPUT = Path(os.environ.get("SKCONV_EXAMPLES_OUTPUT") or HERE / "output")
OUTPUT.mkdir(parents=True, exist_ok=True)

missing = [name for name in ("skl2onnx", "onnx", "onnxruntime")
           if importlib.util.find_spec(name) is None]
if missing:
    print(f"{', '.join(missing)} is not installed, skipping this example. Install "
          "the onnx extra: python -m pip install 'skconv[onnx]'")
    sys.exit(0)

# Imported after the check above, which found the onnx extra installed.
import onnxruntime

from skconv.onnx import to_onnx

# %%
# Six shapes drawn at random positions in 28x28 images, float32, and the
# network of Keras' MNIST example: two blocks of 3x3 'valid' convolutions
# with 32 and 64 filters, 2x2 max pooling, 128 hidden units.
SHAPES = ("vertical", "horizontal", "cross", "diamond", "x", "square")
X, y = make_shapes(800 if QUICK else 4000, image_size=28, shapes=SHAPES, noise=0.2,
                   random_state=0)
X = X.astype(np.float32)
X_train, y_train, X_test = X[:-500], y[:-500], X[-500:]
clf = ConvNetClassifier(
    filters=(8, 16) if QUICK else (32, 64), hidden_layer_sizes=(32,) if QUICK else (128,),
    padding="valid", batch_size=64, learning_rate_init=1e-3, max_iter=2 if QUICK else 4,
    random_state=0,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed budget of epochs
    clf.fit(X_train, y_train)
print(f"Trained {clf.n_iter_} epochs; accuracy on 500 held-out images "
      f"{clf.score(X_test, y[-500:]):.3f}")

# %%
# ``to_onnx`` needs a few rows of the data, ``X_sample``: they fix the
# width and the type of the graph's input (float32 here). The graph takes
# flattened rows, input ``"X"``, and gives two plain tensors, ``label`` and
# ``probabilities``. Saved to a file, it is all a deployment needs.
onnx_model = to_onnx(clf, X_train[:1])
path = OUTPUT / "shapes_cnn.onnx"
path.write_bytes(onnx_model.SerializeToString())
print(f"Saved {path.name}: {path.stat().st_size / 1024:.0f} KiB, operators "
      f"{sorted({node.op_type for node in onnx_model.graph.node})}")

session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
labels, probabilities = session.run(None, {"X": X_test})
difference = np.abs(probabilities - clf.predict_proba(X_test))
print(f"labels identical: {np.array_equal(labels, clf.predict(X_test))}; largest "
      f"probability difference {difference.max():.2g} (float32)")

# %%
# Throughput at batch 1000, in images per second, with one and two threads
# (skconv's BLAS limited by :func:`threadpoolctl.threadpool_limits`,
# onnxruntime's by ``intra_op_num_threads``); the best of a few runs each.
batch = np.tile(X_test, (2, 1))[:1000]
repeats = 2 if QUICK else 5


def images_per_second(predict):
    predict(batch)  # warm up
    best = min(_seconds(predict) for _ in range(repeats))
    return len(batch) / best


def _seconds(predict):
    start = time.perf_counter()
    predict(batch)
    return time.perf_counter() - start


throughput = {}
for threads in (1, 2):
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    runtime = onnxruntime.InferenceSession(str(path), options,
                                           providers=["CPUExecutionProvider"])
    with threadpool_limits(threads):
        throughput[("skconv", threads)] = images_per_second(clf.predict_proba)
    throughput[("onnxruntime", threads)] = images_per_second(
        lambda Z, session=runtime: session.run(None, {"X": Z}))
for (engine, threads), rate in throughput.items():
    print(f"{engine:>11}, {threads} thread(s): {rate:8,.0f} img/s")

# %%
# Left, the throughputs; right, how far onnxruntime's probabilities are from
# skconv's: float32 rounding, far below the 1e-5 that the tests allow.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
width = 0.38
for offset, engine in ((-width / 2, "skconv"), (width / 2, "onnxruntime")):
    rates = [throughput[(engine, threads)] for threads in (1, 2)]
    bars = ax1.bar(np.arange(2) + offset, rates, width, label=engine)
    ax1.bar_label(bars, fmt="{:,.0f}", fontsize=8)
ax1.set_xticks([0, 1], ["1 thread", "2 threads"])
ax1.set_ylabel("images per second (batch 1000)")
ax1.set_title("Inference throughput")
ax1.set_ylim(top=1.25 * max(throughput.values()))
ax1.legend(loc="upper left", ncol=2)
ax2.hist(np.log10(np.maximum(difference.ravel(), 1e-12)), bins=40)
ax2.set_xlabel("log10 |onnxruntime - skconv| of each probability (1e-12 = equal)")
ax2.set_ylabel("count")
ax2.set_title(f"Parity on {len(X_test)} images x {len(SHAPES)} classes")
fig.suptitle("The exported network in onnxruntime")
fig.savefig(OUTPUT / "onnx_throughput.png", dpi=100)
print(f"Figures saved in {OUTPUT}")

# %%
# onnxruntime gives the same labels, and probabilities equal to float32
# rounding. In one full run on a 2-core AMD EPYC busy with other work, it ran
# this network at about 6,700 images per second against skconv's 2,900 with
# one thread; a second thread helped neither on the busy machine. Which
# engine is faster, and by how much, depends on the machine, its load and
# the network: ``benchmarks/bench_onnx.py`` measures it on the 32-64 network
# of the other benchmarks. Either way the exported graph runs without
# Python (onnxruntime has C++, C#, Java and JavaScript interfaces), and
# loading it runs no code from the file.
