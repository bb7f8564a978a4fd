"""onnxruntime against skconv: inference throughput and parity of an exported network.

Run from the repository root (``python -m benchmarks.bench_onnx`` works too)::

    python benchmarks/bench_onnx.py --quick        # < 1 minute, smoke test
    python benchmarks/bench_onnx.py                # the figures to record
    python benchmarks/bench_onnx.py --threads 1 2 --json onnx.json

What it measures, for the KERAS workload of ``benchmarks/_workloads.py``
(``[Conv 3x3 valid -> ReLU -> MaxPool 2] x 2`` with 32 and 64 filters,
``Dense(128) -> ReLU -> Dense(10)``) trained for ``--epochs`` epochs on
Fashion-MNIST, in float32 and (unless ``--skip-float64``) float64:

a. inference throughput at batch 1000 over the test images, images per
   second, of ``predict_proba`` (skconv's BLAS limited to each of
   ``--threads`` by threadpoolctl) and of the ONNX graph of
   ``skconv.onnx.to_onnx`` in onnxruntime (``intra_op_num_threads``);
   median and best of ``--repeats`` passes, after one untimed pass;
b. parity on every test image: labels that differ from ``predict``, and
   the largest and 99.9th-percentile absolute differences of the
   probabilities.

float64 graphs compute convolutions as slices and a matrix product, because
onnxruntime has no float64 ``Conv``: their throughput says what that costs.

The header prints the machine, versions, BLAS kernels and the load of other
processes; timings on a busy machine are not worth recording (see
``bench_fashion.py`` on OPENBLAS_CORETYPE and busy cores). Needs the
``onnx`` extra; ``--quick`` falls back to random data when the Fashion-MNIST
files are absent.
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the checkout it lives in
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import onnx
import onnxruntime
import skl2onnx
import threadpoolctl
from sklearn.exceptions import ConvergenceWarning

from benchmarks import _machine, _report, _workloads
from skconv.onnx import to_onnx

BATCH = _workloads.INFERENCE_BATCH


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="few images, two passes (< 1 minute); do not quote")
    parser.add_argument("--workload", choices=sorted(_workloads.WORKLOADS),
                        default="KERAS", help="the network (default KERAS: 32-64)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                        help="thread counts to time (default 1 2)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed passes over the test images (default 7, 2 quick)")
    parser.add_argument("--epochs", type=int, default=1,
                        help="training epochs before measuring (default 1)")
    parser.add_argument("--n-train", type=int, default=None,
                        help="training images (default 10000, 500 with --quick)")
    parser.add_argument("--n-test", type=int, default=None,
                        help="test images (default 10000, 2000 with --quick)")
    parser.add_argument("--skip-float64", action="store_true")
    parser.add_argument("--data-home", default=None,
                        help="folder with the Fashion-MNIST IDX files")
    parser.add_argument("--random-data", action="store_true",
                        help="use random data when the Fashion-MNIST files are absent")
    parser.add_argument("--json", default=None, help="write the results to this file")
    args = parser.parse_args(argv)
    args.repeats = args.repeats or (2 if args.quick else 7)
    args.n_train = args.n_train or (500 if args.quick else 10_000)
    args.n_test = args.n_test or (2000 if args.quick else 10_000)
    if args.n_test < BATCH:
        parser.error(f"--n-test must be at least the batch size, {BATCH}")
    return args


def images_per_second(predict, X, repeats):
    """``spread`` of images per second of ``predict`` over ``X`` in batches."""
    def one_pass():
        for start in range(0, len(X), BATCH):
            predict(X[start : start + BATCH])

    one_pass()  # warm-up, untimed
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        one_pass()
        rates.append(len(X) / (time.perf_counter() - start))
    return _report.spread(rates)


def session(onnx_model, threads):
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(onnx_model.SerializeToString(), options,
                                        providers=["CPUExecutionProvider"])


def measure(args, dtype, data):
    """Train the workload in ``dtype``, export it, time and compare both engines."""
    X_train, y_train, X_test, _ = (a.astype(dtype) if a.dtype.kind == "f" else a
                                   for a in data)
    clf = _workloads.make_skconv(args.workload)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(args.epochs):
            clf.partial_fit(X_train, y_train, classes=np.arange(_workloads.N_CLASSES))
    onnx_model = to_onnx(clf, X_test[:1])
    labels, proba = session(onnx_model, max(args.threads)).run(None, {"X": X_test})
    difference = np.abs(proba - clf.predict_proba(X_test))
    result = {
        "dtype": np.dtype(dtype).name,
        "labels_differing": int((labels != clf.predict(X_test)).sum()),
        "n_test": len(X_test),
        "max_abs_proba_difference": float(difference.max()),
        "p99_9_abs_proba_difference": float(np.quantile(difference, 0.999)),
        "throughput": {},
    }
    for threads in args.threads:
        with threadpoolctl.threadpool_limits(threads):
            skconv = images_per_second(clf.predict_proba, X_test, args.repeats)
        runtime = session(onnx_model, threads)
        ort = images_per_second(lambda Z, s=runtime: s.run(None, {"X": Z}), X_test,
                                args.repeats)
        result["throughput"][threads] = {"skconv": skconv, "onnxruntime": ort}
    return result


def report(results):
    rows = []
    for result in results:
        for threads, rates in result["throughput"].items():
            skconv, ort = rates["skconv"], rates["onnxruntime"]
            rows.append([result["dtype"], threads, skconv["median"], skconv["max"],
                         ort["median"], ort["max"], ort["median"] / skconv["median"]])
    _report.table(["dtype", "threads", "skconv img/s", "(best)", "onnxruntime img/s",
                   "(best)", "ratio"], rows,
                  title=f"Inference at batch {BATCH} (median and best of the passes)")
    _report.table(
        ["dtype", "test images", "labels differing", "max |dp|", "99.9% |dp|"],
        [[r["dtype"], r["n_test"], r["labels_differing"], r["max_abs_proba_difference"],
          r["p99_9_abs_proba_difference"]] for r in results],
        title="Parity: onnxruntime against skconv's predict and predict_proba")


def main(argv=None):
    args = parse_args(argv)
    info = _machine.machine_info()
    info.update(onnx=onnx.__version__, onnxruntime=onnxruntime.__version__,
                skl2onnx=skl2onnx.__version__)
    info["other_cpu_load_before"] = _machine.other_cpu_load()
    _machine.print_machine(info, "skconv ONNX benchmark")
    print(f"onnx              onnx {info['onnx']}, onnxruntime {info['onnxruntime']}, "
          f"skl2onnx {info['skl2onnx']}")
    _machine.warn_if_busy(info["other_cpu_load_before"], "before the run",
                          max(args.threads))
    *data, source = _workloads.load_data(args.data_home, args.n_train, args.n_test,
                                         args.quick or args.random_data)
    print(f"data              {source}: {len(data[0]):,} training and "
          f"{len(data[2]):,} test images; workload {args.workload} "
          f"{_workloads.WORKLOADS[args.workload]}, {args.epochs} epoch(s)")
    dtypes = [np.float32] + ([] if args.skip_float64 else [np.float64])
    results = [measure(args, dtype, data) for dtype in dtypes]
    report(results)
    after = _machine.other_cpu_load()
    _machine.warn_if_busy(after, "after the run", max(args.threads))
    if args.json:
        info["other_cpu_load_after"] = after
        payload = {"machine": info, "source": source, "args": vars(args),
                   "results": results}
        Path(args.json).write_text(json.dumps(payload, indent=2, default=str))
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
