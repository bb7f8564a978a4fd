"""Speed of skconv on Fashion-MNIST, against PyTorch and a tutorial-style CNN.

Run from the repository root::

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
e. test accuracy after the epochs trained;
f. peak memory of ``fit`` (tracemalloc and peak RSS, in a clean subprocess);
g. achieved GFLOP/s per layer (analytic FLOP counts / time spent in each
   layer's forward and backward), against the float32 matmul peak of this
   machine measured in the same run.

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
"""

import argparse
import copy
import datetime
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the skconv checkout this script lives in

torch = None
if "--memory-child" not in sys.argv:  # the memory subprocess stays torch-free
    try:  # Import torch before threadpoolctl limits the thread pools.
        import torch
        from torch import nn
    except ImportError:  # torch is optional
        torch = None

import numpy as np
import scipy
import scipy.signal  # loaded now so that its BLAS is under the thread limit
import sklearn
import threadpoolctl
from sklearn.exceptions import ConvergenceWarning

import skconv
from skconv import ConvNetClassifier, _network
from skconv.datasets import load_fashion_mnist
from skconv.layers import Conv2D, Dense, Flatten, MaxPool2D

sys.path.insert(0, str(HERE))
from tutorial_cnn import TutorialCNN

THREADS = 2
FULL_EPOCH = 60_000
INFERENCE_BATCH = 1000
SEED = 0

COMMON = {
    "kernel_size": 3,
    "padding": "valid",
    "pool_size": 2,
    "activation": "relu",
    "solver": "adam",
    "learning_rate_init": 1e-3,
    "batch_size": 64,
    "alpha": 0.0,
    "shuffle": True,
}
WORKLOADS = {
    "SMALL": {"filters": (8, 16), "hidden_layer_sizes": (64,)},
    "KERAS": {"filters": (32, 64), "hidden_layer_sizes": (128,)},
}
NO_TORCH = "torch not installed"


# --------------------------------------------------------------- reporting


