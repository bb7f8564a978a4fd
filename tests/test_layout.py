"""Tests of the channels-last layout helpers in skconv._layout."""

import numpy as np
import pytest

from skconv._layout import (
    add_bias,
    channels_last_copy,
    channels_last_empty,
    channels_last_view,
    channels_last_zeros,
    copy_in_layout,
    from_channels_last,
    is_channels_last,
    match_layout,
    memory_order_uniform,
    pixel_rows,
    sum_rows,
)

SHAPE = (2, 3, 4, 5)


def test_new_maps_are_stored_channels_last():
    for make in (channels_last_empty, channels_last_zeros):
        A = make(SHAPE, np.float32)
        assert A.shape == SHAPE and A.dtype == np.float32
        assert is_channels_last(A) and not A.flags.c_contiguous
    assert not channels_last_zeros(SHAPE, np.float64).any()
    assert is_channels_last(np.zeros((4, 3)))  # 2-D: already channels-last


def test_rows_and_maps_are_views_of_each_other():
    rows = np.arange(2 * 4 * 5 * 3.0).reshape(-1, 3)  # a row per pixel
    X = from_channels_last(rows, SHAPE)
    assert np.shares_memory(X, rows) and is_channels_last(X)
    assert X[1, 2, 3, 4] == rows[(1 * 4 + 3) * 5 + 4, 2]
    assert np.shares_memory(pixel_rows(X), rows)
    np.testing.assert_array_equal(pixel_rows(X), rows)
    np.testing.assert_array_equal(channels_last_view(X), rows.reshape(2, 4, 5, 3))


def test_copies_and_matches_keep_the_layout():
    X = from_channels_last(np.random.RandomState(0).normal(size=(40, 3)), SHAPE)
    assert is_channels_last(copy_in_layout(X[:, :, ::2, ::2]))
    C = np.ascontiguousarray(X)
    matched = match_layout(C, X)
    assert is_channels_last(matched)
    np.testing.assert_array_equal(matched, C)
    assert match_layout(X, X) is X
    assert match_layout(X.astype(np.float32), X).dtype == np.float32


def test_channels_last_copy_stores_a_map_as_a_conv_output_in_new_memory():
    C = np.random.RandomState(0).normal(size=SHAPE)
    X = channels_last_copy(C)
    assert is_channels_last(X) and not np.shares_memory(X, C)
    np.testing.assert_array_equal(X, C)
    # Already channels-last, or one channel (both layouts at once): still a copy.
    for maps in (X, C[:, :1]):
        copied = channels_last_copy(maps)
        assert is_channels_last(copied) and not np.shares_memory(copied, maps)
        np.testing.assert_array_equal(copied, maps)


@pytest.mark.parametrize("rows, cols", [(40, 3), (7, 8), (1, 1), (4096, 16)])
def test_wide_block_passes_equal_plain_ones(rows, cols):
    Y = np.random.RandomState(0).normal(size=(rows, cols))
    b = np.arange(cols, dtype=float)
    expected = Y + b
    add_bias(Y, b)
    np.testing.assert_array_equal(Y, expected)
    np.testing.assert_allclose(sum_rows(Y), Y.sum(axis=0), rtol=1e-12)


def test_memory_order_uniform_draws_in_storage_order():
    like = channels_last_zeros(SHAPE, np.float64)
    draws = memory_order_uniform(np.random.RandomState(5), like)
    assert draws.strides == like.strides
    stored = np.random.RandomState(5).random_sample((2, 4, 5, 3))
    np.testing.assert_array_equal(channels_last_view(draws), stored)
