"""Peak memory of one ``fit`` epoch, measured in a fresh, torch-free subprocess.

:func:`measure_memory` runs ``python -m benchmarks._memory WORKLOAD ...``
from the repository root and reads the one JSON line it prints. This module
imports neither torch nor the other benchmark modules that would.
"""

import argparse
import gc
import json
import resource
import subprocess
import sys
import tracemalloc
import warnings
from pathlib import Path

import threadpoolctl
from sklearn.exceptions import ConvergenceWarning

from skconv import ConvNetClassifier

from ._workloads import COMMON, DEFAULT_THREADS, WORKLOADS, load_data, make_skconv

REPO = Path(__file__).resolve().parent.parent


def proc_status_mb(field):
    """``VmRSS`` or ``VmHWM`` (peak RSS) of this process in MiB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def reset_peak_rss():
    """Reset the peak-RSS mark (Linux); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def fit_memory(name, X, y):
    """Memory of one ``fit`` epoch of workload ``name`` on ``X, y``, in MiB.

    A tiny warm-up fit (one 3x3 filter, one hidden unit, 4 samples) first
    loads the modules ``fit`` imports lazily and starts the BLAS threads
    without touching much memory, so the measured fit's peak RSS over that
    baseline is the fit's own memory (activations, BLAS work buffers, ...).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        rss_start = proc_status_mb("VmRSS")
        tiny = {"filters": (1,), "hidden_layer_sizes": (1,), "batch_size": 2}
        ConvNetClassifier(**{**COMMON, **tiny}, max_iter=1).fit(X[:4], [0, 1, 0, 1])
        gc.collect()
        rss_before = proc_status_mb("VmRSS")
        reset = reset_peak_rss()  # so that loading and warm-up do not count
        clf = make_skconv(name).set_params(max_iter=1)
        tracemalloc.start()
        clf.fit(X, y)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    peak_rss = proc_status_mb("VmHWM")
    return {
        "n_samples": len(X),
        "data_mb": (X.nbytes + y.nbytes) / 2**20,
        # tracemalloc started after the data was loaded, so its peak is
        # what fit allocated on top of the data.
        "tracemalloc_peak_over_data_mb": traced_peak / 2**20,
        "warm_up_rss_mb": rss_before - rss_start,
        "rss_before_fit_mb": rss_before,
        "peak_rss_mb": peak_rss,
        "peak_rss_over_data_mb": peak_rss - rss_before if reset else None,
        "peak_rss_reset": reset,
    }


def measure_memory(name, n_train, data_home, random_data, threads):
    """Run :func:`fit_memory` in a subprocess; its result, or None if it failed."""
    command = [
        sys.executable, "-m", "benchmarks._memory", name,
        "--n-train", str(n_train), "--threads", str(threads),
    ]
    if data_home:
        command += ["--data-home", str(Path(data_home).resolve())]
    if random_data:
        command.append("--random-data")
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=REPO
    )
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--n-train", type=int, required=True)
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--random-data", action="store_true")
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    args = parser.parse_args(argv)
    with threadpoolctl.threadpool_limits(limits=args.threads):
        X, y, _, _, source = load_data(
            args.data_home, args.n_train, 0, args.random_data, need_test=False
        )
        memory = fit_memory(args.workload, X, y)
    memory.update(source=source, torch_imported="torch" in sys.modules)
    print(json.dumps(memory))


if __name__ == "__main__":
    main()
