"""The engine both estimators share: hyperparameters, fit, partial_fit, predict plumbing.

In the spirit of scikit-learn's ``BaseMultilayerPerceptron``: the fitting
procedure exists once, here and in :mod:`skconv._training`; an estimator
(:class:`~skconv.ConvNetClassifier`, :class:`~skconv.ConvNetRegressor`)
adds only what differs, through these hooks:

* ``_validate_y(y)``, ``_validate_targets(y, classes, incremental,
  continuing)``: checked targets and the fitted attributes they imply
  (``classes_``, ``n_outputs_``, ``out_activation_`` -- the output head);
* ``_encode_targets(y, targets, dtype)``: the ``(n_samples, n_outputs)``
  matrix the head's loss compares with the outputs;
* ``_training_targets(Y, targets)``: the training set's targets as the loss
  sees them (the classifier's ``label_smoothing``);
* ``_strata(y, targets)``: what the early-stopping split stratifies by;
* ``_validation_score(head, outputs, Y, sample_weight)``: the metric that
  ``validation_scores_`` records and early stopping watches;
* ``predict``, ``score`` (from scikit-learn's mixins).
"""

import copy

import numpy as np
from sklearn import get_config
from sklearn.base import BaseEstimator
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_random_state,
    validate_data,
)

from . import _training, network
from ._architecture import same_architecture, validate_architecture
from ._callbacks import CallbackRun, CallbackSupportMixin, PrintLog, TrainingCallbacks
from ._checks import TrainingInterrupted, check_weights
from ._heads import HEADS
from ._inference import inference_input
from ._input import flatten_images, resolve_image_shape
from ._params import PARAMETER_CONSTRAINTS, init_defaults
from ._resources import check_training_memory
from ._summary import summarize
from ._threads import in_compute_threads
from ._validation_set import check_split_weights, split_validation
from .optimizers import SOLVERS, LearningRateSchedule, make_optimizer


