"""
=====================================================
Data augmentation: learning invariances on the digits
=====================================================

A convolutional network can learn that a digit moved by a pixel, turned a
little or drawn a little larger is still the same digit, if it is shown such
copies. :class:`skconv.Augmentation` makes them on the fly: every training
mini-batch is transformed afresh (shifts, flips, rotation, zoom, erasing,
noise), validation data and predictions never are, and no copy of the data
set is kept in memory. Because it is a hyperparameter object,
:class:`~sklearn.model_selection.GridSearchCV` can search its strength like
any other parameter (``augmentation__shift``, ``augmentation__rotation``).

Expected runtime: about 4 minutes of CPU time with one OpenBLAS thread on idle cores of a 2-core Intel Xeon VM (2026-12-02); the script prints its
own figures at the end (a few seconds with
``SKCONV_EXAMPLES_QUICK=1``, which searches on a subset for fewer epochs).
Figures are saved as PNG files in the folder named by
``SKCONV_EXAMPLES_OUTPUT``, by default ``examples/output/``.
"""

# %%
# The examples share three settings: the quick mode, the output folder and
# the non-interactive backend (``MPLBACKEND=Agg``) when there is no display.
import os
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skconv import Augmentation, ConvNetClassifier

QUICK = os.environ.get("SKCONV_EXAMPLES_QUICK", "0") not in ("", "0")
try:
    HERE = Path(__file__).resolve().parent
except NameError:  # run where __file__ is not defined
    HERE = Path.cwd()
OUTPUT = Path(os.environ.get("SKCONV_EXAMPLES_OUTPUT") or HERE / "output")
OUTPUT.mkdir(parents=True, exist_ok=True)

X, y = load_digits(return_X_y=True)
X = X / 16  # pixel values in [0, 1]

# %%
# What each transformation does
# -----------------------------
# :meth:`~skconv.Augmentation.augment` is what the training loop calls on
# each batch of images, shaped ``(n, channels, height, width)``; here we call
# it ourselves on eight digits, once per transformation, each row with its
# own random draws.
images = X[:8].reshape(-1, 1, 8, 8)
rng = np.random.RandomState(0)
rows = {
    "original": None,
    "shift=1": Augmentation(shift=1),
    "rotation=15": Augmentation(rotation=15),
    "zoom=0.2": Augmentation(zoom=0.2),
    "erasing=1": Augmentation(erasing=1.0, erasing_area=(0.1, 0.2)),
    "noise=0.1": Augmentation(noise=0.1),
    "all of them": Augmentation(shift=1, rotation=15, zoom=0.2, erasing=0.5,
                                noise=0.1),
}
fig, axes = plt.subplots(len(rows), 8, figsize=(8, 7.5), constrained_layout=True)
for ax_row, (name, augmentation) in zip(axes, rows.items()):
    shown = images if augmentation is None else augmentation.augment(images, rng)
    for ax, image in zip(ax_row, shown):
        ax.imshow(image[0], cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([]), ax.set_yticks([])
    ax_row[0].set_ylabel(name, rotation=0, ha="right", va="center")
fig.suptitle("Digits as the network sees them in training, by transformation")
fig.savefig(OUTPUT / "augmentation_samples.png", dpi=100)

# %%
# Searching the strength of the augmentation
# ------------------------------------------
# Five-fold cross-validation on all 1,797 digits with scikit-learn's default
# (unshuffled, stratified) folds, so the second fold -- writers unlike the
# others -- is in every candidate's score. Every candidate trains for the
# same number of epochs (a cosine schedule to zero) of the README's digits
# recipe (batch normalisation, label smoothing), so the differences come from
# the augmentation alone.
network = dict(batch_normalization=True, label_smoothing=0.1,
               learning_rate="cosine", max_iter=40, random_state=0)
grid = {"augmentation__shift": [0, 1], "augmentation__rotation": [0.0, 10.0]}
if QUICK:
    network.update(filters=(8,), max_iter=4)
    X, y = X[:500], y[:500]
    grid = {"augmentation__shift": [0, 1], "augmentation__rotation": [0.0]}
search = GridSearchCV(ConvNetClassifier(**network, augmentation=Augmentation()),
                      grid, cv=5 if not QUICK else 2, n_jobs=1)
start = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed epoch budget
    search.fit(X, y)
seconds = time.perf_counter() - start
results = search.cv_results_
print(f"{len(results['params'])} candidates x {search.n_splits_} folds in "
      f"{seconds:.0f} s")
print("shift  rotation   mean CV accuracy   std over folds")
for params, mean, std in zip(results["params"], results["mean_test_score"],
                             results["std_test_score"]):
    print(f"{params['augmentation__shift']:5d}  {params['augmentation__rotation']:8.1f}"
          f"   {mean:16.4f}   {std:.4f}")
plain = results["mean_test_score"][0]  # shift 0, rotation 0: no augmentation
print(f"Best {search.best_params_}: {search.best_score_:.4f}, "
      f"{search.best_score_ - plain:+.4f} over no augmentation")

# %%
# Each candidate's fold scores, with their mean: the gain has to be judged
# against the spread over the folds, which is as large.
labels = [f"shift={p['augmentation__shift']}\nrotation={p['augmentation__rotation']:g}"
          for p in results["params"]]
folds = np.array([results[f"split{k}_test_score"] for k in range(search.n_splits_)])
fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
for k, fold in enumerate(folds):
    ax.plot(range(len(labels)), fold, "o", color="grey", alpha=0.6,
            label="one fold" if k == 0 else None)
ax.errorbar(range(len(labels)), results["mean_test_score"],
            yerr=results["std_test_score"], fmt="s", color="tab:blue", capsize=6,
            markersize=9, label="mean ± std")
ax.set_xticks(range(len(labels)), labels)
ax.set_ylabel("accuracy")
ax.set_title(f"GridSearchCV over augmentation strength, {search.n_splits_}-fold CV")
ax.grid(axis="y", alpha=0.3)
ax.legend(loc="lower right")
fig.savefig(OUTPUT / "augmentation_grid_search.png", dpi=100)
print(f"Figures saved in {OUTPUT}")
