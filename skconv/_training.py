"""The training loop every skconv estimator runs: epochs, mini-batches, stopping.

Control flow reads top-down, as in skorch: :func:`fit_loop` runs epochs,
:func:`run_epoch` runs mini-batches, :func:`train_step` makes one update.
What the loop changes lives in a :class:`TrainingState` (layers, optimizer,
random stream, :class:`History`), built aside from the estimator and
committed to it only when training ends, so a failed fit changes nothing.
The estimator supplies only its hyperparameters and its output head.
"""

import copy
import time
import warnings
from dataclasses import dataclass, field, fields

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import gen_batches

from . import network


def copy_random_state(random_state):
    """An independent copy of a ``RandomState`` that draws the same stream.

    For a plain MT19937 ``RandomState`` (what an int or None gives) half the
    time of ``copy.deepcopy`` (250 against 500 us), which pickles the
    generator; ``partial_fit`` pays it on every call. Any other (another bit
    generator, a subclass) is deep-copied.
    """
    if type(random_state) is np.random.RandomState:
        state = random_state.get_state(legacy=False)
        if state["bit_generator"] == "MT19937":
            copied = np.random.RandomState(0)
            copied.set_state(state)
            return copied
    return copy.deepcopy(random_state)


@dataclass
class History:
    """What the fitted attributes record about training so far.

    The field names are the estimators' fitted attributes (see
    :meth:`attributes`), except ``no_improvement_count``, kept as
    ``_no_improvement_count``.
    """

    n_iter_: int = 0
    t_: int = 0
    loss_curve_: list = field(default_factory=list)
    best_loss_: float = np.inf
    validation_scores_: list = None
    validation_loss_curve_: list = None
    best_validation_score_: float = None
    no_improvement_count: int = 0

    @classmethod
    def of(cls, estimator):
        """A copy of a fitted estimator's history, to continue."""
        values = {f.name: copy.copy(getattr(estimator, _attribute(f.name)))
                  for f in fields(cls)}
        return cls(**values)

    def attributes(self):
        """The fitted attributes, by name."""
        return {_attribute(f.name): getattr(self, f.name) for f in fields(self)}


def _attribute(name):
    return "_no_improvement_count" if name == "no_improvement_count" else name


@dataclass
class TrainingState:
    """Everything training changes, apart from the estimator.

    Attributes
    ----------
    layers : list of Layer
    optimizer : SGD, Adam or AdamW
    rng : numpy.random.RandomState
        Shuffling (and, on a first fit, the validation split).
    history : History
    head : OutputHead
    schedule : LearningRateSchedule
    """

    layers: list
    optimizer: object
    rng: np.random.RandomState
    history: History
    head: object
    schedule: object

    @property
    def dtype(self):
        return self.layers[-1].params["W"].dtype

    def fitted_attributes(self):
        """The estimator attributes training sets, by name: what a fit commits,
        and what ``partial_fit`` and ``warm_start`` continue from."""
        return {
            "layers_": self.layers,
            "_optimizer": self.optimizer,
            "_random_state": self.rng,
            **self.history.attributes(),
        }


def loss_and_gradients(layers, X, Y, sample_weight, alpha, loss):
    """Loss of a batch and, in each layer's ``grads``, its gradients.

    Parameters
    ----------
    layers : list of Layer
    X : ndarray of shape (n_samples, channels, height, width)
    Y : ndarray of shape (n_samples, n_outputs)
        Encoded targets (see the estimators' ``_encode_targets``).
    sample_weight : ndarray of shape (n_samples,)
        Non-negative, with a positive sum.
    alpha : float
        Strength of the L2 penalty on weights (not on biases).
    loss : callable
        An output head's fused ``loss(Z, Y, sample_weight) -> (loss, dZ)``.

    Returns
    -------
    loss : float
        ``sum_n w_n loss_n / sum_n w_n + alpha / 2 * sum ||W||^2 / sum_n w_n``,
        the weighted mean loss plus the penalty scaled as in scikit-learn's
        MLP.
    """
    outputs = network.forward(layers, X, training=True)
    value, doutputs = loss(outputs, Y, sample_weight)
    network.backward(layers, doutputs, input_grad=False)
    if alpha:
        scale = alpha / float(np.sum(sample_weight))
        for layer in layers:
            if "W" in layer.params:
                W = layer.params["W"]
                value += 0.5 * scale * float(np.vdot(W, W))
                layer.grads["W"] += scale * W
    return value


