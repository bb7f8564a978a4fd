"""Train ConvNetClassifier on scikit-learn's 8x8 digits and report accuracy.

Run from the repository root::

    python examples/digits_demo.py

It trains with ``verbose=1``: one line per epoch, with the training loss and
the accuracy on a held-out quarter of the data (``validation score``). It
ends with that held-out accuracy beside scikit-learn's MLPClassifier's.
Nothing is downloaded: the digits ship with scikit-learn.
``SKCONV_EXAMPLES_QUICK=1`` trains on a subset for a few epochs, as the
tests do.
"""

import os
import time
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from skconv import ConvNetClassifier

QUICK = os.environ.get("SKCONV_EXAMPLES_QUICK", "0") not in ("", "0")

X, y = load_digits(return_X_y=True)
X = X / 16  # pixel values 0..16 -> 0..1
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
if QUICK:
    X_train, y_train = X_train[:300], y_train[:300]

clf = ConvNetClassifier(verbose=1, random_state=0, max_iter=3 if QUICK else 100)
print(f"Training {clf} on {len(X_train)} images of 8x8 pixels")
start = time.perf_counter()
# The held-out quarter goes in as X_val, y_val: without early_stopping it is
# only watched (the model is the one trained without it), so each epoch's
# "validation score" is the held-out accuracy after that epoch.
with warnings.catch_warnings():
    warnings.simplefilter("ignore" if QUICK else "default", ConvergenceWarning)
    clf.fit(X_train, y_train, X_val=X_test, y_val=y_test)
seconds = time.perf_counter() - start
print(f"Trained {clf.n_iter_} epochs in {seconds:.1f} s; layers:")
for layer in clf.layers_:
    print(f"    {layer}")
print(f"ConvNetClassifier held-out accuracy: {clf.score(X_test, y_test):.4f}")

mlp = MLPClassifier(max_iter=20 if QUICK else 500, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore" if QUICK else "default", ConvergenceWarning)
    mlp.fit(X_train, y_train)
print(f"MLPClassifier held-out accuracy:     {mlp.score(X_test, y_test):.4f}")