class BaseConvNet(CallbackSupportMixin, BaseEstimator):
    """Base class of the skconv estimators; not for direct use.

    Parameters are documented on :class:`~skconv.ConvNetClassifier` and
    :class:`~skconv.ConvNetRegressor`; the regressor takes exactly these,
    the classifier adds ``class_weight``.
    """

    _parameter_constraints: dict = dict(PARAMETER_CONSTRAINTS)

    def __init__(
        self, image_shape=None, filters=(32, 64), convolutions_per_block=1,
        kernel_size=3, stride=1, padding="same", pool_size=2, pooling="max",
        global_pooling=False, hidden_layer_sizes=(128,), activation="relu",
        batch_normalization=False, dropout=0.0, solver="adam", alpha=1e-4,
        weight_decay=0.01, batch_size=32, learning_rate="constant",
        learning_rate_init=2e-3, power_t=0.5, max_iter=100, shuffle=True,
        random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
        nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
        beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, augmentation=None,
    ):
        self.image_shape = image_shape
        self.filters = filters
        self.convolutions_per_block = convolutions_per_block
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
        self.augmentation = augmentation

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    def __setstate__(self, state):
        # A model saved before a hyperparameter existed gets its default,
        # which reproduces how that release trained (``augmentation=None``).
        super().__setstate__(state)
        for name, default in init_defaults(type(self)).items():
            if name not in self.__dict__:
                setattr(self, name, default)

    # ------------------------------------------------------------------ fit

    def _partial_fit_available(self):
        """partial_fit exists unless a setting needs the whole data at once."""
        if self.early_stopping:
            raise ValueError(
                "partial_fit is not available with early_stopping=True: it trains "
                "one epoch on the data it is given. Set early_stopping=False."
            )
        return True

    @in_compute_threads
    def _fit(self, X, y, sample_weight, *, incremental, classes=None,
             validation=(None, None, None)):
        """Validate, initialise or resume, train, commit: the whole of fitting."""
        continuing = hasattr(self, "layers_") and (incremental or self.warm_start)
        # Validation sets n_features_in_ (validate_data): on a copy, so that a
        # thread predicting meanwhile sees the fitted model unchanged.
        checker = copy.copy(self)
        architecture = checker._validate_architecture()
        if continuing and not same_architecture(checker, architecture, incremental):
            continuing = False  # warm_start with a new architecture: start afresh
        X, y, image_shape = checker._validate_input(X, y, reset=not continuing)
        if self.augmentation is not None:
            self.augmentation.check(image_shape, X.dtype)
        targets = checker._validate_targets(y, classes, incremental, continuing)
        validation = checker._validate_validation_set(*validation, targets, image_shape)
        if continuing:
            state = self._resume(incremental)
        else:
            plan = network.plan_layers(image_shape, n_outputs=targets["n_outputs_"],
                                       **architecture)
            check_training_memory(self, plan, image_shape, X.dtype.itemsize,
                                  _training.batch_size(self, len(X)))
            state = self._initialize(plan, image_shape, targets, X.dtype)
        dtype = state.dtype
        sample_weight = self._sample_weight(sample_weight, X, y, targets, dtype)
        images = X.astype(dtype, copy=False).reshape((-1,) + image_shape)
        train_set, val_set = self._split_sets(
            images, y, sample_weight, validation, targets, state.rng
        )
        n_train = len(train_set[0])
        if self.batch_normalization and n_train < 2:
            raise ValueError(
                "batch_normalization=True needs at least 2 training samples (it "
                f"normalises with batch statistics); got {n_train} sample"
                f"{'' if n_train == 1 else 's'}."
            )
        fitted = {**targets, "image_shape_": image_shape, "_architecture": architecture}
        sklearn_callbacks = CallbackRun(self, X, y, incremental, fitted)
        callbacks = TrainingCallbacks([sklearn_callbacks])
        if self.verbose:
            callbacks.insert(0, PrintLog(self.verbose))
        interrupted = _training.fit_loop(
            self, state, train_set, val_set, incremental, callbacks
        )
        network.clear_caches(state.layers)
        sklearn_callbacks.end(state)

        # Commit the new state in one go: a fit that raised changed nothing,
        # and a concurrent reader sees the old model or the new one.
        fitted.update(state.fitted_attributes())
        committed = dict(self.__dict__)
        for name in ("n_features_in_", "feature_names_in_"):
            committed.pop(name, None)
            if name in checker.__dict__:
                committed[name] = checker.__dict__[name]
        committed.update(fitted)
        self.__dict__ = committed
        if interrupted and incremental:
            raise TrainingInterrupted(
                f"partial_fit was interrupted; the updates made before it are "
                f"kept (n_iter_={self.n_iter_})."
            )
        return self

    def _split_sets(self, images, y, sample_weight, validation, targets, rng):
        """The training set and the validation set, each ``(images, Y, weights)``.

        The validation set comes from ``X_val``, or is a ``validation_fraction``
        of the training data with ``early_stopping`` (stratified where the
        estimator's ``_strata`` says so), or is None.
        """
        X_val, y_val, sample_weight_val = validation
        dtype = images.dtype
        Y = self._encode_targets(y, targets, dtype)
        if X_val is not None:
            val_set = (
                X_val.astype(dtype, copy=False).reshape((-1,) + images.shape[1:]),
                self._encode_targets(y_val, targets, dtype),
                sample_weight_val.astype(dtype),
            )
        elif self.early_stopping:
            train, held_out = split_validation(
                len(images), self.validation_fraction, rng, self._strata(y, targets)
            )
            val_set = (images[held_out], Y[held_out], sample_weight[held_out])
            images, Y, sample_weight = images[train], Y[train], sample_weight[train]
            check_split_weights(sample_weight, val_set[2], self.validation_fraction)
        else:
            val_set = None
        return (images, self._training_targets(Y, targets), sample_weight), val_set

    def _training_targets(self, Y, targets):
        """The encoded targets the training loss compares with (hook)."""
        return Y

    def _initialize(self, plan, image_shape, targets, dtype):
        """A new training state: the planned layers built, optimizer, history."""
        rng = check_random_state(self.random_state)
        # Initialise before any random draw that depends on n_samples, so
        # weighting and repeating samples give the same model.
        layers = network.build(plan, image_shape, rng, dtype)
        return self._state(layers, self._make_optimizer(layers), rng,
                           _training.History(), targets["out_activation_"])

    def _resume(self, incremental):
        """A copy of the fitted training state, to train further."""
        # partial_fit keeps drawing from one stream across calls.
        if incremental:
            rng = _training.copy_random_state(self._random_state)
        else:
            rng = check_random_state(self.random_state)
        layers = copy.deepcopy(self.layers_)
        # As MLPClassifier: partial_fit continues the optimizer, a warm-started
        # fit starts one from the current solver and learning-rate settings.
        if incremental and isinstance(self._optimizer, SOLVERS[self.solver]):
            optimizer = copy.deepcopy(self._optimizer)
        else:  # a warm-started fit, or partial_fit after set_params(solver=...)
            optimizer = self._make_optimizer(layers)
        return self._state(layers, optimizer, rng, _training.History.of(self),
                           self.out_activation_)

    def _state(self, layers, optimizer, rng, history, out_activation):
        schedule = LearningRateSchedule(
            self.learning_rate, self.learning_rate_init, self.max_iter, self.power_t
        )
        return _training.TrainingState(
            layers, optimizer, rng, history, HEADS[out_activation], schedule
        )

    def _make_optimizer(self, layers):
        return make_optimizer(
            self.solver, layers, learning_rate_init=self.learning_rate_init,
            momentum=self.momentum, nesterovs_momentum=self.nesterovs_momentum,
            beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon,
            weight_decay=self.weight_decay,
        )

    def _validate_architecture(self):
        """Hyperparameters for :func:`skconv.network.build_layers`, checked."""
        return validate_architecture(self)

    def _validate_input(self, X, y, reset):
        """Validated 2-D ``X``, checked ``y`` and the image shape they imply."""
        X, shape_from_X = flatten_images(X)
        X, y = self._validate_y(X, y, reset)
        image_shape = resolve_image_shape(self.image_shape, X.shape[1], shape_from_X)
        if not reset:
            self._check_image_shape(image_shape)
        return X, y, image_shape

    def _check_image_shape(self, image_shape):
        """A clear error unless ``image_shape`` is the one the model was fitted on."""
        if image_shape is not None and image_shape != self.image_shape_:
            raise ValueError(
                f"X holds images of shape {image_shape}, but this "
                f"{type(self).__name__} was fitted on images of shape "
                f"{self.image_shape_}."
            )

    def _validate_validation_set(self, X_val, y_val, sample_weight_val, targets,
                                 image_shape):
        """Checked ``(X_val, y_val, sample_weight_val)``, or Nones."""
        if X_val is None and y_val is None:
            if sample_weight_val is not None:
                raise ValueError(
                    "sample_weight_val was given without a validation set: pass "
                    "X_val and y_val with it, or leave it out."
                )
            return None, None, None
        if X_val is None or y_val is None:
            raise ValueError(
                "Pass both X_val and y_val (a validation set), or neither; got "
                f"only {'X_val' if y_val is None else 'y_val'}."
            )
        X_val, shape_from_X = flatten_images(X_val, "X_val")
        if shape_from_X is not None and shape_from_X != image_shape:
            raise ValueError(
                f"X_val holds images of shape {shape_from_X}, but X holds images "
                f"of shape {image_shape}: pass the validation images in the "
                "same shape as the training images."
            )
        # check_array first, so that NaN or a wrong shape is reported for X_val.
        X_val = check_array(X_val, dtype=(np.float64, np.float32), input_name="X_val")
        X_val = validate_data(self, X_val, reset=False, dtype=(np.float64, np.float32))
        y_val = self._validate_y_val(y_val, targets)
        check_consistent_length(X_val, y_val)
        sample_weight_val = check_weights(sample_weight_val, X_val, "sample_weight_val")
        return X_val, y_val, sample_weight_val

    def _sample_weight(self, sample_weight, X, y, targets, dtype):
        """Validated sample weights (the classifier multiplies class weights in)."""
        return check_weights(sample_weight, X, dtype=dtype)

    # -------------------------------------------------------------- predict

    @in_compute_threads
    def _forward(self, X, n_layers=None):
        """Outputs of ``layers_[:n_layers]`` (all by default) for ``X``, and the
        model that computed them.

        The model is a shallow snapshot of this one: a refit committing in
        another thread cannot mix its attributes with the ones read here.
        Outputs are computed in chunks within ``working_memory``.
        """
        images, model = inference_input(self, X)
        layers = model.layers_[:n_layers]
        dtype = model._dtype()
        outputs = network.forward_in_chunks(
            layers, images, model._chunk_rows(dtype, layers), dtype
        )
        finite = np.isfinite(outputs).reshape(len(outputs), -1).all(axis=1)
        if not finite.all():
            row = int(np.flatnonzero(~finite)[0])
            raise ValueError(
                f"The network's outputs overflowed {np.dtype(dtype).name} for "
                f"{int((~finite).sum())} row(s) of X, e.g. row {row}, whose largest "
                f"absolute value is {float(np.abs(images[row]).max()):.3g}: X is too "
                "large for this model. Scale X as it was scaled for fit."
            )
        return outputs, model

    def _dtype(self):
        """The dtype of the fitted parameters, which inference computes in."""
        return self.layers_[-1].params["W"].dtype

    def _chunk_rows(self, dtype, layers):
        """Rows per inference chunk within ``sklearn.get_config()['working_memory']``."""
        values = sum(layer.values_per_sample() for layer in layers)
        row_bytes = values * np.dtype(dtype).itemsize
        return max(1, int(get_config()["working_memory"] * 2**20 // row_bytes))

    def summary(self, X=None, y=None):
        """Describe the network layer by layer: shapes, parameters, FLOPs, memory.

        Works on a fitted model, and before fitting when the input shape is
        known: from ``image_shape``, or from a sample ``X``. Before fitting,
        the output layer is sized from ``y`` when given, and marked unknown
        otherwise.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), default=None
            Sample input that fixes the image shape (before fitting).
        y : array-like, default=None
            Targets that fix the number of outputs (before fitting).

        Returns
        -------
        summary : Summary
            ``str(summary)`` is a table (layer, output shape, parameters,
            FLOPs per sample, activation memory per sample); ``rows``,
            ``total_params`` and ``total_flops`` hold the numbers. After
            fitting, ``total_params`` is the number of weights in the model.
        """
        return summarize(self, X, y)
