"""Batch normalisation's per-channel sums of products, without the product array.

``_PerChannel.total_of_products(A, B)`` replaced ``total(A * B)`` in the
variance and in the gradient of gamma. It must give the same sums, to the
rounding of the products: on this project's NumPy builds the same bits (the
change's commit compares model hashes), and one rounding less per product
where NumPy's einsum fuses multiply-adds.
"""

import numpy as np
import pytest

from skconv._layout import channels_last_copy
from skconv.layers.normalization import _PerChannel


def arrays(rng, shape, dtype, channels_last):
    values = [rng.normal(size=shape).astype(dtype) for _ in range(2)]
    if channels_last and len(shape) == 4:
        values = [channels_last_copy(v) for v in values]
    return values


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("shape", "channels_last"),
    [
        ((64, 32, 26, 26), True),   # a conv map, the wide view
        ((7, 3, 5, 9), True),
        ((7, 3, 5, 9), False),      # NCHW order: summed over axes (0, 2, 3)
        ((300, 16), True),          # a dense layer's activations
        ((2, 1, 1, 1), True),
    ],
)
def test_total_of_products_gives_the_sums_of_the_products(shape, channels_last, dtype):
    A, B = arrays(np.random.RandomState(0), shape, dtype, channels_last)
    axes = _PerChannel(A)
    assert axes.wide == (channels_last or len(shape) == 2)
    products = axes.view(A) * axes.view(B)
    expected = axes.total(products)
    result = axes.total_of_products(axes.view(A), axes.view(B))
    assert result.shape == (shape[1],) and result.dtype == dtype
    # Both are the sum of the products, channel by channel, within the
    # worst-case rounding of a sum of m terms (relative to their magnitudes,
    # since the sums cancel); a wrong axis or a lost term is far outside it.
    m = A.size // shape[1]
    bound = np.finfo(dtype).eps * m * axes.total(np.abs(products)).astype(np.float64)
    other_axes = tuple(i for i in range(len(shape)) if i != 1)
    direct = (A.astype(np.float64) * B).sum(axis=other_axes)
    assert np.all(np.abs(result - expected) <= bound)
    assert np.all(np.abs(result - direct) <= bound)
