"""Stochastic optimizers whose state lines up with the parameter list.

Each optimizer is created for a list of parameter arrays and updates them in
place from a list of gradients of the same shapes, in the same order. The
formulas are those of scikit-learn's ``_stochastic_optimizers`` module.
"""

import math

import numpy as np

# Public here, where 0.1 and the API reference have them.
from ._schedules import LearningRateSchedule, scheduled_learning_rate


class _FlatState:
    """Optimizer state in one flat array per kind, updated in a few passes.

    Updating parameter by parameter costs about ten NumPy calls each, which
    on small networks costs more than the arithmetic. The state (momenta)
    lives in one flat array per kind, in :func:`skconv.network.parameters`
    order, and the update runs over all values at once; the per-value
    arithmetic, hence every result, is the same. ``velocities`` / ``ms`` /
    ``vs`` stay readable as lists of per-parameter views, and models pickled
    with per-parameter lists load.
    """

    #: Names of the per-parameter state lists, stored flat as "_" + name.
    _state_names = ()

    def _init_state(self, params):
        self._shapes = [tuple(p.shape) for p in params]
        dtype = np.result_type(*params) if params else np.float64
        total = sum(math.prod(shape) for shape in self._shapes)
        for name in self._state_names:
            setattr(self, "_" + name, np.zeros(total, dtype=dtype))

    def _views(self, flat):
        views, start = [], 0
        for shape in self._shapes:
            size = math.prod(shape)
            views.append(flat[start : start + size].reshape(shape))
            start += size
        return views

    @staticmethod
    def _flatten(grads):
        if len(grads) == 1:
            return grads[0].ravel()
        return np.concatenate([grad.ravel() for grad in grads])

    def _apply(self, params, delta, sign):
        """``param += sign * delta`` for each parameter's slice of ``delta``."""
        for param, view in zip(params, self._views(delta)):
            if sign > 0:
                param += view
            else:
                param -= view

    def __setstate__(self, state):
        # Optimizers pickled by skconv 0.1 and 0.2.dev hold per-parameter lists.
        for name in self._state_names:
            if name in state:
                arrays = state.pop(name)
                state["_shapes"] = [tuple(a.shape) for a in arrays]
                state["_" + name] = (
                    np.concatenate([a.ravel() for a in arrays]) if arrays
                    else np.zeros(0)
                )
        self.__dict__.update(state)


class SGD(_FlatState):
    """Stochastic gradient descent with (Nesterov) momentum.

    Parameters
    ----------
    params : list of ndarray
        The parameters to train; the optimizer keeps one velocity per array.
    learning_rate_init : float, default=0.1
        The step size (a schedule may change ``learning_rate`` later).
    momentum : float, default=0.9
        Fraction of the previous update carried into the next.
    nesterov : bool, default=True
        Nesterov's momentum (look ahead along the velocity) or the classical one.

    Notes
    -----
    ``v <- momentum * v - lr * g``; then ``p <- p + v`` (classical) or
    ``p <- p + momentum * v - lr * g`` (Nesterov).
    """

    def __init__(self, params, learning_rate_init=0.1, momentum=0.9, nesterov=True):
        self.learning_rate = float(learning_rate_init)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self._init_state(params)

    _state_names = ("velocities",)

    @property
    def velocities(self):
        """The velocity of each parameter (views of the flat state)."""
        return self._views(self._velocities)

    def update_params(self, params, grads):
        """Update ``params`` in place from ``grads``.

        Parameters
        ----------
        params : list of ndarray
            The parameters, in the order the optimizer was created with.
        grads : list of ndarray
            Their gradients, same shapes and order.
        """
        lr, momentum = self.learning_rate, self.momentum
        grad, velocity = self._flatten(grads), self._velocities
        velocity *= momentum
        velocity -= lr * grad
        if self.nesterov:
            self._apply(params, momentum * velocity - lr * grad, +1)
        else:
            self._apply(params, velocity, +1)