def table(headers, rows, title=None):
    """Print rows as plain text with aligned columns (numbers right-aligned)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [
        max(len(str(h)), *(len(r[i]) for r in cells)) if cells else len(str(h))
        for i, h in enumerate(headers)
    ]
    # A column holding any number is right-aligned (notes such as "torch not
    # installed" in it too); text columns are left-aligned.
    numeric = [any(_is_number(row[i]) for row in rows) for i in range(len(headers))]
    if title:
        print(f"\n{title}")

    def line(values):
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric)
        ).rstrip()

    print(line([str(h) for h in headers]))
    print(line(["-" * w for w in widths]))
    for row in cells:
        print(line(row))


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        if abs(value) >= 0.01:
            return f"{value:.3f}"
        return f"{value:.2e}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def spread(values):
    """``{"median", "min", "max", "values"}`` of a list of timings."""
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "values": list(values),
    }


# ---------------------------------------------------------------- machine


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith(("model name", "cpu model", "hardware")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info():
    blas = [
        {
            key: info.get(key)
            for key in (
                "internal_api",
                "prefix",
                "version",
                "architecture",
                "threading_layer",
                "num_threads",
                "filepath",
            )
        }
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
        "torch": torch.__version__ if torch is not None else None,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
        "blas": blas,
    }


def print_machine(info):
    print("skconv Fashion-MNIST benchmark")
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


def warn_if_busy(load, when):
    if load is None:
        return
    print(f"other CPU load    {100 * load:.0f}% of all CPUs {when}")
    if load > 0.1:
        print(
            "WARNING           other processes are using the CPUs: timings with "
            f"{THREADS} threads on {os.cpu_count()} cores can be inflated many times "
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


# ------------------------------------------------------------------- data


def load_data(args, need_test=True):
    """``(X_train, y_train, X_test, y_test, source)``; float32 rows in [0, 1]."""
    try:
        X_train, y_train = load_fashion_mnist(
            args.data_home, kind="train", return_X_y=True
        )
        if need_test:
            X_test, y_test = load_fashion_mnist(
                args.data_home, kind="test", return_X_y=True
            )
        else:
            X_test, y_test = X_train[:0], y_train[:0]
        source = "Fashion-MNIST"
    except FileNotFoundError as exc:
        if not (args.quick or args.random_data):
            raise SystemExit(f"{exc}\n(--quick falls back to random data.)") from None
        source = "RANDOM DATA (Fashion-MNIST files not found; timings only)"
        rng = np.random.RandomState(SEED)
        X_train = rng.uniform(size=(FULL_EPOCH, 784)).astype(np.float32)
        y_train = rng.randint(0, 10, FULL_EPOCH)
        X_test = rng.uniform(size=(10_000, 784)).astype(np.float32)
        y_test = rng.randint(0, 10, 10_000)
    if args.n_train < len(X_train):
        X_train, y_train = (
            X_train[: args.n_train].copy(),
            y_train[: args.n_train].copy(),
        )
    if args.n_test < len(X_test):
        X_test, y_test = X_test[: args.n_test].copy(), y_test[: args.n_test].copy()
    return X_train, y_train, X_test, y_test, source


# ----------------------------------------------------------------- models


def make_skconv(name):
    return ConvNetClassifier(**WORKLOADS[name], **COMMON, random_state=SEED)


def initial_state(clf, classes):
    """The layers and random stream ``ConvNetClassifier.fit`` starts from.

    Built exactly as ``fit`` (and the first ``partial_fit``) builds them
    (``_initialize``: one RandomState from ``random_state``, the layers drawn
    from it); each epoch then draws ``rng.permutation(n_samples)`` from the
    same stream.
    """
    image_shape = (1, 28, 28)
    state = clf._initialize(
        image_shape, classes, np.dtype(np.float32), clf._validate_architecture()
    )
    return state["layers"], state["rng"]


def torch_model(layers):
    """The same network in PyTorch, with skconv's weights copied in."""
    modules = []
    for layer in layers:
        name = type(layer).__name__
        if isinstance(layer, Conv2D):
            W, b = layer.params["W"], layer.params["b"]
            conv = nn.Conv2d(
                W.shape[1],
                W.shape[0],
                layer.kernel_size,
                stride=layer.stride,
                padding=0,
            )
            if layer.padding != "valid":
                raise NotImplementedError("the benchmark maps padding='valid' only")
            with torch.no_grad():
                conv.weight.copy_(torch.from_numpy(W))  # (F, C, kh, kw) in both
                conv.bias.copy_(torch.from_numpy(b))
            modules.append(conv)
        elif isinstance(layer, MaxPool2D):
            modules.append(nn.MaxPool2d(layer.pool_size, layer.stride))
        elif isinstance(layer, Flatten):
            modules.append(nn.Flatten())  # NCHW in C order, as skconv's Flatten
        elif isinstance(layer, Dense):
            W, b = layer.params["W"], layer.params["b"]
            linear = nn.Linear(W.shape[0], W.shape[1])
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
                linear.bias.copy_(torch.from_numpy(b))
            modules.append(linear)
        elif name == "ReLU":
            modules.append(nn.ReLU())
        else:
            raise NotImplementedError(f"no PyTorch mapping for {layer!r}")
    return nn.Sequential(*modules)


def torch_epoch(model, optimizer, X, y, order, batch_size):
    """One training epoch over ``order`` in skconv's batches; mean loss."""
    model.train()
    loss_fn = nn.CrossEntropyLoss()
    order = torch.from_numpy(order)
    total = 0.0
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(X[idx]), y[idx])
        loss.backward()
        optimizer.step()
        total += loss.item() * len(idx)
    return total / len(order)


def first_batch_check(init_layers, model, X, y, idx):
    """Loss and gradients of one batch in both frameworks, from the same start.

    Returns ``(|loss difference|, largest gradient difference relative to the
    largest gradient entry of its parameter)``; float32 rounding alone gives
    about 1e-6. Uses skconv's internal ``_network.loss_and_gradients``.
    """
    layers = copy.deepcopy(init_layers)
    Xb = X[idx].reshape(-1, 1, 28, 28)
    Y = np.eye(10, dtype=Xb.dtype)[y[idx]]
    loss = _network.loss_and_gradients(
        layers, Xb, Y, np.ones(len(idx), dtype=Xb.dtype), 0.0, "softmax"
    )
    ours = [g.T if g.ndim == 2 else g for g in _network.gradients(layers)]
    model = copy.deepcopy(model)
    torch_loss = nn.functional.cross_entropy(
        model(torch.from_numpy(Xb)), torch.from_numpy(y[idx].astype(np.int64))
    )
    torch_loss.backward()
    worst = 0.0
    for mine, param in zip(ours, model.parameters()):
        theirs = param.grad.numpy()
        scale = max(float(np.abs(mine).max()), 1e-30)
        worst = max(worst, float(np.abs(mine - theirs).max()) / scale)
    return abs(loss - torch_loss.item()), worst


