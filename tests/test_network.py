"""Tests of the layer stack in skconv.network."""

import numpy as np
import pytest

from skconv.network import (
    backward,
    build_layers,
    clear_caches,
    describe_layers,
    fitting_pool,
    forward,
    gradients,
    parameters,
    plan_layers,
)
from skconv.layers import (
    ACTIVATIONS,
    INITIALISATIONS,
    Activation,
    AvgPool2D,
    Conv2D,
    Dense,
    Flatten,
    MaxPool2D,
    Tanh,
)
from skconv._training import loss_and_gradients
from skconv.losses import LOSS_FUNCTIONS, softmax_cross_entropy
from skconv.testing import numerical_gradient


def small_network(activation, n_outputs, image_shape=(2, 6, 5), padding="same",
                  stride=1, dtype=np.float64, seed=0, **overrides):
    spec = dict(
        filters=(3, 2),
        kernel_sizes=(3, 2),
        stride=stride,
        padding=padding,
        pool_size=2,
        hidden_layer_sizes=(4,),
        activation=activation,
        n_outputs=n_outputs,
        rng=np.random.RandomState(seed),
        dtype=dtype,
    )
    spec.update(overrides)
    return build_layers(image_shape, **spec)


def batch(image_shape, n_outputs, n_samples=5, seed=1):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples,) + image_shape)
    labels = np.arange(n_samples) % max(n_outputs, 2)
    rng.shuffle(labels)
    if n_outputs == 1:
        Y = labels[:, None].astype(np.float64)
    else:
        Y = np.eye(n_outputs)[labels]
    sample_weight = rng.permutation(np.linspace(0.2, 3.0, n_samples))
    return X, Y, sample_weight


GRADIENT_CASES = [
    pytest.param((2, 6, 5), "same", 1, id="same-s1"),
    pytest.param((2, 11, 11), "valid", 2, id="valid-s2"),
]


