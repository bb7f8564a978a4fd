"""The geometry of each augmentation transform, on whole batches."""

import numpy as np
import pytest
from scipy import ndimage

from skconv import Augmentation
from skconv.augmentation import _transforms

RNG = np.random.RandomState(0)
IMAGES = RNG.uniform(size=(6, 3, 9, 11))


@pytest.mark.parametrize("rows, cols", [(2, 0), (0, 3), (-1, -2), (3, -3)])
def test_a_shift_of_k_moves_a_pixel_by_k(rows, cols):
    X = np.zeros((1, 1, 9, 9))
    X[0, 0, 4, 4] = 1.0
    out = _transforms.shift(X, np.array([rows]), np.array([cols]), fill_value=0.0)
    assert out[0, 0, 4 + rows, 4 + cols] == 1.0
    assert out.sum() == 1.0


def test_shift_fills_what_enters_and_keeps_the_rest():
    out = _transforms.shift(IMAGES, np.full(6, 2), np.full(6, -1), fill_value=-7.0)
    np.testing.assert_array_equal(out[:, :, 2:, :-1], IMAGES[:, :, :-2, 1:])
    assert (out[:, :, :2] == -7.0).all() and (out[:, :, :, -1] == -7.0).all()


def test_shift_moves_each_sample_by_its_own_offset():
    rows, cols = np.array([0, 1, -2, 0, 3, -1]), np.array([1, 0, 0, -3, 2, -1])
    out = _transforms.shift(IMAGES, rows, cols)
    for n in range(6):  # the reference, one sample at a time
        expected = np.roll(IMAGES[n], (rows[n], cols[n]), axis=(1, 2))
        inner = (slice(None), slice(max(rows[n], 0), 9 + min(rows[n], 0)),
                 slice(max(cols[n], 0), 11 + min(cols[n], 0)))
        np.testing.assert_array_equal(out[n][inner], expected[inner])


@pytest.mark.parametrize("axis", [2, 3])
def test_two_flips_are_the_identity_and_one_mirrors(axis):
    which = np.array([True, False, True, True, False, True])
    once = _transforms.flip(IMAGES, which, axis)
    np.testing.assert_array_equal(once[which], np.flip(IMAGES[which], axis=axis))
    np.testing.assert_array_equal(once[~which], IMAGES[~which])
    np.testing.assert_array_equal(_transforms.flip(once, which, axis), IMAGES)


def test_rotation_by_zero_and_zoom_one_are_the_identity():
    out = _transforms.rotate_and_zoom(IMAGES, np.zeros(6), np.ones(6))
    np.testing.assert_array_equal(out, IMAGES)


def test_a_quarter_turn_is_counter_clockwise():
    X = np.zeros((1, 1, 5, 5))
    X[0, 0, 2, 4] = 1.0  # right of the centre
    out = _transforms.rotate_and_zoom(X, np.array([90.0]), np.ones(1))
    assert out[0, 0, 0, 2] == pytest.approx(1.0)  # now above it
    np.testing.assert_allclose(out.sum(), 1.0)


@pytest.mark.parametrize("degrees, scale", [(30.0, 1.0), (-45.0, 1.3), (10.0, 0.7)])
def test_rotation_and_zoom_match_scipy_affine_transform(degrees, scale):
    image = IMAGES[0, 0]
    angle = np.deg2rad(degrees)
    out = _transforms.rotate_and_zoom(IMAGES[:1, :1], np.array([degrees]),
                                      np.array([scale]), fill_value=0.25)
    # scipy's oracle: input position = matrix @ output position + offset.
    matrix = np.array([[np.cos(angle), np.sin(angle)],
                       [-np.sin(angle), np.cos(angle)]]) / scale
    centre = (np.array(image.shape) - 1) / 2.0
    expected = ndimage.affine_transform(image, matrix, offset=centre - matrix @ centre,
                                        order=1, mode="grid-constant", cval=0.25)
    np.testing.assert_allclose(out[0, 0], expected, atol=1e-12)


def test_zoom_out_leaves_a_border_of_fill():
    X = np.ones((1, 1, 20, 20))
    out = _transforms.rotate_and_zoom(X, np.zeros(1), np.array([0.5]), fill_value=0.0)
    assert (out[0, 0, :4] == 0).all() and (out[0, 0, 6:14, 6:14] == 1).all()


def test_erasing_blanks_the_asked_area_fraction():
    augmentation = Augmentation(erasing=1.0, erasing_area=(0.2, 0.2), fill_value=0.0)
    X = np.ones((300, 2, 28, 28))
    out = augmentation.augment(X, np.random.RandomState(1))
    erased = (out == 0).reshape(300, 2, -1).sum(axis=2)
    np.testing.assert_array_equal(erased[:, 0], erased[:, 1])  # channels together
    # Each side is rounded to whole pixels: at most half a pixel off each.
    bound = 0.5 * (28 + 28) + 0.25
    assert (np.abs(erased[:, 0] - 0.2 * 784) <= bound).all()
    assert abs(erased[:, 0].mean() / 784 - 0.2) < 0.01


