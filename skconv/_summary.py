"""``summary()``: a model's layers, their shapes, parameters, FLOPs and memory."""

import copy
from dataclasses import dataclass

import numpy as np

from . import network
from ._input import flatten_images, resolve_image_shape


@dataclass(frozen=True)
class Summary:
    """A network described layer by layer, as ``estimator.summary()`` returns it.

    ``str(summary)`` is the table that ``print(estimator.summary())`` shows.

    Parameters
    ----------
    input_shape : tuple of (int, int, int)
        ``(channels, height, width)`` of one image.
    rows : list of LayerDescription
        One per layer, in order: ``name``, ``output_shape`` (one sample),
        ``n_params``, ``flops`` (forward pass, one sample, a multiply-add
        counted as 2), ``memory`` (bytes of the layer's output for one
        sample) and ``config``. Values that depend on the still unknown
        number of outputs are None.
    total_params : int or None
        Trainable parameters of the whole network; None while the output
        layer's size is unknown.
    total_flops : int or None
        Forward-pass FLOPs per sample; None while unknown.
    dtype : numpy.dtype
        The dtype the memory figures assume.
    """

    input_shape: tuple
    rows: list
    total_params: int
    total_flops: int
    dtype: np.dtype

    def __str__(self):
        header = ("Layer", "Output shape", "Params", "FLOPs", "Memory")
        lines = [("Input", _shape(self.input_shape), "", "", "")]
        lines += [
            (row.name, _shape(row.output_shape), _count(row.n_params),
             _count(row.flops), _bytes(row.memory))
            for row in self.rows
        ]
        total = ("Total", "", _count(self.total_params), _count(self.total_flops), "")
        widths = [max(len(line[i]) for line in [header, *lines, total])
                  for i in range(len(header))]

        def render(line):
            cells = [line[0].ljust(widths[0]), line[1].ljust(widths[1])]
            cells += [cell.rjust(width) for cell, width in zip(line[2:], widths[2:])]
            return "  ".join(cells).rstrip()

        rule = "-" * len(render(header))
        body = [render(line) for line in lines]
        footer = (f"FLOPs and memory per sample ({np.dtype(self.dtype).name}); "
                  "? = set by the targets at fit time.")
        return "\n".join([render(header), rule, *body, rule, render(total), footer])

    def _repr_pretty_(self, printer, cycle):  # IPython shows the table
        printer.text(str(self))


def _shape(shape):
    sizes = ["?" if size is None else str(size) for size in shape]
    return "(" + ", ".join(sizes) + ("," if len(sizes) == 1 else "") + ")"


def _count(value):
    return "?" if value is None else f"{value:,}"


def _bytes(value):
    if value is None:
        return "?"
    for unit in ("B", "KiB", "MiB"):
        if value < 1024 or unit == "MiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024


def _total(values):
    values = list(values)
    return None if any(value is None for value in values) else int(sum(values))


def summarize(estimator, X=None, y=None):
    """The :class:`Summary` of a fitted estimator, or of the network it would build."""
    # A snapshot: a refit committing in another thread cannot mix models here.
    estimator = copy.copy(estimator)
    if hasattr(estimator, "layers_"):
        layers, input_shape = estimator.layers_, estimator.image_shape_
        dtype = layers[-1].params["W"].dtype
    else:
        architecture = estimator._validate_architecture()  # image_shape too
        input_shape, dtype = _input_of(estimator, X)
        n_outputs = None if y is None else estimator._n_outputs_of(y)
        layers = network.plan_layers(input_shape, n_outputs=n_outputs, **architecture)
    rows = network.describe_layers(layers, input_shape, np.dtype(dtype).itemsize)
    return Summary(
        input_shape=tuple(input_shape),
        rows=rows,
        total_params=_total(row.n_params for row in rows),
        total_flops=_total(row.flops for row in rows),
        dtype=np.dtype(dtype),
    )


def _input_of(estimator, X):
    """Image shape and dtype of an unfitted estimator's network."""
    if X is None:
        if estimator.image_shape is None:
            raise ValueError(
                f"summary() of an unfitted {type(estimator).__name__} needs the "
                "input shape: set image_shape, or pass a sample, summary(X)."
            )
        n_features = int(np.prod(estimator.image_shape))
        return resolve_image_shape(estimator.image_shape, n_features, None), np.float64
    X, shape_from_X = flatten_images(X)
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(
            f"summary(X) needs X of shape (n_samples, n_features), (n_samples, "
            f"height, width) or (n_samples, channels, height, width); got an "
            f"array of shape {X.shape}."
        )
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    return resolve_image_shape(estimator.image_shape, X.shape[1], shape_from_X), dtype
