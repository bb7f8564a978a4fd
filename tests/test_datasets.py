"""IDX reading and Fashion-MNIST loading, on small files the tests write;
the synthetic shapes of make_shapes.

Nothing here needs Debian's dataset-fashion-mnist package or the network.
"""

import gzip
import re
import struct
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import Bunch

from skconv.datasets import (
    FASHION_MNIST_CLASSES,
    load_fashion_mnist,
    load_idx,
    make_shapes,
    write_idx,
)

# IDX type byte -> big-endian dtype, written out here independently of the
# module under test.
TYPES = {
    0x08: ">u1",
    0x09: ">i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}


def idx_bytes(array, type_byte):
    """Build an IDX file by hand: magic, big-endian sizes, big-endian data."""
    array = np.asarray(array)
    header = struct.pack(">BBBB", 0, 0, type_byte, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(TYPES[type_byte]).tobytes()


def write(path, content, compress=False):
    path.write_bytes(gzip.compress(content) if compress else content)
    return path


def sample_array(type_byte, shape, seed=0):
    rng = np.random.RandomState(seed)
    dtype = np.dtype(TYPES[type_byte]).newbyteorder("=")
    if dtype.kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.randint(info.min, int(info.max) + 1, size=shape).astype(dtype)


def test_public_names_are_exported():
    import skconv.datasets

    assert set(skconv.datasets.__all__) == {
        "FASHION_MNIST_CLASSES",
        "FASHION_MNIST_FILES",
        "FASHION_MNIST_HOME",
        "IDX_TYPES",
        "SHAPES",
        "load_fashion_mnist",
        "load_idx",
        "make_shapes",
        "write_idx",
    }
    for name in skconv.datasets.__all__:
        assert getattr(skconv.datasets, name) is not None


# ------------------------------------------------------------------ load_idx


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize("type_byte", sorted(TYPES), ids=lambda t: f"0x{t:02X}")
@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 4, 3), (2, 1, 3, 2)])
def test_round_trip(tmp_path, compress, type_byte, shape):
    expected = sample_array(type_byte, shape)
    # A misleading name: compression is detected from the content.
    path = write(tmp_path / "data.idx", idx_bytes(expected, type_byte), compress)
    loaded = load_idx(path)
    assert loaded.shape == shape
    assert loaded.dtype == expected.dtype
    assert loaded.dtype.isnative
    assert loaded.flags.writeable
    np.testing.assert_array_equal(loaded, expected)


def test_big_endian_values_are_decoded(tmp_path):
    # 0x0102 as big-endian int16 is 258; -2 is 0xFFFE.
    content = bytes([0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFE])
    np.testing.assert_array_equal(load_idx(write(tmp_path / "x", content)), [258, -2])


def test_gzip_detected_by_magic_not_name(tmp_path):
    expected = np.arange(6, dtype=np.uint8).reshape(2, 3)
    raw_named_gz = write(tmp_path / "raw.gz", idx_bytes(expected, 0x08))
    gz_named_raw = write(tmp_path / "compressed", idx_bytes(expected, 0x08), True)
    np.testing.assert_array_equal(load_idx(raw_named_gz), expected)
    np.testing.assert_array_equal(load_idx(gz_named_raw), expected)


def test_empty_and_zero_dimensional(tmp_path):
    empty = load_idx(write(tmp_path / "empty", idx_bytes(np.zeros((0, 28, 28)), 0x08)))
    assert empty.shape == (0, 28, 28) and empty.dtype == np.uint8
    scalar = load_idx(write(tmp_path / "scalar", idx_bytes(np.float64(2.5), 0x0E)))
    assert scalar.shape == () and scalar == 2.5


def test_accepts_str_path(tmp_path):
    path = write(tmp_path / "x", idx_bytes(np.arange(3), 0x0C))
    np.testing.assert_array_equal(load_idx(str(path)), [0, 1, 2])


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_idx(tmp_path / "nope")


