"""Accuracy and time of training recipes on scikit-learn's digits, 5-fold CV.

Run from the repository root::

    python benchmarks/bench_digits_recipes.py                 # every recipe
    python benchmarks/bench_digits_recipes.py default augmented

Each recipe is scored as the README quotes it: ``cross_val_score(model,
X / 16, y, cv=5)`` (unshuffled stratified folds, so the folds are those
scikit-learn users get), with ``random_state=0``, one job, and the seconds
the five fits and scorings take. scikit-learn's SVC(C=10) and MLPClassifier
are scored the same way for reference. ``--dtype float32`` scores ``(X /
16).astype(np.float32)`` instead (the README's recipe block trains in float32:
skconv trains in the dtype it is given). The recipes between "default" and
"recipe" are the steps tried on the way (benchmarks/results/ has their
figures): each knob of the recipe is there because it moved the score.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

from skconv import Augmentation, ConvNetClassifier

try:
    from benchmarks._machine import machine_info, print_machine
except ImportError:  # run as a script from benchmarks/
    from _machine import machine_info, print_machine

RECIPES = {
    "svc": lambda: SVC(C=10),
    "mlp": lambda: MLPClassifier(max_iter=500, random_state=0),
    "default": lambda: ConvNetClassifier(random_state=0),
    "shift": lambda: ConvNetClassifier(
        augmentation=Augmentation(shift=1), random_state=0),
    "augmented": lambda: ConvNetClassifier(
        augmentation=Augmentation(shift=1, rotation=10, zoom=0.1), random_state=0),
    "augmented_cosine": lambda: ConvNetClassifier(
        augmentation=Augmentation(shift=1, rotation=10, zoom=0.1),
        learning_rate="cosine", max_iter=60, random_state=0),
    "augmented_bn": lambda: ConvNetClassifier(
        augmentation=Augmentation(shift=1, rotation=10, zoom=0.1),
        batch_normalization=True, learning_rate="cosine", max_iter=60,
        random_state=0),
    "bn_dropout": lambda: ConvNetClassifier(
        augmentation=Augmentation(shift=1), batch_normalization=True, dropout=0.3,
        learning_rate="cosine", max_iter=40, random_state=0),
    "augmented_bn_dropout": lambda: ConvNetClassifier(
        augmentation=Augmentation(shift=1, rotation=10, zoom=0.1),
        batch_normalization=True, dropout=0.2, learning_rate="cosine", max_iter=60,
        random_state=0),
    "stronger_bn": lambda: ConvNetClassifier(
        augmentation=Augmentation(shift=1, rotation=15, zoom=0.15),
        batch_normalization=True, learning_rate="cosine", max_iter=60,
        random_state=0),
    "augmented_bn_erasing": lambda: ConvNetClassifier(
        augmentation=Augmentation(shift=1, rotation=10, zoom=0.1, erasing=0.25,
                                  erasing_area=(0.02, 0.1)),
        batch_normalization=True, learning_rate="cosine", max_iter=60,
        random_state=0),
    "recipe": lambda: ConvNetClassifier(
        augmentation=Augmentation(shift=1, rotation=10, zoom=0.1),
        batch_normalization=True, learning_rate="cosine", max_iter=60,
        label_smoothing=0.1, random_state=0),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipes", nargs="*", default=list(RECIPES),
                        help=f"recipes to score (default: all): {', '.join(RECIPES)}")
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                        help="dtype of X / 16 (default: float64, as load_digits gives)")
    args = parser.parse_args(argv)
    print_machine(machine_info(), "skconv digits recipes benchmark")
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.dtype(args.dtype))
    print(f"X: {X.dtype}")
    for name in args.recipes:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            scores = cross_val_score(RECIPES[name](), X, y, cv=5)
        seconds = time.perf_counter() - start
        folds = " ".join(f"{s:.4f}" for s in scores)
        print(f"{name:18s} mean {scores.mean():.4f}  folds {folds}  {seconds:6.1f} s",
              flush=True)


if __name__ == "__main__":
    main()
