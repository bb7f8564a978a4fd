"""Export fitted skconv models to ONNX (the ``[onnx]`` extra: skl2onnx, onnx, onnxruntime).

Importing this module registers skconv's converters and shape calculators
with skl2onnx, so that ``skl2onnx.to_onnx`` converts a pipeline holding a
:class:`~skconv.ConvNetClassifier` or :class:`~skconv.ConvNetRegressor`
along with its other steps. :func:`to_onnx` does the same with skconv's
defaults and checks.

The graph takes flattened rows, as ``predict`` does (one input, ``X``, of
shape (n_samples, n_features)), computes in the model's dtype and gives:

========================= ======================================================
model                     outputs
========================= ======================================================
ConvNetClassifier         ``label`` (``predict``) and ``probabilities``
                          (``predict_proba``); with ``zipmap`` skl2onnx's
                          ``output_label`` and ``output_probability``
ConvNetRegressor          ``variable``: (n_samples, n_outputs)
a skconv step feeding     its ``transform`` output, into the next step
another step
========================= ======================================================

Every layer exports: convolutions with 'valid' or 'same' padding (explicit
pads, so even kernels pad one more row and column at the bottom and right,
as skconv does) and strides; max, average and global pooling (rows and
columns that fill no window are dropped, as skconv does); batch
normalisation with its running statistics; dropout as the identity; every
activation. float32 models run onnxruntime's own kernels; float64 models
compute in float64, with convolution and average pooling written as slices
and a matrix product, because onnxruntime has no float64 ``Conv`` or
``AveragePool``.
"""

from ._converters import register
from ._export import check_fitted, check_sample, convert

register()


def to_onnx(model, X_sample, *, target_opset=None, options=None):
    """Convert a fitted skconv estimator, or a pipeline holding one, to ONNX.

    Parameters
    ----------
    model : ConvNetClassifier, ConvNetRegressor or Pipeline
        Fitted. Any pipeline skl2onnx converts may hold skconv steps; a
        skconv step that feeds another step (CNN features into an ``SVC``,
        say) exports its ``transform``.
    X_sample : array-like of shape (n_samples, n_features)
        A few rows of the data the model predicts on (images may be given
        as (n_samples, height, width) or (n_samples, channels, height,
        width)): they fix the input's width and type, float32 for float32
        data and float64 otherwise. The graph's input is named ``"X"`` and
        takes flattened rows.
    target_opset : int, default=None
        The ONNX opset; None lets skl2onnx choose its latest tested one.
        skconv's converters need 13 or later.
    options : dict, default=None
        The converter options of skl2onnx, keyed by ``id(estimator)`` or by type.
        skconv's classifier accepts ``zipmap`` (True, False or "columns")
        and both estimators ``transform`` (True: export ``transform``).
        Defaults here: ``zipmap=False`` (label and probabilities as plain
        tensors; ``skl2onnx.to_onnx`` defaults to True, as for every
        classifier), and ``transform=True`` for a skconv step that feeds
        another step.

    Returns
    -------
    onnx_model : onnx.ModelProto
        Run it with ``onnxruntime.InferenceSession(onnx_model.SerializeToString())``.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the model, or a step of it, is not fitted (the step is named).
    ValueError
        If ``X_sample`` does not have the number of features the model was
        fitted on.
    RuntimeError
        If skl2onnx cannot convert a step of a pipeline (the step is named).

    Notes
    -----
    Nothing is written on the model. Labels are those of ``predict``: int64
    for integer classes, the classes' own dtype for floats and booleans,
    strings for strings. With ``zipmap`` the probabilities are float32,
    the only type ONNX's ``ZipMap`` takes.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime
    >>> from skconv import ConvNetClassifier
    >>> from skconv.datasets import make_shapes
    >>> from skconv.onnx import to_onnx
    >>> X, y = make_shapes(200, image_size=12, random_state=0)
    >>> clf = ConvNetClassifier(filters=(4,), max_iter=2, random_state=0).fit(X, y)
    >>> session = onnxruntime.InferenceSession(to_onnx(clf, X[:1]).SerializeToString())
    >>> label, proba = session.run(None, {"X": X[:5]})
    >>> bool((label == clf.predict(X[:5])).all())
    True
    >>> bool(np.allclose(proba, clf.predict_proba(X[:5]), atol=1e-5))
    True
    """
    check_fitted(model)
    X_sample = check_sample(model, X_sample)
    return convert(model, X_sample, target_opset, options)


__all__ = ["register", "to_onnx"]
