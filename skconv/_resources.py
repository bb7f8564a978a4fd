"""Memory a network will need, estimated before anything is allocated.

An architecture that cannot fit (``filters=(10000,)`` on 28x28 images,
``hidden_layer_sizes=(10**9,)``, a kernel far larger than the image with
``padding="same"``) should fail at once with an error that names the
parameters, not after seconds with NumPy's ``MemoryError``.
"""

import numpy as np

from . import network
from ._fourier import fourier_bytes, fourier_pays
from .layers import Conv2D

#: Arrays per parameter value in training: the weights, their gradients
#: and the optimizer's two moments (Adam; SGD keeps one).
ARRAYS_PER_PARAMETER = 4

#: Per sample and layer output: the output itself and its gradient.
ARRAYS_PER_ACTIVATION = 2


def available_memory():
    """Bytes of memory available now (Linux' MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def training_memory(layers, input_shape, itemsize, batch_size):
    """Estimated peak bytes of training ``layers`` on batches of ``batch_size``.

    Returns
    -------
    parameters, batch : int
        Bytes of the parameters (with their gradients and optimizer state)
        and of one batch's activations, gradients, im2col windows and
        the largest FFT backward pass's spectra.
    """
    rows = network.describe_layers(layers, input_shape, itemsize)
    parameters = sum(row.n_params or 0 for row in rows) * itemsize * ARRAYS_PER_PARAMETER
    per_sample = spectra = 0
    shape = tuple(input_shape)
    for index, (layer, row) in enumerate(zip(layers, rows)):
        per_sample += (row.memory or 0) * ARRAYS_PER_ACTIVATION
        if isinstance(layer, Conv2D) and None not in row.output_shape:
            kh, kw = layer.kernel_size
            # Training keeps the window matrix (one row of C*kh*kw values per
            # output position) of inputs that are not channels-last maps of
            # at least 8 values per kernel row; the others' windows are
            # gathered again, a block at a time (skconv._correlate.correlate).
            if index == 0 or shape[0] * kw < 8:
                positions = int(np.prod(row.output_shape[1:]))
                per_sample += positions * shape[0] * kh * kw * itemsize
            # Large kernels' gradients come from whole-batch spectra, one
            # layer at a time (the first layer's too: saliency maps ask for
            # its input gradient).
            if fourier_pays(shape[0], layer.n_filters, shape[1:],
                            layer.kernel_size, layer.stride, True):
                (top, bottom), (left, right) = layer.geometry(*shape[1:])[0]
                padded = (shape[1] + top + bottom, shape[2] + left + right)
                spectra = max(spectra, fourier_bytes(shape[0], layer.n_filters, padded,
                                                     batch_size, itemsize))
        shape = row.output_shape
    return parameters, per_sample * batch_size + spectra


def check_training_memory(estimator, layers, input_shape, itemsize, batch_size):
    """A clear error if training ``layers`` cannot fit in the memory available."""
    available = available_memory()
    if available is None:
        return
    parameters, batch = training_memory(layers, input_shape, itemsize, batch_size)
    if parameters + batch > available:
        gib = 2.0**30
        raise ValueError(
            f"This network needs about {(parameters + batch) / gib:.3g} GiB to train "
            f"but {available / gib:.3g} GiB of memory is available: "
            f"{parameters / gib:.3g} GiB for its weights with their gradients and "
            f"optimizer state (filters={tuple(estimator.filters)}, "
            f"convolutions_per_block={estimator.convolutions_per_block}, "
            f"hidden_layer_sizes={tuple(estimator.hidden_layer_sizes)}, "
            f"kernel_size={estimator.kernel_size}) and {batch / gib:.3g} GiB for a "
            f"batch of {batch_size} images (batch_size, the maps' sizes, the "
            "convolution windows). Use fewer filters, convolutions or units, "
            "smaller kernels, or a smaller batch_size."
        )
