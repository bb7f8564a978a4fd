"""Train ConvNetClassifier on scikit-learn's 8x8 digits and report accuracy.

Run from the repository root::

    python examples/digits_demo.py

It trains with ``verbose=1`` (one line per epoch), then prints the accuracy
on a held-out quarter of the data beside scikit-learn's MLPClassifier.
Nothing is downloaded: the digits ship with scikit-learn.
"""

import time

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from skconv import ConvNetClassifier

X, y = load_digits(return_X_y=True)
X = X / 16  # pixel values 0..16 -> 0..1
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

clf = ConvNetClassifier(verbose=1, random_state=0)
print(f"Training {clf} on {len(X_train)} images of 8x8 pixels")
start = time.perf_counter()
clf.fit(X_train, y_train)
seconds = time.perf_counter() - start
print(f"Trained {clf.n_iter_} epochs in {seconds:.1f} s; layers:")
for layer in clf.layers_:
    print(f"    {layer}")
print(f"ConvNetClassifier held-out accuracy: {clf.score(X_test, y_test):.4f}")

mlp = MLPClassifier(max_iter=500, random_state=0).fit(X_train, y_train)
print(f"MLPClassifier held-out accuracy:     {mlp.score(X_test, y_test):.4f}")
