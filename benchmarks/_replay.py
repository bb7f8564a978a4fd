"""skconv's training rebuilt from its public pieces: start, batch order, steps.

PyTorch can only be compared with skconv from the same start on the same
batches. Both come from the estimator's ``random_state`` through one
``RandomState`` (:func:`sklearn.utils.check_random_state`): the first
``fit``/``partial_fit`` draws the initial weights from it with
:func:`skconv.network.build_layers`, and then every epoch draws its batch
order, ``rng.permutation(n_samples)``, from the same stream (``partial_fit``
keeps it between calls). :func:`initial_state` and :func:`epoch_orders`
draw the same numbers in the same order; :func:`replay_check` proves it by
training the estimator and this replay side by side and comparing the
weights they end with.
"""

from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state, gen_batches

from skconv import losses, network, optimizers

#: Estimator parameters passed to ``build_layers`` unchanged.
LAYER_PARAMS = (
    "convolutions_per_block",
    "stride",
    "padding",
    "pool_size",
    "activation",
    "pooling",
    "global_pooling",
    "batch_normalization",
    "dropout",
)

#: What the replay supports: parameter -> (accepted value, why).
REPLAYABLE = {
    "alpha": (0.0, "no L2 term in the replayed loss"),
    "learning_rate": ("constant", "no learning-rate schedule"),
    "shuffle": (True, "one permutation per epoch"),
    "early_stopping": (False, "no validation split drawn from the stream"),
    "class_weight": (None, "unit sample weights"),
    "batch_normalization": (False, "no merged last batch"),
    "dropout": (0.0, "no dropout masks"),
}


def architecture(clf):
    """Keyword arguments of :func:`skconv.network.build_layers` for ``clf``."""
    params = clf.get_params()
    filters = tuple(params["filters"])
    kernel = params["kernel_size"]
    kernel_sizes = (
        (kernel,) * len(filters) if isinstance(kernel, Integral) else tuple(kernel)
    )
    return {
        "filters": filters,
        "kernel_sizes": kernel_sizes,
        "hidden_layer_sizes": tuple(params["hidden_layer_sizes"]),
        **{key: params[key] for key in LAYER_PARAMS},
    }


def initial_state(clf, image_shape, n_outputs, dtype=np.float32):
    """The layers the first fit of ``clf`` starts from, and its random stream.

    Returns
    -------
    layers : list of Layer
        Built as the estimator builds them, from the same draws.
    rng : numpy.random.RandomState
        The stream after those draws: the epochs' batch orders come next.
    """
    rng = check_random_state(clf.random_state)
    layers = network.build_layers(
        tuple(image_shape), rng=rng, dtype=dtype, n_outputs=n_outputs,
        **architecture(clf),
    )
    return layers, rng


def epoch_orders(rng, n_samples, n_epochs):
    """The sample order of each of the next ``n_epochs`` shuffled epochs."""
    return [rng.permutation(n_samples) for _ in range(n_epochs)]


def batch_size(clf, n_samples):
    """Samples per mini-batch as the estimator counts them ("auto": up to 200)."""
    size = clf.batch_size
    return min(200 if size == "auto" else size, n_samples)


def softmax_loss_and_gradients(layers, X, y, n_classes):
    """Mean softmax cross-entropy of a batch; its gradients into ``layers``.

    A training forward pass, the fused loss, and a backward pass without the
    input gradient, as the estimator makes them (unit sample weights, no L2
    penalty). Read the gradients with :func:`skconv.network.gradients`.
    """
    Z = network.forward(layers, X, training=True)
    Y = np.eye(n_classes, dtype=Z.dtype)[y]
    loss, dZ = losses.softmax_cross_entropy(Z, Y, np.ones(len(X), dtype=Z.dtype))
    network.backward(layers, dZ, input_grad=False)
    return loss


def check_replayable(clf):
    """Raise ValueError if ``clf`` trains in a way the replay does not copy."""
    params = clf.get_params()
    wrong = [
        f"{key}={params[key]!r} (the replay needs {value!r}: {why})"
        for key, (value, why) in REPLAYABLE.items()
        if params[key] != value
    ]
    if wrong:
        raise ValueError("Cannot replay this estimator's training: " + "; ".join(wrong))


def replay_epochs(clf, images, y, n_classes, n_epochs):
    """Train as ``n_epochs`` calls of ``clf.partial_fit`` would, from public pieces.

    Parameters
    ----------
    clf : ConvNetClassifier
        Unfitted; only its parameters are read.
    images : ndarray of shape (n_samples, channels, height, width)
    y : ndarray of shape (n_samples,)
        Class codes in ``range(n_classes)``.
    n_classes : int
    n_epochs : int

    Returns
    -------
    layers : list of Layer
        The trained layers.
    loss_curve : list of float
        The mean loss of each epoch, as the estimator's ``loss_curve_``.
    """
    check_replayable(clf)
    p = clf.get_params()
    n_samples = len(images)
    layers, rng = initial_state(clf, images.shape[1:], n_classes, images.dtype)
    optimizer = optimizers.make_optimizer(
        p["solver"], layers, learning_rate_init=p["learning_rate_init"],
        momentum=p["momentum"], nesterovs_momentum=p["nesterovs_momentum"],
        beta_1=p["beta_1"], beta_2=p["beta_2"], epsilon=p["epsilon"],
        weight_decay=p["weight_decay"],
    )
    loss_curve = []
    for order in epoch_orders(rng, n_samples, n_epochs):
        epoch_loss = 0.0
        for batch in gen_batches(n_samples, batch_size(clf, n_samples)):
            idx = order[batch]
            loss = softmax_loss_and_gradients(layers, images[idx], y[idx], n_classes)
            optimizer.update_params(
                network.parameters(layers), network.gradients(layers)
            )
            epoch_loss += loss * len(idx) / n_samples
        loss_curve.append(epoch_loss)
    return layers, loss_curve


def replay_check(clf, X, y, n_classes, n_epochs=2):
    """Train ``clf`` by ``partial_fit`` and the replay alike; compare the results.

    Parameters
    ----------
    clf : ConvNetClassifier
        Unfitted; a clone is trained.
    X : ndarray of shape (n_samples, n_features)
        Flattened images, as the benchmark feeds the estimator.
    y : ndarray of shape (n_samples,)
    n_classes : int
        ``y`` holds codes in ``range(n_classes)``.
    n_epochs : int, default=2
        Two or more also check that the batch orders continue across calls.

    Returns
    -------
    check : dict
        ``param_max_abs_diff`` (largest difference of any weight after the
        last epoch; 0 when the replay draws exactly what the estimator
        draws), ``loss_max_abs_diff`` (over ``loss_curve_``), ``samples``
        and ``epochs``.
    """
    fitted = clone(clf)
    for _ in range(n_epochs):
        fitted.partial_fit(X, y, classes=np.arange(n_classes))
    images = X.reshape((-1,) + tuple(fitted.image_shape_))
    layers, loss_curve = replay_epochs(clf, images, y, n_classes, n_epochs)
    ours, theirs = network.parameters(layers), network.parameters(fitted.layers_)
    if [p.shape for p in ours] != [p.shape for p in theirs]:
        raise ValueError("The replayed network's parameters differ in shape.")
    return {
        "samples": len(X),
        "epochs": n_epochs,
        "param_max_abs_diff": max(
            float(np.abs(a - b).max()) for a, b in zip(ours, theirs)
        ),
        "loss_max_abs_diff": float(
            np.abs(np.subtract(loss_curve, fitted.loss_curve_)).max()
        ),
    }
