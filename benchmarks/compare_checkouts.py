"""Epoch time of two skconv checkouts, measured side by side in one run.

A refactor must not slow training: this times ``partial_fit`` epochs of the
benchmark networks with checkout A and checkout B in alternating
subprocesses (A, B, A, B, ...), so both see the same machine state, and
prints the median seconds per epoch and the ratio B / A.

Usage, from the repository root (A: the 0.1.0 code in a git worktree)::

    git worktree add /tmp/skconv-0.1 v0.1.0-commit
    python benchmarks/compare_checkouts.py /tmp/skconv-0.1 . --rounds 3

Data: Fashion-MNIST from ``skconv.datasets.load_fashion_mnist`` (Debian's
``dataset-fashion-mnist``), else random images of the same shape.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time

#: The two published networks of BENCHMARKS.md (float32, Adam 1e-3, batch 64),
#: and the Fashion-MNIST recipe's.
WORKLOADS = {
    "SMALL": dict(filters=(8, 16), hidden_layer_sizes=(64,)),
    "KERAS": dict(filters=(32, 64), hidden_layer_sizes=(128,)),
    # The Fashion-MNIST recipe's network: 'same' padding, batch normalisation.
    "RECIPE_BN": dict(filters=(32, 64), hidden_layer_sizes=(128,), padding="same",
                      batch_normalization=True, dropout=0.3),
    # 5x5 'same' kernels: the grid's slowest kind (BENCHMARKS.md, issue 13).
    "K5_SAME": dict(filters=(32, 64), hidden_layer_sizes=(128,), kernel_size=5,
                    padding="same"),
}
COMMON = dict(kernel_size=3, padding="valid", batch_size=64, learning_rate_init=1e-3,
              random_state=0)

CHILD = r"""
import json, sys, time, warnings
import numpy as np
sys.path.insert(0, sys.argv[1])
import skconv
from skconv import ConvNetClassifier
params, epochs, n_samples = json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
try:
    from skconv.datasets import load_fashion_mnist
    X, y = load_fashion_mnist(return_X_y=True)
except Exception:
    rng = np.random.RandomState(0)
    X, y = rng.uniform(size=(60000, 784)).astype(np.float32), rng.randint(10, size=60000)
X, y = X[:n_samples], y[:n_samples]
clf = ConvNetClassifier(**params)
warnings.simplefilter("ignore")
times = []
for _ in range(epochs):
    start = time.perf_counter()
    clf.partial_fit(X, y, classes=np.arange(10))
    times.append(time.perf_counter() - start)
print(json.dumps({"skconv": skconv.__file__, "times": times}))
"""


def epoch_times(checkout, params, epochs, n_samples):
    out = subprocess.run(
        [sys.executable, "-c", CHILD, checkout, json.dumps(params), str(epochs),
         str(n_samples)],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", help="path of checkout A (the reference)")
    parser.add_argument("b", help="path of checkout B")
    parser.add_argument("--rounds", type=int, default=3, help="A/B alternations")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per subprocess")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS))
    parser.add_argument("--n-samples", type=int, default=60000,
                        help="training images per epoch (the first n)")
    args = parser.parse_args(argv)
    print(time.strftime("%Y-%m-%d %H:%M"), "load average", open("/proc/loadavg").read().split()[:3])
    for name in args.workloads:
        params = dict(COMMON, **WORKLOADS[name])
        seconds = {"a": [], "b": []}
        for _ in range(args.rounds):
            for side in ("a", "b"):
                result = epoch_times(getattr(args, side), params, args.epochs, args.n_samples)
                # The first epoch of a process pays the first-call costs; keep the rest.
                seconds[side] += result["times"][1:] or result["times"]
        a, b = statistics.median(seconds["a"]), statistics.median(seconds["b"])
        print(f"{name}: A {a:.3f} s/epoch, B {b:.3f} s/epoch, B/A = {b / a:.3f} "
              f"(epochs timed: {len(seconds['a'])} each; A runs {seconds['a']}, "
              f"B runs {seconds['b']})")


if __name__ == "__main__":
    main()
