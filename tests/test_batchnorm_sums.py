"""Batch normalisation's per-channel sums, block by block.

``_PerChannel.block_sum_of_products(A, B)`` replaced ``block_sum(A * B)`` in
the variance and in the gradient of gamma: the same sums to the rounding of
the products, without the product array. ``_PerChannel.sums`` adds the
blocks' partial sums in block order; with one block or many, and with or
without helper threads, they are the sums (the threads never change a bit:
tests/test_threads.py fits whole models both ways).
"""

import numpy as np
import pytest
import threadpoolctl

from skconv import _threads
from skconv._layout import channels_last_copy
from skconv.layers import BatchNormalization
from skconv.layers import normalization as normalization_module
from skconv.layers.normalization import _PerChannel
from skconv.testing import assert_layer_gradients


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
@pytest.mark.parametrize("block_bytes", [1 << 19, 1 << 10])
def test_sums_of_products_give_the_sums_of_the_products(
        shape, channels_last, dtype, block_bytes, monkeypatch):
    monkeypatch.setattr(normalization_module, "_BLOCK_BYTES", block_bytes)
    A, B = arrays(np.random.RandomState(0), shape, dtype, channels_last)
    axes = _PerChannel(A)
    assert axes.wide == (channels_last or len(shape) == 2)
    if axes.wide and A.nbytes > 4 * block_bytes:
        assert len(axes.blocks) > 1
    A_view, B_view = axes.view(A), axes.view(B)
    products = A_view * B_view
    expected, magnitude = axes.sums(
        lambda rows: (axes.block_sum(products[rows]),
                      axes.block_sum(np.abs(products[rows]))), 2, dtype)
    (result,) = axes.sums(
        lambda rows: (axes.block_sum_of_products(A_view[rows], B_view[rows]),), 1, dtype)
    assert result.shape == (shape[1],) and result.dtype == dtype
    # Both are the sum of the products, channel by channel, within the
    # worst-case rounding of a sum of m terms (relative to their magnitudes,
    # since the sums cancel); a wrong axis, a lost block or a term counted
    # twice is far outside it.
    m = A.size // shape[1]
    bound = np.finfo(dtype).eps * m * magnitude.astype(np.float64)
    other_axes = tuple(i for i in range(len(shape)) if i != 1)
    direct = (A.astype(np.float64) * B).sum(axis=other_axes)
    assert np.all(np.abs(result - expected) <= bound)
    assert np.all(np.abs(result - direct) <= bound)


def test_blocks_cover_the_rows_of_the_wide_view_in_order(monkeypatch):
    monkeypatch.setattr(normalization_module, "_BLOCK_BYTES", 1000)
    X = channels_last_copy(np.zeros((5, 8, 6, 6)))
    axes = _PerChannel(X)
    rows = axes.view(X).shape[0]
    covered = [i for block in axes.blocks for i in range(rows)[block]]
    assert covered == list(range(rows)) and len(axes.blocks) > 1


@pytest.fixture
def two_threads(monkeypatch):
    """An idle 2-CPU machine with 2 BLAS threads allowed (pytest-xdist's
    workers run one): run_blocks shares blocks with one helper."""
    monkeypatch.setattr(_threads, "other_cores", lambda: 0.0)
    monkeypatch.setattr(_threads, "usable_cores", lambda: 2)
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        yield


@pytest.mark.parametrize("channels_last", [True, False])
def test_batch_norm_in_many_blocks_matches_one_block_and_finite_differences(
        channels_last, two_threads, monkeypatch):
    rng = np.random.RandomState(0)
    X = rng.normal(2.0, 3.0, size=(6, 4, 5, 7))
    dout = rng.normal(size=X.shape)
    if channels_last:
        X, dout = channels_last_copy(X), channels_last_copy(dout)
    layer = BatchNormalization()
    layer.build(X.shape[1:], rng, np.float64)
    layer.params["gamma"] = rng.normal(size=4)
    layer.params["beta"] = rng.normal(size=4)

    def passes():
        layer.running_mean, layer.running_var = np.zeros(4), np.ones(4)
        with _threads.compute_threads():
            Y = layer.forward(X, training=True)
            dX = layer.backward(dout)
            return [Y, dX, *layer.grads.values(), layer.forward(X),
                    layer.running_mean, layer.running_var]

    one = passes()
    monkeypatch.setattr(normalization_module, "_BLOCK_BYTES", 64)
    assert len(_PerChannel(X).blocks) == (35 * 6 // 2 if channels_last else 1)
    many = passes()
    for a, b in zip(one, many):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    # The normalised output has mean 0 and variance 1 per channel before the
    # affine map, and the gradients are those of finite differences.
    x_hat = (many[0] - layer.params["beta"][:, None, None]) / layer.params["gamma"][:, None, None]
    np.testing.assert_allclose(x_hat.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(x_hat.var(axis=(0, 2, 3)), 1, rtol=1e-4)
    # atol: the finite differences' own rounding, about eps * |loss| / h.
    with _threads.compute_threads():
        assert_layer_gradients(layer, X, dout, atol=1e-7, training=True)


def test_batch_norm_blocks_give_the_same_bits_with_and_without_a_helper(
        two_threads, monkeypatch):
    monkeypatch.setattr(normalization_module, "_BLOCK_BYTES", 256)
    rng = np.random.RandomState(1)
    X = channels_last_copy(rng.normal(size=(16, 8, 6, 6)).astype(np.float32))
    dout = channels_last_copy(rng.normal(size=X.shape).astype(np.float32))
    layer = BatchNormalization()
    layer.build(X.shape[1:], rng, np.float32)
    results = []
    for others in (0.0, 1.0):  # a helper, then none (the other CPU is busy)
        monkeypatch.setattr(_threads, "other_cores", lambda others=others: others)
        with _threads.compute_threads():
            assert _threads.helpers_available() == (others == 0.0)
            Y = layer.forward(X, training=True)
            results.append([Y, layer.backward(dout), *layer.grads.values()])
    assert len(_PerChannel(X).blocks) > 4
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
