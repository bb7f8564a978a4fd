"""Tests of the layers' self-description: shapes, sizes, costs and configs."""

import dataclasses
import math

import numpy as np
import pytest

from skconv import persistence
from skconv._conv import im2col
from skconv.layers import (
    LAYERS,
    Conv2D,
    Dense,
    LayerDescription,
    MaxPool2D,
    layer_from_config,
)

# Hyperparameters and one-sample input shapes for every layer type: padding
# same and valid, even kernels, strides, pools that leave rows over.
CASES = {
    "Conv2D": [
        (dict(n_filters=3, kernel_size=3, padding="same"), (2, 7, 6)),
        (dict(n_filters=2, kernel_size=2, padding="same"), (1, 5, 5)),
        (dict(n_filters=4, kernel_size=(2, 3), stride=2, padding="same"), (3, 7, 4)),
        (dict(n_filters=2, kernel_size=3, stride=(2, 1), padding="valid"), (2, 8, 5)),
        (dict(n_filters=5, kernel_size=4, padding="valid", init="glorot"), (16, 4, 6)),
    ],
    "MaxPool2D": [
        (dict(pool_size=2), (3, 7, 6)),
        (dict(pool_size=3), (2, 8, 5)),
        (dict(pool_size=(1, 2)), (2, 1, 7)),
        (dict(pool_size=3, stride=2), (2, 7, 8)),
    ],
    "AvgPool2D": [
        (dict(pool_size=2), (3, 7, 6)),
        (dict(pool_size=(2, 3), stride=1), (2, 5, 5)),
    ],
    "GlobalAvgPool2D": [({}, (3, 5, 4)), ({}, (1, 1, 1))],
    "Flatten": [({}, (3, 2, 4)), ({}, (1, 1, 5))],
    "Dense": [(dict(n_units=4), (7,)), (dict(n_units=1, init="glorot"), (3,))],
    "Dropout": [(dict(rate=0.3), (6,)), (dict(rate=0.0), (2, 3, 3))],
    "BatchNormalization": [({}, (5,)), (dict(momentum=0.8, epsilon=1e-3), (3, 4, 5))],
    "Identity": [({}, (2, 3, 4)), ({}, (6,))],
    "ReLU": [({}, (2, 3, 4)), ({}, (6,))],
    "Logistic": [({}, (2, 3, 4))],
    "Tanh": [({}, (6,))],
}
ALL_CASES = [
    pytest.param(name, kwargs, shape, id=f"{name}-{i}")
    for name, cases in CASES.items()
    for i, (kwargs, shape) in enumerate(cases)
]


def built(name, kwargs, shape, dtype=np.float64, seed=0):
    layer = LAYERS[name](**kwargs)
    layer.build(shape, np.random.RandomState(seed), dtype)
    return layer


def sample_input(shape, n=3, dtype=np.float64, seed=1):
    return np.random.RandomState(seed).normal(size=(n,) + shape).astype(dtype)


def test_every_layer_type_has_cases_and_its_own_name():
    assert set(CASES) == set(LAYERS)
    assert all(cls.__name__ == name for name, cls in LAYERS.items())


def test_every_layer_type_is_trusted_by_persistence():
    trusted = set(persistence.trusted_types())
    for name, cls in LAYERS.items():
        assert f"{cls.__module__}.{name}" in trusted


@pytest.mark.parametrize("name, kwargs, shape", ALL_CASES)
def test_n_params_is_the_size_of_the_built_params(name, kwargs, shape):
    layer = LAYERS[name](**kwargs)
    n_params = layer.n_params(shape)
    layer.build(shape, np.random.RandomState(0), np.float64)
    assert n_params == sum(param.size for param in layer.params.values())
    assert layer.param_shapes(shape) == {
        key: param.shape for key, param in layer.params.items()
    }


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("name, kwargs, shape", ALL_CASES)
def test_output_shape_is_the_forward_output_shape(name, kwargs, shape, training):
    layer = LAYERS[name](**kwargs)
    output_shape = layer.output_shape(shape)  # before build: needs no params
    assert layer.build(shape, np.random.RandomState(0), np.float64) == output_shape
    Y = layer.forward(sample_input(shape), training=training)
    assert Y.shape == (3,) + output_shape


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, kwargs, shape", ALL_CASES)
def test_memory_is_the_bytes_of_one_output_sample(name, kwargs, shape, dtype):
    layer = built(name, kwargs, shape, dtype)
    Y = layer.forward(sample_input(shape, dtype=dtype))
    assert layer.memory(shape, np.dtype(dtype).itemsize) == Y[0].nbytes


@pytest.mark.parametrize("kwargs, shape", CASES["Conv2D"])
def test_conv2d_flops_count_the_im2col_product_and_the_bias(kwargs, shape):
    layer = built("Conv2D", kwargs, shape)
    X = sample_input(shape, n=1)
    pads, out = layer.geometry(*shape[1:])
    cols = im2col(np.pad(X, ((0, 0), (0, 0)) + pads), layer.kernel_size, layer.stride,
                  out)
    # One multiply-add (2 flops) per entry of cols per filter, one add per output.
    expected = 2 * cols.size * layer.n_filters + cols.shape[0] * layer.n_filters
    assert layer.flops(shape) == expected