GOOD = idx_bytes(np.arange(24, dtype=np.uint8).reshape(2, 3, 4), 0x08)
DATA_LENGTH = (
    "expected 24 bytes of data after the header for shape (2, 3, 4) of uint8, found {}"
)


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x01" + GOOD[1:], "bad magic number 0x01000803"),
        (GOOD[:1] + b"\x07" + GOOD[2:], "bad magic number"),
        (GOOD[:2] + b"\x0a" + GOOD[3:], "unknown data type byte 0x0A"),
        (GOOD[:2] + b"\x00" + GOOD[3:], "unknown data type byte 0x00"),
        (
            GOOD[:-1],
            DATA_LENGTH.format(23),
        ),
        (
            GOOD[:16],
            DATA_LENGTH.format(0),
        ),
        (
            GOOD + b"\x00",
            DATA_LENGTH.format(25),
        ),
        (
            GOOD[:10],
            "truncated header: 3 dimensions need 16 header bytes, the file holds 10",
        ),
        (GOOD[:3], "truncated header: the file holds 3 bytes"),
        (b"", "truncated header: the file holds 0 bytes"),
        # Sizes whose product is larger than the data.
        (
            GOOD[:4] + struct.pack(">3I", 2**31, 2**31, 2) + GOOD[16:],
            f"expected {2**63} bytes of data",
        ),
    ],
    ids=[
        "magic-byte-0",
        "magic-byte-1",
        "type-0x0A",
        "type-0x00",
        "one-byte-short",
        "no-data",
        "one-byte-long",
        "header-cut-in-sizes",
        "header-cut-in-magic",
        "empty-file",
        "huge-sizes",
    ],
)
def test_corrupt_files_raise_value_error_naming_file(
    tmp_path, compress, content, message
):
    path = write(tmp_path / "broken-idx3-ubyte", content, compress)
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        load_idx(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "damage",
    [
        lambda gz: gz[: len(gz) // 2],  # truncated stream
        lambda gz: gz[:-4] + b"\x00\x00\x00\x00",  # wrong length in the trailer
        lambda gz: gz[:-8] + bytes(b ^ 0xFF for b in gz[-8:-4]) + gz[-4:],  # bad CRC
        lambda gz: gz[:3] + b"\xff" + gz[4:],  # reserved flag bits set
        lambda gz: gz[:10] + b"\xff" * 6 + gz[16:],  # garbage deflate data
    ],
    ids=["truncated", "bad-length", "bad-crc", "bad-flags", "bad-deflate"],
)
def test_corrupt_gzip_raises_value_error_naming_file(tmp_path, damage):
    path = tmp_path / "images.gz"
    path.write_bytes(damage(gzip.compress(GOOD)))
    with pytest.raises(ValueError, match="gzip stream is corrupt") as info:
        load_idx(path)
    assert str(path) in str(info.value)


# ----------------------------------------------------------------- write_idx


@pytest.mark.parametrize("name", ["x-idx", "x-idx.gz"])
@pytest.mark.parametrize("type_byte", sorted(TYPES))
def test_write_idx_matches_hand_built_file(tmp_path, name, type_byte):
    array = sample_array(type_byte, (3, 2))
    path = tmp_path / name
    write_idx(path, array)
    content = path.read_bytes()
    if name.endswith(".gz"):
        assert content[:2] == b"\x1f\x8b"
        content = gzip.decompress(content)
    assert content == idx_bytes(array, type_byte)


def test_write_idx_compress_overrides_name(tmp_path):
    write_idx(tmp_path / "a.gz", np.arange(3, dtype=np.uint8), compress=False)
    write_idx(tmp_path / "b", np.arange(3, dtype=np.uint8), compress=True)
    assert (tmp_path / "a.gz").read_bytes()[:2] == b"\x00\x00"
    assert (tmp_path / "b").read_bytes()[:2] == b"\x1f\x8b"


def test_write_idx_big_endian_input(tmp_path):
    array = np.arange(4, dtype=">i4")
    write_idx(tmp_path / "x", array)
    loaded = load_idx(tmp_path / "x")
    assert loaded.dtype == np.dtype("=i4")
    np.testing.assert_array_equal(loaded, [0, 1, 2, 3])


@pytest.mark.parametrize("dtype", [np.int64, np.uint16, np.complex64, bool])
def test_write_idx_rejects_unsupported_dtype(tmp_path, dtype):
    with pytest.raises(ValueError, match="cannot hold dtype"):
        write_idx(tmp_path / "x", np.zeros(2, dtype=dtype))


# -------------------------------------------------------- load_fashion_mnist

N_TRAIN, N_TEST = 5, 3


def make_fashion_home(folder, compress=True, n_train=N_TRAIN, n_test=N_TEST, seed=0):
    """A fake Fashion-MNIST folder; returns the raw uint8 images and labels."""
    rng = np.random.RandomState(seed)
    suffix = ".gz" if compress else ""
    made = {}
    for prefix, n in [("train", n_train), ("t10k", n_test)]:
        images = rng.randint(0, 256, size=(n, 28, 28)).astype(np.uint8)
        images[0, 0, 0], images[0, 0, 1] = 0, 255  # both ends of the range
        labels = rng.randint(0, 10, size=n).astype(np.uint8)
        write(
            folder / f"{prefix}-images-idx3-ubyte{suffix}",
            idx_bytes(images, 0x08),
            compress,
        )
        write(
            folder / f"{prefix}-labels-idx1-ubyte{suffix}",
            idx_bytes(labels, 0x08),
            compress,
        )
        made[prefix] = images, labels
    return made


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "raw"])
def test_fashion_bunch_fields(tmp_path, compress):
    made = make_fashion_home(tmp_path, compress)
    bunch = load_fashion_mnist(data_home=tmp_path)
    raw_images, raw_labels = made["train"]
    assert isinstance(bunch, Bunch)
    assert set(bunch) >= {"data", "target", "images", "target_names", "DESCR"}
    assert bunch.data.shape == (N_TRAIN, 784) and bunch.data.dtype == np.float32
    assert bunch.images.shape == (N_TRAIN, 28, 28) and bunch.images.dtype == np.float32
    assert bunch.target.shape == (N_TRAIN,) and bunch.target.dtype == np.int64
    # Scaled by 1/255 into [0, 1], 0 -> 0.0 and 255 -> exactly 1.0.
    np.testing.assert_allclose(bunch.images, raw_images / 255, rtol=1e-6)
    assert bunch.data.min() == 0.0 and bunch.data.max() == 1.0
    assert bunch.images[0, 0, 1] == 1.0
    # data rows are the images flattened row by row.
    np.testing.assert_array_equal(bunch.data, bunch.images.reshape(N_TRAIN, -1))
    np.testing.assert_array_equal(bunch.target, raw_labels)
    assert list(bunch.target_names) == [
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
    ]
    assert tuple(bunch.target_names) == FASHION_MNIST_CLASSES
    assert "Fashion-MNIST" in bunch.DESCR
    assert [p.rsplit("/", 1)[-1] for p in bunch.filenames] == [
        "train-images-idx3-ubyte" + (".gz" if compress else ""),
        "train-labels-idx1-ubyte" + (".gz" if compress else ""),
    ]


