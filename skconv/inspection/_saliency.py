"""``saliency``: the gradient of one output of a fitted network with respect to its input.

The layers keep what ``backward`` needs only in a training pass, and a
training pass of batch normalisation or dropout is not the inference the
gradient should describe. So the gradient runs on *twins* of the fitted
layers, one per layer type (:data:`INFERENCE_TWINS`): private copies whose
training pass computes the inference output and keeps its cache on the
copy. The fitted layers are only read, so the model never changes and other
threads may predict with it meanwhile.
"""

import copy
from numbers import Integral

import numpy as np
from sklearn import get_config
from sklearn.base import is_classifier

from .. import network
from .._resources import training_memory
from .._targets import class_codes
from ..layers import Layer
from ._feature_maps import fitted_snapshot


class FrozenBatchNormalization(Layer):
    """Batch normalisation at inference, with a backward pass.

    The forward pass is the fitted layer's own inference pass, ``y = x *
    scale + shift`` per channel with ``scale = gamma / sqrt(running_var +
    epsilon)``; so the gradient is ``dx = dy * scale``.
    """

    def __init__(self, fitted):
        super().__init__()
        self.fitted = fitted
        self.scale, _ = fitted.inference_affine()

    def forward(self, X, training=False):
        return self.fitted.forward(X, training=False)  # keeps nothing

    def backward(self, dout, input_grad=True):
        return dout * self.scale.reshape((1, -1) + (1,) * (dout.ndim - 2))


def _private_copy(layer):
    # Its training pass is its inference pass plus a cache, kept on the copy.
    return copy.deepcopy(layer)


#: The twin of each layer type, or None to leave the layer out (dropout is
#: the identity in inference).
INFERENCE_TWINS = {
    "Conv2D": _private_copy,
    "MaxPool2D": _private_copy,
    "AvgPool2D": _private_copy,
    "GlobalAvgPool2D": _private_copy,
    "Flatten": _private_copy,
    "Dense": _private_copy,
    "Identity": _private_copy,
    "ReLU": _private_copy,
    "Logistic": _private_copy,
    "Tanh": _private_copy,
    "BatchNormalization": FrozenBatchNormalization,
    "Dropout": lambda layer: None,
}


def inference_twins(layers):
    """Twins of ``layers`` for a gradient at inference, in order."""
    twins = []
    for layer in layers:
        kind = type(layer).__name__
        if kind not in INFERENCE_TWINS:
            raise TypeError(
                f"saliency does not know how to run a {kind} layer at inference "
                f"with a backward pass; known layers: {sorted(INFERENCE_TWINS)}."
            )
        twin = INFERENCE_TWINS[kind](layer)
        if twin is not None:
            twins.append(twin)
    return twins


def _columns(model, target, logits):
    """The output column and sign (+1 or -1) whose gradient each sample gets."""
    n = len(logits)
    if not is_classifier(model):  # the regressor: target is an output column
        return _regression_columns(model, target, n), np.ones(n)
    kind = model._target_type
    if target is None:
        if kind == "binary":
            codes = (logits[:, 0] > 0).astype(int)
        else:  # the predicted class, or for multilabel the most likely label
            codes = np.argmax(logits, axis=1)
    else:
        labels = np.asarray(target)
        labels = np.full(n, labels) if labels.ndim == 0 else labels
        codes = class_codes(labels, model.classes_, "target",
                            "of this model (classes_)")
    if kind == "binary":
        # One logit z, the log-odds of classes_[1]; those of classes_[0] are -z.
        return np.zeros(n, dtype=int), np.where(codes == 1, 1.0, -1.0)
    return codes, np.ones(n)


