"""Convolution and average pooling from operators onnxruntime runs in float64.

onnxruntime's CPU provider implements ``Conv`` and ``AveragePool`` for
float32 only. For a float64 model both are written the way skconv computes
them (see :mod:`skconv._conv`): one strided ``Slice`` per window offset
``(i, j)``, holding ``X[:, :, i + sh * p, j + sw * q]`` for every output
position ``(p, q)``; the convolution stacks them (im2col) and makes one
``MatMul`` with the kernel matrix, the average pool sums them and divides.
The result is exact float64 arithmetic, up to the order of the sums.
"""


def _window(graph, x, offset, stride, out_shape):
    """The strided view of ``x`` that kernel offset ``(i, j)`` sees."""
    (i, j), (sh, sw), (ho, wo) = offset, stride, out_shape
    return graph.op("Slice", [
        x,
        graph.ints([i, j], "starts"),
        graph.ints([i + sh * (ho - 1) + 1, j + sw * (wo - 1) + 1], "ends"),
        graph.ints([2, 3], "axes"),
        graph.ints([sh, sw], "steps"),
    ])


def _windows(graph, x, window, stride, out_shape):
    kh, kw = window
    return [_window(graph, x, (i, j), stride, out_shape)
            for i in range(kh) for j in range(kw)]


def conv_by_matmul(graph, layer, x, shape):
    """``Conv2D`` as zero padding, im2col by slices and one matrix product."""
    _, height, width = shape
    ((top, bottom), (left, right)), out_shape = layer.geometry(height, width)
    if top or bottom or left or right:
        x = graph.op("Pad", [x, graph.ints([0, 0, top, left, 0, 0, bottom, right],
                                           "pads")])
    windows = _windows(graph, x, layer.kernel_size, layer.stride, out_shape)
    # (N, kh * kw * C, Ho, Wo): channel offset * C + c, then pixels last.
    cols = graph.op("Concat", windows, axis=1) if len(windows) > 1 else windows[0]
    cols = graph.op("Transpose", [cols], perm=[0, 2, 3, 1])
    W = layer.params["W"]  # (F, C, kh, kw) -> rows in the order of cols
    matrix = W.transpose(2, 3, 1, 0).reshape(-1, W.shape[0])
    Y = graph.op("MatMul", [cols, graph.weights(matrix, "kernel_matrix")])
    Y = graph.op("Add", [Y, graph.weights(layer.params["b"], "bias")])
    return graph.op("Transpose", [Y], perm=[0, 3, 1, 2])


def avg_pool_by_slices(graph, layer, x, shape):
    """``AvgPool2D`` as the sum of the window offsets' slices, divided."""
    out_shape = layer.output_shape(shape)[1:]
    windows = _windows(graph, x, layer.pool_size, layer.stride, out_shape)
    total = graph.op("Sum", windows) if len(windows) > 1 else windows[0]
    count = layer.pool_size[0] * layer.pool_size[1]
    return graph.op("Div", [total, graph.weights(count, "window_size")])
