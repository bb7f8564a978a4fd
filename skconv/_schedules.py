"""Learning-rate schedules: how the optimizers' step size moves during training.

Public as :mod:`skconv.optimizers`' ``scheduled_learning_rate`` and
``LearningRateSchedule``.
"""

import math


def scheduled_learning_rate(schedule, learning_rate_init, *, epoch, max_iter, t, power_t):
    """The learning rate a schedule sets after ``epoch`` epochs.

    Parameters
    ----------
    schedule : {"constant", "invscaling", "cosine"}
        ``"adaptive"`` is not a function of time: the estimator divides the
        rate by 5 when training stops improving, and keeps it otherwise.
    learning_rate_init : float
        ``lr0``, the rate at the start.
    epoch : int
        Epochs completed.
    max_iter : int
        Epochs planned.
    t : int
        Samples seen so far.
    power_t : float
        Exponent of "invscaling".

    Returns
    -------
    learning_rate : float
        ``"constant"``: ``lr0``. ``"invscaling"``: ``lr0 / (t + 1)**power_t``
        as in scikit-learn's MLP. ``"cosine"``: ``lr0 * (1 + cos(pi *
        min(epoch, max_iter) / max_iter)) / 2``, from ``lr0`` to 0 over
        ``max_iter`` epochs.
    """
    if schedule == "invscaling":
        return learning_rate_init / (t + 1) ** power_t
    if schedule == "cosine":
        progress = min(epoch, max_iter) / max_iter
        return learning_rate_init * 0.5 * (1.0 + math.cos(math.pi * progress))
    return learning_rate_init


class LearningRateSchedule:
    """The ``learning_rate`` hyperparameter: every change of the step size.

    The one place where the learning rate moves: after each epoch
    (:meth:`after_epoch`: "invscaling", "cosine") and when training stops
    improving (:meth:`on_plateau`: "adaptive" divides the rate by 5 instead
    of stopping, as scikit-learn's MLP does for SGD).

    Parameters
    ----------
    schedule : {"constant", "invscaling", "adaptive", "cosine"}
        The estimator's ``learning_rate``.
    learning_rate_init : float
        The rate at the start.
    max_iter : int
        Epochs planned (the length of the cosine).
    power_t : float
        Exponent of "invscaling".
    """

    #: The smallest rate "adaptive" lowers to before it lets training stop.
    adaptive_floor = 1e-6

    def __init__(self, schedule, learning_rate_init, max_iter, power_t):
        self.schedule = schedule
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.power_t = power_t

    def after_epoch(self, optimizer, n_iter, t):
        """Set the optimizer's rate for the epoch after ``n_iter`` epochs.

        Parameters
        ----------
        optimizer : SGD, Adam or AdamW
            Its ``learning_rate`` is set.
        n_iter : int
            Epochs completed.
        t : int
            Samples seen so far.
        """
        if self.schedule in ("invscaling", "cosine"):
            optimizer.learning_rate = scheduled_learning_rate(
                self.schedule,
                self.learning_rate_init,
                epoch=n_iter,
                max_iter=self.max_iter,
                t=t,
                power_t=self.power_t,
            )

    def on_plateau(self, optimizer):
        """Lower the rate, if the schedule does, when training stopped improving.

        Parameters
        ----------
        optimizer : SGD, Adam or AdamW
            Its ``learning_rate`` is divided by 5 under "adaptive".

        Returns
        -------
        lowered : bool
            True if the rate was lowered (training goes on), False if
            training should stop.
        """
        if self.schedule == "adaptive" and optimizer.learning_rate > self.adaptive_floor:
            optimizer.learning_rate /= 5.0
            return True
        return False


# Named by their public home (in errors, pickles and the API reference).
scheduled_learning_rate.__module__ = "skconv.optimizers"
LearningRateSchedule.__module__ = "skconv.optimizers"
