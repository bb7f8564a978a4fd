"""skl2onnx parsers, shape calculators and converters of the two estimators.

:func:`register` joins them to skl2onnx's registry, as its "custom model"
tutorials do (``update_registered_converter``), so that ``skl2onnx.to_onnx``
converts a pipeline with a skconv step and its other steps as usual.

Outputs, named as skl2onnx names those of its own estimators:

* ``ConvNetClassifier``: ``label`` (the classes of ``predict``; for
  multilabel targets the int64 indicator matrix) and ``probabilities``
  (``predict_proba``), or with the ``zipmap`` option skl2onnx's
  ``output_label`` and ``output_probability`` (a list of dictionaries);
* ``ConvNetRegressor``: ``variable``, of shape (n_samples, n_outputs);
* either, with the option ``transform=True``: ``variable``, the output of
  ``transform`` (a skconv step feeding another estimator in a pipeline).
"""

import numpy as np
from skl2onnx import update_registered_converter

# What update_registered_converter itself registers for a classifier with
# the zipmap option; ConvNetClassifier adds the transform option around it.
from skl2onnx._parse import _parse_sklearn_classifier
from skl2onnx.common.data_types import (
    BooleanTensorType,
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
    guess_proto_type,
    guess_tensor_type,
)

from .._classifier import ConvNetClassifier
from .._regressor import ConvNetRegressor
from .._targets import MULTILABEL
from ._graph import Graph
from ._layers import convert_layers

ALIASES = {
    ConvNetClassifier: "SkconvConvNetClassifier",
    ConvNetRegressor: "SkconvConvNetRegressor",
}

#: Options each estimator's converter accepts, with their allowed values.
OPTIONS = {
    ConvNetClassifier: {"zipmap": [True, False, "columns"], "nocl": [False, True],
                        "transform": [False, True]},
    ConvNetRegressor: {"transform": [False, True]},
}

#: skl2onnx's tensor type of each output dtype.
TENSOR_TYPES = {
    np.dtype(np.float32): FloatTensorType,
    np.dtype(np.float64): DoubleTensorType,
    np.dtype(np.int64): Int64TensorType,
    np.dtype(np.bool_): BooleanTensorType,
    np.dtype(object): StringTensorType,
}

#: The dtype a label output holds, by the kind of ``classes_.dtype``.
LABEL_DTYPES = {"i": np.int64, "u": np.int64, "b": np.bool_, "U": object, "S": object}


def label_values(classes):
    """``classes_`` as the values of the label output (int64, bool, float or str)."""
    classes = np.asarray(classes)
    if classes.dtype.kind == "O":  # all strings, or numbers from an object array
        if all(isinstance(c, str) for c in classes):
            return classes
        classes = np.asarray(classes.tolist())
    if classes.dtype.kind == "f":
        return classes  # exported as they are, float32 or float64
    if classes.dtype.kind not in LABEL_DTYPES:
        raise TypeError(
            f"Cannot export class labels of dtype {classes.dtype} to ONNX: classes "
            "must be integers, booleans, floats or strings."
        )
    dtype = LABEL_DTYPES[classes.dtype.kind]
    if dtype is object:
        return np.array([str(c) for c in classes], dtype=object)
    return classes.astype(dtype)


def _model_dtype(model):
    return model._dtype()


def _options(scope, model):
    defaults = {"transform": False}
    if isinstance(model, ConvNetClassifier):
        defaults.update(zipmap=True, nocl=False)
    return scope.get_options(model, defaults)


def _labels(scope, model):
    """The label output's values: ``classes_``, or their indices with ``nocl``.

    ZipMap's keys are int64 or strings: with ``zipmap``, float and boolean
    classes (integers in value: scikit-learn refuses others) become int64,
    as skl2onnx makes them.
    """
    options = _options(scope, model)
    if options["nocl"]:
        return np.arange(len(model.classes_), dtype=np.int64)
    labels = label_values(model.classes_)
    if options["zipmap"] and labels.dtype.kind in "fb":
        return labels.astype(np.int64)
    return labels


# -------------------------------------------------------------- parsers


def _declare(scope, model, inputs, name):
    """One operator for ``model`` with one output ``name``."""
    operator = scope.declare_local_operator(ALIASES[type(model)], model)
    operator.inputs = inputs
    operator.outputs.append(
        scope.declare_local_variable(name, guess_tensor_type(inputs[0].type)))
    return operator.outputs


def parse_classifier(scope, model, inputs, custom_parsers=None):
    if _options(scope, model)["transform"]:
        return _declare(scope, model, inputs, "variable")
    return _parse_sklearn_classifier(scope, model, inputs, custom_parsers=custom_parsers)


def parse_regressor(scope, model, inputs, custom_parsers=None):
    return _declare(scope, model, inputs, "variable")


# ---------------------------------------------------------- shape calculators


