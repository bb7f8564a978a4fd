"""``feature_maps``: what chosen layers of a fitted network output for some images."""

import numpy as np

from .._inference import inference_input
from ._names import check_estimator, resolve_layers


def fitted_snapshot(estimator, X, function):
    """``(images, model)``: ``X`` checked by the estimator as ``predict`` checks
    it, and a snapshot of the model; a clear error for other estimators."""
    check_estimator(estimator, function)
    return inference_input(estimator, X)


def feature_maps(estimator, X, layers=None):
    """Outputs of chosen layers of a fitted network, by default every convolution block's.

    Inference semantics, as ``predict``: batch normalisation uses its running
    statistics, dropout does nothing, and nothing is written on the model,
    so other threads may predict with it meanwhile. The images run through
    the network in chunks within ``sklearn.get_config()["working_memory"]``.

    Parameters
    ----------
    estimator : fitted ConvNetClassifier or ConvNetRegressor
        The network to look into.
    X : array-like of shape (n_samples, n_features)
        Flattened images (or (n_samples, height, width) or (n_samples,
        channels, height, width) arrays), as for ``predict``.
    layers : str, int or list of str and int, default=None
        Which outputs to return. None: the output of each convolution block
        (``"block_0"``, ``"block_1"``, ...), i.e. after its convolution,
        normalisation, activation and pooling. A layer name of
        :func:`layer_names` (``"Conv2D_0"``, the convolution before its
        activation; ``"ReLU_1"``; ``"Dense_0"``, ...), or an index into
        ``estimator.layers_`` (negative counts from the end).

    Returns
    -------
    maps : dict
        One entry per requested layer, keyed as in ``layers`` (the block
        names by default), in that order: a C-contiguous ndarray of shape
        (n_samples, channels, height, width) for the convolutional part, or
        (n_samples, n_features) from ``Flatten`` on; in the model's dtype.

    Raises
    ------
    ValueError
        If an entry of ``layers`` names no layer, or ``layers`` is None for
        a network without convolutions.
    TypeError
        If ``estimator`` is not a skconv estimator (a pipeline, say).
    sklearn.exceptions.NotFittedError
        If it is not fitted.

    See Also
    --------
    saliency : Which pixels a prediction is most sensitive to.
    skconv.ConvNetClassifier.transform : The input of the output layer.

    Examples
    --------
    >>> from skconv import ConvNetClassifier
    >>> from skconv.datasets import make_shapes
    >>> from skconv.inspection import feature_maps
    >>> X, y = make_shapes(200, image_size=12, random_state=0)
    >>> clf = ConvNetClassifier(filters=(4, 8), max_iter=2, random_state=0).fit(X, y)
    >>> {name: maps.shape for name, maps in feature_maps(clf, X[:5]).items()}
    {'block_0': (5, 4, 6, 6), 'block_1': (5, 8, 3, 3)}
    >>> feature_maps(clf, X[:5], layers=["Conv2D_0"])["Conv2D_0"].shape
    (5, 4, 12, 12)
    """
    images, model = fitted_snapshot(estimator, X, "feature_maps")
    chosen = resolve_layers(model, layers)
    stack = model.layers_[: max(chosen.values()) + 1]
    dtype = model._dtype()
    rows = model._chunk_rows(dtype, stack)
    wanted = set(chosen.values())
    outputs = {}
    for start in range(0, len(images), rows):
        Z = images[start : start + rows].astype(dtype, copy=False)
        for index, layer in enumerate(stack):
            Z = layer.forward(Z)
            if index in wanted:
                if index not in outputs:
                    outputs[index] = np.empty((len(images),) + Z.shape[1:], dtype)
                outputs[index][start : start + rows] = Z
    maps = {}
    for key, index in chosen.items():
        # Two keys naming one layer get arrays of their own.
        maps[key] = outputs[index] if key == _first_key(chosen, index) else \
            outputs[index].copy()
    return maps


def _first_key(chosen, index):
    return next(key for key, value in chosen.items() if value == index)
