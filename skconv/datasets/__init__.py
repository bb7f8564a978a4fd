"""Image data sets: synthetic shapes, IDX files and Fashion-MNIST.

Nothing here downloads anything. :func:`make_shapes` generates a small
synthetic image set (lines, crosses, diamonds) in memory.
:func:`load_fashion_mnist` reads the four standard Fashion-MNIST files from a
folder, by default the one that Debian's ``dataset-fashion-mnist`` package
installs. :func:`load_idx` and :func:`write_idx` read and write IDX, the file
format of MNIST and Fashion-MNIST.

The code is split by job: ``_shapes.py`` (:func:`make_shapes`, ``SHAPES``),
``_idx.py`` (the IDX format, ``IDX_TYPES``) and ``_fashion_mnist.py``
(:func:`load_fashion_mnist` and its constants).
"""

from ._fashion_mnist import (
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_FILES,
    FASHION_MNIST_HOME,
    load_fashion_mnist,
)
from ._idx import IDX_TYPES, load_idx, write_idx
from ._shapes import SHAPES, make_shapes

__all__ = [
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_FILES",
    "FASHION_MNIST_HOME",
    "IDX_TYPES",
    "SHAPES",
    "load_fashion_mnist",
    "load_idx",
    "make_shapes",
    "write_idx",
]
