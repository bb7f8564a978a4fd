"""The PyTorch twin of a skconv network: same layers, same start, same batches.

:func:`torch_model` maps skconv's layers, one by one, to ``torch.nn``
modules with the weights copied in; :func:`torch_epoch` trains it on the
batch orders of :func:`benchmarks._replay.epoch_orders`;
:func:`first_batch_check` compares one batch's loss and gradients in both
frameworks. PyTorch is optional: :data:`torch` is None without it.

Import this module before threadpoolctl limits the thread pools, so that
the limit also covers the OpenMP runtime torch loads.
"""

import copy
import time

import numpy as np

from skconv import network

from ._replay import softmax_loss_and_gradients

try:
    import torch
    from torch import nn
except ImportError:  # torch is optional
    torch = nn = None


def version():
    """torch's version string, or None without torch."""
    return None if torch is None else torch.__version__


def set_threads(threads):
    if torch is not None:
        torch.set_num_threads(threads)


def _conv(layer):
    W, b = layer.params["W"], layer.params["b"]
    (top, bottom), (left, right) = layer.geometry(*layer.input_shape[1:])[0]
    if (top, left) != (bottom, right):
        raise NotImplementedError(
            "the benchmark maps symmetric padding only ('valid', or 'same' with "
            "odd kernels and stride 1)"
        )
    conv = nn.Conv2d(W.shape[1], W.shape[0], layer.kernel_size, stride=layer.stride,
                     padding=(top, left))
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(W))  # (F, C, kh, kw) in both
        conv.bias.copy_(torch.from_numpy(b))
    return conv


def _linear(layer):
    W, b = layer.params["W"], layer.params["b"]  # W: (n_inputs, n_units)
    linear = nn.Linear(W.shape[0], W.shape[1])
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
        linear.bias.copy_(torch.from_numpy(b))
    return linear


def _batch_norm(layer):
    # skconv's momentum weighs the old running value (Keras' convention).
    kind = nn.BatchNorm2d if len(layer.input_shape) == 3 else nn.BatchNorm1d
    norm = kind(layer.input_shape[0], eps=layer.epsilon, momentum=1 - layer.momentum)
    with torch.no_grad():
        norm.weight.copy_(torch.from_numpy(layer.params["gamma"]))
        norm.bias.copy_(torch.from_numpy(layer.params["beta"]))
    return norm


#: A ``torch.nn`` module for a built skconv layer, by the layer's type name
#: (a key of ``skconv.layers.LAYERS``).
MIRRORS = {
    "Conv2D": _conv,
    "MaxPool2D": lambda layer: nn.MaxPool2d(layer.pool_size, layer.stride),
    "AvgPool2D": lambda layer: nn.AvgPool2d(layer.pool_size, layer.stride),
    "Flatten": lambda layer: nn.Flatten(),  # NCHW in C order, as skconv's
    "Dense": _linear,
    "BatchNormalization": _batch_norm,
    "ReLU": lambda layer: nn.ReLU(),
    "Tanh": lambda layer: nn.Tanh(),
    "Logistic": lambda layer: nn.Sigmoid(),
    "Identity": lambda layer: nn.Identity(),
}

#: Weight gradients in PyTorch's layout, by skconv layer type.
TORCH_LAYOUT = {"Dense": lambda grad: grad.T}


def torch_model(layers):
    """The same network in PyTorch, with skconv's weights copied in."""
    modules = []
    for layer in layers:
        name = layer.get_config()["type"]
        if name not in MIRRORS:
            raise NotImplementedError(f"no PyTorch mapping for {layer!r}")
        modules.append(MIRRORS[name](layer))
    return nn.Sequential(*modules)


def torch_optimizer(model, clf):
    """PyTorch's Adam with the estimator's settings (Adam is all it maps)."""
    p = clf.get_params()
    if p["solver"] != "adam":
        raise NotImplementedError("the benchmark maps solver='adam' only")
    return torch.optim.Adam(
        model.parameters(),
        lr=p["learning_rate_init"],
        betas=(p["beta_1"], p["beta_2"]),
        eps=p["epsilon"],
    )


def torch_epoch(model, optimizer, X, y, order, batch_size):
    """One training epoch over ``order`` in skconv's batches; mean loss."""
    model.train()
    loss_fn = nn.CrossEntropyLoss()
    order = torch.from_numpy(order)
    total = 0.0
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(X[idx]), y[idx])
        loss.backward()
        optimizer.step()
        total += loss.item() * len(idx)
    return total / len(order)


def initial_logit_diff(layers, model, images):
    """Largest difference of the two networks' inference logits on ``images``."""
    ours = network.forward(layers, images)
    with torch.no_grad():
        theirs = model(torch.from_numpy(images)).numpy()
    return float(np.abs(ours - theirs).max())


def first_batch_check(layers, model, images, y, n_classes):
    """Loss and gradients of one batch in both frameworks, from the same start.

    skconv's side composes its public pieces: a training forward pass, the
    fused softmax cross-entropy and the backward pass
    (:func:`benchmarks._replay.softmax_loss_and_gradients`), then
    :func:`skconv.network.gradients`, whose order (layer, then ``W``, ``b``)
    is that of ``model.parameters()``. Both sides work on copies.

    Returns
    -------
    loss_abs_diff : float
    grad_rel_diff : float
        The largest gradient difference relative to the largest gradient
        entry of its parameter (at least 1% of the network's largest);
        float32 rounding alone gives about 1e-6, and one ReLU or max-pool
        decision on a value that rounds to the other side of a tie gives
        1e-4 to 1e-3 on that batch.
    """
    layers = copy.deepcopy(layers)
    loss = softmax_loss_and_gradients(layers, images, y, n_classes)
    # network.gradients: layer by layer, each layer's keys in order.
    types = [layer.get_config()["type"] for layer in layers for _ in layer.params]
    ours = [
        TORCH_LAYOUT.get(name, np.asarray)(grad)
        for name, grad in zip(types, network.gradients(layers), strict=True)
    ]
    model = copy.deepcopy(model)
    torch_loss = nn.functional.cross_entropy(
        model(torch.from_numpy(images)), torch.from_numpy(y.astype(np.int64))
    )
    torch_loss.backward()
    # A gradient that is zero in exact arithmetic (a bias followed by batch
    # normalisation) is rounding noise in both: compare it on 1% of the
    # largest gradient entry of the network rather than on itself.
    largest = max(float(np.abs(mine).max()) for mine in ours)
    worst = 0.0
    for mine, param in zip(ours, model.parameters(), strict=True):
        theirs = param.grad.numpy()
        scale = max(float(np.abs(mine).max()), 1e-2 * largest, 1e-30)
        worst = max(worst, float(np.abs(mine - theirs).max()) / scale)
    return abs(loss - torch_loss.item()), worst


def inference(model, X, batch, repeats):
    """Images/s of ``repeats`` timed passes (after one untimed), and probabilities."""
    model.eval()
    X = torch.from_numpy(X)
    times = []
    with torch.no_grad():
        for i in range(0, len(X), batch):  # warm-up, untimed
            model(X[i : i + batch])
        for _ in range(repeats):
            start = time.perf_counter()
            proba = np.vstack(
                [
                    torch.softmax(model(X[i : i + batch]), 1).numpy()
                    for i in range(0, len(X), batch)
                ]
            )
            times.append(time.perf_counter() - start)
    return [len(X) / t for t in times], proba
