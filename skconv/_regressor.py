"""ConvNetRegressor: the classifier's network with an identity output and squared error."""

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, column_or_1d, validate_data

from . import _params
from ._base import BaseConvNet
from ._checks import keep_model_on_error
from ._features import HiddenFeaturesMixin


class ConvNetRegressor(RegressorMixin, HiddenFeaturesMixin, BaseConvNet):
    __doc__ = """Convolutional neural network regressor for flattened images.

    The twin of :class:`ConvNetClassifier`, as
    :class:`~sklearn.neural_network.MLPRegressor` is of ``MLPClassifier``:
    the same convolution blocks and hidden layers, then a linear output
    layer with one unit per target, trained on half the squared error
    (``MLPRegressor``'s loss) by mini-batch SGD, Adam or AdamW. ``y`` may be
    1-D or 2-D (several outputs); ``score`` is R².

    Parameters
    ----------
""" + _params.PARAMETERS.format(score="R²", split="random") + """
    Attributes
    ----------
    out_activation_ : str
        ``"identity"``.

""" + _params.ATTRIBUTES.format(score="R²") + """
    See Also
    --------
    ConvNetClassifier : The same network for classification.
    sklearn.neural_network.MLPRegressor : Multi-layer perceptron regressor.

    Notes
    -----
    The loss is ``0.5 * mean_k(sum_n w_n (f_k(x_n) - y_nk)**2 / sum_n w_n)``
    plus the L2 penalty ``alpha / 2 * ||W||^2 / sum_n w_n``; ``loss_curve_``
    records it. Scaling ``y`` (e.g. with
    :class:`~sklearn.compose.TransformedTargetRegressor` and a
    ``StandardScaler``) helps when the targets are large.

    Examples
    --------
    >>> import numpy as np
    >>> from skconv import ConvNetRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(size=(200, 64))
    >>> y = X.reshape(-1, 8, 8)[:, :4].mean(axis=(1, 2))  # brightness of the top half
    >>> reg = ConvNetRegressor(filters=(8,), max_iter=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

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
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the loss is the weighted mean over the
            samples, so integer weights act like repeated samples.
        X_val : array-like of shape (n_val, n_features), default=None
            A validation set: its R² and loss are recorded after every epoch
            (``validation_scores_``, ``validation_loss_curve_``) and, with
            ``early_stopping=True``, it decides when to stop (instead of a
            random ``validation_fraction`` of the training data).
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of ``X_val``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples; only with ``X_val``.

        Returns
        -------
        self : ConvNetRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False,
                         validation=(X_val, y_val, sample_weight_val))

    @available_if(lambda self: self._partial_fit_available())
    @_fit_context(prefer_skip_nested_validation=True)
    @keep_model_on_error
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on ``(X, y)``, continuing from the current state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            As in :meth:`fit`.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values, as in :meth:`fit`.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss, as in :meth:`fit`.

        Returns
        -------
        self : ConvNetRegressor
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
        return self._fit(X, y, sample_weight, incremental=True)

    # ------------------------------------------------------------- targets

    def _validate_y(self, X, y, reset):
        X, y = validate_data(self, X, y, reset=reset, dtype=(np.float64, np.float32),
                             multi_output=True, y_numeric=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _validate_targets(self, y, classes, incremental, continuing):
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if continuing and n_outputs != self.n_outputs_:
            raise ValueError(
                f"y has {n_outputs} output(s), but this ConvNetRegressor was "
                f"fitted on {self.n_outputs_}."
            )
        return {"n_outputs_": n_outputs, "out_activation_": "identity"}

    def _n_outputs_of(self, y):
        y = np.asarray(y)
        return 1 if y.ndim == 1 else y.shape[1]

    def _validate_y_val(self, y_val, targets):
        y_val = check_array(y_val, ensure_2d=False, dtype="numeric",
                            input_name="y_val")
        n_outputs = 1 if y_val.ndim == 1 else y_val.shape[1]
        if y_val.ndim > 2 or n_outputs != targets["n_outputs_"]:
            raise ValueError(
                f"y_val has shape {y_val.shape}, but y has "
                f"{targets['n_outputs_']} output(s): pass y_val like y."
            )
        return y_val

    def _encode_targets(self, y, targets, dtype):
        return np.asarray(y, dtype=dtype).reshape(len(y), -1)

    def _strata(self, y, targets):
        return None

    @staticmethod
    def _validation_score(head, outputs, Y, sample_weight):
        """Weighted R², averaged uniformly over the outputs."""
        return float(r2_score(Y, outputs, sample_weight=sample_weight))

    # -------------------------------------------------------------- predict

    def predict(self, X):
        """Predicted values.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Images, as in :meth:`fit`.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            1-D when the model was fitted on 1-D ``y`` (or a single column).
        """
        outputs, model = self._forward(X)
        return outputs[:, 0] if model.n_outputs_ == 1 else outputs
