"""Readers for IDX files and the Fashion-MNIST data set, from local files only.

IDX is the file format of MNIST and Fashion-MNIST: a 4-byte magic number
(two zero bytes, a type byte and the number of dimensions), one big-endian
``uint32`` size per dimension, then the values in big-endian C order. The
files are usually gzip-compressed.

Nothing here downloads anything: :func:`load_fashion_mnist` reads the four
standard files from a folder, by default the one that Debian's
``dataset-fashion-mnist`` package installs. :func:`make_shapes` generates a
small synthetic image set (lines, crosses, diamonds) in memory.
"""

import gzip
import math
import os
import zlib
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import InvalidParameterError

__all__ = [
    "FASHION_MNIST_HOME",
    "SHAPES",
    "load_fashion_mnist",
    "load_idx",
    "make_shapes",
    "write_idx",
]

#: IDX type byte -> big-endian dtype of the stored values.
IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"

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


def _idx_error(path, problem):
    return ValueError(f"Cannot read IDX file {os.fspath(path)!r}: {problem}.")


def _read_bytes(path):
    """The file's content, decompressed when it starts with the gzip magic."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise _idx_error(
            path, f"the file starts like gzip but its gzip stream is corrupt ({exc})"
        ) from exc


def load_idx(path):
    """Read an IDX file (raw or gzip-compressed) into a NumPy array.

    Parameters
    ----------
    path : str or os.PathLike
        An IDX file such as ``train-images-idx3-ubyte.gz``. Compression is
        detected from the content (the gzip magic bytes ``1f 8b``), not from
        the file name.

    Returns
    -------
    array : ndarray
        Of the shape the header gives and the dtype of its type byte in
        native byte order: uint8 (0x08), int8 (0x09), int16 (0x0B), int32
        (0x0C), float32 (0x0D) or float64 (0x0E). A writable copy.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a valid IDX file: corrupt gzip stream, header
        shorter than it says, magic number not starting with two zero bytes,
        unknown type byte, or data longer or shorter than the dimensions
        imply. The message names the file and the problem.

    See Also
    --------
    write_idx : The inverse operation.
    load_fashion_mnist : Fashion-MNIST, made of four IDX files.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skconv.datasets import load_idx, write_idx
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "images-idx3-ubyte.gz")
    >>> images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    >>> write_idx(path, images)
    >>> loaded = load_idx(path)
    >>> loaded.shape, loaded.dtype
    ((2, 3, 4), dtype('uint8'))
    >>> bool(np.array_equal(loaded, images))
    True

    The header bytes are: two zero bytes, the type byte (8 for uint8) and the
    number of dimensions, then each size as a big-endian uint32:

    >>> with open(os.path.join(folder, "tiny-idx1"), "wb") as f:
    ...     _ = f.write(bytes([0, 0, 8, 1, 0, 0, 0, 3]) + bytes([7, 8, 9]))
    >>> load_idx(os.path.join(folder, "tiny-idx1"))
    array([7, 8, 9], dtype=uint8)
    """
    content = _read_bytes(path)
    if len(content) < 4:
        raise _idx_error(
            path,
            f"truncated header: the file holds {len(content)} bytes, fewer than "
            "the 4-byte magic number",
        )
    zero1, zero2, type_byte, ndim = content[:4]
    if zero1 != 0 or zero2 != 0:
        raise _idx_error(
            path,
            f"bad magic number 0x{content[:4].hex()}: an IDX file starts with "
            "two zero bytes",
        )
    if type_byte not in IDX_TYPES:
        known = ", ".join(f"0x{code:02X}" for code in IDX_TYPES)
        raise _idx_error(
            path, f"unknown data type byte 0x{type_byte:02X} (expected one of {known})"
        )
    header_length = 4 + 4 * ndim
    if len(content) < header_length:
        raise _idx_error(
            path,
            f"truncated header: {ndim} dimensions need {header_length} header "
            f"bytes, the file holds {len(content)}",
        )
    shape = tuple(int(size) for size in np.frombuffer(content, ">u4", ndim, 4))
    dtype = IDX_TYPES[type_byte]
    expected = math.prod(shape) * dtype.itemsize
    found = len(content) - header_length
    if found != expected:
        raise _idx_error(
            path,
            f"expected {expected} bytes of data after the header for shape "
            f"{shape} of {dtype.newbyteorder('=').name}, found {found}",
        )
    data = np.frombuffer(content, dtype, offset=header_length).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def write_idx(path, array, *, compress=None):
    """Write an array as an IDX file (the inverse of :func:`load_idx`).

    Parameters
    ----------
    path : str or os.PathLike
        Destination file, overwritten if it exists.
    array : array-like
        Of dtype uint8, int8, int16, int32, float32 or float64, with at most
        255 dimensions, each shorter than 2**32.
    compress : bool, default=None
        Whether to gzip the file; None compresses when ``path`` ends in
        ``.gz``.

    Raises
    ------
    ValueError
        If the dtype or the shape cannot be stored in IDX.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skconv.datasets import load_idx, write_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "values-idx2-double")
    >>> write_idx(path, np.eye(2))
    >>> load_idx(path)
    array([[1., 0.],
           [0., 1.]])
    """
    array = np.asarray(array)
    codes = {dtype.newbyteorder("="): code for code, dtype in IDX_TYPES.items()}
    native = array.dtype.newbyteorder("=")
    if native not in codes:
        raise ValueError(
            f"IDX files cannot hold dtype {array.dtype}; use uint8, int8, int16, "
            "int32, float32 or float64."
        )
    if array.ndim > 255 or any(size >= 2**32 for size in array.shape):
        raise ValueError(f"IDX files cannot hold an array of shape {array.shape}.")
    header = bytes([0, 0, codes[native], array.ndim])
    header += np.asarray(array.shape, dtype=">u4").tobytes()
    content = (
        header + np.ascontiguousarray(array, dtype=native.newbyteorder(">")).tobytes()
    )
    if compress is None:
        compress = os.fspath(path).endswith(".gz")
    if compress:
        content = gzip.compress(content)
    with open(path, "wb") as f:
        f.write(content)


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


# ---------------------------------------------------------------- make_shapes


def _vertical(size):
    blueprint = np.zeros((size, size))
    blueprint[:, size // 2] = 1
    return blueprint


def _horizontal(size):
    return _vertical(size).T.copy()


def _cross(size):
    return np.maximum(_vertical(size), _horizontal(size))


def _diamond(size):
    rows, cols = np.indices((size, size))
    centre = size // 2
    return (np.abs(rows - centre) + np.abs(cols - centre) == centre).astype(float)


def _x(size):
    eye = np.eye(size)
    return np.maximum(eye, eye[::-1])


def _square(size):
    blueprint = np.ones((size, size))
    blueprint[1:-1, 1:-1] = 0
    return blueprint


#: Blueprint makers of :func:`make_shapes`: name -> function of the (odd)
#: blueprint size returning a binary ``size x size`` array.
SHAPES = {
    "vertical": _vertical,
    "horizontal": _horizontal,
    "cross": _cross,
    "diamond": _diamond,
    "x": _x,
    "square": _square,
}


def _shape_blueprint_size(image_size):
    """Odd side of the blueprints for ``image_size``: about half the image."""
    return 2 * (image_size // 4) + 1


def make_shapes(
    n_samples=100,
    *,
    image_size=8,
    shapes=("vertical", "horizontal", "cross", "diamond"),
    noise=0.1,
    random_state=None,
):
    """Generate small noisy images of lines, crosses and diamonds.

    The synthetic set of many CNN tutorials: each image holds one binary
    blueprint (a one-pixel-wide drawing of a shape) at a random position,
    plus uniform noise. A classifier must recognise the shape wherever it
    is, which is what convolutions with shared weights are good at.

    The blueprints are squares of side ``2 * (image_size // 4) + 1`` pixels
    (odd, so that every shape has a centre pixel; about half the image: 3
    for images of 5 to 7 pixels, 5 for 8 pixels, 15 for 28 pixels), drawn in
    an image of ``image_size x image_size`` zeros at a top-left corner drawn
    uniformly among all the positions where the blueprint fits. The shapes
    are, for a blueprint of side ``s`` and centre ``c = s // 2``:

    ============  ==========================================================
    "vertical"    column ``c``, all rows (a vertical line)
    "horizontal"  row ``c``, all columns (a horizontal line)
    "cross"       row ``c`` and column ``c`` (a "+" sign)
    "diamond"     the pixels at city-block distance ``c`` from the centre
                  (a diamond outline, its corners at the middle of each side)
    "x"           both diagonals (an "x")
    "square"      the border of the blueprint (a square outline)
    ============  ==========================================================

    Then uniform noise from ``[-noise, noise]`` is added to every pixel and
    the values are clipped to ``[0, 1]``: on-pixels fall to at least
    ``1 - noise``, off-pixels rise to at most ``noise``.

    Parameters
    ----------
    n_samples : int, default=100
        Number of images. The classes are balanced: each has
        ``n_samples // len(shapes)`` images, and the first
        ``n_samples % len(shapes)`` classes one more.

    image_size : int, default=8
        Height and width of the images, at least 5.

    shapes : sequence of str, default=("vertical", "horizontal", "cross", \
"diamond")
        The shapes, distinct names among "vertical", "horizontal", "cross",
        "diamond", "x" and "square", at least two; class ``i`` is
        ``shapes[i]``.

    noise : float, default=0.1
        Amplitude of the uniform noise, >= 0; 0 gives exact binary images.

    random_state : int, RandomState instance or None, default=None
        Determines the order of the samples, the positions and the noise.
        Pass an int for reproducible output across multiple function calls.

    Returns
    -------
    X : ndarray of shape (n_samples, image_size ** 2), dtype float64
        The images, flattened row by row, with values in [0, 1]. This is
        what :class:`~skconv.ConvNetClassifier` reads: it infers square
        ``image_size x image_size`` images from the number of features.

    y : ndarray of shape (n_samples,), dtype int64
        The class of each image, an index into ``shapes``.

    Raises
    ------
    ValueError
        If ``n_samples`` < 1, ``image_size`` < 5, ``noise`` < 0 (or not
        finite), or ``shapes`` has fewer than two names, an unknown name or
        a repeated one. The exception is scikit-learn's
        ``InvalidParameterError``, a subclass of both ``ValueError`` and
        ``TypeError``, as in scikit-learn's ``make_*`` functions.

    See Also
    --------
    sklearn.datasets.make_classification : Generate a random n-class
        classification problem.

    Examples
    --------
    >>> import numpy as np
    >>> from skconv.datasets import make_shapes
    >>> X, y = make_shapes(8, noise=0, random_state=0)
    >>> X.shape, X.dtype, y.shape
    ((8, 64), dtype('float64'), (8,))
    >>> np.bincount(y)
    array([2, 2, 2, 2])

    Without noise the images are binary; here a diamond, whose blueprint is
    5 pixels wide in an 8x8 image:

    >>> print(X[np.flatnonzero(y == 3)[0]].reshape(8, 8).astype(int))
    [[0 0 0 0 0 0 0 0]
     [0 0 0 0 0 0 0 0]
     [0 0 0 0 0 0 0 0]
     [0 0 0 0 0 1 0 0]
     [0 0 0 0 1 0 1 0]
     [0 0 0 1 0 0 0 1]
     [0 0 0 0 1 0 1 0]
     [0 0 0 0 0 1 0 0]]
    """
    if (
        isinstance(n_samples, bool)
        or not isinstance(n_samples, Integral)
        or n_samples < 1
    ):
        raise InvalidParameterError(
            f"n_samples must be an integer >= 1; got {n_samples!r}."
        )
    if (
        isinstance(image_size, bool)
        or not isinstance(image_size, Integral)
        or image_size < 5
    ):
        raise InvalidParameterError(
            "image_size must be an integer >= 5 (the blueprints are at least 3 "
            f"pixels wide and must be able to move); got {image_size!r}."
        )
    if (
        isinstance(noise, bool)
        or not isinstance(noise, Real)
        or not np.isfinite(noise)
        or noise < 0
    ):
        raise InvalidParameterError(
            f"noise must be a finite number >= 0; got {noise!r}."
        )
    if isinstance(shapes, str):
        raise InvalidParameterError(
            f"shapes must be a sequence of shape names, not the string {shapes!r}; "
            f"e.g. ({shapes!r}, ...)."
        )
    shapes = tuple(shapes)
    unknown = [name for name in shapes if name not in SHAPES]
    if unknown:
        raise InvalidParameterError(
            f"Unknown shape names {unknown!r} in shapes; choose among "
            f"{', '.join(repr(name) for name in SHAPES)}."
        )
    if len(set(shapes)) != len(shapes):
        raise InvalidParameterError(f"shapes must not repeat a name; got {shapes!r}.")
    if len(shapes) < 2:
        raise InvalidParameterError(
            f"shapes must name at least two shapes (classes); got {shapes!r}."
        )

    rng = check_random_state(random_state)
    n_classes = len(shapes)
    size = _shape_blueprint_size(int(image_size))
    blueprints = np.stack([SHAPES[name](size) for name in shapes])

    # Balanced classes, then shuffled.
    y = np.arange(n_samples, dtype=np.int64) % n_classes
    y = y[rng.permutation(n_samples)]
    # Top-left corners where the blueprint fits.
    top = rng.randint(0, image_size - size + 1, size=n_samples)
    left = rng.randint(0, image_size - size + 1, size=n_samples)

    images = np.zeros((n_samples, image_size, image_size))
    rows = top[:, None, None] + np.arange(size)[None, :, None]
    cols = left[:, None, None] + np.arange(size)[None, None, :]
    images[np.arange(n_samples)[:, None, None], rows, cols] = blueprints[y]
    if noise > 0:
        images += rng.uniform(-noise, noise, size=images.shape)
        np.clip(images, 0.0, 1.0, out=images)
    return images.reshape(n_samples, -1), y