@pytest.mark.parametrize("shape, fraction", [
    ((4, 32), 0.5), ((1, 16), 0.25), ((8, 8), 1.0), ((10, 3), 0.6), ((28, 28), 0.2),
])
def test_erasing_blanks_the_asked_area_on_narrow_images_and_large_areas(shape, fraction):
    """A rectangle of the drawn aspect ratio that does not fit the image is cut
    to it and lengthened the other way: the area stays the one asked for."""
    height, width = shape
    augmentation = Augmentation(erasing=1.0, erasing_area=(fraction, fraction))
    out = augmentation.augment(np.ones((500, 1, height, width)), np.random.RandomState(0))
    erased = (out == 0).sum(axis=(1, 2, 3))
    # Each side is rounded to whole pixels: at most half a pixel off each.
    bound = 0.5 * (height + width) + 0.25
    assert (np.abs(erased - fraction * height * width) <= bound).all()
    if fraction == 1.0:
        assert (erased == height * width).all()


def test_erasing_probability_is_the_share_of_images_erased():
    augmentation = Augmentation(erasing=0.3)
    out = augmentation.augment(np.ones((2000, 1, 10, 10)), np.random.RandomState(2))
    share = (out == 0).any(axis=(1, 2, 3)).mean()
    assert 0.27 < share < 0.33


def test_noise_has_the_asked_standard_deviation_and_keeps_float32():
    X = np.zeros((500, 1, 10, 10), dtype=np.float32)
    out = Augmentation(noise=0.3).augment(X, np.random.RandomState(3))
    assert out.dtype == np.float32
    assert abs(out.std() - 0.3) < 0.01 and abs(out.mean()) < 0.01


def test_every_transform_keeps_float32_and_moves_channels_together():
    augmentation = Augmentation(shift=2, horizontal_flip=True, vertical_flip=True,
                                rotation=20, zoom=0.2, erasing=0.5, noise=0.0)
    one = RNG.uniform(size=(50, 1, 12, 12)).astype(np.float32)
    out = augmentation.augment(np.repeat(one, 3, axis=1), np.random.RandomState(4))
    assert out.dtype == np.float32 and out.shape == (50, 3, 12, 12)
    np.testing.assert_array_equal(out[:, 0], out[:, 1])
    np.testing.assert_array_equal(out[:, 0], out[:, 2])
    assert not np.array_equal(out[:, :1], one)


def test_drawn_shifts_stay_within_the_asked_range():
    X = np.zeros((400, 1, 9, 9))
    X[:, 0, 4, 4] = 1.0
    out = Augmentation(shift=2).augment(X, np.random.RandomState(5))
    rows, cols = np.nonzero(out[:, 0].reshape(400, 9, 9).sum(axis=0))
    assert rows.min() == 2 and rows.max() == 6 and cols.min() == 2 and cols.max() == 6
    assert (out.sum(axis=(1, 2, 3)) == 1).all()  # never moved out of the image


def test_flips_happen_to_about_half_the_images():
    X = np.tile(np.arange(6.0), (1000, 1, 1, 1))
    out = Augmentation(horizontal_flip=True).augment(X, np.random.RandomState(6))
    flipped = (out[:, 0, 0, 0] == 5.0).mean()
    assert 0.45 < flipped < 0.55


def test_no_transformation_returns_the_batch_and_draws_nothing():
    rng = np.random.RandomState(7)
    state = rng.get_state()[1].copy()
    assert Augmentation().augment(IMAGES, rng) is IMAGES
    np.testing.assert_array_equal(rng.get_state()[1], state)


def test_the_same_stream_gives_the_same_batch():
    augmentation = Augmentation(shift=1, rotation=15, zoom=0.1, erasing=0.5, noise=0.1)
    first = augmentation.augment(IMAGES, np.random.RandomState(8))
    second = augmentation.augment(IMAGES, np.random.RandomState(8))
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, augmentation.augment(IMAGES, np.random.RandomState(9)))


def test_float32_rotation_is_float64_rotation_to_float32_precision():
    degrees, scales = RNG.uniform(-20, 20, 6), RNG.uniform(0.8, 1.2, 6)
    exact = _transforms.rotate_and_zoom(IMAGES, degrees, scales)
    fast = _transforms.rotate_and_zoom(IMAGES.astype(np.float32), degrees, scales)
    assert fast.dtype == np.float32
    np.testing.assert_allclose(fast, exact, atol=2e-5)
