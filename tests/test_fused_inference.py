"""Inference runs the per-sample layers after a convolution on each of its blocks
(skconv._passes)."""

import numpy as np
import pytest

from skconv import _passes, _threads, network
from skconv.layers import (
    AvgPool2D,
    BatchNormalization,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAvgPool2D,
    MaxPool2D,
    ReLU,
    Tanh,
)


def built_stack(layers, input_shape, dtype, seed=0):
    rng = np.random.RandomState(seed)
    shape = input_shape
    for layer in layers:
        layer.build(shape, rng, dtype)
        if "b" in layer.params:
            layer.params["b"] = rng.normal(size=layer.params["b"].shape).astype(dtype)
        shape = layer.output_shape(shape)
    return layers


def one_layer_at_a_time(layers, X):
    for layer in layers:
        X = layer.forward(X)
    return X


STACKS = {
    "valid 3x3, 2x2 pool": (lambda: [Conv2D(4, 3), MaxPool2D(2), ReLU(), Flatten(), Dense(3)],
                            (1, 9, 9)),
    "same 5x5, channels": (lambda: [Conv2D(8, 5, padding="same"), MaxPool2D(2), ReLU(),
                                    Conv2D(6, 3, padding="same"), MaxPool2D(2), Flatten()],
                           (3, 12, 10)),
    "overlapping 3x3 pool, stride 2": (lambda: [Conv2D(5, 3), MaxPool2D(3, stride=2)],
                                       (2, 11, 11)),
    "rectangular pool, 1x1 kernel": (lambda: [Conv2D(4, 1), MaxPool2D((2, 3))], (3, 8, 9)),
    "strided conv": (lambda: [Conv2D(4, 3, stride=2, padding="same"), MaxPool2D(2)],
                     (1, 13, 13)),
    "batch norm, pool, relu": (lambda: [Conv2D(8, 3, padding="same"), BatchNormalization(),
                                        MaxPool2D(2), ReLU(), Flatten(), Dense(2)],
                               (1, 10, 10)),
    "two convs per block": (lambda: [Conv2D(4, 3, padding="same"), BatchNormalization(),
                                     ReLU(), Dropout(0.3), Conv2D(6, 3, padding="same"),
                                     BatchNormalization(), MaxPool2D(2), ReLU()],
                            (2, 8, 8)),
    "tanh, average pool": (lambda: [Conv2D(4, 2), Tanh(), AvgPool2D(2)], (1, 9, 9)),
    "conv alone, global pool": (lambda: [Conv2D(4, 3), GlobalAvgPool2D()], (1, 7, 7)),
    # The 1x1 conv reads its channels-last input's pixels in place.
    "1x1 conv on a conv map": (lambda: [Conv2D(4, 3, padding="same"), Conv2D(5, 1), ReLU(),
                                        MaxPool2D(2)], (2, 8, 8)),
}


#: The stacks whose batch normalisation follows a convolution: inference
#: folds it into the kernel and bias, which rounds differently.
FOLDED = {"batch norm, pool, relu", "two convs per block"}
#: Rounding of the folded product against conv-then-affine, per dtype.
FOLD_TOLERANCE = {np.float32: 2e-5, np.float64: 1e-12}


def with_inference_statistics(layers, seed=5):
    """Running statistics, gamma and beta that are not the identity."""
    rng = np.random.RandomState(seed)
    for layer in layers:
        if isinstance(layer, BatchNormalization):
            dtype, size = layer.running_mean.dtype, layer.running_mean.shape
            layer.running_mean = rng.normal(size=size).astype(dtype)
            layer.running_var = rng.uniform(0.2, 3.0, size=size).astype(dtype)
            layer.params["gamma"] = rng.uniform(0.5, 2.0, size=size).astype(dtype)
            layer.params["beta"] = rng.normal(size=size).astype(dtype)
    return layers


def assert_same(actual, expected, name, dtype):
    if name in FOLDED:
        tol = FOLD_TOLERANCE[dtype]
        np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)
    else:
        np.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(STACKS))
def test_inference_is_bit_identical_to_the_layers_one_at_a_time(name, dtype, request):
    """Also with many blocks shared with a helper thread. Bit for bit but
    where a batch normalisation is folded into the convolution before it
    (to rounding there)."""
    make, input_shape = STACKS[name]
    layers = with_inference_statistics(built_stack(make(), input_shape, dtype))
    X = np.random.RandomState(1).normal(size=(23, *input_shape)).astype(dtype)
    expected = one_layer_at_a_time(layers, X)
    assert_same(network.forward(layers, X), expected, name, dtype)
    jobs = request.getfixturevalue("helpers_on")
    with _threads.compute_threads():
        shared = network.forward(layers, X)
        # Other blocks give other products (BLAS rounds edge tiles its own
        # way), so the reference runs with the same blocks.
        expected = one_layer_at_a_time(layers, X)
    assert jobs and max(job.n_items for job in jobs) > 1, "the convolution ran in blocks"
    assert_same(shared, expected, name, dtype)


