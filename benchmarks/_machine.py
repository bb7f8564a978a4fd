"""The machine a run measured: CPU, versions, BLAS kernels, load, matmul peak."""

import datetime
import importlib.metadata
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import scipy
import sklearn
import threadpoolctl

import skconv

BLAS_KEYS = (
    "internal_api",
    "prefix",
    "version",
    "architecture",
    "threading_layer",
    "num_threads",
    "filepath",
)


def cpu_model():
    """The CPU's model name from /proc/cpuinfo, else what ``platform`` says."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith(("model name", "cpu model", "hardware")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(torch_version=None):
    """Date, CPU, versions, the OPENBLAS_* variables and every BLAS pool.

    ``torch_version`` defaults to the installed PyTorch's, if any (without
    importing it).
    """
    if torch_version is None:
        try:
            torch_version = importlib.metadata.version("torch")
        except importlib.metadata.PackageNotFoundError:
            pass
    blas = [
        {key: info.get(key) for key in BLAS_KEYS}
        for info in threadpoolctl.threadpool_info()
    ]
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "machine": platform.machine(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else None,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
        "skconv": skconv.__version__,
        "torch": torch_version,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
        "blas": blas,
    }


def print_machine(info, title="skconv Fashion-MNIST benchmark"):
    """The report's header: what ran, where, with which BLAS kernel."""
    print(title)
    print(f"date              {info['date']}")
    print(
        f"cpu               {info['cpu']} ({info['machine']}), "
        f"{info['logical_cpus']} logical CPUs, {info['usable_cpus']} usable, "
        f"load average {', '.join(f'{x:.2f}' for x in info['load_average'] or ())}"
    )
    print(
        f"versions          python {info['python']}, numpy {info['numpy']}, "
        f"scipy {info['scipy']}, scikit-learn {info['sklearn']}, "
        f"skconv {info['skconv']}, torch {info['torch'] or 'not installed'}"
    )
    print(
        f"OPENBLAS_CORETYPE {info['OPENBLAS_CORETYPE']!s}; "
        f"OPENBLAS_L2_SIZE {info['OPENBLAS_L2_SIZE']!s}"
    )
    for lib in info["blas"]:
        print(
            f"threadpool        {lib['internal_api']} {lib['version'] or ''} "
            f"architecture={lib['architecture']} threads={lib['num_threads']} "
            f"({Path(lib['filepath']).name})"
        )
    if info["OPENBLAS_CORETYPE"] or info["OPENBLAS_L2_SIZE"]:
        print(
            "note              OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE force the kernel "
            "above; `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python ...` "
            "measures the native one"
        )


def other_cpu_load(seconds=1.0):
    """Busy fraction of all CPUs over ``seconds`` while this process sleeps.

    Anything well above 0 means other work is running: with 2 cores, a
    2-thread BLAS or OpenMP region then waits for a scheduler slice (tens of
    ms) whenever the other process holds the second core, and timings can
    be inflated many times over. Returns None where /proc/stat is missing.
    """

    def sample():
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        return sum(values), idle

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    if total1 == total0:
        return 0.0
    return 1 - (idle1 - idle0) / (total1 - total0)


def warn_if_busy(load, when, threads):
    """Print the other processes' CPU load, and a warning if it is high."""
    if load is None:
        return
    print(f"other CPU load    {100 * load:.0f}% of all CPUs {when}")
    if load > 0.1:
        print(
            "WARNING           other processes are using the CPUs: timings with "
            f"{threads} threads on {os.cpu_count()} cores can be inflated many times "
            "over (a thread waits for a scheduler slice); see the cpu/wall column "
            "and rerun on an idle machine"
        )


def matmul_peak(repeats=5, size=2048):
    """Median float32 GFLOP/s of ``np.dot`` on ``size x size`` matrices."""
    rng = np.random.RandomState(0)
    a = rng.standard_normal((size, size)).astype(np.float32)
    b = rng.standard_normal((size, size)).astype(np.float32)
    np.dot(a, b)  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.dot(a, b)
        times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times) / 1e9
