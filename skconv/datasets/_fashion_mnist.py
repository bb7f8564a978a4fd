"""Fashion-MNIST from local IDX files: nothing here downloads anything.

:func:`load_fashion_mnist` reads the four standard files from a folder, by
default the one that Debian's ``dataset-fashion-mnist`` package installs.
"""

import os
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ._idx import load_idx

#: Where Debian's ``dataset-fashion-mnist`` package puts the four files.
FASHION_MNIST_HOME = "/usr/share/datasets/fashion-mnist"

FASHION_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

_FASHION_MNIST_DESCR = """\
.. _fashion_mnist_dataset:

Fashion-MNIST
-------------

Zalando's article images: 70,000 grayscale pictures of 28x28 pixels, 60,000
for training and 10,000 for testing, each labelled with one of 10 classes.
It is a drop-in replacement for MNIST (same image size, split and file
format) that is harder to classify.

**Data Set Characteristics:**

:Number of Instances: 60,000 (train), 10,000 (test)
:Number of Attributes: 784 (28 x 28 pixels)
:Attribute Information: pixel intensities, stored as 0..255 and returned
    as float32 divided by 255 (so in [0, 1]); 0 is background
:Classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal,
    6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot
:Creator: Han Xiao, Kashif Rasul and Roland Vollgraf (Zalando Research)
:License: MIT

The classes are balanced: 6,000 training and 1,000 test images each.

.. topic:: References

  - Han Xiao, Kashif Rasul, Roland Vollgraf. Fashion-MNIST: a Novel Image
    Dataset for Benchmarking Machine Learning Algorithms. arXiv:1708.07747,
    2017.
"""


def _find_file(folder, name):
    """``folder / name.gz`` or ``folder / name``, whichever exists (.gz first)."""
    for candidate in (folder / (name + ".gz"), folder / name):
        if candidate.is_file():
            return candidate
    if folder.is_dir():
        where = f"in {os.fspath(folder)!r}"
    elif folder.exists():
        where = f"because {os.fspath(folder)!r} is not a folder"
    else:
        where = f"because the folder {os.fspath(folder)!r} does not exist"
    every = ", ".join(f"{n}.gz" for pair in FASHION_MNIST_FILES.values() for n in pair)
    raise FileNotFoundError(
        f"Fashion-MNIST file {name + '.gz'!r} (or {name!r}) not found {where}. "
        "skconv never downloads data. Install Debian's package with "
        "'apt-get install dataset-fashion-mnist' (it puts the files in "
        f"{FASHION_MNIST_HOME}/), or pass data_home= a folder holding the four "
        f"IDX files ({every}; uncompressed copies without .gz work too)."
    )


def _load_split(folder, split):
    images_name, labels_name = FASHION_MNIST_FILES[split]
    images_path = _find_file(folder, images_name)
    labels_path = _find_file(folder, labels_name)
    images = load_idx(images_path)
    labels = load_idx(labels_path)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(
            f"{os.fspath(images_path)!r} holds an array of shape {images.shape} "
            f"and dtype {images.dtype}; Fashion-MNIST images are uint8 of shape "
            "(n_images, 28, 28)."
        )
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise ValueError(
            f"{os.fspath(labels_path)!r} holds labels of shape {labels.shape}, "
            f"but {os.fspath(images_path)!r} holds {images.shape[0]} images."
        )
    if labels.dtype.kind not in "iu" or (
        labels.size and (labels.min() < 0 or labels.max() >= len(FASHION_MNIST_CLASSES))
    ):
        raise ValueError(
            f"{os.fspath(labels_path)!r} holds labels outside 0..9 (dtype "
            f"{labels.dtype})."
        )
    return images, labels.astype(np.int64), [images_path, labels_path]


