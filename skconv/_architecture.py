"""The architecture hyperparameters: checked, and compared with what was built."""

import warnings
from numbers import Integral

from sklearn.utils._param_validation import InvalidParameterError

from ._checks import positive_ints


def per_block(estimator, name, n_blocks):
    """A hyperparameter given once for all blocks or once per block, as a tuple."""
    value = getattr(estimator, name)
    if isinstance(value, Integral):
        return (value,) * n_blocks
    return positive_ints(estimator, name, value, n_blocks)


def built_before_options(built):
    """A recorded architecture with the settings added since it was recorded:
    models fitted before ``convolutions_per_block`` existed have one
    convolution per block."""
    built = dict(built)
    built.setdefault("convolutions_per_block", (1,) * len(built["filters"]))
    return built


def validate_architecture(estimator):
    """The keyword arguments of :func:`skconv.network.plan_layers`, checked."""
    filters = positive_ints(estimator, "filters", estimator.filters)
    kernel_sizes = per_block(estimator, "kernel_size", len(filters))
    convolutions = per_block(estimator, "convolutions_per_block", len(filters))
    if estimator.image_shape is not None:
        positive_ints(estimator, "image_shape", estimator.image_shape)
        if len(estimator.image_shape) not in (2, 3):
            raise InvalidParameterError(
                f"The 'image_shape' parameter of {type(estimator).__name__} must be "
                "(height, width) or (channels, height, width). "
                f"Got {estimator.image_shape!r} instead."
            )
    if estimator.batch_normalization and estimator.batch_size == 1:
        raise InvalidParameterError(
            "batch_normalization=True needs mini-batches of at least 2 samples "
            "(it normalises with batch statistics), but batch_size=1. Set "
            "batch_size >= 2 or batch_normalization=False."
        )
    return {
        "filters": filters,
        "convolutions_per_block": convolutions,
        "kernel_sizes": kernel_sizes,
        "stride": estimator.stride,
        "padding": estimator.padding,
        "pool_size": estimator.pool_size,
        "hidden_layer_sizes": positive_ints(
            estimator, "hidden_layer_sizes", estimator.hidden_layer_sizes
        ),
        "activation": estimator.activation,
        "pooling": estimator.pooling,
        "global_pooling": estimator.global_pooling,
        "batch_normalization": estimator.batch_normalization,
        "dropout": estimator.dropout,
    }


def same_architecture(estimator, architecture, incremental):
    """Whether the fitted layers were built from ``architecture``.

    A warm-started ``fit`` after ``set_params`` changed the architecture
    warns and trains a new network; ``partial_fit`` refuses, since
    restarting a stream from scratch would lose it silently. (Models
    saved by skconv 0.1 get the architecture of their saved parameters
    when they load.)
    """
    built = getattr(estimator, "_architecture", None)
    if built is None:
        return True
    built = built_before_options(built)
    if built == architecture:
        return True
    changed = sorted(key for key in architecture if architecture[key] != built.get(key))
    what = ", ".join(f"{key}: {built.get(key)!r} -> {architecture[key]!r}"
                     for key in changed)
    if incremental:
        raise ValueError(
            f"partial_fit cannot continue: the architecture changed since the "
            f"layers were built ({what}). Set those parameters back, or call "
            "fit to train the new network."
        )
    warnings.warn(
        f"warm_start=True, but the architecture changed since the last fit "
        f"({what}): the old weights do not fit it, so a new network is "
        "trained from scratch.",
        UserWarning,
    )
    return False
