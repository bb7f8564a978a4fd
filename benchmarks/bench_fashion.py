"""Speed of skconv on Fashion-MNIST, against PyTorch and a tutorial-style CNN.

Run from the repository root (``python -m benchmarks.bench_fashion`` works
too)::

    python benchmarks/bench_fashion.py --quick           # < 1 minute, smoke test
    python benchmarks/bench_fashion.py --workloads SMALL # full 60,000-image epochs
    python benchmarks/bench_fashion.py --accuracy --epochs 10 --json out.json

Workloads (28x28 inputs in [0, 1], float32, Adam lr 1e-3, batch 64, shuffled,
2 BLAS threads; the architecture is ``[Conv 3x3 valid -> ReLU -> MaxPool 2]
x 2 -> Flatten -> Dense -> ReLU -> Dense(10)``):

* SMALL: filters (8, 16), one hidden layer of 64 units;
* KERAS: filters (32, 64), one hidden layer of 128 units (the Keras MNIST
  example's sizes).

What it measures, for each workload:

a. skconv seconds per training epoch (``partial_fit``, one epoch per call);
b. PyTorch (CPU, 2 threads) seconds per epoch for the same network, started
   from skconv's initial weights and fed skconv's batch order;
c. the tutorial-style baseline of ``tutorial_cnn.py``, timed on a few
   hundred samples and extrapolated to a 60,000-sample epoch;
d. inference throughput at batch 1000 on the test images;
e. test accuracy after the epochs trained (and a check that the start and
   batch order given to PyTorch are the estimator's: the estimator and a
   replay of its training from skconv's public API, compared after two
   ``partial_fit`` epochs on a few hundred images);
f. peak memory of ``fit`` (tracemalloc and peak RSS, in a clean subprocess);
g. achieved GFLOP/s per layer (FLOPs from ``estimator.summary()`` / time
   spent in each layer's forward and backward), against the float32 matmul
   peak of this machine measured in the same run.

Fashion-MNIST comes from ``skconv.datasets.load_fashion_mnist`` (Debian:
``apt-get install dataset-fashion-mnist``); ``--quick`` falls back to random
data of the same shape when the files are absent.

BLAS kernels: on some of these machines OPENBLAS_CORETYPE (and
OPENBLAS_L2_SIZE) are set in the environment, because older OpenBLAS builds
crash or compute wrong results on their processors. They force numpy's
OpenBLAS onto another CPU's kernel (e.g. Haswell), which can slow a current
numpy. The script prints both variables and the architecture threadpoolctl
reports, so a reader knows which kernel ran. To measure the native kernel,
unset both for that one command only::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_fashion.py

(and never change them in tests or CI).

The code is a small package, one job per module: ``_workloads`` (networks,
data), ``_machine`` (CPU, BLAS, load, matmul peak), ``_replay`` (skconv's
start and batch order from its public API), ``_torch_mirror`` (the PyTorch
twin), ``_run`` (one workload's measurements), ``_profile`` (per-layer time
and GFLOP/s), ``_memory`` (the memory subprocess), ``_report`` (tables and
JSON), ``tutorial_cnn`` (the loop-based baseline); this file parses the
command line.
"""

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the checkout it lives in
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# _run imports torch (through _torch_mirror) and scipy.signal (through
# tutorial_cnn) now, before threadpoolctl limits the thread pools in main,
# so that the limit covers their thread pools too.
import threadpoolctl  # noqa: E402

from benchmarks import _machine, _report, _run, _workloads  # noqa: E402
from benchmarks import _torch_mirror as mirror  # noqa: E402

WORKLOADS = _workloads.WORKLOADS
FULL_EPOCH = _workloads.FULL_EPOCH
THREADS = _workloads.DEFAULT_THREADS


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a few hundred samples and a few batches (< 1 minute)",
    )
    parser.add_argument(
        "--workloads",
        nargs="+",
        choices=sorted(WORKLOADS),
        default=None,
        help="default: SMALL KERAS",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="timed epochs / inference passes (default 3)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="epochs for --accuracy (default 10, 2 with --quick)",
    )
    parser.add_argument(
        "--accuracy",
        action="store_true",
        help="train --epochs epochs before measuring test accuracy",
    )
    parser.add_argument(
        "--n-train",
        type=int,
        default=None,
        help="training samples (default 60000, 320 with --quick)",
    )
    parser.add_argument(
        "--n-test",
        type=int,
        default=None,
        help="test samples (default 10000, 1000 with --quick)",
    )
    parser.add_argument(
        "--tutorial-samples",
        type=int,
        default=None,
        help="samples the tutorial CNN is timed on (default 256, 16 with --quick)",
    )
    parser.add_argument(
        "--data-home", default=None, help="folder with the Fashion-MNIST IDX files"
    )
    parser.add_argument(
        "--random-data",
        action="store_true",
        help="use random data when the Fashion-MNIST files are absent",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=THREADS,
        help=f"BLAS / torch threads (default {THREADS})",
    )
    parser.add_argument("--skip-torch", action="store_true")
    parser.add_argument("--skip-tutorial", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-gflops", action="store_true")
    parser.add_argument("--json", default=None, help="write all results to this file")
    args = parser.parse_args(argv)
    quick = args.quick
    if args.workloads is None:
        args.workloads = ["SMALL", "KERAS"]
    if args.n_train is None:
        args.n_train = 320 if quick else FULL_EPOCH
    if args.n_test is None:
        args.n_test = 1000 if quick else 10_000
    if args.epochs is None:
        args.epochs = 2 if quick else 10
    if args.tutorial_samples is None:
        args.tutorial_samples = 16 if quick else 256
    if args.repeats < 1 or args.n_train < 64:
        parser.error("--repeats must be >= 1 and --n-train >= 64")
    return args


def main(argv=None):
    args = parse_args(argv)
    with threadpoolctl.threadpool_limits(limits=args.threads):
        mirror.set_threads(args.threads)
        run(args)


def run(args):
    """Measure every workload of ``args`` and print (and save) the report."""
    started = time.perf_counter()
    info = _machine.machine_info(mirror.version())
    info["other_cpu_load_before"] = _machine.other_cpu_load()
    _machine.print_machine(info)
    before = info["other_cpu_load_before"]
    _machine.warn_if_busy(before, "before the run", args.threads)
    X_train, y_train, X_test, y_test, source = _workloads.load_data(
        args.data_home, args.n_train, args.n_test, args.quick or args.random_data
    )
    peak = _machine.matmul_peak()
    print(
        f"matmul peak       {peak:.1f} GFLOP/s (float32 np.dot 2048x2048, median of 5)"
    )
    print(
        f"data              {source}: {len(X_train):,} training and "
        f"{len(X_test):,} test images, {X_train.dtype}, "
        f"range [{X_train.min():.2f}, {X_train.max():.2f}]"
    )
    if args.quick:
        print(
            "mode              --quick: timings are per small epoch, scaled "
            "linearly to 60,000 samples; do not quote them"
        )

    results = []
    for name in args.workloads:
        print(f"\n{name}: {_workloads.make_skconv(name)}", flush=True)
        data = (X_train, y_train, X_test, y_test)
        results.append(_run.run_workload(name, args, data, peak))

    _report.Report(results, peak, args.threads, mirror.version()).print()
    info["other_cpu_load_after"] = _machine.other_cpu_load()
    print(f"\ntotal benchmark time {time.perf_counter() - started:.1f} s")
    after = info["other_cpu_load_after"]
    _machine.warn_if_busy(after, "after the run", args.threads)
    if args.json:
        _report.write_json(args.json, info, peak, source, args, results)
        print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
