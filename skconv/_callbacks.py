"""What the training loop reports to: verbose printing and scikit-learn's callbacks.

The loop (:mod:`skconv._training`) calls one small protocol,
``on_epoch_begin()``, ``on_batch_end(epoch, done, n_batches, loss)``,
``on_epoch_end(state, loss, score, val_loss, seconds) -> stop?`` and
``on_message(text)``, on a :class:`TrainingCallbacks` list. Two kinds of
callback implement it: :class:`PrintLog` (the ``verbose`` output) and
:class:`CallbackRun`, the bridge to scikit-learn's callback API
(``sklearn.callback``, 1.9 and later). With it,
``ConvNetClassifier().set_callbacks(ProgressBar())`` shows the standard
progress bar, also inside ``GridSearchCV``, and ``ScoringMonitor`` logs a
score after every epoch. A fit is one task with one subtask per epoch. With
an older scikit-learn, there is simply no ``set_callbacks``.
"""

import copy

from . import network

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9

    class CallbackSupportMixin:
        """Stand-in for scikit-learn < 1.9, which has no callbacks."""

        def _init_callback_context(self, **kwargs):
            return None


class TrainingCallbacks(list):
    """Callbacks called in order; any of them may ask to stop after an epoch."""

    def on_epoch_begin(self):
        for callback in self:
            callback.on_epoch_begin()

    def on_batch_end(self, epoch, done, n_batches, loss):
        for callback in self:
            callback.on_batch_end(epoch, done, n_batches, loss)

    def on_epoch_end(self, state, loss, score, val_loss, seconds):
        # Every callback sees the epoch's end, even after one asked to stop.
        answers = [cb.on_epoch_end(state, loss, score, val_loss, seconds) for cb in self]
        return any(answers)

    def on_message(self, text):
        for callback in self:
            callback.on_message(text)


class PrintLog:
    """The ``verbose`` output: a line per epoch, and progress within it at 2+.

    Parameters
    ----------
    verbose : int
        1: one line per epoch (loss, validation score and loss when there is
        a validation set, seconds) and the stopping messages; 2 and more:
        also about ten lines of batch losses within each epoch.
    """

    def __init__(self, verbose):
        self.verbose = int(verbose)

    def on_epoch_begin(self):
        pass

    def on_batch_end(self, epoch, done, n_batches, loss):
        if self.verbose < 2:
            return
        report_every = max(1, n_batches // 10)
        if done % report_every == 0 or done == n_batches:
            print(f"  epoch {epoch}: batch {done}/{n_batches}, batch loss = {loss:.6f}")

    def on_epoch_end(self, state, loss, score, val_loss, seconds):
        message = f"Epoch {state.history.n_iter_}, loss = {loss:.6f}"
        if score is not None:
            message += f", validation score = {score:.6f}, validation loss = {val_loss:.6f}"
        print(f"{message}, {seconds:.2f} s")
        return False

    def on_message(self, text):
        print(text)


class CallbackRun:
    """The callback contexts of one fit: a root task, a subtask per epoch.

    Parameters
    ----------
    estimator : ConvNetClassifier or ConvNetRegressor
    X : ndarray of shape (n_samples, n_features)
        The validated training data, as scoring callbacks will see it.
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        The training targets.
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

    def on_batch_end(self, epoch, done, n_batches, loss):
        pass

    def on_message(self, text):
        pass

    def on_epoch_begin(self):
        if self.root is not None:
            self.epoch = self.root.subcontext(task_name="epoch")
            self.epoch.call_on_fit_task_begin(estimator=self.estimator, X=self.X, y=self.y)

    def on_epoch_end(self, state, loss=None, score=None, val_loss=None, seconds=None):
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
        # Everything partial_fit and warm_start continue from, so a copy
        # pickled by a callback is a checkpoint that resumes.
        network.clear_caches(state.layers)
        return {**self.fitted_attributes, **copy.deepcopy(state.fitted_attributes())}
