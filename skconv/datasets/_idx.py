"""Reading and writing IDX files, the format of MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number (two zero bytes, a type byte and the
number of dimensions), one big-endian ``uint32`` size per dimension, then the
values in big-endian C order. The files are usually gzip-compressed.
"""

import gzip
import math
import os
import zlib

import numpy as np

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
