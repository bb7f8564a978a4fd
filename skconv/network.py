"""The layer stack: planning it from hyperparameters, and passes through it.

A network is a plain list of layers (see :mod:`skconv.layers`); the last
layer produces logits, which :mod:`skconv.losses` turns into probabilities
and a loss. :func:`plan_layers` chooses the layers, :func:`build_layers`
also initialises them, and :func:`describe_layers` summarises a stack,
built or not. The passes through a built stack (:func:`forward`,
:func:`forward_in_chunks`, :func:`backward`, :func:`parameters`,
:func:`gradients`, :func:`clear_caches`) are written in ``skconv._passes``
and imported here, their public home.
"""

from numbers import Integral

from ._passes import (
    backward,
    clear_caches,
    forward,
    forward_in_chunks,
    gradients,
    parameters,
)
from .layers import (
    ACTIVATIONS,
    INITIALISATIONS,
    AvgPool2D,
    BatchNormalization,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAvgPool2D,
    MaxPool2D,
)

__all__ = [
    "POOLING",
    "backward",
    "build",
    "build_layers",
    "clear_caches",
    "describe_layers",
    "fitting_pool",
    "forward",
    "forward_in_chunks",
    "gradients",
    "parameters",
    "plan_layers",
]

#: Pooling layer of each convolution block, by the ``pooling`` option.
POOLING = {"max": MaxPool2D, "avg": AvgPool2D}


def fitting_pool(pool_size, height, width):
    """Pool window for a ``height x width`` map: 1 along axes it would empty.

    Pooling only shrinks the axes that are at least ``pool_size`` long, so a
    1-row "image" (e.g. tabular data seen as ``(1, 1, n_features)``) is pooled
    along its columns only, and a 1x1 map is not pooled at all.

    Parameters
    ----------
    pool_size : int
        The ``pool_size`` hyperparameter.
    height, width : int
        The map's size.

    Returns
    -------
    window : tuple of (int, int)
        The pool window's ``(height, width)``.
    """
    return (
        pool_size if height >= pool_size else 1,
        pool_size if width >= pool_size else 1,
    )


def plan_layers(
    image_shape,
    *,
    filters,
    kernel_sizes,
    stride,
    padding,
    pool_size,
    hidden_layer_sizes,
    activation,
    n_outputs,
    pooling="max",
    global_pooling=False,
    batch_normalization=False,
    dropout=0.0,
    convolutions_per_block=1,
):
    """Choose the layer stack, unbuilt: its shapes come from ``output_shape``.

    The stack is, for each convolution block, ``Conv2D [-> BatchNormalization]
    -> activation -> pool`` (the pool is left out where it would do nothing;
    with ``convolutions_per_block=k``, ``k - 1`` further ``Conv2D
    [-> BatchNormalization] -> activation`` come before the block's last
    convolution, VGG's stacks of small kernels),
    then ``Flatten`` (or ``GlobalAvgPool2D``), then ``Dense
    [-> BatchNormalization] -> activation [-> Dropout]`` for each hidden
    layer, then a linear ``Dense`` output with ``n_outputs`` logits.

    Max pooling goes *before* the activation when the activation is
    monotone non-decreasing (its class attribute ``monotone``; true of
    every activation in :data:`~skconv.layers.ACTIVATIONS`):
    ``max(f(x)) = f(max(x))``, so the block still computes
    ``pool(f(conv(X)))``, with the activation run on a map ``pool_size**2``
    times smaller. Average pooling does not commute with a non-linear
    activation and stays after it, as does max pooling after a
    non-monotone activation.

    Parameters
    ----------
    image_shape : tuple of (int, int, int)
        ``(channels, height, width)`` of one input.
    filters : sequence of int
        Number of filters of each convolution block.
    kernel_sizes : sequence of int
        Kernel size of each convolution block (same length as ``filters``).
    stride : int
        Stride of every convolution.
    padding : {"valid", "same"}
        Padding of every convolution.
    pool_size : int
        1 disables pooling.
    hidden_layer_sizes : sequence of int
        Units of each fully connected hidden layer.
    activation : {"identity", "logistic", "relu", "tanh"}
        A key of :data:`~skconv.layers.ACTIVATIONS`.
    n_outputs : int or None
        None when not known yet: the output layer is then ``Dense(None)``,
        which describes itself but cannot be built.
    pooling : {"max", "avg"}, default="max"
        A key of :data:`POOLING`.
    global_pooling : bool, default=False
        Average each map to one value instead of flattening it.
    batch_normalization : bool, default=False
        Normalise the output of every convolution and hidden layer.
    dropout : float, default=0.0
        Dropout rate after every hidden layer; 0 adds no Dropout layer.
    convolutions_per_block : int or sequence of int, default=1
        Convolutions of every block, or of each block (same length as
        ``filters``), all with the block's filters and kernel size; the
        block pools once, after the last.

    Returns
    -------
    layers : list of Layer
        Unbuilt: no parameters yet.

    Raises
    ------
    ValueError
        If a kernel does not fit the map it is applied to.
    """
    activation_layer = ACTIVATIONS[activation]
    init = INITIALISATIONS[activation]
    pool_layer = POOLING[pooling]
    pool_first = pool_layer.commutes_with_monotone and activation_layer.monotone
    layers = []
    shape = tuple(image_shape)

    def add(layer):
        nonlocal shape
        shape = layer.output_shape(shape)
        layers.append(layer)

    if isinstance(convolutions_per_block, Integral):
        convolutions_per_block = (convolutions_per_block,) * len(filters)

    def add_convolution(block, index, n_filters, kernel):
        where = f"block {block}" if convolutions_per_block[block] == 1 else (
            f"block {block}, convolution {index}")
        try:
            add(Conv2D(n_filters, kernel, stride=stride, padding=padding, init=init))
        except ValueError as exc:
            raise ValueError(
                f"Convolution {where} receives maps of shape "
                f"(channels, height, width) = {shape}: {exc}"
            ) from exc
        if batch_normalization:
            add(BatchNormalization())

    for block, (n_filters, kernel) in enumerate(zip(filters, kernel_sizes)):
        n_convolutions = convolutions_per_block[block]
        for index in range(n_convolutions - 1):
            add_convolution(block, index, n_filters, kernel)
            add(activation_layer())
        add_convolution(block, n_convolutions - 1, n_filters, kernel)
        pool = fitting_pool(pool_size, shape[1], shape[2])
        pooled = [pool_layer(pool)] if pool != (1, 1) else []
        activated = [activation_layer()]
        for layer in (pooled + activated) if pool_first else (activated + pooled):
            add(layer)
    add(GlobalAvgPool2D() if global_pooling else Flatten())
    for n_units in hidden_layer_sizes:
        add(Dense(n_units, init=init))
        if batch_normalization:
            add(BatchNormalization())
        add(activation_layer())
        if dropout > 0:
            add(Dropout(dropout))
    add(Dense(n_outputs, init="glorot"))
    return layers


