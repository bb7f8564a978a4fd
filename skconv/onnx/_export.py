"""``to_onnx``: checks, skconv's default options, and errors that name the step."""

import numpy as np
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.validation import check_array, check_is_fitted

from .._base import BaseConvNet
from .._classifier import ConvNetClassifier
from .._input import flatten_images

#: The ONNX input type of each X_sample dtype.
INPUT_TYPES = {np.dtype(np.float32): FloatTensorType, np.dtype(np.float64): DoubleTensorType}


def leaf_steps(model, name=None, final=True, parents=()):
    """``(name, estimator, final, parents)`` for every estimator inside ``model``.

    ``final`` is True for an estimator whose outputs are the model's outputs
    (the last step of a pipeline), False for one feeding other steps;
    ``parents`` are the pipelines and unions around it, outermost first.
    Names join nested names with ``__``, as ``set_params`` does.
    """
    def child(sub):
        return sub if name is None else f"{name}__{sub}"

    inside = (*parents, model)
    if isinstance(model, Pipeline):
        steps = [(n, s) for n, s in model.steps if s not in (None, "passthrough")]
        for i, (sub, step) in enumerate(steps):
            yield from leaf_steps(step, child(sub), final and i == len(steps) - 1,
                                  inside)
    elif isinstance(model, FeatureUnion):
        for sub, step in model.transformer_list:
            if step not in (None, "drop", "passthrough"):
                yield from leaf_steps(step, child(sub), False, inside)
    elif isinstance(model, ColumnTransformer):
        for sub, step, _ in getattr(model, "transformers_", model.transformers):
            if step not in ("drop", "passthrough"):
                yield from leaf_steps(step, child(sub), False, inside)
    else:
        yield name, model, final, parents


def check_fitted(model):
    """sklearn's NotFittedError, naming the step, unless every step is fitted."""
    for name, step, _, _ in leaf_steps(model):
        try:
            check_is_fitted(step)
        except NotFittedError as exc:
            if name is None:
                raise
            raise NotFittedError(
                f"Step {name!r} of the model to export is not fitted: {exc}"
            ) from exc


def check_sample(model, X_sample):
    """``X_sample`` as a float32 or float64 2-D array of the model's width."""
    X_sample, _ = flatten_images(X_sample)
    try:
        X_sample = check_array(X_sample, dtype=(np.float64, np.float32),
                               input_name="X_sample")
    except ValueError as exc:
        raise ValueError(
            "X_sample must hold rows of shape (n_samples, n_features) or images "
            f"(n_samples, [channels,] height, width): {exc}"
        ) from exc
    expected = getattr(model, "n_features_in_", None)
    if expected is not None and X_sample.shape[1] != expected:
        raise ValueError(
            f"X_sample has {X_sample.shape[1]} features per row, but the "
            f"{type(model).__name__} to export was fitted on {expected}: pass a "
            "few rows of the data the model predicts on."
        )
    return X_sample


def default_options(model, options):
    """The user's ``options`` plus skconv's defaults for every skconv step.

    A classifier whose outputs are the model's gives plain tensors
    (``zipmap=False``) and a skconv step feeding another step its
    ``transform`` output, unless ``options`` says otherwise for it (by
    ``id`` or by type), or for a pipeline around it (skl2onnx passes a
    pipeline's ``zipmap`` on to its classifiers).
    """
    merged = {key: dict(value) for key, value in (options or {}).items()}
    for _, step, final, parents in leaf_steps(model):
        if not isinstance(step, BaseConvNet):
            continue
        given = {}
        for owner in (*parents, step):
            given.update(merged.get(type(owner), {}))
            given.update(merged.get(id(owner), {}))
        defaults = {"transform": not final}
        if isinstance(step, ConvNetClassifier) and final:
            defaults["zipmap"] = False
        missing = {key: value for key, value in defaults.items() if key not in given}
        if missing:
            merged[id(step)] = {**merged.get(id(step), {}), **missing}
    return merged


def convert(model, X_sample, target_opset, options):
    """skl2onnx's conversion; a failing step of a pipeline is named."""
    initial_types = [("X", INPUT_TYPES[X_sample.dtype]([None, X_sample.shape[1]]))]
    try:
        return convert_sklearn(model, initial_types=initial_types,
                               target_opset=target_opset,
                               options=default_options(model, options))
    except Exception as exc:
        if not isinstance(model, Pipeline):
            raise
        name, step = failing_step(model, initial_types, target_opset, options)
        raise RuntimeError(
            f"Step {name!r} ({type(step).__name__}) of the pipeline cannot be "
            f"converted to ONNX by skl2onnx: {exc}"
        ) from exc


def failing_step(pipeline, initial_types, target_opset, options):
    """The first step whose pipeline prefix does not convert."""
    for k in range(1, len(pipeline.steps) + 1):
        prefix = pipeline[:k]
        try:
            convert_sklearn(prefix, initial_types=initial_types,
                            target_opset=target_opset,
                            options=default_options(prefix, options))
        except Exception:  # noqa: BLE001 (whatever skl2onnx raises: this step fails)
            return pipeline.steps[k - 1]
    return pipeline.steps[-1]
