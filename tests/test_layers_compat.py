"""Code and models from skconv 0.1.0 keep working after the layers moved."""

import pickle

import numpy as np
import pytest

import skconv.layers
from skconv import activations, network
from skconv.layers import LAYERS, layer_from_config
from skconv.network import build_layers, forward

# What a built layer of each type stored in 0.1.0: the attributes a pickled
# model holds. Renaming one would break loading those models.
ATTRIBUTES_0_1_0 = {
    "Conv2D": {"grads", "init", "input_shape", "kernel_size", "n_filters",
               "padding", "params", "stride"},
    "MaxPool2D": {"grads", "input_shape", "params", "pool_size", "stride"},
    "AvgPool2D": {"grads", "input_shape", "params", "pool_size", "stride"},
    "GlobalAvgPool2D": {"grads", "input_shape", "params"},
    "Flatten": {"grads", "input_shape", "params"},
    "Dense": {"grads", "init", "input_shape", "n_units", "params"},
    "Dropout": {"grads", "input_shape", "params", "random_state", "rate"},
    "BatchNormalization": {"epsilon", "grads", "input_shape", "momentum", "params",
                           "running_mean", "running_var"},
    "Identity": {"grads", "input_shape", "params"},
    "ReLU": {"grads", "input_shape", "params"},
    "Logistic": {"grads", "input_shape", "params"},
    "Tanh": {"grads", "input_shape", "params"},
}
SHAPES = {"Dense": (4,), "Dropout": (4,), "BatchNormalization": (4,)}
EXAMPLE = {"Conv2D": dict(n_filters=2, kernel_size=3), "MaxPool2D": dict(pool_size=2),
           "AvgPool2D": dict(pool_size=2), "Dense": dict(n_units=3),
           "Dropout": dict(rate=0.2)}


def stack(activation="tanh", **options):
    spec = dict(filters=(2,), kernel_sizes=(3,), stride=1, padding="same", pool_size=2,
                hidden_layer_sizes=(3,), activation=activation, n_outputs=2,
                rng=np.random.RandomState(0), dtype=np.float64)
    spec.update(options)
    return build_layers((1, 6, 6), **spec)


def as_0_1_0_pickle(obj):
    """A protocol-0 pickle of ``obj`` naming classes where 0.1.0 defined them."""
    data = pickle.dumps(obj, protocol=0)
    for name, cls in LAYERS.items():
        old = "skconv.activations" if cls in activations.ACTIVATIONS.values() else (
            "skconv.layers")
        data = data.replace(f"c{cls.__module__}\n{name}\n".encode(),
                            f"c{old}\n{name}\n".encode())
    return data


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_built_layers_store_the_0_1_0_attributes(name):
    layer = layer_from_config({"type": name, **EXAMPLE.get(name, {})})
    layer.build(SHAPES.get(name, (1, 4, 4)), np.random.RandomState(0), np.float64)
    assert set(vars(layer)) == ATTRIBUTES_0_1_0[name]


def test_old_import_paths_name_the_same_objects():
    from skconv import _network

    for name in ("Identity", "ReLU", "Logistic", "Tanh", "ACTIVATIONS",
                 "INITIALISATIONS"):
        assert getattr(activations, name) is getattr(skconv.layers, name)
    for name in network.__all__:
        assert getattr(_network, name) is getattr(network, name)
    for name, cls in LAYERS.items():
        assert getattr(skconv.layers, name) is cls


@pytest.mark.parametrize("options", [
    {}, dict(batch_normalization=True, dropout=0.3, pooling="avg", activation="relu"),
    dict(global_pooling=True, activation="identity"),
])
def test_a_pickle_naming_0_1_0_modules_loads_and_predicts_the_same(options):
    layers = stack(**options)
    data = as_0_1_0_pickle(layers)
    assert b"cskconv.layers\nConv2D\n" in data
    loaded = pickle.loads(data)
    assert [type(layer) for layer in loaded] == [type(layer) for layer in layers]
    X = np.random.RandomState(1).normal(size=(4, 1, 6, 6))
    np.testing.assert_array_equal(forward(loaded, X), forward(layers, X))
    assert [d.n_params for d in network.describe_layers(loaded, (1, 6, 6))] == [
        d.n_params for d in network.describe_layers(layers, (1, 6, 6))
    ]