@pytest.mark.parametrize("kwargs, shape", CASES["Dense"])
def test_dense_flops_count_the_product_and_the_bias(kwargs, shape):
    layer = built("Dense", kwargs, shape)
    W = layer.params["W"]
    assert layer.flops(shape) == 2 * W.size + W.shape[1]


def test_flops_of_the_other_layers_by_hand():
    # 2x2 windows on (3, 7, 6) give (3, 3, 3): 3 comparisons or 4 ops each.
    assert LAYERS["MaxPool2D"](2).flops((3, 7, 6)) == 3 * 27
    assert LAYERS["AvgPool2D"](2).flops((3, 7, 6)) == 4 * 27
    assert LAYERS["GlobalAvgPool2D"]().flops((3, 5, 4)) == 60
    assert LAYERS["BatchNormalization"]().flops((3, 5, 4)) == 120
    assert LAYERS["ReLU"]().flops((3, 5, 4)) == 60
    assert LAYERS["Tanh"]().flops((7,)) == 7
    for name in ("Identity", "Flatten", "Dropout"):
        assert LAYERS[name]().flops((3, 5, 4)) == 0


def test_batch_normalization_counts_gamma_and_beta_not_running_statistics():
    layer = built("BatchNormalization", {}, (4, 3, 3))
    assert layer.n_params((4, 3, 3)) == 8
    assert layer.running_mean.shape == layer.running_var.shape == (4,)


@pytest.mark.parametrize("name, kwargs, shape", ALL_CASES)
def test_config_round_trip_rebuilds_an_identical_layer(name, kwargs, shape):
    layer = LAYERS[name](**kwargs)
    config = layer.get_config()
    assert config["type"] == name
    copy = layer_from_config(config)
    assert type(copy) is type(layer) and copy.get_config() == config
    layer.build(shape, np.random.RandomState(3), np.float64)
    copy.build(shape, np.random.RandomState(3), np.float64)
    assert layer.params.keys() == copy.params.keys()
    for key in layer.params:
        np.testing.assert_array_equal(layer.params[key], copy.params[key])
    X = sample_input(shape)
    np.testing.assert_array_equal(layer.forward(X), copy.forward(X))
    np.testing.assert_array_equal(
        layer.forward(X, training=True), copy.forward(X, training=True)
    )


def test_conv2d_config_names_every_constructor_argument():
    config = Conv2D(8, 3, padding="same").get_config()
    assert config == {"type": "Conv2D", "n_filters": 8, "kernel_size": (3, 3),
                      "stride": (1, 1), "padding": "same", "init": "he"}


def test_layer_from_config_refuses_an_unknown_type():
    with pytest.raises(ValueError, match="config\\['type'\\] must be one of"):
        layer_from_config({"type": "Conv3D", "n_filters": 2})
    with pytest.raises(ValueError, match="got None"):
        layer_from_config({"n_units": 2})


@pytest.mark.parametrize("name, kwargs, shape", ALL_CASES)
def test_describe_gathers_the_other_methods(name, kwargs, shape):
    layer = LAYERS[name](**kwargs)
    description = layer.describe(shape, itemsize=4)
    assert isinstance(description, LayerDescription)
    assert description == LayerDescription(
        name=name,
        output_shape=layer.output_shape(shape),
        n_params=layer.n_params(shape),
        flops=layer.flops(shape),
        memory=layer.memory(shape, 4),
        config=layer.get_config(),
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        description.name = "other"


def test_dense_with_unknown_units_describes_itself_with_none():
    layer = Dense(None)
    assert layer.output_shape((12,)) == (None,)
    assert layer.n_params((12,)) is None
    assert layer.flops((12,)) is None
    assert layer.memory((12,), 8) is None
    assert layer.get_config() == {"type": "Dense", "n_units": None, "init": "he"}
    # And what follows an unknown size is unknown too.
    for name in ("ReLU", "BatchNormalization", "Dropout", "Flatten"):
        described = LAYERS[name]().describe((None,))
        assert described.output_shape == (None,)
        assert described.n_params is described.flops is described.memory is None
    # An unknown input size makes the counts unknown even if the shape is not.
    described = LAYERS["GlobalAvgPool2D"]().describe((3, None, None))
    assert described.output_shape == (3,)
    assert described.n_params is described.flops is described.memory is None


def test_a_kernel_or_pool_that_does_not_fit_is_refused_before_building():
    with pytest.raises(ValueError, match=r"Conv2D kernel \(3, 3\) with padding='valid' "
                       r"does not fit an input of height x width 2x5"):
        Conv2D(2, 3).output_shape((1, 2, 5))
    with pytest.raises(ValueError, match="MaxPool2D pool \\(3, 3\\) does not fit"):
        MaxPool2D(3).output_shape((1, 2, 5))
    with pytest.raises(ValueError, match="BatchNormalization takes"):
        LAYERS["BatchNormalization"]().output_shape((2, 3))


def test_shape_arithmetic_needs_no_numpy_ints():
    # Plain ints, so descriptions print and serialise cleanly.
    description = Conv2D(4, 3, padding="same").describe((1, 9, 9))
    values = (*description.output_shape, description.n_params, description.flops,
              description.memory)
    assert all(type(value) is int for value in values)
    assert description.memory == math.prod(description.output_shape) * 8