def test_fashion_kinds(tmp_path):
    made = make_fashion_home(tmp_path)
    train = load_fashion_mnist(tmp_path, kind="train")
    test = load_fashion_mnist(tmp_path, kind="test")
    both = load_fashion_mnist(tmp_path, kind="all")
    assert train.data.shape == (N_TRAIN, 784)
    assert test.data.shape == (N_TEST, 784)
    assert both.data.shape == (N_TRAIN + N_TEST, 784)
    assert both.images.shape == (N_TRAIN + N_TEST, 28, 28)
    np.testing.assert_array_equal(test.target, made["t10k"][1])
    np.testing.assert_array_equal(both.data, np.vstack([train.data, test.data]))
    np.testing.assert_array_equal(
        both.target, np.concatenate([train.target, test.target])
    )
    assert len(both.filenames) == 4


def test_fashion_default_kind_is_train(tmp_path):
    make_fashion_home(tmp_path)
    assert load_fashion_mnist(tmp_path).data.shape[0] == N_TRAIN


def test_fashion_return_X_y(tmp_path):
    make_fashion_home(tmp_path)
    bunch = load_fashion_mnist(tmp_path, kind="test")
    X, y = load_fashion_mnist(tmp_path, kind="test", return_X_y=True)
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)
    assert X.dtype == np.float32 and y.dtype == np.int64


