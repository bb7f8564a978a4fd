"""How flattened rows of X map to images of shape ``(C, H, W)``."""

import math
import warnings

import numpy as np


def flatten_images(X, input_name="X"):
    """Flatten a batch of images to rows, remembering the image shape.

    Parameters
    ----------
    X : array-like
        ``(n_samples, n_features)`` rows, ``(n_samples, H, W)`` grayscale
        images or ``(n_samples, C, H, W)`` channels-first images. Anything
        else with up to 2 dimensions is returned untouched, so that
        scikit-learn's validation sees it (and rejects 1-D input, sparse
        matrices, ...) with its own messages.
    input_name : str, default="X"
        The argument's name, for the error message.

    Returns
    -------
    X : array-like
        2-D when the input was 3-D or 4-D.
    image_shape : tuple of (int, int, int) or None
        ``(C, H, W)`` taken from a 3-D or 4-D input; None otherwise.

    Raises
    ------
    ValueError
        If ``X`` has more than 4 dimensions.
    """
    ndim = getattr(X, "ndim", None)
    if ndim is None and isinstance(X, (list, tuple)):
        try:
            as_array = np.asarray(X)
        except ValueError:  # ragged: scikit-learn's validation reports it
            return X, None
        if as_array.ndim in (3, 4):
            X, ndim = as_array, as_array.ndim
    if ndim == 3:
        X = np.asarray(X)
        return X.reshape(X.shape[0], -1), (1,) + X.shape[1:]
    if ndim == 4:
        X = np.asarray(X)
        return X.reshape(X.shape[0], -1), X.shape[1:]
    if ndim is not None and ndim > 4:
        raise ValueError(
            f"{input_name} must be 2-D (n_samples, n_features), 3-D (n_samples, "
            f"height, width) or 4-D (n_samples, channels, height, width); got an "
            f"array of shape {np.shape(X)}."
        )
    return X, None


def infer_image_shape(n_features):
    """The ``(C, H, W)`` that ``image_shape=None`` gives ``n_features``.

    The rule: one channel, and the most square ``H x W = n_features`` with
    ``H <= W``, i.e. ``H`` is the largest divisor of ``n_features`` not above
    its square root. A perfect square gives a square image (64 -> 8x8,
    784 -> 28x28), other counts a rectangle (30 -> 5x6, 896 -> 28x32), and a
    prime a single row (7 -> 1x7), which the network treats as a 1-D signal.

    Parameters
    ----------
    n_features : int

    Returns
    -------
    image_shape : tuple of (int, int, int)

    Examples
    --------
    >>> from skconv._input import infer_image_shape
    >>> infer_image_shape(64), infer_image_shape(30), infer_image_shape(7)
    ((1, 8, 8), (1, 5, 6), (1, 1, 7))
    """
    height = next(h for h in range(math.isqrt(n_features), 0, -1) if n_features % h == 0)
    return (1, height, n_features // height)


def _warn_if_channels_last(shape):
    """Warn when 4-D input ``(n, C, H, W)`` looks like ``(n, H, W, colours)``."""
    channels, height, width = shape
    if width in (1, 3, 4) and width < min(channels, height):
        warnings.warn(
            f"X has shape (n_samples, {channels}, {height}, {width}), read as "
            f"{channels} channels of {height}x{width} images, but its last axis "
            f"looks like {width} colour channels (channels-last). skconv reads "
            "(n_samples, channels, height, width): pass X.transpose(0, 3, 1, 2), "
            "or set image_shape to say which it is.",
            UserWarning,
        )


def resolve_image_shape(image_shape, n_features, shape_from_X):
    """The ``(C, H, W)`` a model uses, from the parameter and the data.

    Parameters
    ----------
    image_shape : tuple of int or None
        The ``image_shape`` hyperparameter: ``(H, W)``, ``(C, H, W)`` or None.
    n_features : int
        Features per row of the 2-D data.
    shape_from_X : tuple of int or None
        The shape of 3-D/4-D input (see :func:`flatten_images`).

    Returns
    -------
    image_shape : tuple of (int, int, int)

    Raises
    ------
    ValueError
        If ``image_shape`` does not hold ``n_features`` values, or disagrees
        with the shape of 3-D/4-D input.
    """
    if image_shape is None:
        if shape_from_X is not None:
            _warn_if_channels_last(shape_from_X)
            return shape_from_X
        return infer_image_shape(n_features)
    shape = tuple(int(size) for size in image_shape)
    if len(shape) == 2:
        shape = (1,) + shape
    if math.prod(shape) != n_features:
        raise ValueError(
            f"image_shape={tuple(image_shape)} holds {math.prod(shape)} values "
            f"(channels x height x width), but X has {n_features} features per "
            "sample. Pass an image_shape whose product is the number of "
            "features, or image_shape=None to infer it."
        )
    if shape_from_X is not None and shape_from_X != shape:
        raise ValueError(
            f"image_shape={tuple(image_shape)} means (channels, height, width) = "
            f"{shape}, but X holds images of shape {shape_from_X}."
        )
    return shape
