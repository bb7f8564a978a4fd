"""The input of every inference pass: predict, transform and skconv.inspection."""

import copy

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from ._input import flatten_images


def inference_input(estimator, X):
    """``X`` checked and shaped ``(n, C, H, W)``, and a snapshot of the estimator.

    The snapshot is a shallow copy: a refit committing in another thread
    cannot mix its attributes with the ones read here. Reads, never writes.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    ValueError
        If ``X`` does not hold the images the estimator was fitted on.
    """
    model = copy.copy(estimator)
    check_is_fitted(model)
    X, shape_from_X = flatten_images(X)
    X = validate_data(model, X, reset=False, dtype=(np.float64, np.float32))
    model._check_image_shape(shape_from_X)
    return X.reshape((-1,) + model.image_shape_), model
