"""ConvNetClassifier: classes, binary, multiclass and multilabel, on the shared engine."""

from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d, validate_data

from . import _params
from ._base import BaseConvNet
from ._checks import check_weight_sum, keep_model_on_error
from ._features import HiddenFeaturesMixin
from ._targets import LOG_PROBA as _LOG_PROBA
from ._targets import (
    MULTILABEL,
    check_class_weight_values,
    check_labels,
    class_codes,
    class_weights,
    classification_targets,
)
from ._targets import PREDICT as _PREDICT


class ConvNetClassifier(ClassifierMixin, HiddenFeaturesMixin, BaseConvNet):
    __doc__ = """Convolutional neural network classifier for flattened images.

    The network is, for each entry of ``filters``, a convolution block that
    computes ``pool(activation(conv(X)))`` (optionally with batch
    normalisation, average pooling; the fitted ``layers_`` run max pooling
    before a monotone activation, which gives the same result on a smaller
    map), then fully connected hidden layers ``Dense -> activation`` as in
    :class:`~sklearn.neural_network.MLPClassifier`, then the output layer:

    * a softmax output, one logit per class, for 3 or more classes;
    * a logistic output, one logit, for 2 classes;
    * one logistic output per label for a multilabel indicator matrix ``y``
      of shape (n_samples, n_labels), as ``MLPClassifier`` does.

    It is trained with cross-entropy by mini-batch SGD, Adam or AdamW.

    Parameters
    ----------
""" + _params.PARAMETERS.format(score="accuracy", split="stratified (random for "
                              "multilabel targets)") + """
    class_weight : dict or "balanced", default=None
        Weights of the classes, ``{label: weight}``, multiplying the sample
        weights; "balanced" uses ``n_samples / (n_classes * count)``. Not
        for multilabel targets.

    label_smoothing : float, default=0.0
        Softens the training targets, as Keras' and PyTorch's
        ``label_smoothing``: a one-hot target becomes ``(1 - label_smoothing)
        * one_hot + label_smoothing / n_classes``, and a 0/1 target of a
        logistic output (binary, multilabel) moves towards 0.5 by
        ``label_smoothing / 2``. Validation losses and scores use the true
        labels. In [0, 1).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; for multilabel targets, ``arange(n_labels)``.

    out_activation_ : str
        ``"softmax"`` or ``"logistic"`` (two classes, or multilabel).

""" + _params.ATTRIBUTES.format(score="accuracy (subset accuracy for multilabel)") + """
    See Also
    --------
    ConvNetRegressor : The same network for regression.
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
        **BaseConvNet._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
    }

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
        class_weight=None, label_smoothing=0.0,
    ):
        super().__init__(
            image_shape=image_shape, filters=filters,
            convolutions_per_block=convolutions_per_block, kernel_size=kernel_size,
            stride=stride, padding=padding, pool_size=pool_size, pooling=pooling,
            global_pooling=global_pooling, hidden_layer_sizes=hidden_layer_sizes,
            activation=activation, batch_normalization=batch_normalization,
            dropout=dropout, solver=solver, alpha=alpha, weight_decay=weight_decay,
            batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change,
            augmentation=augmentation,
        )
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Multilabel targets have no class weights (each label is binary).
        tags.classifier_tags.multi_label = self.class_weight is None
        return tags

    def __setstate__(self, state):
        # Models saved by skconv 0.1 knew binary and multiclass targets only,
        # and were built from the parameters they were saved with.
        upgrade = "layers_" in state and "_target_type" not in state
        if upgrade:
            state["_target_type"] = "binary" if state["n_outputs_"] == 1 else "multiclass"
        super().__setstate__(state)
        if upgrade and "_architecture" not in state:
            self._architecture = self._validate_architecture()

    @_fit_context(prefer_skip_nested_validation=True)
    @keep_model_on_error
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None,
            sample_weight_val=None):
        """Train the network on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Flattened images, ``n_features = channels * height * width``.
            Arrays of shape (n_samples, height, width) or (n_samples,
            channels, height, width) are accepted too.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels (at least two classes), or a multilabel indicator
            matrix of 0s and 1s.
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
        y_val : array-like of shape (n_val,) or (n_val, n_labels), default=None
            Targets of ``X_val``, of the same kind as ``y``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples; only with ``X_val``.

        Returns
        -------
        self : ConvNetClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False,
                         validation=(X_val, y_val, sample_weight_val))

    def _partial_fit_available(self):
        super()._partial_fit_available()
        if self.class_weight == "balanced":
            raise ValueError(
                "partial_fit is not available with class_weight='balanced', which "
                "needs the class counts of the whole data: pass a dict computed on "
                "it (sklearn.utils.class_weight.compute_class_weight)."
            )
        return True

    @available_if(lambda self: self._partial_fit_available())
    @_fit_context(prefer_skip_nested_validation=True)
    @keep_model_on_error
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on ``(X, y)``, continuing from the current state.

        One call is one pass over the given samples in mini-batches, with
        the same updates as one epoch of :meth:`fit` on the same data, so a
        data set too large for memory can be streamed chunk by chunk.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            As in :meth:`fit`.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix, as in :meth:`fit`.
        classes : array-like of shape (n_classes,), default=None
            Every class that will ever appear; required on the first call,
            optional (but checked) afterwards. With a multilabel indicator
            ``y`` the labels are its columns: ``classes`` may be left out,
            or must be ``range(n_labels)``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss, as in :meth:`fit`.

        Returns
        -------
        self : ConvNetClassifier
            The updated estimator.

        Notes
        -----
        ``partial_fit`` continues the optimizer's state (unless ``solver``
        changed), the shuffling stream and the schedule across calls; it
        refuses to continue if ``set_params`` changed the architecture. A
        ``KeyboardInterrupt`` during a call keeps the updates made so far
        (the interrupted epoch is not counted in ``n_iter_``) and is raised
        again, as :class:`KeyboardInterrupt`, so that a loop of calls stops
        too; ``fit`` instead warns and returns the model trained so far.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    # ------------------------------------------------------------- targets

    def _validate_y(self, X, y, reset):
        if y is not None and np.asarray(y).dtype == object:
            # scikit-learn's message for these ("Input contains NaN") names no input.
            check_labels(y, "y")
        X, y = validate_data(self, X, y, reset=reset, dtype=(np.float64, np.float32),
                             multi_output=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        # Slow, so for 2-D y only: it calls any two-valued int matrix an indicator.
        if y.ndim == 2 and ((kind := type_of_target(y)) != MULTILABEL
                            or not np.isin(y, (0, 1)).all()):
            raise ValueError(
                f"ConvNetClassifier takes 2-D y only as a multilabel indicator "
                f"matrix of 0s and 1s (one column per label); got a y of shape "
                f"{y.shape} whose targets are {kind!r}. For one label per sample "
                "pass y of shape (n_samples,)."
            )
        return X, y

    def _validate_targets(self, y, classes, incremental, continuing):
        """Check ``y`` (and ``classes``); the fitted attributes they set."""
        return classification_targets(self, y, classes, incremental, continuing)

    def _n_outputs_of(self, y):
        """Outputs the network needs for targets ``y`` (for ``summary``)."""
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:
            return y.shape[1]
        n_classes = len(np.unique(y))
        return 1 if n_classes == 2 else n_classes

    def _validate_y_val(self, y_val, targets):
        if targets["_target_type"] == MULTILABEL:
            y_val = np.asarray(y_val)
            if y_val.shape[1:] != (len(targets["classes_"]),) or type_of_target(
                    y_val) not in (MULTILABEL, "binary"):
                raise ValueError(
                    f"y_val must be an indicator matrix of {len(targets['classes_'])} "
                    f"columns like y; got an array of shape {y_val.shape}."
                )
            return y_val
        y_val = column_or_1d(y_val, warn=True)
        check_labels(y_val, "y_val")
        class_codes(y_val, targets["classes_"], "y_val", "of y")
        return y_val

    def _encode_targets(self, y, targets, dtype):
        """One-hot rows (softmax), a 0/1 column (binary) or the indicator matrix."""
        if targets["_target_type"] == MULTILABEL:
            return np.asarray(y).astype(dtype)
        codes = class_codes(y, targets["classes_"], "y", "of y")
        if targets["_target_type"] == "binary":
            return codes.astype(dtype).reshape(-1, 1)
        return np.eye(len(targets["classes_"]), dtype=dtype)[codes]

    def _training_targets(self, Y, targets):
        """The encoded training targets, smoothed by ``label_smoothing``."""
        if not self.label_smoothing:
            return Y
        # Softmax rows spread over the classes, logistic columns over {0, 1}.
        n_values = Y.shape[1] if targets["out_activation_"] == "softmax" else 2
        return (1 - self.label_smoothing) * Y + Y.dtype.type(
            self.label_smoothing / n_values)

    def _strata(self, y, targets):
        if targets["_target_type"] == MULTILABEL:
            return None  # as MLPClassifier: no stratified multilabel split
        return class_codes(y, targets["classes_"], "y", "of y")

    def _sample_weight(self, sample_weight, X, y, targets, dtype):
        """Validated sample weights times the class weights."""
        sample_weight = super()._sample_weight(sample_weight, X, y, targets, dtype)
        if self.class_weight is None:
            return sample_weight
        check_class_weight_values(self.class_weight)
        codes = class_codes(y, targets["classes_"], "y", "of y")
        per_class = class_weights(self.class_weight, targets["classes_"], codes,
                                  sample_weight)
        return check_weight_sum(sample_weight * per_class[codes].astype(dtype),
                                "sample weights times class_weight")

    @staticmethod
    def _validation_score(head, outputs, Y, sample_weight):
        """Weighted accuracy: a sample counts if all its labels are right."""
        correct = (head.decide(outputs) == (Y > 0.5)).all(axis=1)
        return float(np.dot(sample_weight, correct)) / float(np.sum(sample_weight))

    # -------------------------------------------------------------- predict

    def decision_function(self, X):
        """Logits: the confidence of each class before softmax/logistic.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Images, as in :meth:`fit`.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            For two classes, the logit of ``classes_[1]`` (positive means
            ``classes_[1]`` is predicted); otherwise one logit per class (or
            per label).
        """
        scores, model = self._forward(X)
        return scores[:, 0] if model._target_type == "binary" else scores

    def predict_log_proba(self, X):
        """Log of the class probabilities, finite everywhere.

        Computed from the logits with log-sum-exp (softmax) or softplus
        (logistic) rather than as ``log(predict_proba(X))``, so very
        confident predictions give large negative numbers, not ``-inf``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Images, as in :meth:`fit`.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            For multilabel targets, each label's log-probability.
        """
        scores, model = self._forward(X)  # checks that the model is fitted first
        return _LOG_PROBA[model._target_type](scores)

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Images, as in :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to one; columns follow ``classes_``. For multilabel
            targets, each column is one label's probability (rows need not
            sum to one).
        """
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        """Most probable class of each sample (or, multilabel, every likely label).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Images, as in :meth:`fit`.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels from ``classes_``; for multilabel targets, the indicator
            matrix of the labels whose probability exceeds 0.5.
        """
        scores, model = self._forward(X)
        return _PREDICT[model._target_type](model, scores)