# ---------------------------------------------------------- per-layer time


class _TimedMethod:
    """An instance attribute replacing ``layer.forward`` or ``layer.backward``.

    It adds the seconds spent to ``stats[key]``. ``partial_fit`` deep-copies
    the fitted layers before training, so ``__deepcopy__`` rebinds the timer
    to the copy of its layer (which ``copy.deepcopy`` has registered in
    ``memo`` before it copies the layer's attributes).
    """

    def __init__(self, layer, method, stats, key):
        self.layer, self.method, self.stats, self.key = layer, method, stats, key

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        out = getattr(type(self.layer), self.method)(self.layer, *args, **kwargs)
        self.stats[self.key] = (
            self.stats.get(self.key, 0.0) + time.perf_counter() - start
        )
        if self.method == "backward" and out is None:  # input gradient skipped
            self.stats[(self.key[0], "no_input_grad")] = True
        return out

    def __deepcopy__(self, memo):
        layer = memo.get(id(self.layer), self.layer)
        return _TimedMethod(layer, self.method, self.stats, self.key)


def layer_flops(layers, image_shape=(1, 28, 28), no_input_grad=()):
    """Forward and backward FLOPs per sample of every layer (0 where ~0).

    Convolution: forward ``2 Ho Wo F C kh kw``; backward the same for dW
    plus the same again for dX, except for the layers listed in
    ``no_input_grad`` (whose backward returned None: skconv skips the first
    layer's input gradient). Dense: ``2 in out`` forward, and ``2 in out``
    for each of dW and dX. Pooling, activations, flatten: ~0.
    """
    shape = tuple(image_shape)
    rows = []
    for index, layer in enumerate(layers):
        fwd = bwd = 0
        if isinstance(layer, Conv2D):
            _, height, width = shape
            _, (ho, wo) = layer.geometry(height, width)
            F, C, kh, kw = layer.params["W"].shape
            fwd = 2 * ho * wo * F * C * kh * kw
            bwd = fwd if index in no_input_grad else 2 * fwd
            out = (F, ho, wo)
        elif isinstance(layer, Dense):
            n_in, n_out = layer.params["W"].shape
            fwd = 2 * n_in * n_out
            bwd = fwd if index in no_input_grad else 2 * fwd
            out = (n_out,)
        elif isinstance(layer, MaxPool2D):
            out = (shape[0],) + layer._out_shape(*shape[1:])
        elif isinstance(layer, Flatten):
            out = (int(np.prod(shape)),)
        else:
            out = shape
        rows.append((layer, shape, out, fwd, bwd))
        shape = out
    return rows


def instrumented_epoch(clf, X, y):
    """One ``partial_fit`` epoch on a copy of ``clf``, timing every layer."""
    clf = copy.deepcopy(clf)
    stats = {}
    for i, layer in enumerate(clf.layers_):
        layer.forward = _TimedMethod(layer, "forward", stats, (i, "forward"))
        layer.backward = _TimedMethod(layer, "backward", stats, (i, "backward"))
    start = time.perf_counter()
    clf.partial_fit(X, y)
    total = time.perf_counter() - start
    return stats, total