def train_step(estimator, state, X, Y, sample_weight):
    """One optimizer update on a mini-batch; return its loss."""
    loss = loss_and_gradients(
        state.layers, X, Y, sample_weight, estimator.alpha, state.head.loss
    )
    if not np.isfinite(loss):
        raise ValueError(
            f"Training diverged: the loss became {loss} in epoch "
            f"{state.history.n_iter_ + 1}. Lower learning_rate_init "
            f"(now {estimator.learning_rate_init}) or scale X."
        )
    state.optimizer.update_params(
        network.parameters(state.layers), network.gradients(state.layers)
    )
    return loss


def batch_size(estimator, n_samples):
    """Samples per mini-batch: ``batch_size``, "auto" = min(200, n), clipped to n."""
    if estimator.batch_size == "auto":
        return min(200, n_samples)
    return min(estimator.batch_size, n_samples)


def run_epoch(estimator, state, X, Y, sample_weight, callbacks):
    """One pass over the data in mini-batches; return the weighted mean loss."""
    n_samples = X.shape[0]
    total_weight = float(sample_weight.sum())
    if estimator.shuffle:
        order = state.rng.permutation(n_samples)
    else:
        order = np.arange(n_samples)
    # Batch normalisation needs two samples per batch: a last batch of one
    # joins the batch before it.
    min_batch_size = 2 if estimator.batch_normalization else 0
    batches = list(gen_batches(
        n_samples, batch_size(estimator, n_samples), min_batch_size=min_batch_size
    ))
    epoch_loss = 0.0
    for done, batch in enumerate(batches, start=1):
        idx = order[batch]
        weights = sample_weight[idx]
        batch_weight = float(weights.sum())
        if batch_weight == 0:
            continue  # nothing to learn from; avoids 0 / 0
        images = X[idx]
        if estimator.augmentation is not None:
            images = estimator.augmentation.augment(images, state.rng)
        loss = train_step(estimator, state, images, Y[idx], weights)
        epoch_loss += loss * batch_weight / total_weight
        callbacks.on_batch_end(state.history.n_iter_ + 1, done, len(batches), loss)
    _check_finite_parameters(estimator, state)
    return epoch_loss


def _check_finite_parameters(estimator, state):
    for layer in state.layers:
        for key, param in layer.params.items():
            if not np.isfinite(param).all():
                raise ValueError(
                    f"Training diverged: {type(layer).__name__} parameter "
                    f"{key!r} is no longer finite after epoch "
                    f"{state.history.n_iter_ + 1}. Lower learning_rate_init "
                    f"(now {estimator.learning_rate_init}) or scale X."
                )


def evaluate(estimator, state, val_set):
    """Validation score (the estimator's metric) and loss (no penalty)."""
    X, Y, sample_weight = val_set
    outputs = network.forward_in_chunks(
        state.layers, X, estimator._chunk_rows(X.dtype, state.layers), X.dtype
    )
    loss, _ = state.head.loss(outputs, Y, sample_weight)
    return estimator._validation_score(state.head, outputs, Y, sample_weight), loss