def test_fashion_accepts_str_data_home(tmp_path):
    make_fashion_home(tmp_path)
    assert load_fashion_mnist(str(tmp_path), kind="test").data.shape == (N_TEST, 784)


def test_fashion_gz_preferred_over_raw(tmp_path):
    make_fashion_home(tmp_path, compress=True, seed=0)
    gz = load_fashion_mnist(tmp_path)
    make_fashion_home(tmp_path, compress=False, n_train=2, seed=1)
    assert load_fashion_mnist(tmp_path).data.shape == gz.data.shape


def test_fashion_test_kind_needs_only_test_files(tmp_path):
    make_fashion_home(tmp_path)
    (tmp_path / "train-images-idx3-ubyte.gz").unlink()
    assert load_fashion_mnist(tmp_path, kind="test").data.shape == (N_TEST, 784)
    with pytest.raises(FileNotFoundError):
        load_fashion_mnist(tmp_path, kind="all")


def test_fashion_invalid_kind(tmp_path):
    with pytest.raises(ValueError, match="kind must be 'train', 'test' or 'all'"):
        load_fashion_mnist(tmp_path, kind="validation")


@pytest.mark.parametrize(
    "missing",
    [
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ],
)
def test_fashion_missing_file_message(tmp_path, missing):
    make_fashion_home(tmp_path)
    (tmp_path / (missing + ".gz")).unlink()
    with pytest.raises(FileNotFoundError) as info:
        load_fashion_mnist(tmp_path, kind="all")
    message = str(info.value)
    assert repr(missing + ".gz") in message
    assert str(tmp_path) in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "data_home" in message


def test_fashion_missing_folder_message(tmp_path):
    folder = tmp_path / "not-there"
    with pytest.raises(FileNotFoundError, match="does not exist") as info:
        load_fashion_mnist(folder)
    assert str(folder) in str(info.value)
    assert "apt-get install dataset-fashion-mnist" in str(info.value)


def test_fashion_wrong_image_shape(tmp_path):
    make_fashion_home(tmp_path)
    write(
        tmp_path / "train-images-idx3-ubyte.gz",
        idx_bytes(np.zeros((N_TRAIN, 27, 28)), 0x08),
        compress=True,
    )
    with pytest.raises(ValueError, match=r"shape \(5, 27, 28\)"):
        load_fashion_mnist(tmp_path)


def test_fashion_label_count_mismatch(tmp_path):
    make_fashion_home(tmp_path)
    write(
        tmp_path / "train-labels-idx1-ubyte.gz",
        idx_bytes(np.zeros(N_TRAIN + 1), 0x08),
        compress=True,
    )
    with pytest.raises(ValueError, match="holds 5 images"):
        load_fashion_mnist(tmp_path)


def test_fashion_label_out_of_range(tmp_path):
    make_fashion_home(tmp_path)
    write(
        tmp_path / "t10k-labels-idx1-ubyte.gz",
        idx_bytes(np.full(N_TEST, 10), 0x08),
        compress=True,
    )
    with pytest.raises(ValueError, match="outside 0..9"):
        load_fashion_mnist(tmp_path, kind="test")


def test_fashion_corrupt_file_names_it(tmp_path):
    make_fashion_home(tmp_path)
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ValueError, match="gzip stream is corrupt") as info:
        load_fashion_mnist(tmp_path, kind="test")
    assert str(path) in str(info.value)


def test_fashion_trains_a_classifier(tmp_path):
    # The loader's output goes straight into ConvNetClassifier (28x28 inferred).
    from sklearn.exceptions import ConvergenceWarning

    from skconv import ConvNetClassifier

    make_fashion_home(tmp_path, n_train=20)
    X, y = load_fashion_mnist(tmp_path, return_X_y=True)
    y[:2] = [0, 1]  # at least two classes
    clf = ConvNetClassifier(
        filters=(2,), hidden_layer_sizes=(4,), max_iter=1, random_state=0
    )
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert clf.image_shape_ == (1, 28, 28)
    assert clf.layers_[-1].params["W"].dtype == np.float32


# --------------------------------------------------------------- make_shapes

DEFAULT_SHAPES = ("vertical", "horizontal", "cross", "diamond")