def gflops_rows(name, layers, stats, total, n_samples, peak):
    rows = []
    flops_total = 0
    layer_time = 0.0
    skipped = {key[0] for key in stats if key[1] == "no_input_grad"}
    flop_rows = layer_flops(layers, no_input_grad=skipped)
    for i, (layer, shape_in, shape_out, fwd, bwd) in enumerate(flop_rows):
        t_f = stats.get((i, "forward"), 0.0)
        t_b = stats.get((i, "backward"), 0.0)
        layer_time += t_f + t_b
        flops = (fwd + bwd) * n_samples
        flops_total += flops
        label = f"{i}: {layer!r}"
        if isinstance(layer, Conv2D):
            label = (
                f"{i}: Conv2D {shape_in[0]}->{shape_out[0]} {shape_in[1]}x{shape_in[2]}"
            )
        elif isinstance(layer, Dense):
            label = (
                f"{i}: Dense {layer.params['W'].shape[0]}->{layer.params['W'].shape[1]}"
            )
        elif isinstance(layer, MaxPool2D):
            label = f"{i}: MaxPool2D {shape_in[0]}x{shape_in[1]}x{shape_in[2]}"
        else:
            label = f"{i}: {type(layer).__name__} {'x'.join(map(str, shape_in))}"
        if i in skipped:
            label += " (no dX)"
        rows.append(
            [
                name,
                label,
                t_f,
                fwd * n_samples / t_f / 1e9 if fwd and t_f else None,
                t_b,
                bwd * n_samples / t_b / 1e9 if bwd and t_b else None,
                100 * (t_f + t_b) / total,
            ]
        )
    rest = total - layer_time
    rows.append(
        [
            name,
            "loss, optimizer, batching, checks",
            None,
            None,
            rest,
            None,
            100 * rest / total,
        ]
    )
    rows.append(
        [name, "whole epoch", None, None, total, flops_total / total / 1e9, 100.0]
    )
    summary = {
        "epoch_seconds": total,
        "epoch_gflop": flops_total / 1e9,
        "epoch_gflops_per_s": flops_total / total / 1e9,
        "fraction_of_matmul_peak": flops_total / total / 1e9 / peak,
        "layers": [
            {
                "layer": r[1],
                "forward_s": r[2],
                "forward_gflops": r[3],
                "backward_s": r[4],
                "backward_gflops": r[5],
                "percent": r[6],
            }
            for r in rows
        ],
    }
    return rows, summary


# ----------------------------------------------------------------- memory


def memory_child(args):
    """Run in a subprocess: memory of one ``fit`` epoch; prints one JSON line.

    A tiny warm-up fit (one 3x3 filter, one hidden unit, 4 samples) first
    loads the modules ``fit`` imports lazily and starts the BLAS threads
    without touching much memory, so the measured fit's peak RSS over that
    baseline is the fit's own memory (activations, BLAS work buffers, ...).
    """
    X, y, _, _, source = load_data(args, need_test=False)
    data_mb = (X.nbytes + y.nbytes) / 2**20
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        rss_start = _proc_status_mb("VmRSS")
        tiny = {"filters": (1,), "hidden_layer_sizes": (1,), "batch_size": 2}
        ConvNetClassifier(**{**COMMON, **tiny}, max_iter=1).fit(X[:4], [0, 1, 0, 1])
        gc.collect()
        rss_before = _proc_status_mb("VmRSS")
        try:  # reset the peak-RSS mark, so loading and warm-up do not count
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            reset = True
        except OSError:
            reset = False
        clf = make_skconv(args.memory_child).set_params(max_iter=1)
        tracemalloc.start()
        clf.fit(X, y)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    peak_rss = _proc_status_mb("VmHWM")
    print(
        json.dumps(
            {
                "source": source,
                "n_samples": len(X),
                "data_mb": data_mb,
                # tracemalloc started after the data was loaded, so its peak
                # is what fit allocated on top of the data.
                "tracemalloc_peak_over_data_mb": traced_peak / 2**20,
                "warm_up_rss_mb": rss_before - rss_start,
                "rss_before_fit_mb": rss_before,
                "peak_rss_mb": peak_rss,
                "peak_rss_over_data_mb": peak_rss - rss_before if reset else None,
                "peak_rss_reset": reset,
            }
        )
    )


