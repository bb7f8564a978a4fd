"""Time spent in each layer of a skconv epoch, and the GFLOP/s it achieved.

The FLOPs are skconv's own: ``estimator.summary()`` (that is,
:func:`skconv.network.describe_layers`) counts each layer's forward pass
for one sample, a multiply-add as 2. A backward pass is counted as one
forward pass per gradient it computes: one for the parameter gradient of a
layer with parameters (``dW = X^T dY`` costs what ``Y = X W`` costs), one
for the input gradient, which skconv skips in the first layer. So a hidden
convolution or dense layer costs 3 forward passes per sample in training,
the first layer 2, a pooling layer or activation 2, ``Flatten`` nothing.
"""

import copy
import time


class TimedMethod:
    """An instance attribute replacing ``layer.forward`` or ``layer.backward``.

    It adds the seconds spent to ``stats[key]`` and records in
    ``stats[(index, "no_input_grad")]`` a backward pass that returned no
    input gradient. ``partial_fit`` deep-copies the fitted layers before
    training, so ``__deepcopy__`` rebinds the timer to the copy of its layer
    (which ``copy.deepcopy`` has registered in ``memo`` before it copies the
    layer's attributes).
    """

    def __init__(self, layer, method, stats, key):
        self.layer, self.method, self.stats, self.key = layer, method, stats, key

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        out = getattr(type(self.layer), self.method)(self.layer, *args, **kwargs)
        self.stats[self.key] = (
            self.stats.get(self.key, 0.0) + time.perf_counter() - start
        )
        if self.method == "backward" and out is None:  # input gradient skipped
            self.stats[(self.key[0], "no_input_grad")] = True
        return out

    def __deepcopy__(self, memo):
        layer = memo.get(id(self.layer), self.layer)
        return TimedMethod(layer, self.method, self.stats, self.key)


def instrumented_epoch(clf, X, y):
    """One ``partial_fit`` epoch on a copy of fitted ``clf``, timing every layer.

    Returns
    -------
    stats : dict
        Seconds by ``(layer index, "forward" or "backward")``, and True at
        ``(layer index, "no_input_grad")`` for layers that skipped it.
    total : float
        Seconds of the whole ``partial_fit`` call.
    copy : ConvNetClassifier
        The copy trained.
    """
    clf = copy.deepcopy(clf)
    stats = {}
    for i, layer in enumerate(clf.layers_):
        layer.forward = TimedMethod(layer, "forward", stats, (i, "forward"))
        layer.backward = TimedMethod(layer, "backward", stats, (i, "backward"))
    start = time.perf_counter()
    clf.partial_fit(X, y)
    total = time.perf_counter() - start
    return stats, total, clf


def training_flops(row, input_grad):
    """Forward and backward FLOPs of one sample through a described layer."""
    forward = row.flops or 0
    passes = int(bool(row.n_params)) + int(input_grad)
    return forward, passes * forward


def layer_label(index, row, input_shape, input_grad):
    """``"3: Conv2D 8->16 13x13"``, ``"7: Dense 400->64"``, ``"1: ReLU 8x13x13"``."""
    name = row.name
    if name == "Conv2D":
        label = f"{name} {input_shape[0]}->{row.output_shape[0]} " + "x".join(
            map(str, input_shape[1:])
        )
    elif name == "Dense":
        label = f"{name} {input_shape[0]}->{row.output_shape[0]}"
    else:
        label = f"{name} {'x'.join(map(str, input_shape))}"
    return f"{index}: {label}" + ("" if input_grad else " (no dX)")


def gflops_rows(name, clf, stats, total, n_samples, peak):
    """Table rows of time and GFLOP/s per layer, and their JSON summary.

    ``clf`` is the fitted estimator whose epoch ``stats`` and ``total``
    time (from :func:`instrumented_epoch`); ``peak`` is the matmul peak in
    GFLOP/s.
    """
    summary = clf.summary()
    rows = []
    flops_total = 0
    layer_time = 0.0
    shape = summary.input_shape
    for i, row in enumerate(summary.rows):
        input_grad = (i, "no_input_grad") not in stats
        fwd, bwd = training_flops(row, input_grad)
        t_f = stats.get((i, "forward"), 0.0)
        t_b = stats.get((i, "backward"), 0.0)
        layer_time += t_f + t_b
        flops_total += (fwd + bwd) * n_samples
        rows.append(
            [
                name,
                layer_label(i, row, shape, input_grad),
                t_f,
                fwd * n_samples / t_f / 1e9 if fwd and t_f else None,
                t_b,
                bwd * n_samples / t_b / 1e9 if bwd and t_b else None,
                100 * (t_f + t_b) / total,
            ]
        )
        shape = row.output_shape
    rest = total - layer_time
    rows.append(
        [name, "loss, optimizer, batching, checks", None, None, rest, None,
         100 * rest / total]
    )
    rows.append(
        [name, "whole epoch", None, None, total, flops_total / total / 1e9, 100.0]
    )
    result = {
        "epoch_seconds": total,
        "epoch_gflop": flops_total / 1e9,
        "epoch_gflops_per_s": flops_total / total / 1e9,
        "fraction_of_matmul_peak": flops_total / total / 1e9 / peak,
        "forward_flops_per_sample": summary.total_flops,
        "layers": [
            {
                "layer": r[1],
                "forward_s": r[2],
                "forward_gflops": r[3],
                "backward_s": r[4],
                "backward_gflops": r[5],
                "percent": r[6],
            }
            for r in rows
        ],
    }
    return rows, result