def _check_input(operator):
    n_inputs = len(operator.inputs)
    model = operator.raw_operator
    if n_inputs != 1:
        raise RuntimeError(
            f"{type(model).__name__} takes one input tensor; got {n_inputs}.")
    input_type = operator.inputs[0].type
    if not isinstance(input_type, (FloatTensorType, DoubleTensorType)):
        raise TypeError(
            f"{type(model).__name__} takes a float or double tensor; got "
            f"{type(input_type).__name__}.")
    width = input_type.shape[1] if len(input_type.shape) == 2 else None
    if width is not None and width != model.n_features_in_:
        raise ValueError(
            f"{type(model).__name__} was fitted on {model.n_features_in_} features, "
            f"but its ONNX input has {width}.")
    return operator.inputs[0].get_first_dimension()


def calculate_shapes(operator):
    """Types and shapes of the outputs, from the fitted model."""
    n = _check_input(operator)
    model = operator.raw_operator
    options = _options(operator.scope_inst, model)
    dtype = np.dtype(_model_dtype(model))
    if options["transform"]:
        operator.outputs[0].type = TENSOR_TYPES[dtype]([n, model._n_features_out])
        return
    if not isinstance(model, ConvNetClassifier):
        operator.outputs[0].type = TENSOR_TYPES[dtype]([n, model.n_outputs_])
        return
    labels = _labels(operator.scope_inst, model)
    multilabel = model._target_type == MULTILABEL
    label_dtype = np.dtype(np.int64) if multilabel else labels.dtype
    operator.outputs[0].type = TENSOR_TYPES[label_dtype](
        [n, len(labels)] if multilabel else [n])
    operator.outputs[1].type = _probability_type(options["zipmap"], dtype,
                                                 operator.outputs[1].type)([n, len(labels)])


def _probability_type(zipmap, dtype, declared):
    """The type of the probabilities: the model's dtype, or what zipmap needs.

    ONNX's ZipMap takes float32 only; zipmap="columns" slices the tensor
    into outputs that skl2onnx has declared with the input's type.
    """
    if zipmap == "columns":
        return type(declared)
    return FloatTensorType if zipmap else TENSOR_TYPES[dtype]


# -------------------------------------------------------------- converters


def _network(graph, model, x, n_layers=None):
    """The network's outputs (or ``layers_[:n_layers]``'s) for rows ``x``."""
    x = graph.op("Cast", [x], to=graph.proto)
    x = graph.op("Reshape", [x, graph.ints((-1,) + tuple(model.image_shape_), "shape")])
    return convert_layers(graph, model.layers_[:n_layers], x, model.image_shape_)


def _binary(graph, logits, labels):
    # One logit z, the log-odds of classes_[1]: sigmoid(-z) and sigmoid(z).
    negative = graph.op("Sigmoid", [graph.op("Neg", [logits])])
    proba = graph.op("Concat", [negative, graph.op("Sigmoid", [logits])], axis=1)
    positive = graph.op("Greater", [logits, graph.weights(0, "zero")])
    codes = graph.op("Reshape", [graph.op("Cast", [positive], to=7),  # INT64
                                 graph.ints([-1], "flat")])
    return graph.op("Gather", [graph.constant(labels, "classes"), codes], axis=0), proba


def _multiclass(graph, logits, labels):
    proba = graph.op("Softmax", [logits], axis=1)
    codes = graph.op("ArgMax", [logits], axis=1, keepdims=0)
    return graph.op("Gather", [graph.constant(labels, "classes"), codes], axis=0), proba


def _multilabel(graph, logits, labels):
    positive = graph.op("Greater", [logits, graph.weights(0, "zero")])
    return graph.op("Cast", [positive], to=7), graph.op("Sigmoid", [logits])  # INT64


#: Label and probabilities from the logits, by ``_target_type``.
HEADS = {"binary": _binary, "multiclass": _multiclass, MULTILABEL: _multilabel}


def convert_classifier(scope, operator, container):
    model = operator.raw_operator
    graph = Graph(scope, container, _model_dtype(model))
    x = operator.inputs[0].full_name
    if _options(scope, model)["transform"]:
        features = _network(graph, model, x, n_layers=-1)
        graph.op("Identity", [features], output=operator.outputs[0].full_name)
        return
    label, proba = HEADS[model._target_type](graph, _network(graph, model, x),
                                             _labels(scope, model))
    graph.op("Identity", [label], output=operator.outputs[0].full_name)
    proba_type = guess_proto_type(operator.outputs[1].type)
    if proba_type != graph.proto:  # see _probability_type
        graph.op("Cast", [proba], output=operator.outputs[1].full_name, to=proba_type)
    else:
        graph.op("Identity", [proba], output=operator.outputs[1].full_name)


def convert_regressor(scope, operator, container):
    model = operator.raw_operator
    graph = Graph(scope, container, _model_dtype(model))
    n_layers = -1 if _options(scope, model)["transform"] else None
    outputs = _network(graph, model, operator.inputs[0].full_name, n_layers)
    graph.op("Identity", [outputs], output=operator.outputs[0].full_name)


def register():
    """Register both estimators' converters with skl2onnx (idempotent)."""
    for cls, parser, converter in (
        (ConvNetClassifier, parse_classifier, convert_classifier),
        (ConvNetRegressor, parse_regressor, convert_regressor),
    ):
        update_registered_converter(
            cls, ALIASES[cls], calculate_shapes, converter, overwrite=True,
            parser=parser, options=OPTIONS[cls],
        )