def fit_loop(estimator, state, train_set, val_set, incremental, callbacks):
    """Train ``state`` in place: one epoch (``partial_fit``) or up to ``max_iter``.

    A ``fit`` call, warm-started or not, is one *run*: its stopping rule, its
    best validation score and the position of its learning-rate schedule
    count from the run's first epoch, while ``n_iter_``, ``t_`` and the
    curves go on accumulating. ``partial_fit`` calls are one run together:
    the schedule counts every epoch.

    Returns
    -------
    interrupted : bool
        True if ``KeyboardInterrupt`` stopped training. The interrupted epoch
        is not recorded (the curves stay aligned with ``n_iter_``), but the
        updates its mini-batches made are kept.
    """
    history = state.history
    if val_set is not None and history.validation_scores_ is None:
        history.validation_scores_ = []
        history.validation_loss_curve_ = []
    run_start = 0 if incremental else history.n_iter_
    scores_start = len(history.validation_scores_ or ()) if not incremental else 0
    if not incremental:
        history.no_improvement_count = 0
        if val_set is not None:
            history.best_validation_score_ = -np.inf
    best_params = None
    stopped = interrupted = False
    watch = DivergenceWatch(history.loss_curve_)
    for _ in range(1 if incremental else estimator.max_iter):
        start = time.perf_counter()
        callbacks.on_epoch_begin()
        try:
            loss = run_epoch(estimator, state, *train_set, callbacks)
            score = val_loss = None
            if val_set is not None:
                score, val_loss = evaluate(estimator, state, val_set)
        except KeyboardInterrupt:
            # As MLPClassifier: keep the model trained so far.
            warnings.warn("Training interrupted by user.")
            interrupted = True
            break
        watch.check(estimator, loss, history.n_iter_ + 1)
        history.n_iter_ += 1
        history.t_ += train_set[0].shape[0]
        history.loss_curve_.append(loss)
        if val_set is not None:
            history.validation_scores_.append(score)
            history.validation_loss_curve_.append(val_loss)
            if score > history.best_validation_score_ and estimator.early_stopping:
                best_params = [p.copy() for p in network.parameters(state.layers)]
            history.best_validation_score_ = max(history.best_validation_score_, score)
        seconds = time.perf_counter() - start
        if callbacks.on_epoch_end(state, loss, score, val_loss, seconds):
            callbacks.on_message("A callback asked to stop training.")
            stopped = True
            break
        state.schedule.after_epoch(state.optimizer, history.n_iter_ - run_start,
                                   history.t_)
        if _stopped_improving(estimator, history, scores_start) and not incremental:
            stopped = _stop_or_slow_down(estimator, state, callbacks)
            if stopped:
                break
    else:
        if not incremental:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({estimator.max_iter}) "
                "reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
            )
    if stopped:
        history.no_improvement_count = 0
    if best_params is not None:
        # Early stopping keeps the weights of the best validation score.
        for param, best in zip(network.parameters(state.layers), best_params):
            param[...] = best
    return interrupted


class DivergenceWatch:
    """Finite divergence: a training loss far above where this run started.

    The reference is the last training loss before this run (warm start,
    ``partial_fit``) or the run's first epoch, but at least a thousandth of
    the model's very first epoch loss, so a nearly perfect fit does not make
    every later wobble look like divergence. Training stops with an error
    when the loss exceeds the reference :attr:`at_once` times, or
    :attr:`sustained` times for :attr:`patience` epochs in a row; the
    estimator then keeps the model it had before the call.
    """

    at_once = 1e4
    sustained = 100.0
    patience = 3

    def __init__(self, loss_curve):
        self.first = loss_curve[0] if loss_curve else None
        self.reference = loss_curve[-1] if loss_curve else None
        self.count = 0

    def check(self, estimator, loss, epoch):
        if self.reference is None:
            self.first = self.reference = loss
            return
        reference = max(self.reference, 1e-3 * self.first)
        ratio = loss / reference if reference > 0 else 1.0
        self.count = self.count + 1 if ratio > self.sustained else 0
        if ratio > self.at_once or self.count >= self.patience:
            raise ValueError(
                f"Training diverged: the training loss rose from {reference:.4g} to "
                f"{loss:.4g} ({ratio:.3g} times) by epoch {epoch}. Lower "
                f"learning_rate_init (now "
                f"{estimator.learning_rate_init}) or scale X; the model is left as "
                "it was before this call."
            )


def _stopped_improving(estimator, history, scores_start):
    """Update the no-improvement count as MLPClassifier does; True to act.

    With early stopping the validation score must rise by ``tol`` over the
    best of this run, otherwise the training loss must fall by ``tol``,
    within ``n_iter_no_change`` epochs.
    """
    if estimator.early_stopping and history.validation_scores_:
        scores = history.validation_scores_[scores_start:]
        previous_best = max(scores[:-1], default=-np.inf)
        worse = scores[-1] < previous_best + estimator.tol
    else:
        worse = history.loss_curve_[-1] > history.best_loss_ - estimator.tol
    history.no_improvement_count = history.no_improvement_count + 1 if worse else 0
    history.best_loss_ = min(history.best_loss_, history.loss_curve_[-1])
    return history.no_improvement_count > estimator.n_iter_no_change


def _stop_or_slow_down(estimator, state, callbacks):
    """True to stop; the schedule may lower the rate instead ("adaptive")."""
    what = "Validation score" if estimator.early_stopping else "Training loss"
    message = (
        f"{what} did not improve more than tol={estimator.tol} for "
        f"{estimator.n_iter_no_change} consecutive epochs."
    )
    if state.schedule.on_plateau(state.optimizer):
        state.history.no_improvement_count = 0
        callbacks.on_message(
            f"{message} Setting learning rate to {state.optimizer.learning_rate:g}"
        )
        return False
    callbacks.on_message(f"{message} Stopping.")
    return True
