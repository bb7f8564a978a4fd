"""One convolution layer at a time: skconv, PyTorch and the bare matrix product.

Where issue 13's training target stands against what BLAS can do: for the
conv layers of ``bench_grid.py``'s networks, the forward + backward time of
skconv's Conv2D (im2col, and the FFT backward where it is used), of
PyTorch's ``Conv2d``, and of the forward pass's matrix product alone
(``windows @ kernels``, the floor of any im2col forward), each as GFLOP/s
of the layer's ``2 * C * kh * kw * F * ho * wo`` multiply-adds per sample
(three times that for forward + backward). Minimum of ``--repeats`` runs
after warm-ups, float32, the libraries' default threads.

Usage, from the repository root::

    python benchmarks/bench_conv_layers.py
"""

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the checkout it lives in
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from benchmarks import _machine, _report
from benchmarks import _torch_mirror as mirror
from skconv._fourier import fourier_pays
from skconv._layout import channels_last_copy
from skconv._threads import compute_threads
from skconv.layers import Conv2D

#: (batch, channels, filters, map size, kernel, padding): the second and
#: later conv layers of bench_grid's networks (the ones with an input
#: gradient), and two of the recipe's.
LAYERS = [
    (64, 8, 16, 13, 3, "valid"),
    (64, 32, 64, 13, 3, "valid"),
    (64, 32, 64, 14, 3, "same"),
    (64, 64, 128, 7, 3, "same"),
    (128, 32, 32, 28, 3, "same"),
    (64, 16, 32, 12, 5, "valid"),
    (128, 16, 32, 14, 5, "same"),
    (128, 32, 64, 7, 5, "same"),
    (64, 32, 64, 14, 5, "same"),
    (32, 8, 16, 14, 7, "same"),
]


def best_of(function, repeats):
    for _ in range(2):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(shape, repeats, torch):
    n, channels, n_filters, size, kernel, padding = shape
    rng = np.random.default_rng(0)
    X = channels_last_copy(rng.standard_normal((n, channels, size, size)).astype(np.float32))
    conv = Conv2D(n_filters, kernel, padding=padding)
    conv.build((channels, size, size), np.random.RandomState(0), np.float32)
    _, (ho, wo) = conv.geometry(size, size)
    dout = channels_last_copy(rng.standard_normal((n, n_filters, ho, wo)).astype(np.float32))
    flops = 2 * n * ho * wo * channels * kernel * kernel * n_filters

    def skconv_step():
        conv.forward(X, training=True)
        conv.backward(dout)

    windows = rng.standard_normal((n * ho * wo, kernel * kernel * channels)).astype(np.float32)
    weights = rng.standard_normal((kernel * kernel * channels, n_filters)).astype(np.float32)
    with compute_threads():
        skconv_seconds = best_of(skconv_step, repeats)
    product_seconds = best_of(lambda: windows @ weights, repeats)

    x = torch.randn(n, channels, size, size, requires_grad=True)
    layer = torch.nn.Conv2d(channels, n_filters, kernel,
                            padding=kernel // 2 if padding == "same" else 0)
    grad = torch.randn(n, n_filters, ho, wo)

    def torch_step():
        layer(x).backward(grad)

    torch_seconds = best_of(torch_step, repeats)
    fourier = fourier_pays(channels, n_filters, (size, size), (kernel, kernel), (1, 1), True)
    return [
        f"{n}x{channels}->{n_filters} {size}x{size} k{kernel} {padding}",
        "fft" if fourier else "im2col",
        3 * flops / skconv_seconds / 1e9,
        3 * flops / torch_seconds / 1e9,
        flops / product_seconds / 1e9,
        skconv_seconds / torch_seconds,
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    torch = mirror.torch
    if torch is None:
        sys.exit("bench_conv_layers.py compares with PyTorch: pip install torch")
    _machine.print_machine(_machine.machine_info(mirror.version()),
                           title="skconv conv layers against PyTorch and the bare product")
    peak = _machine.matmul_peak()
    print(f"float32 matmul peak {peak:.0f} GFLOP/s (np.dot, 2048 x 2048)")
    rows = [measure(shape, args.repeats, torch) for shape in LAYERS]
    _report.table(
        ["layer (batch x C->F)", "skconv dK, dX", "skconv fwd+bwd GFLOP/s",
         "torch fwd+bwd GFLOP/s", "fwd product alone GFLOP/s", "skconv / torch time"],
        rows,
    )


if __name__ == "__main__":
    main()