def load_fashion_mnist(data_home=None, *, return_X_y=False, kind="train"):
    """Load the Fashion-MNIST images from local IDX files.

    Nothing is downloaded. The four standard files
    (``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
    ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``, or the same
    names without ``.gz``) are read from ``data_home``, by default
    ``/usr/share/datasets/fashion-mnist``, where Debian's
    ``dataset-fashion-mnist`` package installs them
    (``apt-get install dataset-fashion-mnist``).

    =================   ==============
    Classes                         10
    Samples per class   6,000 / 1,000
    Samples total       60,000 / 10,000 (train / test)
    Dimensionality                 784
    Features            float32 in [0, 1]
    =================   ==============

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Folder holding the four IDX files; None means
        ``/usr/share/datasets/fashion-mnist``.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    kind : {"train", "test", "all"}, default="train"
        The 60,000 training images, the 10,000 test images, or both
        (training images first). Only the files of the requested part are
        read.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples, 784), dtype float32
            Flattened images, row by row, pixel values divided by 255 so they
            lie in [0, 1] (the files store 0..255). This is what
            :class:`~skconv.ConvNetClassifier` reads (it infers 28x28 images
            from 784 features) and float32 makes it train in float32.
        target : ndarray of shape (n_samples,), dtype int64
            Class of each image, 0..9.
        images : ndarray of shape (n_samples, 28, 28), dtype float32
            The same values as ``data`` (a view of the same memory), as images.
        target_names : ndarray of shape (10,)
            Class names: ``"T-shirt/top"``, ``"Trouser"``, ``"Pullover"``,
            ``"Dress"``, ``"Coat"``, ``"Sandal"``, ``"Shirt"``, ``"Sneaker"``,
            ``"Bag"``, ``"Ankle boot"``.
        filenames : list of str
            The files read.
        DESCR : str
            Description of the data set.

    (data, target) : tuple if ``return_X_y`` is True
        The ``data`` and ``target`` arrays described above.

    Raises
    ------
    FileNotFoundError
        If a needed file is missing; the message says which, where, and how
        to get the files.
    ValueError
        If ``kind`` is not one of the three values, or a file is not a valid
        IDX file of Fashion-MNIST images or labels.

    See Also
    --------
    load_idx : Read one IDX file.

    Examples
    --------
    With Debian's ``dataset-fashion-mnist`` installed:

    >>> from skconv.datasets import load_fashion_mnist
    >>> X, y = load_fashion_mnist(return_X_y=True)  # doctest: +SKIP
    >>> X.shape, X.dtype, y.shape  # doctest: +SKIP
    ((60000, 784), dtype('float32'), (60000,))

    Any folder with the four files works; here a fake one of 5 training and
    3 test images:

    >>> import os, tempfile
    >>> import numpy as np
    >>> from skconv.datasets import write_idx
    >>> home = tempfile.mkdtemp()
    >>> rng = np.random.RandomState(0)
    >>> for prefix, n in [("train", 5), ("t10k", 3)]:
    ...     images = rng.randint(0, 256, size=(n, 28, 28)).astype(np.uint8)
    ...     write_idx(os.path.join(home, f"{prefix}-images-idx3-ubyte.gz"), images)
    ...     labels = np.arange(n, dtype=np.uint8)
    ...     write_idx(os.path.join(home, f"{prefix}-labels-idx1-ubyte.gz"), labels)
    >>> fashion = load_fashion_mnist(home, kind="all")
    >>> fashion.data.shape, fashion.data.dtype, fashion.images.shape
    ((8, 784), dtype('float32'), (8, 28, 28))
    >>> fashion.target
    array([0, 1, 2, 3, 4, 0, 1, 2])
    >>> str(fashion.target_names[fashion.target[0]])
    'T-shirt/top'
    >>> bool(fashion.data.min() >= 0 and fashion.data.max() <= 1)
    True
    """
    if kind not in ("train", "test", "all"):
        raise ValueError(f"kind must be 'train', 'test' or 'all'; got {kind!r}.")
    folder = Path(FASHION_MNIST_HOME if data_home is None else data_home).expanduser()
    splits = ("train", "test") if kind == "all" else (kind,)
    parts = [_load_split(folder, split) for split in splits]
    raw = (
        np.concatenate([images for images, _, _ in parts])
        if len(parts) > 1
        else parts[0][0]
    )
    target = np.concatenate([labels for _, labels, _ in parts])
    filenames = [os.fspath(path) for _, _, paths in parts for path in paths]
    del parts

    # Division (not multiplication by 1/255) maps 255 to exactly 1.0.
    images = np.divide(raw, np.float32(255), dtype=np.float32)
    del raw
    data = images.reshape(images.shape[0], -1)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        images=images,
        target_names=np.array(FASHION_MNIST_CLASSES),
        filenames=filenames,
        DESCR=_FASHION_MNIST_DESCR,
    )