class Adam(_FlatState):
    """Adam (Kingma and Ba, 2014) with bias-corrected step size.

    Parameters
    ----------
    params : list of ndarray
        The parameters to train; the optimizer keeps two moments per array.
    learning_rate_init : float, default=0.001
        The step size (a schedule may change ``learning_rate`` later).
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates.
    epsilon : float, default=1e-8
        Added to the root of the second moment, for numerical stability.

    Attributes
    ----------
    learning_rate : float
        The current step size (a schedule may change it between epochs).

    Notes
    -----
    ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g**2``,
    ``p <- p - lr * sqrt(1 - b2**t) / (1 - b1**t) * m / (sqrt(v) + eps)``.
    """

    def __init__(
        self, params, learning_rate_init=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8
    ):
        self.learning_rate = float(learning_rate_init)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.t = 0
        self._init_state(params)

    _state_names = ("ms", "vs")

    @property
    def ms(self):
        """The first moment of each parameter (views of the flat state)."""
        return self._views(self._ms)

    @property
    def vs(self):
        """The second moment of each parameter (views of the flat state)."""
        return self._views(self._vs)

    def update_params(self, params, grads):
        """Update ``params`` in place from ``grads``.

        Parameters
        ----------
        params : list of ndarray
            The parameters, in the order the optimizer was created with.
        grads : list of ndarray
            Their gradients, same shapes and order.
        """
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        # A Python float keeps float32 parameters in float32 arithmetic.
        step = self.learning_rate * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        grad, m, v = self._flatten(grads), self._ms, self._vs
        m *= b1
        m += (1 - b1) * grad
        v *= b2
        v += (1 - b2) * (grad * grad)
        self._apply(params, step * m / (np.sqrt(v) + self.epsilon), -1)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, 2019).

    Parameters
    ----------
    params : list of ndarray
        The parameters to train; the optimizer keeps two moments per array.
    learning_rate_init : float, default=0.001
        The step size (a schedule may change ``learning_rate`` later).
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates.
    epsilon : float, default=1e-8
        Added to the root of the second moment, for numerical stability.
    weight_decay : float, default=0.01
        Fraction of each decaying weight removed per step, times the rate.
    decay_mask : list of bool, default=None
        Which parameters decay (by default all); biases usually do not.

    Notes
    -----
    Before each Adam step, ``p <- p * (1 - lr * weight_decay)``: the decay
    does not go through the adaptive scaling, unlike an L2 term added to
    the loss (PyTorch's ``AdamW`` does the same).
    """

    def __init__(
        self,
        params,
        learning_rate_init=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        weight_decay=0.01,
        decay_mask=None,
    ):
        if learning_rate_init * weight_decay >= 1:
            # The factor 1 - lr * weight_decay would flip or zero every weight
            # each step: training would only look diverged, blaming the rate.
            raise ValueError(
                "weight_decay times learning_rate_init must be below 1 (each AdamW "
                "step multiplies the weights by 1 - learning_rate_init * "
                f"weight_decay); got weight_decay={weight_decay!r} and "
                f"learning_rate_init={learning_rate_init!r}."
            )
        super().__init__(params, learning_rate_init, beta_1, beta_2, epsilon)
        self.weight_decay = float(weight_decay)
        self.decay_mask = [True] * len(params) if decay_mask is None else list(decay_mask)

    def update_params(self, params, grads):
        """Decay, then update ``params`` in place from ``grads``.

        Parameters
        ----------
        params : list of ndarray
            The parameters, in the order the optimizer was created with.
        grads : list of ndarray
            Their gradients, same shapes and order.
        """
        shrink = 1.0 - self.learning_rate * self.weight_decay
        for param, decays in zip(params, self.decay_mask):
            if decays:
                param *= shrink
        super().update_params(params, grads)


#: Optimizer classes by solver name (scikit-learn's MLP names, plus AdamW).
SOLVERS = {"sgd": SGD, "adam": Adam, "adamw": AdamW}


def make_optimizer(solver, layers, *, learning_rate_init, momentum=0.9,
                   nesterovs_momentum=True, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                   weight_decay=0.01):
    """The optimizer a ``solver`` name stands for, over every layer's parameters.

    Parameters
    ----------
    solver : {"sgd", "adam", "adamw"}
        A key of :data:`SOLVERS`.
    layers : list of Layer
        Their ``params``, in the order of :func:`skconv.network.parameters`.
    learning_rate_init : float
        As the estimators' hyperparameter of the same name.
    momentum : float, default=0.9
        SGD's momentum.
    nesterovs_momentum : bool, default=True
        Whether SGD uses Nesterov's momentum.
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's moment decay rates.
    epsilon : float, default=1e-8
        Adam's numerical-stability term.
    weight_decay : float, default=0.01
        AdamW's decoupled weight decay.

    Returns
    -------
    optimizer : SGD, Adam or AdamW
        AdamW decays weights (``"W"``) only, not biases or normalisation
        parameters.
    """
    params = [param for layer in layers for param in layer.params.values()]
    if solver == "sgd":
        return SOLVERS["sgd"](params, learning_rate_init, momentum, nesterovs_momentum)
    adam_args = (params, learning_rate_init, beta_1, beta_2, epsilon)
    if solver == "adamw":
        decays = [key == "W" for layer in layers for key in layer.params]
        return SOLVERS["adamw"](*adam_args, weight_decay, decays)
    return SOLVERS["adam"](*adam_args)


__all__ = [
    "SGD",
    "SOLVERS",
    "Adam",
    "AdamW",
    "LearningRateSchedule",
    "make_optimizer",
    "scheduled_learning_rate",
]