def on_pixels(image):
    """Row and column indices of the non-zero pixels of a 2-D image."""
    return np.nonzero(image)


@pytest.mark.parametrize("image_size", [5, 8, 11, 28])
def test_make_shapes_shapes_and_dtypes(image_size):
    X, y = make_shapes(37, image_size=image_size, random_state=0)
    assert X.shape == (37, image_size**2) and X.dtype == np.float64
    assert y.shape == (37,) and y.dtype == np.int64
    assert set(np.unique(y)) == {0, 1, 2, 3}
    assert X.min() >= 0 and X.max() <= 1


def test_make_shapes_defaults():
    X, y = make_shapes(random_state=0)
    assert X.shape == (100, 64)
    np.testing.assert_array_equal(np.bincount(y), [25, 25, 25, 25])


@pytest.mark.parametrize("n_samples", [1, 2, 4, 7, 101])
@pytest.mark.parametrize("shapes", [("cross", "x"), DEFAULT_SHAPES])
def test_make_shapes_balanced(n_samples, shapes):
    _, y = make_shapes(n_samples, shapes=shapes, random_state=0)
    counts = np.bincount(y, minlength=len(shapes))
    assert counts.sum() == n_samples
    assert counts.max() - counts.min() <= 1


def test_make_shapes_shuffled():
    _, y = make_shapes(200, random_state=0)
    # Not in blocks nor in a repeating 0, 1, 2, 3 pattern.
    assert not np.array_equal(y, np.sort(y))
    assert not np.array_equal(y, np.arange(200) % 4)


def test_make_shapes_deterministic():
    X1, y1 = make_shapes(50, random_state=42)
    X2, y2 = make_shapes(50, random_state=42)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = make_shapes(50, random_state=43)
    assert not np.array_equal(X1, X3)
    # A RandomState instance is used (and advanced) as given.
    rng = np.random.RandomState(42)
    X4, _ = make_shapes(50, random_state=rng)
    np.testing.assert_array_equal(X4, X1)
    X5, _ = make_shapes(50, random_state=rng)
    assert not np.array_equal(X5, X1)


def test_make_shapes_positions_vary():
    X, y = make_shapes(200, noise=0, random_state=0)
    images = X.reshape(-1, 8, 8)
    vertical = images[y == 0]
    columns = {int(np.unique(on_pixels(image)[1])[0]) for image in vertical}
    rows = {int(on_pixels(image)[0].min()) for image in vertical}
    # The 5-pixel blueprint has 4 x 4 possible positions in an 8x8 image.
    assert columns == {2, 3, 4, 5}
    assert rows == {0, 1, 2, 3}


