"""The layers of a skconv network, one module per family, and the table of them.

Every layer follows one contract (``build``, ``forward``, ``backward``; see
:class:`Layer`) and describes itself without being built
(``output_shape``, ``n_params``, ``flops``, ``memory``, ``get_config``,
``describe``). :data:`LAYERS` names every layer type, activations
included: networks, persistence and export read it.

Models saved by skconv 0.1.0 name these classes ``skconv.layers.Conv2D``
(and ``skconv.activations.ReLU``); both names still import.

Examples
--------
>>> from skconv.layers import LAYERS, Conv2D, layer_from_config
>>> config = Conv2D(8, 3, padding="same").get_config()
>>> config
{'type': 'Conv2D', 'n_filters': 8, 'kernel_size': (3, 3), 'stride': (1, 1), 'padding': 'same', 'init': 'he'}
>>> layer_from_config(config)
Conv2D(n_filters=8, kernel_size=(3, 3), stride=(1, 1), padding='same')
>>> LAYERS["ReLU"]().describe((8, 28, 28))
LayerDescription(name='ReLU', output_shape=(8, 28, 28), n_params=0, flops=6272, memory=50176, config={'type': 'ReLU'})
"""

from .activations import (
    ACTIVATIONS,
    INITIALISATIONS,
    Activation,
    Identity,
    Logistic,
    ReLU,
    Tanh,
)
from .base import Layer, LayerDescription, init_uniform
from .conv import Conv2D
from .dense import Dense, Flatten
from .dropout import Dropout
from .normalization import BatchNormalization, _PerChannel  # noqa: F401 (0.1 pickles)
from .pooling import AvgPool2D, GlobalAvgPool2D, MaxPool2D, _Pool2D  # noqa: F401

#: Every layer type by its class name, activations included.
LAYERS = {
    cls.__name__: cls
    for cls in (
        Conv2D,
        MaxPool2D,
        AvgPool2D,
        GlobalAvgPool2D,
        Flatten,
        Dense,
        Dropout,
        BatchNormalization,
        Identity,
        ReLU,
        Logistic,
        Tanh,
    )
}


def layer_from_config(config):
    """A new, unbuilt layer from :meth:`Layer.get_config`'s dictionary.

    Parameters
    ----------
    config : dict
        ``{"type": name, **hyperparameters}`` with ``name`` a key of
        :data:`LAYERS`.

    Returns
    -------
    layer : Layer
        An instance of ``LAYERS[config["type"]]`` with the other entries as
        its hyperparameters.

    Raises
    ------
    ValueError
        If ``config["type"]`` is missing or not a key of :data:`LAYERS`.
    """
    hyperparameters = dict(config)
    name = hyperparameters.pop("type", None)
    try:
        cls = LAYERS[name]
    except KeyError as exc:
        raise ValueError(
            f"config['type'] must be one of {sorted(LAYERS)}; got {name!r}."
        ) from exc
    return cls(**hyperparameters)


__all__ = [
    "ACTIVATIONS",
    "INITIALISATIONS",
    "LAYERS",
    "Activation",
    "AvgPool2D",
    "BatchNormalization",
    "Conv2D",
    "Dense",
    "Dropout",
    "Flatten",
    "GlobalAvgPool2D",
    "Identity",
    "Layer",
    "LayerDescription",
    "Logistic",
    "MaxPool2D",
    "ReLU",
    "Tanh",
    "init_uniform",
    "layer_from_config",
]