def test_a_batch_normalisation_after_a_conv_is_folded_into_it(monkeypatch):
    """Inference never runs the folded layer's own pass; a batch
    normalisation that does not follow a convolution, a subclass and every
    training pass run theirs."""
    class OwnBatchNormalization(BatchNormalization):
        pass

    calls = []
    original = BatchNormalization.forward
    monkeypatch.setattr(BatchNormalization, "forward", lambda self, X, training=False:
                        calls.append((type(self).__name__, training))
                        or original(self, X, training))
    layers = with_inference_statistics(built_stack(
        [Conv2D(4, 3), BatchNormalization(), ReLU(), Conv2D(3, 3, padding="same"),
         ReLU(), OwnBatchNormalization(), Flatten(), BatchNormalization(), Dense(2)],
        (2, 9, 9), np.float64))
    X = np.random.RandomState(6).normal(size=(7, 2, 9, 9))
    expected = one_layer_at_a_time(layers, X)
    calls.clear()
    np.testing.assert_allclose(network.forward(layers, X), expected, rtol=1e-12,
                               atol=1e-12)
    assert calls == [("OwnBatchNormalization", False), ("BatchNormalization", False)]
    calls.clear()
    network.forward(layers, X, training=True)
    assert calls == [("BatchNormalization", True), ("OwnBatchNormalization", True),
                     ("BatchNormalization", True)]


def test_folding_leaves_the_parameters_alone():
    layers = with_inference_statistics(built_stack(
        [Conv2D(4, 3), BatchNormalization(), MaxPool2D(2)], (1, 8, 8), np.float32))
    before = [{k: v.copy() for k, v in layer.params.items()} for layer in layers]
    network.forward(layers, np.ones((3, 1, 8, 8), np.float32))
    for layer, params in zip(layers, before):
        for key, value in params.items():
            np.testing.assert_array_equal(layer.params[key], value)
            assert layer.params[key].dtype == value.dtype


def test_the_per_sample_layers_after_each_conv_run_in_its_blocks(monkeypatch):
    chains = []
    original = _passes._conv_then_chain
    monkeypatch.setattr(_passes, "_conv_then_chain", lambda conv, chain, X: chains.append(
        [type(layer).__name__ for layer in chain]) or original(conv, chain, X))
    layers = built_stack([Conv2D(4, 3), BatchNormalization(), Tanh(), MaxPool2D(2),
                          Conv2D(4, 3, padding="same"), Conv2D(3, 1), GlobalAvgPool2D(),
                          Dense(2)], (1, 10, 10), np.float64)
    with_inference_statistics(layers)
    X = np.random.RandomState(2).normal(size=(5, 1, 10, 10))
    np.testing.assert_allclose(network.forward(layers, X),  # the batch norm is folded
                               one_layer_at_a_time(layers, X), rtol=1e-12, atol=1e-12)
    # A chain stops at a layer that is not per-sample: a conv, a global
    # pool (its sum may round by the batch), a dense layer.
    assert chains == [["BatchNormalization", "Tanh", "MaxPool2D"]]
    chains.clear()
    network.forward(layers, X, training=True)  # training keeps every layer's cache
    assert chains == []
    assert layers[0]._cache is not None


def test_the_fused_output_is_stored_channels_last_like_a_pool_output():
    layers = built_stack([Conv2D(6, 3), MaxPool2D(2)], (2, 8, 8), np.float32)
    X = np.random.RandomState(3).normal(size=(4, 2, 8, 8)).astype(np.float32)
    out = network.forward(layers, X)
    assert out.shape == (4, 6, 3, 3)
    assert out.transpose(0, 2, 3, 1).flags.c_contiguous


def test_subclasses_that_may_compute_otherwise_are_not_fused(monkeypatch):
    """A user's Conv2D subclass, and a ReLU subclass that does not restate
    per_sample_inference, run their own forward on the whole batch."""
    class ScaledConv(Conv2D):
        def forward(self, X, training=False):
            return 2 * super().forward(X, training)

    class BatchCentredReLU(ReLU):
        def forward(self, X, training=False):
            return super().forward(X - X.mean(axis=0), training)

    class DeclaredReLU(ReLU):
        per_sample_inference = True

    X = np.random.RandomState(4).normal(size=(6, 1, 8, 8))
    chains = []
    original = _passes._conv_then_chain
    monkeypatch.setattr(_passes, "_conv_then_chain", lambda conv, chain, X: chains.append(
        len(chain)) or original(conv, chain, X))
    for make, fused in [
        (lambda: [ScaledConv(4, 3), MaxPool2D(2)], False),
        (lambda: [Conv2D(4, 3), BatchCentredReLU(), MaxPool2D(2)], False),
        (lambda: [Conv2D(4, 3), DeclaredReLU(), MaxPool2D(2)], True),
    ]:
        chains.clear()
        layers = built_stack(make(), (1, 8, 8), np.float64)
        np.testing.assert_array_equal(network.forward(layers, X),
                                      one_layer_at_a_time(layers, X))
        assert bool(chains) is fused
