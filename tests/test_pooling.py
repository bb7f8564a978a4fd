"""MaxPool2D's inference pass on channels-last maps (the maps a Conv2D returns).

Inference takes the maximum over window rows first and then over window
columns; training takes it offset by offset, finding the arg-max on the way.
Both must give the same maps, bit for bit, in the input's layout (a tie of
-0.0 and +0.0 may keep either sign; random maps have none).
"""

import numpy as np
import pytest

from skconv._conv import pair
from skconv._layout import channels_last_copy, is_channels_last
from skconv.layers import MaxPool2D


def channels_last_maps(rng, shape, dtype):
    return channels_last_copy(rng.normal(size=shape).astype(dtype))


def brute_force_max(X, pool_size, stride):
    (ph, pw), (sh, sw) = pair(pool_size), pair(stride)
    n, c, h, w = X.shape
    ho, wo = (h - ph) // sh + 1, (w - pw) // sw + 1
    out = np.empty((n, c, ho, wo), dtype=X.dtype)
    for p in range(ho):
        for q in range(wo):
            out[:, :, p, q] = X[:, :, p * sh : p * sh + ph, q * sw : q * sw + pw].max(axis=(2, 3))
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("pool_size", "stride", "shape"),
    [
        (2, None, (3, 8, 26, 26)),      # the usual: tiles the map
        (2, None, (2, 5, 7, 9)),        # odd sizes: the last row and column drop
        (3, 2, (2, 4, 9, 11)),          # overlapping windows
        (2, 3, (2, 3, 8, 8)),           # gaps between windows
        ((1, 3), (2, 1), (2, 2, 5, 6)),  # one row per window
        ((3, 1), 1, (2, 2, 5, 6)),      # one column per window
        ((2, 3), 1, (1, 16, 6, 7)),
    ],
)
def test_inference_max_pooling_equals_the_per_offset_pass(pool_size, stride, shape, dtype):
    rng = np.random.RandomState(0)
    X = channels_last_maps(rng, shape, dtype)
    layer = MaxPool2D(pool_size, stride=stride)
    layer.build(shape[1:], dtype=dtype)
    inference = layer.forward(X, training=False)
    training = layer.forward(X, training=True)
    np.testing.assert_array_equal(inference, training)
    np.testing.assert_array_equal(inference, brute_force_max(X, pool_size, layer.stride))
    assert inference.dtype == dtype
    assert is_channels_last(inference)


def test_inference_max_pooling_keeps_nan_and_infinities():
    rng = np.random.RandomState(1)
    X = channels_last_maps(rng, (2, 3, 4, 4), np.float64)
    X[0, 1, 0, 1] = np.nan          # window (0, 0) of channel 1, sample 0
    X[1, 2, 3, 3] = np.inf          # window (1, 1) of channel 2, sample 1
    X[1, 0, 2:, :2] = -np.inf       # all of window (1, 0) of channel 0, sample 1
    layer = MaxPool2D(2)
    layer.build((3, 4, 4))
    out = layer.forward(X)
    assert np.isnan(out[0, 1, 0, 0]) and np.isnan(out).sum() == 1
    assert out[1, 2, 1, 1] == np.inf
    assert out[1, 0, 1, 0] == -np.inf
    np.testing.assert_array_equal(out, layer.forward(X, training=True))
