"""What augmentation adds to a training epoch of the Fashion-MNIST recipe.

Run from the repository root::

    python benchmarks/bench_augmentation_cost.py [--n-samples 6000] [--repeats 3]

Trains one epoch (``partial_fit``) of the example's recipe with and without
each augmentation, alternating, and reports the median CPU seconds per epoch
of each and their ratio to the unaugmented epoch. CPU time of the process
(one BLAS thread) is what is compared: it is much less disturbed than wall
time when other processes share the machine.
"""

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from skconv import Augmentation, ConvNetClassifier
from skconv.datasets import load_fashion_mnist

try:
    from benchmarks._machine import machine_info, print_machine
    from benchmarks.bench_fashion_recipe import RECIPE
except ImportError:  # run as a script from benchmarks/
    from _machine import machine_info, print_machine
    from bench_fashion_recipe import RECIPE

#: The Fashion recipe's network and optimizer, one epoch at a time.
NETWORK = {key: value for key, value in RECIPE.items()
           if key not in ("learning_rate", "max_iter")}

AUGMENTATIONS = {
    "none": None,
    "recipe (shift 2, flip, erasing 0.5)": Augmentation(
        shift=2, horizontal_flip=True, erasing=0.5),
    "rotation 10 + zoom 0.1": Augmentation(rotation=10, zoom=0.1),
    "noise 0.1": Augmentation(noise=0.1),
}


def epoch_seconds(augmentation, X, y):
    clf = ConvNetClassifier(**NETWORK, augmentation=augmentation, random_state=0)
    start = time.process_time()
    clf.partial_fit(X, y, classes=np.arange(10))
    return time.process_time() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=6000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print_machine(machine_info(), "skconv augmentation cost benchmark")
    X, y = load_fashion_mnist(return_X_y=True)
    X, y = X[:args.n_samples], y[:args.n_samples]
    times = {name: [] for name in AUGMENTATIONS}
    with threadpool_limits(1):
        for _ in range(args.repeats):
            for name, augmentation in AUGMENTATIONS.items():
                times[name].append(epoch_seconds(augmentation, X, y))
    base = statistics.median(times["none"])
    print(f"one epoch of {len(X):,} images, median of {args.repeats} (CPU s):")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:38s} {median:7.2f} s   x{median / base:.3f}")


if __name__ == "__main__":
    main()
