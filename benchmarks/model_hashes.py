"""Hashes of fitted models over 22 configurations: is a change bit-identical?

Fits each configuration (digits and Fashion-MNIST subsets, float32 and
float64, 'same'/'valid', kernels 3-7, batch normalisation, dropout, SGD,
AdamW, average and global pooling, early stopping, 3 channels, a
regressor) with ``random_state=0`` and prints a short SHA-256 of its
weights, loss curve and 700 predictions, as JSON. Run it before and after
a change, with one BLAS thread for comparability with older checkouts::

    OPENBLAS_NUM_THREADS=1 python benchmarks/model_hashes.py > before.json
    OPENBLAS_NUM_THREADS=1 python benchmarks/model_hashes.py --checkout ../other > after.json
    diff before.json after.json

Takes about a minute on one core.
"""

import argparse
import hashlib
import json
import sys
import warnings
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--checkout", default=str(Path(__file__).resolve().parent.parent),
                    help="the skconv checkout to import (default: this one)")
sys.path.insert(0, str(Path(parser.parse_args().checkout).resolve()))

import numpy as np
from sklearn.datasets import load_digits

from skconv import ConvNetClassifier, ConvNetRegressor
from skconv.datasets import load_fashion_mnist

warnings.simplefilter("ignore")
Xd, yd = load_digits(return_X_y=True)
Xd = Xd / 16
Xf, yf = load_fashion_mnist(kind="train", return_X_y=True)
Xf, yf = Xf[:1500], yf[:1500]
X3 = np.repeat(Xf[:600], 3, axis=1)

#: (name, X, y, ConvNetClassifier parameters)
CONFIGS = [
    ("digits k5 (8,16)", Xd, yd, {"filters": (8, 16), "kernel_size": 5,
                                  "hidden_layer_sizes": (64,), "max_iter": 3}),
    ("digits k3 (8,)", Xd, yd, {"filters": (8,), "kernel_size": 3,
                                "hidden_layer_sizes": (64,), "max_iter": 3}),
    ("digits bn dropout adamw", Xd, yd, {"filters": (8, 16), "batch_normalization": True,
                                         "dropout": 0.2, "solver": "adamw", "max_iter": 2}),
    ("digits sgd avg stride2", Xd, yd, {"filters": (6,), "stride": 2, "pooling": "avg",
                                        "solver": "sgd", "max_iter": 2}),
    ("digits global_pooling tanh", Xd, yd, {"filters": (8, 8), "global_pooling": True,
                                            "activation": "tanh", "max_iter": 2}),
    ("digits early stopping logistic", Xd, yd % 2, {"filters": (4,), "early_stopping": True,
                                                    "activation": "logistic", "max_iter": 4}),
    ("fashion SMALL valid", Xf, yf, {"filters": (8, 16), "kernel_size": 3, "padding": "valid",
                                     "hidden_layer_sizes": (64,), "batch_size": 64,
                                     "max_iter": 1}),
    ("fashion KERAS valid", Xf, yf, {"filters": (32, 64), "kernel_size": 3, "padding": "valid",
                                     "hidden_layer_sizes": (128,), "batch_size": 64,
                                     "max_iter": 1}),
    ("fashion same k5 3 blocks", Xf, yf, {"filters": (16, 32, 64), "kernel_size": 5,
                                          "padding": "same", "hidden_layer_sizes": (64,),
                                          "batch_size": 128, "max_iter": 1}),
    ("fashion 3 channels", X3, yf[:600], {"image_shape": (3, 28, 28), "filters": (8,),
                                          "kernel_size": 7, "padding": "same",
                                          "max_iter": 1}),
]


def digest(*arrays):
    h = hashlib.sha256()
    for array in arrays:
        h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()[:12]


out = {}
for dtype in (np.float32, np.float64):
    for name, X, y, params in CONFIGS:
        clf = ConvNetClassifier(random_state=0, **params).fit(X.astype(dtype), y)
        weights = [layer.params[key] for layer in clf.layers_ for key in sorted(layer.params)]
        out[f"{name} {np.dtype(dtype).name}"] = digest(
            *weights, np.asarray(clf.loss_curve_), clf.predict_proba(X[:700].astype(dtype))
        )
    reg = ConvNetRegressor(filters=(4,), max_iter=2, random_state=0)
    reg.fit(Xd.astype(dtype), yd.astype(dtype))
    out[f"regressor {np.dtype(dtype).name}"] = digest(reg.predict(Xd.astype(dtype)))
print(json.dumps(out, indent=0))
