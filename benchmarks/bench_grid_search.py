"""The design card's search: GridSearchCV with skconv against skorch 1.4 on the same network.

Issue 13's target 5: ``GridSearchCV`` over ``kernel_size`` [3, 5] x
``filters`` [(8,), (8, 16)] on the digits (``X / 16``, 8x8 images), cv=3,
10 epochs, ``n_jobs=1``, at least 3x faster than skorch's same search, with
an equal or better best score.

Both sides train the same network from the same grid:
``[Conv k x k 'same' -> ReLU -> MaxPool 2] per entry of filters -> Flatten
-> Dense 64 -> ReLU -> Dense 10``, Adam (learning rate 2e-3, skconv's
default), batch 32, shuffled, no L2 penalty, 10 epochs, no validation split
(skorch's ``train_split=None``), cross-entropy on the logits. The search
refits the best candidate on all the data, as ``GridSearchCV`` does by
default; that refit is timed too. The weights start from each library's own
initialisation (not the same draws), so the scores differ by chance.

Usage, from the repository root::

    pip install skorch==1.4.0      # torch is needed too
    python benchmarks/bench_grid_search.py
    python benchmarks/bench_grid_search.py --repeats 3 --profile

Prints the machine, wall and CPU seconds of each search, their ratio and
the best scores; ``--profile`` adds where skconv's search spends its time
(cProfile, cumulative).
"""

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
import warnings
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the checkout it lives in
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import threadpoolctl
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from benchmarks import _machine
from skconv import ConvNetClassifier

GRID = {"kernel_size": [3, 5], "filters": [(8,), (8, 16)]}
EPOCHS = 10
CV = 3
HIDDEN = 64
#: The training settings both libraries get.
TRAINING = {"learning_rate_init": 2e-3, "batch_size": 32}

try:
    import skorch
    import torch
    from torch import nn
except ImportError:  # reported by main
    skorch = torch = nn = None


def skconv_search():
    estimator = ConvNetClassifier(
        hidden_layer_sizes=(HIDDEN,), padding="same", pool_size=2, solver="adam",
        alpha=0.0, max_iter=EPOCHS, shuffle=True, random_state=0, **TRAINING,
    )
    return GridSearchCV(estimator, GRID, cv=CV, n_jobs=1)


if nn is not None:

    class ConvNet(nn.Module):
        """skconv's network in torch; ``filters`` and ``kernel_size`` as in skconv."""

        def __init__(self, filters=(8,), kernel_size=3, image_size=8, n_classes=10):
            super().__init__()
            layers, channels, size = [], 1, image_size
            for n_filters in filters:
                layers += [
                    nn.Conv2d(channels, n_filters, kernel_size, padding="same"),
                    nn.ReLU(),
                    nn.MaxPool2d(2),
                ]
                channels, size = n_filters, size // 2
            self.features = nn.Sequential(*layers, nn.Flatten())
            self.head = nn.Sequential(
                nn.Linear(channels * size * size, HIDDEN), nn.ReLU(),
                nn.Linear(HIDDEN, n_classes),
            )

        def forward(self, X):
            return self.head(self.features(X.reshape(-1, 1, 8, 8)))


def skorch_search():
    net = skorch.NeuralNetClassifier(
        ConvNet, criterion=nn.CrossEntropyLoss, optimizer=torch.optim.Adam,
        lr=TRAINING["learning_rate_init"], batch_size=TRAINING["batch_size"],
        max_epochs=EPOCHS, train_split=None, iterator_train__shuffle=True,
        verbose=0, device="cpu",
    )
    grid = {f"module__{key}": values for key, values in GRID.items()}
    return GridSearchCV(net, grid, cv=CV, n_jobs=1)


def timed(make_search, X, y):
    """Wall and CPU seconds of one search, and the fitted search."""
    search = make_search()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start, cpu = time.perf_counter(), time.process_time()
        search.fit(X, y)
    return time.perf_counter() - start, time.process_time() - cpu, search


def profile_skconv(X, y, lines):
    profiler = cProfile.Profile()
    search = skconv_search()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        profiler.runcall(search.fit, X, y)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    print("\nwhere skconv's search spends its time (cProfile, cumulative)")
    print(out.getvalue())


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=1,
                        help="searches per library, interleaved (median reported)")
    parser.add_argument("--skip-skorch", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-lines", type=int, default=30)
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS and torch to this many threads (default: "
                        "each library's own choice)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.threads is None:
        run(args)
        return
    if torch is not None:
        torch.set_num_threads(args.threads)
    with threadpoolctl.threadpool_limits(limits=args.threads):
        run(args)


def run(args):
    info = _machine.machine_info(torch.__version__ if torch is not None else None)
    _machine.print_machine(info, "skconv GridSearchCV benchmark (issue 13, target 5)")
    threads = args.threads or "library-default"
    _machine.warn_if_busy(_machine.other_cpu_load(0.5), "before the run", threads)
    if skorch is not None:
        print(f"skorch            {skorch.__version__}")
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    print(f"search            GridSearchCV({GRID}, cv={CV}, n_jobs=1), {EPOCHS} epochs, "
          f"{len(X)} digits, float32; refit included")
    sides = {"skconv": skconv_search}
    if skorch is not None and not args.skip_skorch:
        sides["skorch"] = skorch_search
    elif not args.skip_skorch:
        print("skorch or torch is not installed: skconv only")
    results = {name: [] for name in sides}
    for _ in range(args.repeats):
        for name, make in sides.items():
            wall, cpu, search = timed(make, X, y)
            results[name].append((wall, cpu, search.best_score_, search.best_params_))
            print(f"  {name:6s} {wall:6.2f} s wall, {cpu:6.2f} s CPU, best "
                  f"{search.best_score_:.4f} with {search.best_params_}", flush=True)
    print()
    walls = {name: statistics.median(r[0] for r in runs) for name, runs in results.items()}
    cpus = {name: statistics.median(r[1] for r in runs) for name, runs in results.items()}
    for name in sides:
        best = max(r[2] for r in results[name])
        print(f"{name:6s} median {walls[name]:.2f} s wall ({cpus[name]:.2f} s CPU), "
              f"best score {best:.4f}")
    if "skorch" in walls:
        print(f"skorch / skconv: {walls['skorch'] / walls['skconv']:.2f}x wall, "
              f"{cpus['skorch'] / cpus['skconv']:.2f}x CPU (target: >= 3x wall)")
    _machine.warn_if_busy(_machine.other_cpu_load(0.5), "after the run", threads)
    if args.profile:
        profile_skconv(X, y, args.profile_lines)


if __name__ == "__main__":
    main()
