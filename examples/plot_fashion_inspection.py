"""
==========================================================
Looking inside a Fashion-MNIST network: maps and saliency
==========================================================

A fitted :class:`~skconv.ConvNetClassifier` is not a black box:
:mod:`skconv.inspection` returns what its layers compute and which pixels
its predictions depend on, and ``transform`` hands the features its output
layer reads to any scikit-learn estimator. We train the network of Keras'
MNIST example (two blocks of 32 and 64 filters) on part of Fashion-MNIST
and look at

* the feature maps of both convolution blocks for two garments,
  :func:`skconv.inspection.feature_maps`;
* saliency maps, the gradient of the predicted class's logit with respect
  to the pixels, :func:`skconv.inspection.saliency`;
* the 128 hidden features, ``clf.transform(X)``, as the input of an SVC.

Expected runtime: about 2 minutes of CPU time on a 2-core AMD EPYC VM
(2026-12-01; 4 minutes on that machine when busy; a few seconds with ``SKCONV_EXAMPLES_QUICK=1``: 2,000 training
images, a smaller network, 3 epochs). Without the Fashion-MNIST files
(Debian's ``dataset-fashion-mnist`` package), the script says how to install
them and exits without error.
Figures are saved as PNG files in the folder named by
``SKCONV_EXAMPLES_OUTPUT``, by default ``examples/output/``.
"""

# %%
# The examples share three settings: the quick mode, the output folder and
# the non-interactive backend (``MPLBACKEND=Agg``) when there is no display.
import os
import sys
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import SVC

from skconv import ConvNetClassifier
from skconv.datasets import FASHION_MNIST_CLASSES, load_fashion_mnist
from skconv.inspection import feature_maps, saliency

QUICK = os.environ.get("SKCONV_EXAMPLES_QUICK", "0") not in ("", "0")
try:
    HERE = Path(__file__).resolve().parent
except NameError:  # run where __file__ is not defined
    HERE = Path.cwd()
OUTPUT = Path(os.environ.get("SKCONV_EXAMPLES_OUTPUT") or HERE / "output")
OUTPUT.mkdir(parents=True, exist_ok=True)
DATA_HOME = os.environ.get("SKCONV_FASHION_MNIST_HOME") or None

# %%
# The data: float32 pixels in [0, 1], so the network computes in float32.
try:
    X_train, y_train = load_fashion_mnist(DATA_HOME, return_X_y=True)
    X_test, y_test = load_fashion_mnist(DATA_HOME, return_X_y=True, kind="test")
except FileNotFoundError as exc:
    print(f"Fashion-MNIST is not installed, skipping this example.\n{exc}")
    sys.exit(0)
n_train = 2000 if QUICK else 20_000
X_train, y_train = X_train[:n_train], y_train[:n_train]
X_test, y_test = X_test[: 1000 if QUICK else 5000], y_test[: 1000 if QUICK else 5000]

