"""ConvNetClassifier: a convolutional network behind scikit-learn's API."""

import copy
import functools
import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import gen_batches
from sklearn.utils.metaestimators import available_if
from sklearn.utils._param_validation import InvalidParameterError, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    column_or_1d,
    check_is_fitted,
    check_random_state,
    validate_data,
)

from . import _network
from ._callbacks import CallbackRun, CallbackSupportMixin
from ._input import flatten_images, resolve_image_shape
from ._validation_set import split_validation, validation_metrics
from .activations import ACTIVATIONS
from .losses import LOG_PROBA_FUNCTIONS
from .optimizers import SOLVERS, scheduled_learning_rate


def _keep_model_on_error(fit_method):
    """Undo every attribute change of a fit that raises.

    Training builds the new state aside and commits it at the end, but
    ``validate_data`` sets ``n_features_in_`` early; restoring the attribute
    dictionary guarantees that a failed fit leaves a fitted model as it was.
    """

    @functools.wraps(fit_method)
    def wrapper(self, *args, **kwargs):
        before = dict(self.__dict__)
        try:
            return fit_method(self, *args, **kwargs)
        except BaseException:
            # scikit-learn's callback machinery tears its own state down.
            callback_state = {
                key: value for key, value in self.__dict__.items()
                if key.startswith(("_callback", "_skl_callbacks"))
            }
            self.__dict__.clear()
            self.__dict__.update(before)
            self.__dict__.update(callback_state)
            raise

    return wrapper


def _positive_ints(name, value, length=None):
    """Validate a sequence of positive ints; return it as a tuple."""
    values = tuple(value)
    if not all(isinstance(v, Integral) and not isinstance(v, bool) and v >= 1 for v in values):
        raise InvalidParameterError(
            f"The {name!r} parameter of ConvNetClassifier must hold integers >= 1. "
            f"Got {value!r} instead."
        )
    if length is not None and len(values) != length:
        raise InvalidParameterError(
            f"The {name!r} parameter of ConvNetClassifier must hold one value per "
            f"convolution block ({length}, the length of filters). Got {value!r}."
        )
    return values


def _check_weight_sum(sample_weight):
    """The weights, if their sum is finite and positive; else a clear error."""
    total = float(sample_weight.sum())
    if not np.isfinite(total):
        raise ValueError(
            f"sample_weight (times class_weight) sums to {total} in "
            f"{sample_weight.dtype.name}: the weights are too large. Rescale them "
            "(e.g. divide by their maximum); the loss depends on their ratios."
        )
    if total == 0:
        raise ValueError(
            "The sample weights times class_weight are all zero: no sample would "
            "be learned from. Give some class a positive class_weight."
        )
    return sample_weight


def _class_codes(labels, classes, name, classes_are):
    """Index of each label in the sorted ``classes``; a clear error for others.

    ``classes_are`` ends the message, saying where the classes come from.
    """
    unseen = np.setdiff1d(labels, classes)
    if unseen.size:
        raise ValueError(
            f"{name} contains labels {unseen.tolist()} that are not among the "
            f"classes {classes_are}, {classes.tolist()}."
        )
    return np.searchsorted(classes, labels)


def _check_no_missing_labels(labels, name):
    """Raise a ValueError naming ``name`` if ``labels`` holds NaN (or None)."""
    labels = np.asarray(labels).ravel()
    if labels.dtype.kind in "fc":
        missing = np.flatnonzero(np.isnan(labels))
    elif labels.dtype.kind == "O":
        missing = np.flatnonzero([v is None or v != v for v in labels])
    else:
        return
    if missing.size:
        raise ValueError(
            f"{name} contains NaN or None at positions {missing[:5].tolist()}"
            f"{' ...' if missing.size > 5 else ''}: every label must be a class. "
            "Drop those samples or give them a label."
        )


