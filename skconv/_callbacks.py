"""scikit-learn's callback API (``sklearn.callback``, 1.9 and later).

With it, ``ConvNetClassifier().set_callbacks(ProgressBar())`` shows the
standard progress bar, also inside ``GridSearchCV``, and ``ScoringMonitor``
logs a score after every epoch. A fit is one task with one subtask per
epoch. With an older scikit-learn, there is simply no ``set_callbacks``.
"""

import copy

from . import _network

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9

    class CallbackSupportMixin:
        """Stand-in for scikit-learn < 1.9, which has no callbacks."""

        def _init_callback_context(self, **kwargs):
            return None


class CallbackRun:
    """The callback contexts of one fit: a root task, a subtask per epoch.

    Parameters
    ----------
    estimator : ConvNetClassifier
    X : ndarray of shape (n_samples, n_features)
        The validated training data, as scoring callbacks will see it.
    y : ndarray of shape (n_samples,)
        The training labels.
    incremental : bool
        True for ``partial_fit`` (one epoch).
    fitted_attributes : dict
        The fitted attributes other than ``layers_`` that make a copy of the
        estimator ready to predict (for callbacks that score it).
    """

    def __init__(self, estimator, X, y, incremental, fitted_attributes):
        self.estimator = estimator
        self.X = X
        self.y = y
        self.fitted_attributes = fitted_attributes
        self.epoch = None
        self.root = estimator._init_callback_context(
            max_subtasks=1 if incremental else estimator.max_iter
        )
        if self.root is not None:
            self.root.call_on_fit_task_begin(estimator=estimator, X=X, y=y)

    def begin_epoch(self):
        if self.root is not None:
            self.epoch = self.root.subcontext(task_name="epoch")
            self.epoch.call_on_fit_task_begin(estimator=self.estimator, X=self.X, y=self.y)

    def end_epoch(self, state):
        """Close the epoch's task; True if a callback asks to stop."""
        if self.epoch is None:
            return False
        epoch, self.epoch = self.epoch, None
        return epoch.call_on_fit_task_end(
            estimator=self.estimator,
            X=self.X,
            y=self.y,
            # Built only if a callback asks for a fitted estimator.
            reconstruction_attributes=lambda: self._attributes(state),
        )

    def end(self, state):
        """Close an interrupted epoch's task, then the fit's."""
        if self.epoch is not None:
            self.epoch.call_on_fit_task_end(estimator=self.estimator)
            self.epoch = None
        if self.root is not None:
            self.root.call_on_fit_task_end(
                estimator=self.estimator,
                X=self.X,
                y=self.y,
                reconstruction_attributes=lambda: self._attributes(state),
            )

    def _attributes(self, state):
        # A copy, because training goes on changing the layers in place.
        _network.clear_caches(state["layers"])
        return {**self.fitted_attributes, "layers_": copy.deepcopy(state["layers"])}
