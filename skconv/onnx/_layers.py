"""One ONNX converter per layer type, in a table keyed by the type's name.

Each converter takes ``(graph, layer, x, shape)``: the :class:`~._graph.Graph`,
the fitted layer, the name of its input (NCHW maps or 2-D rows) and the
shape of one input sample; it returns the name of the layer's output. Every
converter computes what the layer's inference pass computes, with the
layer's own geometry: explicit padding (a 'same' even kernel pads one more
row and column at the bottom and right, as skconv does), the pools' floor
(rows and columns that fill no whole window are dropped) and batch
normalisation as ``x * scale + shift`` from the running statistics.

onnxruntime has no float64 kernel for ``Conv``, ``AveragePool`` and
``GlobalAveragePool``; for float64 models those layers are written with
operators it does run in float64 (:mod:`._double`), so a float64 model
computes in float64 from end to end.
"""

import numpy as np

from ._double import avg_pool_by_slices, conv_by_matmul


def _conv2d_native(graph, layer, x, shape):
    (top, bottom), (left, right) = layer.geometry(shape[1], shape[2])[0]
    return graph.op(
        "Conv", [x, graph.weights(layer.params["W"], "kernel"),
                 graph.weights(layer.params["b"], "bias")],
        kernel_shape=list(layer.kernel_size), strides=list(layer.stride),
        pads=[top, left, bottom, right],
    )


def _max_pool(graph, layer, x, shape):
    return graph.op("MaxPool", [x], kernel_shape=list(layer.pool_size),
                    strides=list(layer.stride))


def _avg_pool_native(graph, layer, x, shape):
    return graph.op("AveragePool", [x], kernel_shape=list(layer.pool_size),
                    strides=list(layer.stride))


def _global_avg_pool(graph, layer, x, shape):
    # Sum, then divide, as the layer does; ReduceSum runs in float64 too.
    total = graph.op("ReduceSum", [x, graph.ints([2, 3], "axes")], keepdims=0)
    return graph.op("Div", [total, graph.weights(shape[1] * shape[2], "pixels")])


def _flatten(graph, layer, x, shape):
    return graph.op("Flatten", [x], axis=1)


def _dense(graph, layer, x, shape):
    return graph.op("Gemm", [x, graph.weights(layer.params["W"], "W"),
                             graph.weights(layer.params["b"], "b")])


def _batch_normalization(graph, layer, x, shape):
    scale, shift = layer.inference_affine()
    # Per channel: (C, 1, 1) broadcasts over maps, (C,) over 2-D rows.
    per_channel = (-1,) + (1,) * (len(shape) - 1)
    scaled = graph.op("Mul", [x, graph.weights(scale.reshape(per_channel), "scale")])
    return graph.op("Add", [scaled, graph.weights(shift.reshape(per_channel), "shift")])


def _passthrough(graph, layer, x, shape):
    return x  # Identity, and Dropout in inference


def _element_wise(op_type):
    def convert(graph, layer, x, shape):
        return graph.op(op_type, [x])

    convert.__name__ = f"_{op_type.lower()}"
    return convert


def _by_dtype(native, float64):
    """A converter choosing between the native operator and its float64 form."""
    def convert(graph, layer, x, shape):
        return (float64 if graph.dtype == np.float64 else native)(graph, layer, x, shape)

    convert.__name__ = native.__name__
    return convert


#: The converter of each layer type of :data:`skconv.layers.LAYERS`.
LAYER_CONVERTERS = {
    "Conv2D": _by_dtype(_conv2d_native, conv_by_matmul),
    "MaxPool2D": _max_pool,
    "AvgPool2D": _by_dtype(_avg_pool_native, avg_pool_by_slices),
    "GlobalAvgPool2D": _global_avg_pool,
    "Flatten": _flatten,
    "Dense": _dense,
    "Dropout": _passthrough,
    "BatchNormalization": _batch_normalization,
    "Identity": _passthrough,
    "ReLU": _element_wise("Relu"),
    "Logistic": _element_wise("Sigmoid"),
    "Tanh": _element_wise("Tanh"),
}


def convert_layers(graph, layers, x, input_shape):
    """Chain the converters of ``layers`` from input ``x`` (NCHW maps).

    Returns
    -------
    output : str
        The name of the last layer's output.

    Raises
    ------
    TypeError
        If a layer has no converter.
    """
    shape = tuple(input_shape)
    for layer in layers:
        kind = type(layer).__name__
        if kind not in LAYER_CONVERTERS:
            raise TypeError(
                f"No ONNX converter for the layer type {kind}; skconv converts "
                f"{sorted(LAYER_CONVERTERS)}."
            )
        x = LAYER_CONVERTERS[kind](graph, layer, x, shape)
        shape = layer.output_shape(shape)
    return x