class ConvNetClassifier(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    """Convolutional neural network classifier for flattened images.

    The network is, for each entry of ``filters``, a convolution block that
    computes ``pool(activation(conv(X)))`` (optionally with batch
    normalisation, average pooling; the fitted ``layers_`` run max pooling
    before the activation, which gives the same result for the monotone
    activations here on a smaller map), then fully connected hidden layers
    ``Dense -> activation`` as in :class:`~sklearn.neural_network.MLPClassifier`,
    then a softmax output (3 or more classes) or a logistic output (2 classes)
    trained with cross-entropy by mini-batch SGD or Adam.

    Parameters
    ----------
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

    kernel_size : int or tuple of int, default=3
        Square kernel size of every block, or one size per block.

    stride : int, default=1
        Step of every convolution.

    padding : {"same", "valid"}, default="same"
        ``"same"`` pads with zeros so a stride-1 convolution keeps the map
        size; ``"valid"`` does not pad, so each 3x3 convolution removes two
        rows and two columns.

    pool_size : int, default=2
        Max-pooling window (and stride) after each convolution; 1 disables
        pooling. A map axis shorter than the window is not pooled.

    pooling : {"max", "avg"}, default="max"
        Max pooling or average pooling.

    global_pooling : bool, default=False
        After the convolution blocks, average each map to one value
        (global average pooling) instead of flattening the maps.

    hidden_layer_sizes : tuple of int, default=(128,)
        Units of each fully connected hidden layer after the convolutions.

    activation : {"relu", "tanh", "logistic", "identity"}, default="relu"
        Activation of the convolution blocks and hidden layers. Weights are
        initialised for it (He for ReLU, Glorot otherwise).

    batch_normalization : bool, default=False
        Normalise the output of every convolution and hidden layer with
        batch statistics in training and running statistics in prediction.

    dropout : float, default=0.0
        Inverted dropout rate after every hidden layer, in training only.

    solver : {"adam", "sgd", "adamw"}, default="adam"
        Mini-batch optimizer; "adamw" is Adam with decoupled weight decay.

    alpha : float, default=1e-4
        Strength of the L2 penalty on weights, scaled as in
        :class:`~sklearn.neural_network.MLPClassifier`.

    weight_decay : float, default=0.01
        Decoupled weight decay of ``solver="adamw"`` (ignored otherwise):
        each step multiplies the weights by ``1 - lr * weight_decay``.

    batch_size : int or "auto", default=32
        Samples per mini-batch; "auto" is ``min(200, n_samples)``. Clipped to
        the number of samples.

    learning_rate : {"constant", "invscaling", "adaptive", "cosine"}, \
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
        starting afresh.

    momentum : float, default=0.9
        Momentum of ``solver="sgd"``.

    nesterovs_momentum : bool, default=True
        Whether ``solver="sgd"`` uses Nesterov's momentum.

    early_stopping : bool, default=False
        Stop when the validation accuracy has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and keep the weights of the best epoch.
        The validation set is ``X_val, y_val`` given to :meth:`fit`, or else
        a stratified ``validation_fraction`` of the training data.

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

    class_weight : dict or "balanced", default=None
        Weights of the classes, ``{label: weight}``, multiplying the sample
        weights; "balanced" uses ``n_samples / (n_classes * count)``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    image_shape_ : tuple of (int, int, int)
        ``(channels, height, width)`` of the images the network reads.

    layers_ : list of Layer
        The fitted layer stack, from the first convolution to the output
        layer; each layer's ``params`` dict holds its weights.

    out_activation_ : str
        ``"softmax"`` or ``"logistic"``.

    n_outputs_ : int
        Number of output logits.

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
        Validation accuracy after each epoch, when there is a validation set.

    validation_loss_curve_ : list of float or None
        Validation cross-entropy (without penalty) after each epoch.

    best_validation_score_ : float or None
        Highest value in ``validation_scores_``.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : Multi-layer perceptron classifier.

    Notes
    -----
    Convolutions are cross-correlations, ``Y_i = B_i + sum_j X_j * K_ij``,
    computed for a whole batch by gathering the windows (im2col) and one
    matrix product. float32 input trains and predicts in float32, float64
    input (and integer input) in float64.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skconv import ConvNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ConvNetClassifier(max_iter=5, random_state=0).fit(X[:500] / 16, y[:500])
    >>> clf.image_shape_
    (1, 8, 8)
    >>> clf.predict_proba(X[500:502] / 16).shape
    (2, 10)
    """

    _parameter_constraints: dict = {
        "image_shape": [tuple, list, None],
        "filters": [tuple, list],
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
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        image_shape=None,
        filters=(32, 64),
        kernel_size=3,
        stride=1,
        padding="same",
        pool_size=2,
        pooling="max",
        global_pooling=False,
        hidden_layer_sizes=(128,),
        activation="relu",
        batch_normalization=False,
        dropout=0.0,
        solver="adam",
        alpha=1e-4,
        weight_decay=0.01,
        batch_size=32,
        learning_rate="constant",
        learning_rate_init=2e-3,
        power_t=0.5,
        max_iter=100,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        class_weight=None,
    ):
        self.image_shape = image_shape
        self.filters = filters
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.pool_size = pool_size
        self.pooling = pooling
        self.global_pooling = global_pooling
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.batch_normalization = batch_normalization
        self.dropout = dropout
        self.solver = solver
        self.alpha = alpha
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    # ------------------------------------------------------------------ fit

    @_fit_context(prefer_skip_nested_validation=True)
    @_keep_model_on_error
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None,
            sample_weight_val=None):
        """Train the network on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Flattened images, ``n_features = channels * height * width``.
            Arrays of shape (n_samples, height, width) or (n_samples,
            channels, height, width) are accepted too.
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the loss is the weighted mean over the
            samples, so integer weights act like repeated samples. They are
            multiplied by the ``class_weight`` of each sample's class.
        X_val : array-like of shape (n_val, n_features), default=None
            A validation set, as in HistGradientBoostingClassifier: its
            accuracy and loss are recorded after every epoch
            (``validation_scores_``, ``validation_loss_curve_``) and, with
            ``early_stopping=True``, it decides when to stop (instead of a
            split of ``validation_fraction`` of the training data).
        y_val : array-like of shape (n_val,), default=None
            Labels of ``X_val``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples.

        Returns
        -------
        self : ConvNetClassifier
            The fitted estimator.
        """
        return self._fit(
            X, y, sample_weight, incremental=False,
            validation=(X_val, y_val, sample_weight_val),
        )

    def _partial_fit_available(self):
        """partial_fit exists unless a setting needs the whole data at once."""
        if self.early_stopping:
            raise ValueError(
                "partial_fit is not available with early_stopping=True: it trains "
                "one epoch on the data it is given. Set early_stopping=False."
            )
        if self.class_weight == "balanced":
            raise ValueError(
                "partial_fit is not available with class_weight='balanced', which "
                "needs the class counts of the whole data: pass a dict computed on "
                "it (sklearn.utils.class_weight.compute_class_weight)."
            )
        return True

    @available_if(_partial_fit_available)
    @_fit_context(prefer_skip_nested_validation=True)
    @_keep_model_on_error
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on ``(X, y)``, continuing from the current state.

        One call is one pass over the given samples in mini-batches, with
        the same updates as one epoch of :meth:`fit` on the same data, so a
        data set too large for memory can be streamed chunk by chunk.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            As in :meth:`fit`.
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            Every class that will ever appear; required on the first call,
            optional (but checked) afterwards.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : ConvNetClassifier
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _fit(self, X, y, sample_weight, *, incremental, classes=None,
             validation=(None, None, None)):
        continuing = hasattr(self, "layers_") and (incremental or self.warm_start)
        architecture = self._validate_architecture()
        X, y, image_shape = self._validate_input(X, y, reset=not continuing)
        classes = self._validate_classes(y, classes, incremental, continuing)
        validation = self._validate_validation_set(*validation, classes, image_shape)
        if continuing:
            state = self._resume(incremental)
        else:
            state = self._initialize(image_shape, classes, X.dtype, architecture)
        dtype = state["layers"][-1].params["W"].dtype
        codes = _class_codes(y, classes, "y", "this ConvNetClassifier was set up with")
        sample_weight = self._sample_weight(sample_weight, X, codes, classes, dtype)
        images = X.astype(dtype, copy=False).reshape((-1,) + image_shape)
        train_set, val_set = self._split_sets(
            images, codes, sample_weight, validation, classes, state["rng"]
        )
        fitted = {
            "classes_": classes,
            "image_shape_": image_shape,
            "out_activation_": self._output(state),
            "n_outputs_": state["layers"][-1].n_units,
        }
        callbacks = CallbackRun(self, X, y, incremental, fitted)
        self._train(state, *train_set, incremental, val_set, callbacks)
        _network.clear_caches(state["layers"])
        callbacks.end(state)

        # Commit the new state in one go: a fit that raised changed nothing.
        fitted.update(
            layers_=state["layers"],
            _optimizer=state["optimizer"],
            _random_state=state["rng"],
            **state["history"],
        )
        for name, value in fitted.items():
            setattr(self, name, value)
        return self

    def _split_sets(self, images, codes, sample_weight, validation, classes, rng):
        """The training set ``(images, targets, weights)`` and the validation set.

        The validation set is ``(images, class codes, weights)`` from
        ``X_val``, or a stratified ``validation_fraction`` of the training
        data with ``early_stopping``, or None.
        """
        X_val, y_val, sample_weight_val = validation
        dtype = images.dtype
        if X_val is not None:
            val_set = (
                X_val.astype(dtype, copy=False).reshape((-1,) + images.shape[1:]),
                _class_codes(y_val, classes, "y_val", "of y"),
                sample_weight_val.astype(dtype),
            )
        elif self.early_stopping:
            train, held_out = split_validation(
                len(images), codes, self.validation_fraction, len(classes), rng
            )
            val_set = (images[held_out], codes[held_out], sample_weight[held_out])
            images, codes, sample_weight = images[train], codes[train], sample_weight[train]
        else:
            val_set = None
        targets = self._encode_targets(codes, len(classes), dtype)
        return (images, targets, sample_weight), val_set

    def _initialize(self, image_shape, classes, dtype, architecture):
        """A new training state: fresh layers, optimizer and history."""
        rng = check_random_state(self.random_state)
        # Initialise before any random draw that depends on n_samples, so
        # weighting and repeating samples give the same model.
        layers = _network.build_layers(
            image_shape,
            n_outputs=1 if len(classes) == 2 else len(classes),
            rng=rng,
            dtype=dtype,
            **architecture,
        )
        history = {
            "n_iter_": 0,
            "t_": 0,
            "loss_curve_": [],
            "best_loss_": np.inf,
            "validation_scores_": None,
            "validation_loss_curve_": None,
            "best_validation_score_": None,
            "_no_improvement_count": 0,
        }
        return {
            "layers": layers,
            "optimizer": self._make_optimizer(layers),
            "rng": rng,
            "history": history,
        }

    def _resume(self, incremental):
        """A copy of the fitted training state, to train further."""
        history = {
            name: copy.copy(getattr(self, name))
            for name in (
                "n_iter_", "t_", "loss_curve_", "best_loss_", "validation_scores_",
                "validation_loss_curve_", "best_validation_score_",
                "_no_improvement_count",
            )
        }
        # partial_fit keeps drawing from one stream across calls.
        if incremental:
            rng = copy.deepcopy(self._random_state)
        else:
            rng = check_random_state(self.random_state)
        layers = copy.deepcopy(self.layers_)
        # As MLPClassifier: partial_fit continues the optimizer, a warm-started
        # fit starts one from the current solver and learning-rate settings.
        optimizer = (
            copy.deepcopy(self._optimizer) if incremental else self._make_optimizer(layers)
        )
        return {
            "layers": layers,
            "optimizer": optimizer,
            "rng": rng,
            "history": history,
        }

    def _validate_architecture(self):
        """Hyperparameters for :func:`_network.build_layers`, checked."""
        filters = _positive_ints("filters", self.filters)
        if isinstance(self.kernel_size, Integral):
            kernel_sizes = (self.kernel_size,) * len(filters)
        else:
            kernel_sizes = _positive_ints("kernel_size", self.kernel_size, len(filters))
        if self.image_shape is not None:
            _positive_ints("image_shape", self.image_shape)
            if len(self.image_shape) not in (2, 3):
                raise InvalidParameterError(
                    "The 'image_shape' parameter of ConvNetClassifier must be "
                    "(height, width) or (channels, height, width). "
                    f"Got {self.image_shape!r} instead."
                )
        if isinstance(self.class_weight, dict):
            bad = {
                label: weight for label, weight in self.class_weight.items()
                if not (isinstance(weight, Real) and not isinstance(weight, bool)
                        and np.isfinite(weight) and weight >= 0)
            }
            if bad:
                raise InvalidParameterError(
                    "The 'class_weight' parameter of ConvNetClassifier must map "
                    "labels to non-negative finite numbers. Got "
                    f"{bad!r} among its values."
                )
        if self.batch_normalization and self.batch_size == 1:
            raise InvalidParameterError(
                "batch_normalization=True needs mini-batches of at least 2 samples "
                "(it normalises with batch statistics), but batch_size=1. Set "
                "batch_size >= 2 or batch_normalization=False."
            )
        return {
            "filters": filters,
            "kernel_sizes": kernel_sizes,
            "stride": self.stride,
            "padding": self.padding,
            "pool_size": self.pool_size,
            "hidden_layer_sizes": _positive_ints(
                "hidden_layer_sizes", self.hidden_layer_sizes
            ),
            "activation": self.activation,
            "pooling": self.pooling,
            "global_pooling": self.global_pooling,
            "batch_normalization": self.batch_normalization,
            "dropout": self.dropout,
        }

    def _validate_input(self, X, y, reset):
        """Validated 2-D ``X``, ``y`` and the image shape they imply."""
        X, shape_from_X = flatten_images(X)
        if y is not None and np.asarray(y).dtype == object:
            # scikit-learn's message for these ("Input contains NaN") names no input.
            _check_no_missing_labels(y, "y")
        X, y = validate_data(
            self, X, y, reset=reset, dtype=(np.float64, np.float32)
        )
        check_classification_targets(y)
        image_shape = resolve_image_shape(self.image_shape, X.shape[1], shape_from_X)
        if not reset and image_shape != self.image_shape_:
            raise ValueError(
                f"X holds images of shape {image_shape}, but this "
                f"ConvNetClassifier was fitted on images of shape {self.image_shape_}."
            )
        return X, y, image_shape

    def _validate_classes(self, y, classes, incremental, continuing):
        """The fitted ``classes_``, checking ``y`` (and ``classes``) against it."""
        if continuing:
            known = self.classes_
            if classes is not None and not np.array_equal(np.unique(classes), known):
                raise ValueError(
                    f"classes={classes!r} differs from the classes of the first "
                    f"call to partial_fit, {known!r}."
                )
        elif incremental:
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit: "
                    "every label that will ever appear."
                )
            _check_no_missing_labels(classes, "classes")
            known = np.unique(classes)
        else:
            known = np.unique(y)
        _class_codes(y, known, "y", "this ConvNetClassifier was set up with")
        if len(known) < 2:
            raise ValueError(
                "ConvNetClassifier needs samples of at least 2 classes in the "
                f"data, but the data contains only one class: {known[0]!r}."
            )
        return known

    def _validate_validation_set(self, X_val, y_val, sample_weight_val, classes,
                                 image_shape):
        """Checked ``(X_val, y_val, sample_weight_val)``, or Nones."""
        if X_val is None and y_val is None:
            return None, None, None
        if X_val is None or y_val is None:
            raise ValueError(
                "Pass both X_val and y_val (a validation set), or neither; got "
                f"only {'X_val' if y_val is None else 'y_val'}."
            )
        X_val, shape_from_X = flatten_images(X_val)
        if shape_from_X is not None and shape_from_X != image_shape:
            raise ValueError(
                f"X_val holds images of shape {shape_from_X}, but X holds images "
                f"of shape {image_shape}: pass the validation images in the "
                "same shape as the training images."
            )
        X_val = validate_data(
            self, X_val, reset=False, dtype=(np.float64, np.float32)
        )
        y_val = column_or_1d(y_val, warn=True)
        _check_no_missing_labels(y_val, "y_val")
        check_consistent_length(X_val, y_val)
        _class_codes(y_val, classes, "y_val", "of y")
        sample_weight_val = _check_sample_weight(
            sample_weight_val, X_val, ensure_non_negative=True
        )
        return X_val, y_val, sample_weight_val

    def _sample_weight(self, sample_weight, X, codes, classes, dtype):
        """Validated sample weights times the class weights."""
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=dtype, ensure_non_negative=True
        )
        if self.class_weight is None:
            return _check_weight_sum(sample_weight)
        if self.class_weight == "balanced":
            # n_samples / (n_classes * count), as scikit-learn's "balanced",
            # with weighted counts so that integer weights still act like
            # repeated samples; a class without weight keeps weight 0.
            counts = np.bincount(codes, weights=sample_weight, minlength=len(classes))
            per_class = np.divide(
                counts.sum(), len(classes) * counts,
                out=np.zeros(len(classes)), where=counts > 0,
            )
        else:
            unknown = set(self.class_weight) - set(classes.tolist())
            if unknown:
                raise ValueError(
                    f"class_weight has keys {sorted(unknown, key=str)} that are not "
                    f"among the classes {classes.tolist()}."
                )
            per_class = np.array([self.class_weight.get(c, 1.0) for c in classes.tolist()])
        return _check_weight_sum(sample_weight * per_class[codes].astype(dtype))

    def _encode_targets(self, codes, n_classes, dtype):
        """One-hot targets (softmax) or a 0/1 column (logistic)."""
        if n_classes == 2:
            return codes.astype(dtype).reshape(-1, 1)
        return np.eye(n_classes, dtype=dtype)[codes]

    def _make_optimizer(self, layers):
        params = _network.parameters(layers)
        if self.solver == "sgd":
            return SOLVERS["sgd"](
                params, self.learning_rate_init, self.momentum, self.nesterovs_momentum
            )
        adam_args = (params, self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon)
        if self.solver == "adamw":
            # Decay weights only, not biases or normalisation parameters.
            decays = [key == "W" for layer in layers for key in layer.params]
            return SOLVERS["adamw"](*adam_args, self.weight_decay, decays)
        return SOLVERS["adam"](*adam_args)

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        return min(self.batch_size, n_samples)

    def _train(self, state, X, targets, sample_weight, incremental, val_set, callbacks):
        """Train ``state`` in place: one epoch, or up to ``max_iter`` epochs."""
        history = state["history"]
        if val_set is not None and history["validation_scores_"] is None:
            history["validation_scores_"] = []
            history["validation_loss_curve_"] = []
            history["best_validation_score_"] = -np.inf
        best_params = None
        stopped = False
        for _ in range(1 if incremental else self.max_iter):
            start = time.perf_counter()
            callbacks.begin_epoch()
            try:
                loss = self._run_epoch(state, X, targets, sample_weight)
            except KeyboardInterrupt:
                # As MLPClassifier: keep the model trained so far.
                warnings.warn("Training interrupted by user.")
                break
            history["n_iter_"] += 1
            history["t_"] += X.shape[0]
            history["loss_curve_"].append(loss)
            message = f"Epoch {history['n_iter_']}, loss = {loss:.6f}"
            if val_set is not None:
                score, val_loss = validation_metrics(
                    state["layers"], *val_set, self._output(state),
                    self._chunk_rows(X.dtype, state["layers"]),
                )
                history["validation_scores_"].append(score)
                history["validation_loss_curve_"].append(val_loss)
                if score > history["best_validation_score_"] and self.early_stopping:
                    best_params = [p.copy() for p in _network.parameters(state["layers"])]
                history["best_validation_score_"] = max(
                    history["best_validation_score_"], score
                )
                message += f", validation score = {score:.6f}, validation loss = {val_loss:.6f}"
            if self.verbose:
                print(f"{message}, {time.perf_counter() - start:.2f} s")
            if callbacks.end_epoch(state):
                if self.verbose:
                    print("A callback asked to stop training.")
                stopped = True
                break
            self._update_learning_rate(state)
            if self._stopped_improving(history) and not incremental:
                stopped = self._stop_or_slow_down(state)
                if stopped:
                    break
        else:
            if not incremental:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                    "reached and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                )
        if stopped:
            history["_no_improvement_count"] = 0
        if best_params is not None:
            # Early stopping keeps the weights of the best validation score.
            for param, best in zip(_network.parameters(state["layers"]), best_params):
                param[...] = best

    def _output(self, state):
        return "logistic" if state["layers"][-1].n_units == 1 else "softmax"

    def _run_epoch(self, state, X, targets, sample_weight):
        """One pass over the data in mini-batches; return the mean loss."""
        layers, optimizer, history = state["layers"], state["optimizer"], state["history"]
        output = self._output(state)
        n_samples = X.shape[0]
        params = _network.parameters(layers)
        total_weight = float(sample_weight.sum())
        order = state["rng"].permutation(n_samples) if self.shuffle else np.arange(n_samples)
        epoch_loss = 0.0
        # Batch normalisation needs two samples per batch: a last batch of
        # one joins the batch before it.
        min_batch_size = 2 if self.batch_normalization else 0
        batches = gen_batches(n_samples, self._batch_size(n_samples), min_batch_size=min_batch_size)
        batches = list(batches)
        report_every = max(1, len(batches) // 10) if self.verbose >= 2 else 0
        for done, batch in enumerate(batches, start=1):
            idx = order[batch]
            weights = sample_weight[idx]
            batch_weight = float(weights.sum())
            if batch_weight == 0:
                continue  # nothing to learn from; avoids 0 / 0
            loss = _network.loss_and_gradients(
                layers, X[idx], targets[idx], weights, self.alpha, output
            )
            if not np.isfinite(loss):
                raise ValueError(
                    f"Training diverged: the loss became {loss} in epoch "
                    f"{history['n_iter_'] + 1}. Lower learning_rate_init "
                    f"(now {self.learning_rate_init}) or scale X."
                )
            optimizer.update_params(params, _network.gradients(layers))
            epoch_loss += loss * batch_weight / total_weight
            if report_every and (done % report_every == 0 or done == len(batches)):
                print(
                    f"  epoch {history['n_iter_'] + 1}: batch {done}/{len(batches)}, "
                    f"batch loss = {loss:.6f}"
                )
        for layer in layers:
            for key, param in layer.params.items():
                if not np.isfinite(param).all():
                    raise ValueError(
                        f"Training diverged: {type(layer).__name__} parameter "
                        f"{key!r} is no longer finite after epoch "
                        f"{history['n_iter_'] + 1}. Lower learning_rate_init "
                        f"(now {self.learning_rate_init}) or scale X."
                    )
        return epoch_loss

    def _update_learning_rate(self, state):
        """Apply the ``learning_rate`` schedule after an epoch."""
        if self.learning_rate in ("invscaling", "cosine"):
            history = state["history"]
            state["optimizer"].learning_rate = scheduled_learning_rate(
                self.learning_rate,
                self.learning_rate_init,
                epoch=history["n_iter_"],
                max_iter=self.max_iter,
                t=history["t_"],
                power_t=self.power_t,
            )

    def _stopped_improving(self, history):
        """Update the no-improvement count as MLPClassifier does; True to act.

        With early stopping the validation score must rise by ``tol``,
        otherwise the training loss must fall by ``tol``, within
        ``n_iter_no_change`` epochs.
        """
        if self.early_stopping and history["validation_scores_"]:
            scores = history["validation_scores_"]
            previous_best = max(scores[:-1], default=-np.inf)
            worse = scores[-1] < previous_best + self.tol
        else:
            worse = history["loss_curve_"][-1] > history["best_loss_"] - self.tol
        history["_no_improvement_count"] = history["_no_improvement_count"] + 1 if worse else 0
        history["best_loss_"] = min(history["best_loss_"], history["loss_curve_"][-1])
        return history["_no_improvement_count"] > self.n_iter_no_change

    def _stop_or_slow_down(self, state):
        """True to stop; with ``learning_rate="adaptive"``, divide it by 5 first."""
        what = "Validation score" if self.early_stopping else "Training loss"
        message = (
            f"{what} did not improve more than tol={self.tol} for "
            f"{self.n_iter_no_change} consecutive epochs."
        )
        optimizer = state["optimizer"]
        if self.learning_rate == "adaptive" and optimizer.learning_rate > 1e-6:
            optimizer.learning_rate /= 5.0
            state["history"]["_no_improvement_count"] = 0
            if self.verbose:
                print(f"{message} Setting learning rate to {optimizer.learning_rate:g}")
            return False
        if self.verbose:
            print(f"{message} Stopping.")
        return True

    # -------------------------------------------------------------- predict

    def _logits(self, X):
        """Logits of ``X``, computed in chunks that respect working_memory."""
        check_is_fitted(self)
        X, shape_from_X = flatten_images(X)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        if shape_from_X is not None and shape_from_X != self.image_shape_:
            raise ValueError(
                f"X holds images of shape {shape_from_X}, but this "
                f"ConvNetClassifier was fitted on images of shape {self.image_shape_}."
            )
        dtype = self.layers_[-1].params["W"].dtype
        X = X.reshape((-1,) + self.image_shape_)
        logits = _network.forward_in_chunks(
            self.layers_, X, self._chunk_rows(dtype, self.layers_), dtype
        )
        finite = np.isfinite(logits).reshape(len(logits), -1).all(axis=1)
        if not finite.all():
            row = int(np.flatnonzero(~finite)[0])
            raise ValueError(
                f"The network's outputs overflowed {np.dtype(dtype).name} for "
                f"{int((~finite).sum())} row(s) of X, e.g. row {row}, whose largest "
                f"absolute value is {float(np.abs(X[row]).max()):.3g}: X is too large "
                "for this model. Scale X as it was scaled for fit."
            )
        return logits

    def _chunk_rows(self, dtype, layers):
        """Rows per inference chunk within ``sklearn.get_config()['working_memory']``."""
        values = sum(layer.values_per_sample() for layer in layers)
        row_bytes = values * np.dtype(dtype).itemsize
        return max(1, int(get_config()["working_memory"] * 2**20 // row_bytes))

    def decision_function(self, X):
        """Logits: the confidence of each class before softmax/logistic.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, the logit of ``classes_[1]`` (positive means
            ``classes_[1]`` is predicted); otherwise one logit per class.
        """
        logits = self._logits(X)
        return logits[:, 0] if self.out_activation_ == "logistic" else logits

    def predict_log_proba(self, X):
        """Log of the class probabilities, finite everywhere.

        Computed from the logits with log-sum-exp (softmax) or softplus
        (logistic) rather than as ``log(predict_proba(X))``, so very
        confident predictions give large negative numbers, not ``-inf``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        logits = self._logits(X)  # checks that the model is fitted first
        return LOG_PROBA_FUNCTIONS[self.out_activation_](logits)

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to one; columns follow ``classes_``.
        """
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]