@pytest.mark.parametrize("image_size", [5, 6, 8, 9, 16])
def test_make_shapes_noise_free_images_are_the_named_shapes(image_size):
    shapes = ("vertical", "horizontal", "cross", "diamond", "x", "square")
    X, y = make_shapes(
        60, image_size=image_size, shapes=shapes, noise=0, random_state=0
    )
    size = 2 * (image_size // 4) + 1  # the documented blueprint side
    half = size // 2
    assert set(np.unique(X)) == {0.0, 1.0}
    for image, label in zip(X.reshape(-1, image_size, image_size), y):
        rows, cols = on_pixels(image)
        name = shapes[label]
        # Every shape spans the full blueprint, in both directions except lines.
        if name == "vertical":
            assert len(set(cols)) == 1  # one column
            assert sorted(rows) == list(range(rows.min(), rows.min() + size))
        elif name == "horizontal":
            assert len(set(rows)) == 1  # one row
            assert sorted(cols) == list(range(cols.min(), cols.min() + size))
        else:
            assert rows.max() - rows.min() == size - 1
            assert cols.max() - cols.min() == size - 1
            r, c = rows - rows.min() - half, cols - cols.min() - half  # centred
            if name == "cross":
                assert np.all((r == 0) | (c == 0))
                assert len(r) == 2 * size - 1
            elif name == "diamond":
                assert np.all(np.abs(r) + np.abs(c) == half)
                assert len(r) == 4 * half
            elif name == "x":
                assert np.all(np.abs(r) == np.abs(c))
                assert len(r) == 2 * size - 1
            else:  # square
                assert np.all((np.abs(r) == half) | (np.abs(c) == half))
                assert len(r) == 4 * (size - 1)


def test_make_shapes_noise_amplitude():
    clean, y_clean = make_shapes(40, noise=0, random_state=0)
    noisy, y_noisy = make_shapes(40, noise=0.3, random_state=0)
    # Same labels and positions: the noise is drawn last.
    np.testing.assert_array_equal(y_clean, y_noisy)
    assert np.abs(noisy - clean).max() <= 0.3
    assert np.abs(noisy - clean).max() > 0.25
    assert noisy[clean == 1].min() >= 0.7
    assert noisy[clean == 0].max() <= 0.3
    assert noisy.min() == 0.0 and noisy.max() == 1.0  # clipped
    # Large noise still stays in [0, 1].
    very_noisy, _ = make_shapes(40, noise=5.0, random_state=0)
    assert very_noisy.min() >= 0 and very_noisy.max() <= 1


# What validate_params says each parameter must be; the shape names are
# written out here independently of SHAPES.
AT_LEAST_1 = "an int in the range [1, inf) (not a bool)"
AT_LEAST_5 = "an int in the range [5, inf) (not a bool)"
NON_NEGATIVE = "a float in the range [0.0, inf) (not a bool)"
SHAPE_NAMES = (
    "a sequence of at least 2 distinct names among {'vertical', 'horizontal', "
    "'cross', 'diamond', 'x', 'square'}"
)
RANDOM_STATE = "an int in the range [0, 4294967295]"


@pytest.mark.parametrize(
    "kwargs, constraint",
    [
        ({"n_samples": 0}, AT_LEAST_1),
        ({"n_samples": 2.5}, AT_LEAST_1),
        ({"n_samples": True}, AT_LEAST_1),
        ({"image_size": 4}, AT_LEAST_5),
        ({"image_size": 8.0}, AT_LEAST_5),
        ({"noise": -0.1}, NON_NEGATIVE),
        ({"noise": np.nan}, NON_NEGATIVE),
        ({"noise": np.inf}, NON_NEGATIVE),
        ({"noise": True}, NON_NEGATIVE),
        ({"noise": "high"}, NON_NEGATIVE),
        ({"shapes": ("vertical", "circle")}, SHAPE_NAMES),  # unknown name
        ({"shapes": ("vertical", "vertical")}, SHAPE_NAMES),  # repeated name
        ({"shapes": ("vertical",)}, SHAPE_NAMES),  # one class
        ({"shapes": ()}, SHAPE_NAMES),
        ({"shapes": "cross"}, SHAPE_NAMES),  # a string is one name
        ({"shapes": iter(["cross", "x"])}, SHAPE_NAMES),  # checking would consume it
        ({"random_state": -1}, RANDOM_STATE),
    ],
)
def test_make_shapes_invalid_arguments(kwargs, constraint):
    ((name, value),) = kwargs.items()
    # The message names the parameter, what it must be, and what it got.
    message = (
        re.escape(f"The {name!r} parameter of make_shapes must be {constraint}")
        + ".*"
        + re.escape(f"Got {value!r} instead.")
    )
    with pytest.raises(ValueError, match=message) as info:
        make_shapes(**kwargs)
    # scikit-learn's InvalidParameterError, as its own make_* functions raise.
    assert isinstance(info.value, TypeError)


@pytest.mark.parametrize(
    "shapes", [["cross", "x"], np.array(["cross", "x"]), {"cross": 0, "x": 1}.keys()]
)
def test_make_shapes_accepts_any_collection_of_names(shapes):
    X, y = make_shapes(12, shapes=shapes, random_state=0)
    X_ref, y_ref = make_shapes(12, shapes=("cross", "x"), random_state=0)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)


def test_make_shapes_is_learned_by_a_small_cnn():
    from sklearn.model_selection import train_test_split

    from skconv import ConvNetClassifier

    X, y = make_shapes(400, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    clf = ConvNetClassifier(filters=(8,), max_iter=10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    assert clf.image_shape_ == (1, 8, 8)
    assert clf.score(X_test, y_test) > 0.9
