"""A small front end to the graph skl2onnx builds: constants and nodes by name.

skl2onnx hands a converter a ``scope`` (unique names) and a ``container``
(nodes and initializers); :class:`Graph` wraps the two so that a layer's
converter reads as the arithmetic it exports, one ``op`` per ONNX node.
"""

import numpy as np
from onnx import TensorProto
from onnx.helper import np_dtype_to_tensor_dtype

#: The lowest ONNX opset the converters use: Slice, Pad and ReduceSum with
#: their inputs (not attributes) and Softmax over one axis.
MIN_OPSET = 13


def tensor_type(dtype):
    """The ONNX element type of a NumPy dtype (strings for str and object)."""
    dtype = np.dtype(dtype)
    if dtype.kind in "OUS":
        return TensorProto.STRING
    return np_dtype_to_tensor_dtype(dtype)


class Graph:
    """Nodes and constants of one converter, computing in ``dtype``.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
    container : skl2onnx.common._container.ModelComponentContainer
    dtype : numpy dtype
        float32 or float64: the dtype of the model's parameters, which every
        constant made by :meth:`weights` and every computation uses.
    """

    def __init__(self, scope, container, dtype):
        if container.target_opset < MIN_OPSET:
            raise RuntimeError(
                f"skconv's ONNX converters need target_opset >= {MIN_OPSET}; got "
                f"{container.target_opset}."
            )
        self.scope = scope
        self.container = container
        self.dtype = np.dtype(dtype)
        self.proto = tensor_type(self.dtype)

    def constant(self, value, hint="const"):
        """An initializer holding ``value`` (its own dtype); returns its name."""
        value = np.asarray(value)
        name = self.scope.get_unique_variable_name(hint)
        if value.dtype.kind in "OUS":
            content = [str(v).encode("utf-8") for v in value.ravel()]
        else:
            content = value.ravel()
        self.container.add_initializer(name, tensor_type(value.dtype),
                                       list(value.shape), content)
        return name

    def weights(self, value, hint="weights"):
        """A constant in the graph's dtype (the model's parameters)."""
        return self.constant(np.asarray(value, dtype=self.dtype), hint)

    def ints(self, values, hint="ints"):
        """A constant int64 vector (shapes, axes, indices)."""
        return self.constant(np.asarray(values, dtype=np.int64), hint)

    def op(self, op_type, inputs, output=None, **attributes):
        """Add one node; returns the name of its (first) output.

        ``output`` names the result (one of the operator's declared outputs);
        by default a fresh name derived from ``op_type``.
        """
        if output is None:
            output = self.scope.get_unique_variable_name(op_type.lower())
        self.container.add_node(
            op_type, list(inputs), [output],
            name=self.scope.get_unique_operator_name(op_type), **attributes,
        )
        return output
