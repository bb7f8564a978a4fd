"""Names of a fitted network's layers and convolution blocks, and choosing among them."""

import copy
from numbers import Integral

from sklearn.utils.validation import check_is_fitted

from .._architecture import built_before_options
from .._base import BaseConvNet
from ..layers import Conv2D


def check_estimator(estimator, function):
    """A clear error unless ``estimator`` is a skconv estimator."""
    if not isinstance(estimator, BaseConvNet):
        raise TypeError(
            f"{function} takes a fitted ConvNetClassifier or ConvNetRegressor; got "
            f"{type(estimator).__name__}. For a Pipeline, pass its last step and "
            f"the input that step sees: {function}(pipe[-1], pipe[:-1].transform(X)"
            ", ...)."
        )


def layer_names(estimator):
    """The names :func:`feature_maps` accepts for a fitted estimator's layers.

    Parameters
    ----------
    estimator : fitted ConvNetClassifier or ConvNetRegressor
        The network to look into.

    Returns
    -------
    names : list of str
        The convolution blocks' names (``"block_0"``, ...: the output of a
        block's last layer), then one name per entry of ``layers_``: its type
        and its rank among layers of that type (``"Conv2D_0"``, ``"ReLU_1"``).

    Examples
    --------
    >>> from skconv import ConvNetClassifier
    >>> from skconv.datasets import make_shapes
    >>> from skconv.inspection import layer_names
    >>> X, y = make_shapes(100, image_size=8, random_state=0)
    >>> clf = ConvNetClassifier(filters=(4,), hidden_layer_sizes=(8,), max_iter=1,
    ...                         random_state=0).fit(X, y)
    >>> layer_names(clf)  # doctest: +NORMALIZE_WHITESPACE
    ['block_0', 'Conv2D_0', 'MaxPool2D_0', 'ReLU_0', 'Flatten_0', 'Dense_0',
     'ReLU_1', 'Dense_1']
    """
    check_estimator(estimator, "layer_names")
    model = copy.copy(estimator)  # a snapshot, as predict reads
    check_is_fitted(model)
    blocks = model_block_ends(model)
    return [f"block_{k}" for k in range(len(blocks))] + names_of(model.layers_)


def names_of(layers):
    """One name per layer: its type and its rank among layers of that type.

    ``["Conv2D_0", "MaxPool2D_0", "ReLU_0", "Flatten_0", "Dense_0", "ReLU_1",
    "Dense_1"]``: the type names are those of :data:`skconv.layers.LAYERS`
    and of ``summary()``'s rows.
    """
    seen = {}
    names = []
    for layer in layers:
        kind = type(layer).__name__
        names.append(f"{kind}_{seen.get(kind, 0)}")
        seen[kind] = seen.get(kind, 0) + 1
    return names


def block_ends(layers, input_shape, convolutions_per_block=None):
    """Index of the last layer of each convolution block.

    A block starts at a ``Conv2D`` (with ``convolutions_per_block``, the
    number of ``Conv2D`` of each block, at the first of them) and ends at the
    last layer whose output is still a map ``(C, H, W)`` before the next
    block's ``Conv2D`` (or before ``Flatten`` / ``GlobalAvgPool2D``): after
    its normalisation, activation and pooling, whatever their order.
    """
    ends = []
    shape = tuple(input_shape)
    in_block = False
    left = 0  # convolutions of the current block still to come
    for index, layer in enumerate(layers):
        shape = layer.output_shape(shape)
        if isinstance(layer, Conv2D):
            if left == 0:
                ends.append(index)
                left = 1 if convolutions_per_block is None else (
                    convolutions_per_block[len(ends) - 1])
            else:
                ends[-1] = index
            in_block = True
            left -= 1
        elif in_block and len(shape) == 3:
            ends[-1] = index
        else:
            in_block = False
    return ends


def model_block_ends(model):
    """:func:`block_ends` of a fitted model's layers, as they were built."""
    built = getattr(model, "_architecture", None)
    counts = None if built is None else built_before_options(built)["convolutions_per_block"]
    return block_ends(model.layers_, model.image_shape_, counts)


def resolve_layers(model, layers):
    """``{key: layer index}`` for ``feature_maps``'s ``layers`` argument.

    Parameters
    ----------
    model : fitted ConvNetClassifier or ConvNetRegressor
    layers : None, str, int or sequence of str and int
        None: every convolution block (keys ``"block_0"``, ...). A str is a
        block name or a name of :func:`names_of`; an int indexes
        ``model.layers_`` (negative counts from the end).

    Returns
    -------
    chosen : dict
        Keys as given (block names by default), values in ``range(len(model.layers_))``.

    Raises
    ------
    ValueError
        If an entry names no layer, or the network has no convolution block
        and ``layers`` is None.
    """
    n_layers = len(model.layers_)
    blocks = {f"block_{k}": end
              for k, end in enumerate(model_block_ends(model))}
    names = dict(blocks)
    names.update((name, index) for index, name in enumerate(names_of(model.layers_)))
    if layers is None:
        if not blocks:
            raise ValueError(
                "This network has no convolution block (filters=()), so there are "
                "no feature maps to show by default: pass layers, e.g. "
                f"layers={names_of(model.layers_)[:1]}."
            )
        return blocks
    if isinstance(layers, (str, Integral)):
        layers = [layers]
    chosen = {}
    for key in layers:
        if isinstance(key, Integral) and not isinstance(key, bool):
            if not -n_layers <= key < n_layers:
                raise ValueError(
                    f"layers holds the index {key}, but the network has {n_layers} "
                    f"layers (valid indices: {-n_layers} to {n_layers - 1})."
                )
            chosen[key] = int(key) % n_layers
        elif isinstance(key, str) and key in names:
            chosen[key] = names[key]
        else:
            raise ValueError(
                f"layers holds {key!r}, which names no layer of this network. Use "
                f"an index into layers_, a block name ({sorted(blocks)}) or a layer "
                f"name ({list(names)[len(blocks):]})."
            )
    return chosen