@pytest.mark.parametrize("image_shape, padding, stride", GRADIENT_CASES)
@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
def test_network_gradients_match_finite_differences(
    activation, n_outputs, image_shape, padding, stride
):
    layers = small_network(activation, n_outputs, image_shape, padding, stride)
    output = "logistic" if n_outputs == 1 else "softmax"
    X, Y, sample_weight = batch(image_shape, n_outputs)
    assert np.ptp(sample_weight) > 1
    alpha = 0.3
    # Random positive biases: every bias enters the loss, and few ReLU units
    # are dead, so that most gradient entries are non-zero.
    rng = np.random.RandomState(2)
    for layer in layers:
        if "b" in layer.params:
            layer.params["b"][:] = rng.uniform(0.1, 0.5, size=layer.params["b"].shape)

    def loss():
        return loss_and_gradients(layers, X, Y, sample_weight, alpha, LOSS_FUNCTIONS[output])

    loss()
    analytic = [g.copy() for g in gradients(layers)]
    params = parameters(layers)
    assert len(analytic) == len(params) == 8
    for i, (param, grad) in enumerate(zip(params, analytic)):
        assert grad.shape == param.shape
        assert np.any(grad != 0)  # every array takes part in the check
        numerical = numerical_gradient(loss, param)
        np.testing.assert_allclose(
            grad, numerical, rtol=1e-5, atol=1e-8, err_msg=f"parameter {i}"
        )
    # Dead ReLU units give exact zeros; most entries must still be non-zero.
    n_nonzero = sum(np.count_nonzero(g) for g in analytic)
    assert n_nonzero > 0.8 * sum(g.size for g in analytic)


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_stacked_convolutions_gradients_match_finite_differences(padding):
    """Two convolutions per block, batch-normalised: every parameter's and the
    input's gradient against central differences, in float64."""
    image_shape = (2, 9, 8) if padding == "same" else (2, 12, 12)
    layers = small_network("tanh", 3, image_shape, padding, kernel_sizes=(3, 2),
                           convolutions_per_block=2, batch_normalization=True)
    assert sum(isinstance(layer, Conv2D) for layer in layers) == 4
    X, Y, sample_weight = batch(image_shape, 3, n_samples=4)

    def loss():
        return loss_and_gradients(layers, X, Y, sample_weight, 0.1,
                                  LOSS_FUNCTIONS["softmax"])

    loss()
    analytic = [g.copy() for g in gradients(layers)]
    for i, (param, grad) in enumerate(zip(parameters(layers), analytic)):
        assert np.any(grad != 0)
        np.testing.assert_allclose(grad, numerical_gradient(loss, param),
                                   rtol=1e-5, atol=1e-8, err_msg=f"parameter {i}")
    logits = forward(layers, X, training=True)
    _, dlogits = softmax_cross_entropy(logits, Y, sample_weight)
    dX = backward(layers, dlogits)

    def data_loss():
        return softmax_cross_entropy(forward(layers, X, training=True), Y,
                                     sample_weight)[0]

    np.testing.assert_allclose(dX, numerical_gradient(data_loss, X),
                               rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_network_input_gradient_matches_finite_differences(activation):
    layers = small_network(activation, 3)
    X, Y, sample_weight = batch((2, 6, 5), 3, n_samples=2)
    logits = forward(layers, X, training=True)
    _, dlogits = softmax_cross_entropy(logits, Y, sample_weight)
    dX = backward(layers, dlogits)

    def loss():
        return softmax_cross_entropy(forward(layers, X), Y, sample_weight)[0]

    np.testing.assert_allclose(dX, numerical_gradient(loss, X), rtol=1e-5, atol=1e-9)


def test_l2_penalty_is_on_weights_only_and_scaled_by_weight_sum():
    layers = small_network("tanh", 3)
    X, Y, sample_weight = batch((2, 6, 5), 3)
    for layer in layers:
        if "b" in layer.params:
            layer.params["b"][:] = 1.0  # a bias penalty would now show
    alpha = 0.7
    base = loss_and_gradients(layers, X, Y, sample_weight, 0.0, softmax_cross_entropy)
    base_grads = [g.copy() for g in gradients(layers)]
    penalised = loss_and_gradients(layers, X, Y, sample_weight, alpha, softmax_cross_entropy)
    weights = [layer.params["W"] for layer in layers if "W" in layer.params]
    expected = 0.5 * alpha / sample_weight.sum() * sum(np.sum(W**2) for W in weights)
    np.testing.assert_allclose(penalised - base, expected, rtol=1e-10)
    k = 0
    for layer in layers:
        for key, param in layer.params.items():
            extra = alpha / sample_weight.sum() * param if key == "W" else 0.0
            np.testing.assert_allclose(
                layer.grads[key], base_grads[k] + extra, rtol=1e-10, atol=1e-14
            )
            k += 1


# --------------------------------------------------------------------------
# build_layers
# --------------------------------------------------------------------------


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_build_layers_stack_order_and_shapes(activation):
    layers = small_network(activation, 3)
    act = ACTIVATIONS[activation]
    assert [type(layer) for layer in layers] == [
        Conv2D, MaxPool2D, act, Conv2D, MaxPool2D, act, Flatten, Dense, act, Dense
    ]
    conv1, conv2 = layers[0], layers[3]
    assert (conv1.n_filters, conv1.kernel_size) == (3, (3, 3))
    assert (conv2.n_filters, conv2.kernel_size) == (2, (2, 2))
    assert conv1.padding == conv2.padding == "same"
    assert conv1.init == conv2.init == layers[7].init == INITIALISATIONS[activation]
    assert layers[-1].init == "glorot"
    # (2,6,5) -conv-> (3,6,5) -pool-> (3,3,2) -conv-> (2,3,2) -pool-> (2,1,1)
    assert conv1.params["W"].shape == (3, 2, 3, 3)
    assert conv2.params["W"].shape == (2, 3, 2, 2)
    assert layers[7].params["W"].shape == (2, 4)
    assert layers[9].params["W"].shape == (4, 3)
    X = np.random.RandomState(0).normal(size=(4, 2, 6, 5))
    assert forward(layers, X).shape == (4, 3)


def test_build_layers_without_conv_blocks_or_hidden_layers():
    layers = build_layers(
        (1, 3, 4), filters=(), kernel_sizes=(), stride=1, padding="valid",
        pool_size=2, hidden_layer_sizes=(), activation="relu", n_outputs=1,
        rng=np.random.RandomState(0), dtype=np.float64,
    )
    assert [type(layer) for layer in layers] == [Flatten, Dense]
    assert layers[1].params["W"].shape == (12, 1)


def one_block(image_shape, pool_size=2, kernel=1, padding="valid"):
    return build_layers(
        image_shape, filters=(2,), kernel_sizes=(kernel,), stride=1, padding=padding,
        pool_size=pool_size, hidden_layer_sizes=(), activation="tanh", n_outputs=3,
        rng=np.random.RandomState(0), dtype=np.float64,
    )


def test_build_layers_pools_only_axes_long_enough():
    layers = one_block((1, 1, 7))
    types = [type(layer) for layer in layers]
    assert types == [Conv2D, MaxPool2D, Tanh, Flatten, Dense]
    assert layers[1].pool_size == (1, 2)
    assert layers[-1].params["W"].shape == (2 * 1 * 3, 3)  # 7 columns pooled to 3
    assert forward(layers, np.zeros((2, 1, 1, 7))).shape == (2, 3)

    layers = one_block((1, 7, 1))
    assert layers[1].pool_size == (2, 1)

    layers = one_block((1, 1, 1))
    assert [type(layer) for layer in layers] == [Conv2D, Tanh, Flatten, Dense]

    layers = one_block((1, 6, 6), pool_size=1)
    assert not any(isinstance(layer, MaxPool2D) for layer in layers)


def test_fitting_pool_shrinks_pool_on_short_axes():
    assert fitting_pool(2, 5, 5) == (2, 2)
    assert fitting_pool(3, 2, 3) == (1, 3)
    assert fitting_pool(2, 1, 1) == (1, 1)
    assert fitting_pool(1, 9, 9) == (1, 1)


def test_build_layers_too_large_valid_kernel_names_block_and_shape():
    with pytest.raises(ValueError, match=r"block 0 .*\(1, 2, 2\)"):
        build_layers(
            (1, 2, 2), filters=(2,), kernel_sizes=(3,), stride=1, padding="valid",
            pool_size=2, hidden_layer_sizes=(), activation="relu", n_outputs=3,
            rng=np.random.RandomState(0), dtype=np.float64,
        )
    # (1,4,4) -conv3-> (2,2,2) -pool2-> (2,1,1): the second kernel cannot fit.
    with pytest.raises(ValueError, match=r"block 1 .*\(2, 1, 1\)") as info:
        build_layers(
            (1, 4, 4), filters=(2, 2), kernel_sizes=(3, 3), stride=1,
            padding="valid", pool_size=2, hidden_layer_sizes=(), activation="relu",
            n_outputs=3, rng=np.random.RandomState(0), dtype=np.float64,
        )
    assert "does not fit" in str(info.value)


def test_build_layers_same_seed_gives_identical_weights():
    a = small_network("relu", 3, seed=7)
    b = small_network("relu", 3, seed=7)
    c = small_network("relu", 3, seed=8)
    for pa, pb in zip(parameters(a), parameters(b)):
        np.testing.assert_array_equal(pa, pb)
    assert not np.array_equal(parameters(a)[0], parameters(c)[0])


def test_build_layers_float32_gives_float32_parameters_and_outputs():
    layers = small_network("logistic", 3, dtype=np.float32)
    params = parameters(layers)
    assert params and all(p.dtype == np.float32 for p in params)
    # Same seed: the float32 weights are the float64 ones, rounded.
    params64 = parameters(small_network("logistic", 3, dtype=np.float64))
    for p32, p64 in zip(params, params64):
        np.testing.assert_array_equal(p32, p64.astype(np.float32))
    X = np.random.RandomState(0).normal(size=(3, 2, 6, 5)).astype(np.float32)
    assert forward(layers, X).dtype == np.float32
    Y = np.eye(3, dtype=np.float32)
    loss_and_gradients(layers, X, Y, np.ones(3, dtype=np.float32), 0.1, softmax_cross_entropy)
    assert all(g.dtype == np.float32 for g in gradients(layers))


def test_parameters_are_the_layers_own_arrays_in_gradient_order():
    layers = small_network("relu", 3)
    X, Y, w = batch((2, 6, 5), 3)
    loss_and_gradients(layers, X, Y, w, 0.0, softmax_cross_entropy)
    expected = [(layer, key) for layer in layers for key in layer.params]
    pairs = zip(expected, parameters(layers), gradients(layers))
    for (layer, key), param, grad in pairs:
        assert param is layer.params[key]
        assert grad is layer.grads[key]


# --------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------


def test_inference_forward_leaves_no_cache_on_any_layer():
    layers = small_network("relu", 3)
    X = np.random.RandomState(0).normal(size=(3, 2, 6, 5))
    forward(layers, X, training=False)
    assert not any(hasattr(layer, "_cache") for layer in layers)


def test_clear_caches_removes_training_caches_and_keeps_predictions():
    layers = small_network("relu", 3)
    X, Y, w = batch((2, 6, 5), 3)
    before = forward(layers, X)
    loss_and_gradients(layers, X, Y, w, 0.1, softmax_cross_entropy)
    assert any(hasattr(layer, "_cache") for layer in layers)
    clear_caches(layers)
    assert not any(hasattr(layer, "_cache") for layer in layers)
    np.testing.assert_array_equal(forward(layers, X), before)



@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_pooling_before_activation_is_pool_of_activation(activation):
    # build_layers pools before the activation; for monotone activations
    # this is the textbook pool(f(x)), forward and backward.
    rng = np.random.RandomState(5)
    X = rng.normal(size=(3, 4, 6, 7))  # distinct values: no ties
    dout = rng.normal(size=(3, 4, 3, 3))
    results = []
    for order in ("pool_first", "activation_first"):
        act, pool = ACTIVATIONS[activation](), MaxPool2D(2)
        act.build(X.shape[1:])
        pool.build(X.shape[1:])
        stack = [pool, act] if order == "pool_first" else [act, pool]
        results.append((forward(stack, X, training=True), backward(stack, dout)))
    (Y1, dX1), (Y2, dX2) = results
    np.testing.assert_allclose(Y1, Y2, rtol=1e-12)
    np.testing.assert_allclose(dX1, dX2, rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------
# plan_layers, describe_layers, and the pooling order
# --------------------------------------------------------------------------


class Bump(Activation):
    """A non-monotone activation for the tests: ``f(x) = x**2``."""

    def forward(self, X, training=False):
        if training:
            self._cache = X
        return X * X

    def backward(self, dout, input_grad=True):
        return 2 * self._cache * dout


ARCHITECTURE = dict(filters=(3, 2), kernel_sizes=(3, 2), stride=1, padding="same",
                    pool_size=2, hidden_layer_sizes=(4,))


@pytest.mark.parametrize("pooling, pool", [("max", MaxPool2D), ("avg", AvgPool2D)])
def test_pooling_goes_before_the_activation_only_when_it_commutes(
    pooling, pool, monkeypatch
):
    monkeypatch.setitem(ACTIVATIONS, "bump", Bump)
    monkeypatch.setitem(INITIALISATIONS, "bump", "glorot")
    assert not Bump.monotone and all(cls.monotone for cls in ACTIVATIONS.values()
                                     if cls is not Bump)
    for activation, act in (("relu", ACTIVATIONS["relu"]), ("bump", Bump)):
        layers = plan_layers((2, 6, 5), activation=activation, n_outputs=3,
                             pooling=pooling, **ARCHITECTURE)
        block = [type(layer) for layer in layers[:3]]
        pool_first = pooling == "max" and act.monotone
        assert block == ([Conv2D, pool, act] if pool_first else [Conv2D, act, pool])
    # The non-monotone stack still builds and runs, pooling f(conv(X)).
    layers = build_layers((2, 6, 5), activation="bump", n_outputs=3,
                          pooling=pooling, rng=np.random.RandomState(0),
                          dtype=np.float64, **ARCHITECTURE)
    X = np.random.RandomState(1).normal(size=(4, 2, 6, 5))
    conv, act, pooled = layers[:3]
    np.testing.assert_array_equal(
        forward(layers[:3], X), pooled.forward(act.forward(conv.forward(X)))
    )


@pytest.mark.parametrize("options", [
    {},
    dict(batch_normalization=True, dropout=0.3, pooling="avg"),
    dict(global_pooling=True, activation="logistic"),
    dict(padding="valid", stride=2, filters=(2,), kernel_sizes=(2,)),
])
def test_build_layers_builds_the_planned_layers_in_order(options):
    spec = dict(ARCHITECTURE, activation="tanh", n_outputs=3)
    spec.update(options)
    planned = plan_layers((2, 9, 8), **spec)
    assert all(layer.params == {} for layer in planned)
    built = build_layers((2, 9, 8), rng=np.random.RandomState(0), dtype=np.float64,
                         **spec)
    assert [layer.get_config() for layer in planned] == [
        layer.get_config() for layer in built
    ]
    # describe_layers chains the shapes that a forward pass produces.
    X = np.random.RandomState(1).normal(size=(3, 2, 9, 8))
    for layer, description in zip(built, describe_layers(planned, (2, 9, 8))):
        X = layer.forward(X)
        assert description.output_shape == X.shape[1:]
        assert description.n_params == sum(p.size for p in layer.params.values())


def test_plan_with_unknown_outputs_describes_the_output_layer_as_unknown():
    layers = plan_layers((1, 8, 8), activation="relu", n_outputs=None, **ARCHITECTURE)
    descriptions = describe_layers(layers, (1, 8, 8), itemsize=4)
    *known, last = descriptions
    assert last.name == "Dense" and last.output_shape == (None,)
    assert last.n_params is last.flops is last.memory is None
    assert all(d.n_params is not None and d.memory is not None for d in known)
    with pytest.raises(ValueError, match="n_units=None"):
        build_layers((1, 8, 8), activation="relu", n_outputs=None,
                     rng=np.random.RandomState(0), dtype=np.float64, **ARCHITECTURE)


def test_plan_layers_reports_a_kernel_that_does_not_fit():
    with pytest.raises(ValueError, match=r"block 0 .*\(1, 2, 2\).*does not fit"):
        plan_layers((1, 2, 2), filters=(2,), kernel_sizes=(3,), stride=1,
                    padding="valid", pool_size=2, hidden_layer_sizes=(),
                    activation="relu", n_outputs=None)