def build_layers(
    image_shape,
    *,
    filters,
    kernel_sizes,
    stride,
    padding,
    pool_size,
    hidden_layer_sizes,
    activation,
    n_outputs,
    rng,
    dtype,
    pooling="max",
    global_pooling=False,
    batch_normalization=False,
    dropout=0.0,
    convolutions_per_block=1,
):
    """Create and initialise the layer stack of :func:`plan_layers`.

    Parameters
    ----------
    image_shape, filters, kernel_sizes, stride, padding, pool_size, \
hidden_layer_sizes, activation : see plan_layers
        As in :func:`plan_layers`.
    n_outputs : int
        Units of the output layer.
    rng : numpy.random.RandomState
        Source of the initial weights (and of the dropout seeds), drawn
        layer by layer in stack order.
    dtype : numpy dtype
        The parameters' dtype.
    pooling, global_pooling, batch_normalization, dropout, \
convolutions_per_block : see plan_layers
        As in :func:`plan_layers`.

    Returns
    -------
    layers : list of Layer
        Built, in the order of :func:`plan_layers`.

    Raises
    ------
    ValueError
        If a kernel does not fit the map it is applied to.
    """
    layers = plan_layers(
        image_shape,
        filters=filters,
        kernel_sizes=kernel_sizes,
        stride=stride,
        padding=padding,
        pool_size=pool_size,
        hidden_layer_sizes=hidden_layer_sizes,
        activation=activation,
        n_outputs=n_outputs,
        pooling=pooling,
        global_pooling=global_pooling,
        batch_normalization=batch_normalization,
        dropout=dropout,
        convolutions_per_block=convolutions_per_block,
    )
    return build(layers, image_shape, rng, dtype)


def build(layers, input_shape, rng, dtype):
    """Build planned (unbuilt) ``layers`` in order for ``input_shape``.

    The parameters are drawn from ``rng`` layer by layer, in stack order, so
    ``build(plan_layers(...), ...)`` is :func:`build_layers`.

    Parameters
    ----------
    layers : list of Layer
        Unbuilt, as :func:`plan_layers` returns them.
    input_shape : tuple of int
        One sample's input shape, ``(channels, height, width)``.
    rng : numpy.random.RandomState
        Source of the initial weights.
    dtype : numpy dtype
        The parameters' dtype.

    Returns
    -------
    layers : list of Layer
        The same list, built.
    """
    shape = tuple(input_shape)
    for layer in layers:
        shape = layer.build(shape, rng, dtype)
    return layers


def describe_layers(layers, input_shape, itemsize=8):
    """Describe each layer of a stack (built or not) for one sample.

    Parameters
    ----------
    layers : list of Layer
        The stack, built or only planned.
    input_shape : tuple of int
        One sample's input shape, e.g. ``(channels, height, width)``.
    itemsize : int, default=8
        Bytes per value (``np.dtype(dtype).itemsize``).

    Returns
    -------
    descriptions : list of LayerDescription
        One per layer; each layer's input shape is the previous one's
        ``output_shape``. Sizes not known yet (``Dense(None)``) give None.

    Examples
    --------
    >>> from skconv.network import describe_layers, plan_layers
    >>> layers = plan_layers((1, 8, 8), filters=(4,), kernel_sizes=(3,), stride=1,
    ...                      padding="same", pool_size=2, hidden_layer_sizes=(),
    ...                      activation="relu", n_outputs=None)
    >>> for d in describe_layers(layers, (1, 8, 8)):
    ...     print(d.name, d.output_shape, d.n_params, d.flops)
    Conv2D (4, 8, 8) 40 4864
    MaxPool2D (4, 4, 4) 0 192
    ReLU (4, 4, 4) 0 64
    Flatten (64,) 0 0
    Dense (None,) None None
    """
    descriptions = []
    shape = tuple(input_shape)
    for layer in layers:
        description = layer.describe(shape, itemsize)
        descriptions.append(description)
        shape = description.output_shape
    return descriptions
