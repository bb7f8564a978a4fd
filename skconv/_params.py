"""The hyperparameters both estimators share: their constraints and their docs.

Written once so that the classifier's and the regressor's validation and
documentation cannot drift apart; each estimator formats the docs with its
own words for the validation score and the early-stopping split.
"""

import functools
import inspect
import types
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from .activations import ACTIVATIONS
from .augmentation import Augmentation
from .optimizers import SOLVERS

#: scikit-learn's ``_parameter_constraints`` of every shared hyperparameter.
PARAMETER_CONSTRAINTS = {
    "image_shape": [tuple, list, None],
    "filters": [tuple, list],
    "convolutions_per_block": [Interval(Integral, 1, None, closed="left"), tuple, list],
    "kernel_size": [Interval(Integral, 1, None, closed="left"), tuple, list],
    "stride": [Interval(Integral, 1, None, closed="left")],
    "padding": [StrOptions({"same", "valid"})],
    "pool_size": [Interval(Integral, 1, None, closed="left")],
    "pooling": [StrOptions({"max", "avg"})],
    "global_pooling": ["boolean"],
    "hidden_layer_sizes": [tuple, list],
    "activation": [StrOptions(set(ACTIVATIONS))],
    "batch_normalization": ["boolean"],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "solver": [StrOptions(set(SOLVERS))],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "learning_rate": [StrOptions({"constant", "invscaling", "adaptive", "cosine"})],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
    "power_t": [Interval(Real, 0, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "random_state": ["random_state"],
    "tol": [Interval(Real, 0, None, closed="left")],
    "verbose": ["verbose"],
    "warm_start": ["boolean"],
    "momentum": [Interval(Real, 0, 1, closed="both")],
    "nesterovs_momentum": ["boolean"],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "beta_1": [Interval(Real, 0, 1, closed="left")],
    "beta_2": [Interval(Real, 0, 1, closed="left")],
    "epsilon": [Interval(Real, 0, None, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "augmentation": [Augmentation, None],
}

#: The Parameters section (without ``class_weight``); format with ``score``
#: (what early stopping watches) and ``split`` (how it holds data out).
PARAMETERS = """\
    image_shape : tuple of int, default=None
        Shape of one image, ``(height, width)`` or ``(channels, height,
        width)``; each row of ``X`` holds ``channels * height * width``
        values in C order (channels first). None takes the shape from 3-D or
        4-D ``X``, and for 2-D ``X`` infers one channel and the most square
        ``height x width`` with ``height <= width`` equal to the number of
        features (64 -> 8x8, 784 -> 28x28, 30 -> 5x6, 7 -> 1x7).

    filters : tuple of int, default=(32, 64)
        Number of filters (output channels) of each convolution block; its
        length is the depth. ``()`` gives a network without convolutions.

    convolutions_per_block : int or tuple of int, default=1
        Convolutions in each block (one number for every block, or one per
        block), each followed by its normalisation and activation; the
        block pools once, after the last. ``2`` stacks two convolutions of
        the block's filters and kernel size, as VGG does: a larger field of
        view and more non-linearity for the cost of a second convolution.
        ``(1, 2)`` doubles only the second block, where the maps are
        smaller and a convolution costs less.

    kernel_size : int or tuple of int, default=3
        Square kernel size of every block, or one size per block.

    stride : int, default=1
        Step of every convolution.

    padding : {{"same", "valid"}}, default="same"
        ``"same"`` pads with zeros so a stride-1 convolution keeps the map
        size; ``"valid"`` does not pad, so each 3x3 convolution removes two
        rows and two columns.

    pool_size : int, default=2
        Max-pooling window (and stride) after each convolution; 1 disables
        pooling. A map axis shorter than the window is not pooled.

    pooling : {{"max", "avg"}}, default="max"
        Max pooling or average pooling.

    global_pooling : bool, default=False
        After the convolution blocks, average each map to one value
        (global average pooling) instead of flattening the maps.

    hidden_layer_sizes : tuple of int, default=(128,)
        Units of each fully connected hidden layer after the convolutions.

    activation : {{"relu", "tanh", "logistic", "identity"}}, default="relu"
        Activation of the convolution blocks and hidden layers. Weights are
        initialised for it (He for ReLU, Glorot otherwise).

    batch_normalization : bool, default=False
        Normalise the output of every convolution and hidden layer with
        batch statistics in training and running statistics in prediction.

    dropout : float, default=0.0
        Inverted dropout rate after every hidden layer, in training only.

    solver : {{"adam", "sgd", "adamw"}}, default="adam"
        Mini-batch optimizer; "adamw" is Adam with decoupled weight decay.

    alpha : float, default=1e-4
        Strength of the L2 penalty on weights, scaled as in
        :class:`~sklearn.neural_network.MLPClassifier`.

    weight_decay : float, default=0.01
        Decoupled weight decay of ``solver="adamw"`` (ignored otherwise):
        each step multiplies the weights by ``1 - lr * weight_decay``, so
        ``learning_rate_init * weight_decay`` must be below 1.

    batch_size : int or "auto", default=32
        Samples per mini-batch; "auto" is ``min(200, n_samples)``. Clipped to
        the number of samples.

    learning_rate : {{"constant", "invscaling", "adaptive", "cosine"}}, \
            default="constant"
        Learning-rate schedule, for every solver (MLPClassifier applies it to
        SGD only). "invscaling": ``lr0 / (t + 1) ** power_t`` after each
        epoch, t being the samples seen. "adaptive": divide by 5 each time
        ``n_iter_no_change`` epochs pass without improvement, instead of
        stopping, until it falls below 1e-6. "cosine": from ``lr0`` to 0
        along half a cosine over ``max_iter`` epochs.

    learning_rate_init : float, default=0.002
        Step size of the optimizer. The default is twice MLPClassifier's:
        with Adam and batches of 32 it converges in fewer epochs, and
        generalises as well or better on small images.

    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.

    max_iter : int, default=100
        Maximum number of epochs (passes over the data).

    shuffle : bool, default=True
        Whether to shuffle the samples before each epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation and the shuffling. An int makes
        ``fit`` reproducible bit for bit (on the same machine and BLAS
        threads).

    tol : float, default=1e-4
        Training stops when the training loss has not improved by at least
        ``tol`` for ``n_iter_no_change`` consecutive epochs.

    verbose : bool or int, default=False
        1: print one line per epoch (epoch, training loss, validation score
        and loss when there is a validation set, seconds); 2 and more: also
        about ten progress lines within each epoch. For a progress bar, use
        scikit-learn's callbacks (1.9+):
        ``clf.set_callbacks(sklearn.callback.ProgressBar())``, which also
        works inside ``GridSearchCV``; ``ScoringMonitor`` logs a score after
        every epoch.

    warm_start : bool, default=False
        Whether ``fit`` continues from the previous weights instead of
        starting afresh. A warm-started ``fit`` is a new run of up to
        ``max_iter`` epochs from the fitted weights: it starts a new
        optimizer (as ``MLPClassifier`` does), its learning-rate schedule
        and stopping rule count from its own first epoch, and with a
        validation set ``best_validation_score_`` is the best of this run
        (the score of the weights early stopping keeps); ``n_iter_``, ``t_``
        and the curves go on accumulating. If ``set_params`` changed the
        architecture (``filters``, ``kernel_size``, ``activation``, ...)
        since the layers were built, it warns and trains a new network.

    momentum : float, default=0.9
        Momentum of ``solver="sgd"``.

    nesterovs_momentum : bool, default=True
        Whether ``solver="sgd"`` uses Nesterov's momentum.

    early_stopping : bool, default=False
        Stop when the validation {score} has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and keep the weights of the best epoch.
        The validation set is ``X_val, y_val`` given to :meth:`fit`, or else
        a {split} ``validation_fraction`` of the training data.

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.

    beta_1 : float, default=0.9
        Decay of Adam's first-moment estimates, in [0, 1).

    beta_2 : float, default=0.999
        Decay of Adam's second-moment estimates, in [0, 1).

    epsilon : float, default=1e-8
        Adam's numerical-stability constant.

    n_iter_no_change : int, default=10
        Epochs without ``tol`` improvement before training stops.

    augmentation : :class:`~skconv.Augmentation` or None, default=None
        Random transformations (shifts, flips, rotation, zoom, erasing,
        noise) applied to every training mini-batch on the fly, never to
        validation data or in prediction. None trains on the images as they
        are.
"""

#: Fitted attributes common to both estimators; format with ``score``.
ATTRIBUTES = """\
    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    image_shape_ : tuple of (int, int, int)
        ``(channels, height, width)`` of the images the network reads.

    layers_ : list of Layer
        The fitted layer stack, from the first convolution to the output
        layer; each layer's ``params`` dict holds its weights.

    n_outputs_ : int
        Number of outputs of the last layer.

    n_iter_ : int
        Number of epochs run (over all calls with ``warm_start`` or
        ``partial_fit``).

    t_ : int
        Number of training samples seen by the optimizer.

    loss_curve_ : list of float
        Training loss (including the L2 penalty) after each epoch.

    best_loss_ : float
        Lowest value in ``loss_curve_``.

    validation_scores_ : list of float or None
        Validation {score} after each epoch, when there is a validation set.

    validation_loss_curve_ : list of float or None
        Validation loss (without penalty) after each epoch.

    best_validation_score_ : float or None
        Highest value in ``validation_scores_``.
"""


@functools.cache
def init_defaults(cls):
    """``{name: default}`` of ``cls.__init__``'s parameters, read once per class.

    ``inspect.signature`` took 0.3 ms, a third of a small ``predict``, whose
    snapshot of the estimator (a shallow copy) goes through ``__setstate__``.
    """
    return types.MappingProxyType({
        name: parameter.default
        for name, parameter in inspect.signature(cls.__init__).parameters.items()
        if parameter.default is not parameter.empty
    })
