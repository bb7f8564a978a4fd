"""The workloads, the data they run on, and the skconv estimator each one times."""

import numpy as np

from skconv import ConvNetClassifier
from skconv.datasets import load_fashion_mnist

DEFAULT_THREADS = 2
FULL_EPOCH = 60_000
INFERENCE_BATCH = 1000
SEED = 0
IMAGE_SHAPE = (1, 28, 28)
N_CLASSES = 10

#: Settings every workload shares (Adam, batch 64, no L2 penalty, shuffled).
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

#: The networks timed, by name.
WORKLOADS = {
    "SMALL": {"filters": (8, 16), "hidden_layer_sizes": (64,)},
    "KERAS": {"filters": (32, 64), "hidden_layer_sizes": (128,)},
}


def make_skconv(name):
    """The unfitted ``ConvNetClassifier`` of workload ``name``."""
    return ConvNetClassifier(**WORKLOADS[name], **COMMON, random_state=SEED)


def load_data(data_home, n_train, n_test, allow_random, need_test=True):
    """Fashion-MNIST, or random data of its shape when allowed and absent.

    Parameters
    ----------
    data_home : str or None
        Folder with the four IDX files (None: the Debian package's folder).
    n_train, n_test : int
        Keep the first ``n_train`` training and ``n_test`` test images.
    allow_random : bool
        Fall back to uniform random images and labels (timings only) when
        the files are absent; otherwise exit with the loader's message.
    need_test : bool, default=True
        Load the test set too (the memory subprocess does not).

    Returns
    -------
    X_train, y_train, X_test, y_test : ndarray
        Images as float32 rows of 784 values in [0, 1], labels in 0..9.
    source : str
        What the data is, for the report.
    """
    try:
        X_train, y_train = load_fashion_mnist(data_home, kind="train", return_X_y=True)
        if need_test:
            X_test, y_test = load_fashion_mnist(data_home, kind="test", return_X_y=True)
        else:
            X_test, y_test = X_train[:0], y_train[:0]
        source = "Fashion-MNIST"
    except FileNotFoundError as exc:
        if not allow_random:
            raise SystemExit(f"{exc}\n(--quick falls back to random data.)") from None
        source = "RANDOM DATA (Fashion-MNIST files not found; timings only)"
        rng = np.random.RandomState(SEED)
        X_train = rng.uniform(size=(FULL_EPOCH, 784)).astype(np.float32)
        y_train = rng.randint(0, N_CLASSES, FULL_EPOCH)
        X_test = rng.uniform(size=(10_000, 784)).astype(np.float32)
        y_test = rng.randint(0, N_CLASSES, 10_000)
    if n_train < len(X_train):
        X_train, y_train = X_train[:n_train].copy(), y_train[:n_train].copy()
    if n_test < len(X_test):
        X_test, y_test = X_test[:n_test].copy(), y_test[:n_test].copy()
    return X_train, y_train, X_test, y_test, source