def _proc_status_mb(field):
    """``VmRSS`` or ``VmHWM`` (peak RSS) of this process in MiB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure_memory(name, args):
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--memory-child",
        name,
        "--n-train",
        str(args.n_train),
    ]
    if args.data_home:
        command += ["--data-home", str(args.data_home)]
    if args.quick or args.random_data:
        command.append("--random-data")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------- workload


def run_workload(name, args, data, peak):
    X_train, y_train, X_test, y_test = data
    n = len(X_train)
    result = {"workload": name, "n_train": n, "n_test": len(X_test)}
    classes = np.arange(10)
    use_torch = torch is not None and not args.skip_torch

    # Same initial weights and the same batch order for both frameworks.
    clf = make_skconv(name)
    init_layers, rng = initial_state(clf, classes)
    epochs = max(args.repeats, args.epochs if args.accuracy else 0)
    orders = [rng.permutation(n) for _ in range(epochs)]
    if use_torch:
        model = torch_model(init_layers)
        optimizer = torch.optim.Adam(
            model.parameters(),
            lr=COMMON["learning_rate_init"],
            betas=(0.9, 0.999),
            eps=1e-8,
        )
        Xt = torch.from_numpy(X_train.reshape(-1, 1, 28, 28))
        yt = torch.from_numpy(y_train.astype(np.int64))
        with torch.no_grad():
            batch = X_train[orders[0][:64]]
            ours = _network.forward(init_layers, batch.reshape(-1, 1, 28, 28))
            theirs = model(torch.from_numpy(batch.reshape(-1, 1, 28, 28))).numpy()
        result["initial_logit_max_abs_diff"] = float(np.abs(ours - theirs).max())
        try:
            loss_diff, grad_diff = first_batch_check(
                init_layers, model, X_train, y_train, orders[0][:64]
            )
            result["first_batch_loss_abs_diff"] = loss_diff
            result["first_batch_grad_rel_diff"] = grad_diff
        except Exception as exc:  # noqa: BLE001 - skconv internals changed: go on
            print(f"  first-batch gradient check skipped: {exc!r}")

    sk_times, torch_times, sk_losses, torch_losses = [], [], [], []
    sk_cpu, torch_cpu = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for epoch in range(epochs):
            start, cpu = time.perf_counter(), time.process_time()
            clf.partial_fit(X_train, y_train, classes=classes)
            sk_times.append(time.perf_counter() - start)
            sk_cpu.append(time.process_time() - cpu)
            sk_losses.append(clf.loss_curve_[-1])
            if use_torch:
                start, cpu = time.perf_counter(), time.process_time()
                loss = torch_epoch(model, optimizer, Xt, yt, orders[epoch], 64)
                torch_times.append(time.perf_counter() - start)
                torch_cpu.append(time.process_time() - cpu)
                torch_losses.append(loss)
            print(
                f"  {name} epoch {epoch + 1}/{epochs}: skconv {sk_times[-1]:.2f} s "
                f"(loss {sk_losses[-1]:.4f})"
                + (
                    f", torch {torch_times[-1]:.2f} s (loss {torch_losses[-1]:.4f})"
                    if use_torch
                    else ""
                ),
                flush=True,
            )
    R = args.repeats
    result["skconv_epoch_s"] = spread(sk_times[:R])
    result["skconv_cpu_per_wall"] = sum(sk_cpu[:R]) / sum(sk_times[:R])
    result["skconv_loss_curve"] = sk_losses
    result["epochs_trained"] = epochs
    if use_torch:
        result["torch_epoch_s"] = spread(torch_times[:R])
        result["torch_cpu_per_wall"] = sum(torch_cpu[:R]) / sum(torch_times[:R])
        result["torch_loss_curve"] = torch_losses

    # Inference at batch 1000 on the test images.
    def sk_predict():
        return np.vstack(
            [
                clf.predict_proba(X_test[i : i + INFERENCE_BATCH])
                for i in range(0, len(X_test), INFERENCE_BATCH)
            ]
        )

    sk_predict()  # warm-up, untimed (as for torch below)
    times = []
    for _ in range(R):
        start = time.perf_counter()
        proba = sk_predict()
        times.append(time.perf_counter() - start)
    result["skconv_images_per_s"] = spread([len(X_test) / t for t in times])
    result["skconv_test_accuracy"] = float(np.mean(proba.argmax(1) == y_test))
    if use_torch:
        model.eval()
        Xtest = torch.from_numpy(X_test.reshape(-1, 1, 28, 28))
        times = []
        with torch.no_grad():
            for i in range(0, len(X_test), INFERENCE_BATCH):  # warm-up, untimed
                model(Xtest[i : i + INFERENCE_BATCH])
            for _ in range(R):
                start = time.perf_counter()
                proba = np.vstack(
                    [
                        torch.softmax(model(Xtest[i : i + INFERENCE_BATCH]), 1).numpy()
                        for i in range(0, len(X_test), INFERENCE_BATCH)
                    ]
                )
                times.append(time.perf_counter() - start)
        result["torch_images_per_s"] = spread([len(X_test) / t for t in times])
        result["torch_test_accuracy"] = float(np.mean(proba.argmax(1) == y_test))

    # The tutorial-style CNN on a few hundred samples, extrapolated.
    if not args.skip_tutorial:
        m = min(args.tutorial_samples, n)
        net = TutorialCNN(
            filters=WORKLOADS[name]["filters"],
            hidden_layer_sizes=WORKLOADS[name]["hidden_layer_sizes"],
            solver="adam",
            learning_rate=1e-3,
            batch_size=64,
            random_state=SEED,
        )
        Xs = X_train[:m].reshape(-1, 1, 28, 28).astype(np.float64)
        start, cpu = time.perf_counter(), time.process_time()
        net.train_epoch(Xs, y_train[:m])
        seconds = time.perf_counter() - start
        result["tutorial_cpu_per_wall"] = (time.process_time() - cpu) / seconds
        result["tutorial_samples"] = m
        result["tutorial_s_per_sample"] = seconds / m

    # Time inside every layer for one more epoch (on a copy of the model).
    if not args.skip_gflops:
        stats, total = instrumented_epoch(clf, X_train, y_train)
        rows, summary = gflops_rows(name, clf.layers_, stats, total, n, peak)
        result["gflops"] = summary
        result["_gflops_rows"] = rows

    if not args.skip_memory:
        result["memory"] = measure_memory(name, args)
    return result


# ------------------------------------------------------------------ report


def per_epoch(seconds, n):
    """Seconds for a 60,000-sample epoch, from seconds for ``n`` samples."""
    return seconds * FULL_EPOCH / n


def report(results, args, peak, use_torch):
    torch_label = f"torch {torch.__version__}" if torch is not None else "torch"
    n = results[0]["n_train"] if results else 0
    scaled = n != FULL_EPOCH
    rows = []
    for r in results:
        s = r["skconv_epoch_s"]
        rows.append(
            [
                r["workload"],
                "skconv",
                s["median"],
                s["min"],
                s["max"],
                per_epoch(s["median"], n),
                n / s["median"],
                r["skconv_cpu_per_wall"],
                len(s["values"]),
                "",
            ]
        )
        if "torch_epoch_s" in r:
            t = r["torch_epoch_s"]
            rows.append(
                [
                    r["workload"],
                    torch_label,
                    t["median"],
                    t["min"],
                    t["max"],
                    per_epoch(t["median"], n),
                    n / t["median"],
                    r["torch_cpu_per_wall"],
                    len(t["values"]),
                    "",
                ]
            )
        else:
            rows.append(
                [
                    r["workload"],
                    "torch",
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    NO_TORCH if torch is None else "skipped (--skip-torch)",
                ]
            )
        if "tutorial_s_per_sample" in r:
            m = r["tutorial_samples"]
            rows.append(
                [
                    r["workload"],
                    "tutorial CNN",
                    None,
                    None,
                    None,
                    r["tutorial_s_per_sample"] * FULL_EPOCH,
                    1 / r["tutorial_s_per_sample"],
                    r["tutorial_cpu_per_wall"],
                    1,
                    f"extrapolated from {m} samples",
                ]
            )
    table(
        [
            "workload",
            "implementation",
            f"s/epoch ({n:,})",
            "min",
            "max",
            "s per 60k epoch" + (" (scaled)" if scaled else ""),
            "samples/s",
            "cpu/wall",
            "repeats",
            "note",
        ],
        rows,
        "a-c. Training time per epoch (Adam, batch 64, float32, "
        f"{THREADS} threads; median and min-max over repeats; cpu/wall = process "
        "CPU time / wall time, far below 1 when threads wait for a core)",
    )

    rows = []
    for r in results:
        sk = r["skconv_epoch_s"]["median"]
        ratio_torch = (
            sk / r["torch_epoch_s"]["median"] if "torch_epoch_s" in r else None
        )
        speedup = (
            r["tutorial_s_per_sample"] * n / sk
            if "tutorial_s_per_sample" in r
            else None
        )
        rows.append(
            [
                r["workload"],
                ratio_torch
                if ratio_torch is not None
                else NO_TORCH
                if torch is None
                else None,
                speedup,
                r.get("initial_logit_max_abs_diff"),
                r.get("first_batch_grad_rel_diff"),
            ]
        )
    table(
        [
            "workload",
            "skconv/torch time",
            "speedup skconv vs tutorial",
            "initial logits |diff|",
            "first-batch grads rel. diff",
        ],
        rows,
        "Ratios (same run; the tutorial time is extrapolated) and same-start checks",
    )

    rows = []
    for r in results:
        s = r["skconv_images_per_s"]
        rows.append(
            [
                r["workload"],
                "skconv predict_proba",
                s["median"],
                s["min"],
                s["max"],
                r["n_test"],
            ]
        )
        if "torch_images_per_s" in r:
            t = r["torch_images_per_s"]
            rows.append(
                [
                    r["workload"],
                    f"{torch_label} eval/no_grad",
                    t["median"],
                    t["min"],
                    t["max"],
                    r["n_test"],
                ]
            )
        else:
            rows.append(
                [
                    r["workload"],
                    "torch",
                    NO_TORCH if torch is None else "skipped",
                    None,
                    None,
                    None,
                ]
            )
    table(
        ["workload", "implementation", "images/s", "min", "max", "test images"],
        rows,
        f"d. Inference throughput at batch {INFERENCE_BATCH}",
    )

    rows = []
    for r in results:
        rows.append(
            [
                r["workload"],
                r["epochs_trained"],
                r["skconv_test_accuracy"],
                r.get("torch_test_accuracy", NO_TORCH if torch is None else None),
                r["skconv_loss_curve"][-1],
                (r.get("torch_loss_curve") or [None])[-1],
            ]
        )
    table(
        [
            "workload",
            "epochs",
            "skconv accuracy",
            "torch accuracy",
            "skconv loss",
            "torch loss",
        ],
        rows,
        f"e. Test accuracy after the epochs trained ({n:,} training images; "
        "same initial weights and batch order)",
    )

    rows = []
    for r in results:
        mem = r.get("memory")
        if mem:
            rows.append(
                [
                    r["workload"],
                    mem["n_samples"],
                    mem["data_mb"],
                    mem["tracemalloc_peak_over_data_mb"],
                    mem["rss_before_fit_mb"],
                    mem["peak_rss_mb"],
                    mem["peak_rss_over_data_mb"],
                ]
            )
    if rows:
        table(
            [
                "workload",
                "samples",
                "data MB",
                "peak over data MB (tracemalloc)",
                "RSS before fit MB",
                "peak RSS MB",
                "peak RSS over data MB",
            ],
            rows,
            "f. Memory of one fit epoch (fresh subprocess, torch not imported; "
            "'RSS before fit' = imports + data + a tiny warm-up fit; "
            "'over data' = beyond that)",
        )

    rows = [row for r in results for row in r.get("_gflops_rows", [])]
    if rows:
        table(
            [
                "workload",
                "layer",
                "fwd s",
                "fwd GFLOP/s",
                "bwd s",
                "bwd GFLOP/s",
                "% epoch",
            ],
            rows,
            f"g. Time and achieved GFLOP/s per layer in one skconv epoch of {n:,} "
            f"samples (float32 matmul peak: {peak:.1f} GFLOP/s, "
            f"np.dot 2048x2048, {THREADS} threads)",
        )
        for r in results:
            g = r["gflops"]
            print(
                f"  {r['workload']}: {g['epoch_gflop']:.1f} GFLOP per epoch, "
                f"{g['epoch_gflops_per_s']:.2f} GFLOP/s = "
                f"{100 * g['fraction_of_matmul_peak']:.1f}% of the matmul peak"
            )


# -------------------------------------------------------------------- main


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
    parser.add_argument("--memory-child", default=None, help=argparse.SUPPRESS)
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
    global THREADS
    args = parse_args(argv)
    THREADS = args.threads
    limiter = threadpoolctl.threadpool_limits(limits=THREADS)  # noqa: F841
    if torch is not None:
        torch.set_num_threads(THREADS)
    if args.memory_child:
        memory_child(args)
        return

    started = time.perf_counter()
    info = machine_info()
    info["other_cpu_load_before"] = other_cpu_load()
    print_machine(info)
    warn_if_busy(info["other_cpu_load_before"], "before the run")
    X_train, y_train, X_test, y_test, source = load_data(args)
    peak = matmul_peak()
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
    use_torch = torch is not None and not args.skip_torch

    results = []
    for name in args.workloads:
        print(f"\n{name}: {make_skconv(name)}", flush=True)
        results.append(
            run_workload(name, args, (X_train, y_train, X_test, y_test), peak)
        )

    report(results, args, peak, use_torch)
    info["other_cpu_load_after"] = other_cpu_load()
    print(f"\ntotal benchmark time {time.perf_counter() - started:.1f} s")
    warn_if_busy(info["other_cpu_load_after"], "after the run")
    if args.json:
        payload = {
            "machine": info,
            "matmul_peak_gflops": peak,
            "data": source,
            "args": vars(args),
            "results": [
                {k: v for k, v in r.items() if not k.startswith("_")} for r in results
            ],
        }
        with open(args.json, "w") as f:
            json.dump(payload, f, indent=2, default=str)
        print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
