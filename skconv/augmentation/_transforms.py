"""Image transformations on whole batches, as pure functions.

Every function takes a batch ``X`` of shape ``(n_samples, channels, height,
width)`` and one parameter per sample (drawn by
:class:`~skconv.Augmentation`), and returns a new batch of the same shape and
dtype; the channels of a sample move together. None loops over samples:
the geometry is index arithmetic on the whole batch, so the cost grows with
the number of pixels, not with the number of Python calls.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def shift(X, rows, cols, fill_value=0.0):
    """Translate each image by whole pixels, filling what enters with a constant.

    Parameters
    ----------
    X : ndarray of shape (n_samples, channels, height, width)
    rows, cols : ndarray of int of shape (n_samples,)
        Pixels to move each image down and right (negative: up and left):
        ``out[n, :, i, j] = X[n, :, i - rows[n], j - cols[n]]``.
    fill_value : float, default=0.0

    Returns
    -------
    ndarray of the shape and dtype of ``X``
    """
    reach = int(max(np.abs(rows).max(initial=0), np.abs(cols).max(initial=0)))
    if reach == 0:
        return X.copy()
    height, width = X.shape[2:]
    padded = np.pad(X, ((0, 0), (0, 0), (reach, reach), (reach, reach)),
                    constant_values=fill_value)
    # Every (height, width) window of the padded images, without a copy;
    # each sample picks the window at its offset: one gather for the batch.
    windows = sliding_window_view(padded, (height, width), axis=(2, 3))
    samples = np.arange(len(X))
    return windows[samples, :, reach - rows, reach - cols]


def flip(X, which, axis):
    """Mirror the images where ``which`` is true along ``axis`` (2 rows, 3 columns)."""
    out = X.copy()
    out[which] = np.flip(X[which], axis=axis)
    return out


def rotate_and_zoom(X, degrees, scales, fill_value=0.0):
    """Rotate each image about its centre and magnify it, by bilinear interpolation.

    Parameters
    ----------
    X : ndarray of shape (n_samples, channels, height, width)
    degrees : ndarray of shape (n_samples,)
        Counter-clockwise rotation of each image, in degrees (rows grow
        downwards, as the image is displayed).
    scales : ndarray of shape (n_samples,)
        Magnification: 2 shows the central half of the image twice as large,
        0.5 shrinks the image to half size inside a border of ``fill_value``.
    fill_value : float, default=0.0
        Value of output pixels whose source lies outside the image.

    Returns
    -------
    ndarray of the shape and dtype of ``X``
        A rotation by 0 with scale 1 returns ``X`` exactly.
    """
    _, _, height, width = X.shape
    # Positions in the images' precision: float32 batches stay cheap (a
    # position is off by at most a few millionths of a pixel).
    dtype = X.dtype if X.dtype.kind == "f" else np.dtype(np.float64)
    angle = np.deg2rad(np.asarray(degrees, dtype=np.float64))[:, None, None]
    inverse_scale = 1.0 / np.asarray(scales, dtype=np.float64)[:, None, None]
    cos = (np.cos(angle) * inverse_scale).astype(dtype)
    sin = (np.sin(angle) * inverse_scale).astype(dtype)
    centre_row, centre_col = (height - 1) / 2.0, (width - 1) / 2.0
    out_rows = (np.arange(height) - centre_row).astype(dtype)[None, :, None]
    out_cols = (np.arange(width) - centre_col).astype(dtype)[None, None, :]
    # Where each output pixel comes from: the inverse rotation and scaling
    # of its position about the centre (a counter-clockwise turn on screen,
    # where rows point down).
    src_rows = cos * out_rows + sin * out_cols + dtype.type(centre_row)
    src_cols = cos * out_cols - sin * out_rows + dtype.type(centre_col)
    return _bilinear(X, src_rows, src_cols, fill_value)


def _bilinear(X, src_rows, src_cols, fill_value):
    """Sample every image at real positions ``(n, height, width)`` (bilinear)."""
    n_samples, channels, height, width = X.shape
    # One pixel of fill around the images, and positions clipped into it:
    # any source outside the image reads only fill.
    padded = np.pad(X, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=fill_value)
    # Channels last and flattened to one row per pixel: each corner is then
    # one np.take of whole rows by flat index, the cheapest gather NumPy has.
    pixels = padded.transpose(0, 2, 3, 1).reshape(-1, channels)
    src_rows = np.clip(src_rows, -1, height) + 1
    src_cols = np.clip(src_cols, -1, width) + 1
    top = np.minimum(np.floor(src_rows), height)
    left = np.minimum(np.floor(src_cols), width)
    down = (src_rows - top).astype(X.dtype).reshape(-1, 1)
    right = (src_cols - left).astype(X.dtype).reshape(-1, 1)
    row_length = width + 2
    first = np.arange(n_samples)[:, None, None] * ((height + 2) * row_length)
    corner = (first + top.astype(np.intp) * row_length + left.astype(np.intp)).ravel()
    upper = np.take(pixels, corner, axis=0)
    upper += (np.take(pixels, corner + 1, axis=0) - upper) * right
    lower = np.take(pixels, corner + row_length, axis=0)
    lower += (np.take(pixels, corner + row_length + 1, axis=0) - lower) * right
    upper += (lower - upper) * down
    out = upper.reshape(n_samples, height, width, channels)
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


def erase(X, top, left, heights, widths, fill_value=0.0):
    """Set a rectangle of each image to ``fill_value`` (random erasing, cutout).

    Parameters
    ----------
    X : ndarray of shape (n_samples, channels, height, width)
    top, left, heights, widths : ndarray of int of shape (n_samples,)
        The rectangle of each sample, in all its channels; a height or width
        of 0 erases nothing.
    fill_value : float, default=0.0

    Returns
    -------
    ndarray of the shape and dtype of ``X``
    """
    rows = np.arange(X.shape[2])[None, :]
    cols = np.arange(X.shape[3])[None, :]
    in_rows = (rows >= top[:, None]) & (rows < (top + heights)[:, None])
    in_cols = (cols >= left[:, None]) & (cols < (left + widths)[:, None])
    mask = in_rows[:, None, :, None] & in_cols[:, None, None, :]
    return np.where(mask, X.dtype.type(fill_value), X)