filters, hidden = ((8, 16), (32,)) if QUICK else ((32, 64), (128,))
clf = ConvNetClassifier(filters=filters, hidden_layer_sizes=hidden, batch_size=64,
                        learning_rate_init=1e-3, max_iter=3 if QUICK else 8,
                        random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed budget of epochs
    clf.fit(X_train, y_train)
print(f"{len(X_train):,} training images, {clf.n_iter_} epochs: test accuracy "
      f"{clf.score(X_test, y_test):.3f}")

# %%
# ``feature_maps`` returns, by default, the output of each convolution
# block (convolution, ReLU, 2x2 max pooling) as ``(n_images, filters,
# height, width)`` arrays: 14x14 maps after the first block, 7x7 after the
# second. We show the first 12 maps of each block (8 in quick mode) for an
# ankle boot and a trouser, each row with its own colour scale.
garments = [np.flatnonzero(y_test == FASHION_MNIST_CLASSES.index(name))[0]
            for name in ("Ankle boot", "Trouser")]
maps = feature_maps(clf, X_test[garments])
n_maps = min(12, *filters)
fig, axes = plt.subplots(2 * len(maps), n_maps + 1, figsize=(15, 6.2),
                         constrained_layout=True)
for g, i in enumerate(garments):
    for b, (block, values) in enumerate(maps.items()):
        row = axes[2 * g + b]
        row[0].imshow(X_test[i].reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
        row[0].set_ylabel(f"{FASHION_MNIST_CLASSES[y_test[i]]}\n{block}", fontsize=9)
        top = max(values[g, :n_maps].max(), 1e-12)
        for k, ax in enumerate(row[1:]):
            image = ax.imshow(values[g, k], cmap="viridis", vmin=0, vmax=top)
            if g == b == 0:
                ax.set_title(f"map {k}", fontsize=9)
        fig.colorbar(image, ax=row[1:], shrink=0.9, pad=0.01, label="activation")
for ax in axes.ravel():
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("Feature maps of the two convolution blocks (after ReLU and pooling)")
fig.savefig(OUTPUT / "fashion_feature_maps.png", dpi=90)

# %%
# ``saliency`` differentiates the predicted class's logit with respect to
# every pixel of each image (``target=`` would choose another class). Red
# pixels, made darker, raise the logit; blue ones lower it. Times the image
# (bottom row), the gradient is each pixel's first-order contribution to
# the logit, zero on the empty background. One colour scale per image.
examples = [np.flatnonzero(y_test == label)[0] for label in range(10)]
gradients = saliency(clf, X_test[examples])
predicted = clf.predict(X_test[examples])
rows = {"saliency": gradients, "saliency x image": gradients * X_test[examples]}
fig, axes = plt.subplots(3, 10, figsize=(16, 6.2), constrained_layout=True)
for k, i in enumerate(examples):
    axes[0, k].imshow(X_test[i].reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
    axes[0, k].set_title(f"{FASHION_MNIST_CLASSES[y_test[i]]}\n"
                         f"predicted: {FASHION_MNIST_CLASSES[predicted[k]]}", fontsize=8)
    for row, values in zip(axes[1:], rows.values()):
        limit = max(np.abs(values[k]).max(), 1e-12)
        image = row[k].imshow(values[k].reshape(28, 28), cmap="RdBu_r",
                              vmin=-limit, vmax=limit)
        fig.colorbar(image, ax=row[k], orientation="horizontal", shrink=0.9,
                     format="%.1g")
for ax in axes.ravel():
    ax.set_xticks([])
    ax.set_yticks([])
for row, name in zip(axes[1:], rows):
    row[0].set_ylabel(name)
fig.suptitle("Saliency maps: d (predicted class's logit) / d pixel")
fig.savefig(OUTPUT / "fashion_saliency.png", dpi=90)

# %%
# ``transform`` returns the activations of the last hidden layer, the
# features the output layer reads. Any estimator can learn from them: an
# SVC on the network's hidden features (inside a ``Pipeline``, the CNN
# would be fitted first, then the SVC on its ``transform``).
svc = SVC().fit(clf.transform(X_train), y_train)
print(f"hidden features: {clf.transform(X_test[:1]).shape[1]}; SVC on them: test "
      f"accuracy {svc.score(clf.transform(X_test), y_test):.3f}")
print(f"Figures saved in {OUTPUT}")

# %%
# In the full run (20,000 training images, 8 epochs) the network reaches a
# test accuracy of 0.894, and an SVC on its 128 hidden features 0.902: the
# features carry what the network has learned, and another estimator can
# build on them. The first block's maps are edge and area detectors: some
# light up on the garment's body, others on its outline, on the boot's sole
# or on the edges of the trouser legs. The second block's 7x7 maps are
# sparser and more specific, each responding to a part: the sole and heel of
# the boot, one leg of the trousers. The plain saliency maps are noisy, as
# plain gradients are; times the image, they mark the places that tell
# similar garments apart, such as the sleeves of the T-shirt, the collar of
# the coat, the handle of the bag and the top of the sneaker.