def _regression_columns(model, target, n):
    n_outputs = model.n_outputs_
    if target is None:
        if n_outputs > 1:
            raise ValueError(
                f"This ConvNetRegressor has {n_outputs} outputs: pass target, the "
                f"output column (0 to {n_outputs - 1}) whose gradient you want."
            )
        return np.zeros(n, dtype=int)
    columns = np.asarray(target)
    columns = np.full(n, columns) if columns.ndim == 0 else columns
    valid = all(
        isinstance(c, Integral) and not isinstance(c, bool) and 0 <= c < n_outputs
        for c in columns.tolist())
    if not valid:
        raise ValueError(
            f"target must be an output column, an int in [0, {n_outputs}) (or one "
            f"per sample); got {target!r}."
        )
    return columns.astype(int)


def _per_sample(target, n):
    """``target`` as given if None or one value, else as an array of ``n``."""
    if target is None or np.ndim(target) == 0:
        return target
    target = np.asarray(target)
    if target.shape != (n,):
        raise ValueError(
            f"target must be one value or one per sample ({n} here); got an array "
            f"of shape {target.shape}."
        )
    return target


def saliency(estimator, X, target=None):
    """Gradient of one output of the network with respect to each input pixel.

    For a classifier, the output is a class's logit (the log-odds before
    softmax or logistic): by default the predicted class's, for the
    regressor the predicted value. Large absolute values mark the pixels
    whose change would change that output most (Simonyan et al., 2014).
    Inference semantics: batch normalisation with its running statistics,
    no dropout. The fitted model is never changed: the gradient is computed
    on private copies of its layers, so predictions before and after are
    bit-identical and other threads may call ``predict`` meanwhile.

    Parameters
    ----------
    estimator : fitted ConvNetClassifier or ConvNetRegressor
        The network to look into.
    X : array-like of shape (n_samples, n_features)
        Flattened images (or (n_samples, height, width) or (n_samples,
        channels, height, width) arrays), as for ``predict``.
    target : label, int or array-like of shape (n_samples,), default=None
        Classifier: a class of ``classes_`` (for all samples, or one per
        sample); None takes each sample's predicted class, and for
        multilabel targets its most likely label. A binary model has one
        logit ``z``, the log-odds of ``classes_[1]``; the logit of
        ``classes_[0]`` is ``-z``. Regressor: the output column, an int
        (None for a single output).

    Returns
    -------
    gradient : ndarray of the shape of X
        ``d output / d X`` for each sample (2-D X gives (n_samples,
        n_features), image-shaped X its own shape), in the model's dtype.

    Raises
    ------
    ValueError
        If ``target`` is not a class (classifier) or not an output column
        (regressor), or is None for a regressor with several outputs.
    TypeError
        If ``estimator`` is not a skconv estimator (a pipeline, say).
    sklearn.exceptions.NotFittedError
        If it is not fitted.

    Examples
    --------
    >>> from skconv import ConvNetClassifier
    >>> from skconv.datasets import make_shapes
    >>> from skconv.inspection import saliency
    >>> X, y = make_shapes(200, image_size=12, random_state=0)
    >>> clf = ConvNetClassifier(filters=(4,), max_iter=2, random_state=0).fit(X, y)
    >>> saliency(clf, X[:3]).shape
    (3, 144)
    """
    shape = np.shape(X)
    images, model = fitted_snapshot(estimator, X, "saliency")
    dtype = model._dtype()
    _, per_sample = training_memory(model.layers_, model.image_shape_,
                                    np.dtype(dtype).itemsize, 1)
    rows = max(1, int(get_config()["working_memory"] * 2**20 // max(per_sample, 1)))
    twins = inference_twins(model.layers_)
    target = _per_sample(target, len(images))
    gradient = np.empty(images.shape, dtype=dtype)
    for start in range(0, len(images), rows):
        chunk = slice(start, start + rows)
        logits = network.forward(twins, images[chunk].astype(dtype, copy=False),
                                 training=True)
        part = target if target is None or np.ndim(target) == 0 else target[chunk]
        columns, signs = _columns(model, part, logits)
        dout = np.zeros_like(logits)
        dout[np.arange(len(logits)), columns] = signs
        gradient[chunk] = network.backward(twins, dout)
    return gradient.reshape(shape if len(shape) > 2 else (len(images), -1))
