"""Stochastic optimizers whose state lines up with the parameter list.

Each optimizer is created for a list of parameter arrays and updates them in
place from a list of gradients of the same shapes, in the same order. The
formulas are those of scikit-learn's ``_stochastic_optimizers`` module.
"""

import math

import numpy as np


class SGD:
    """Stochastic gradient descent with (Nesterov) momentum.

    Parameters
    ----------
    params : list of ndarray
    learning_rate_init : float, default=0.1
    momentum : float, default=0.9
    nesterov : bool, default=True

    Notes
    -----
    ``v <- momentum * v - lr * g``; then ``p <- p + v`` (classical) or
    ``p <- p + momentum * v - lr * g`` (Nesterov).
    """

    def __init__(self, params, learning_rate_init=0.1, momentum=0.9, nesterov=True):
        self.learning_rate = float(learning_rate_init)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.velocities = [np.zeros_like(p) for p in params]

    def update_params(self, params, grads):
        """Update ``params`` in place from ``grads``."""
        lr, momentum = self.learning_rate, self.momentum
        for param, grad, velocity in zip(params, grads, self.velocities):
            velocity *= momentum
            velocity -= lr * grad
            if self.nesterov:
                param += momentum * velocity - lr * grad
            else:
                param += velocity


class Adam:
    """Adam (Kingma and Ba, 2014) with bias-corrected step size.

    Parameters
    ----------
    params : list of ndarray
    learning_rate_init : float, default=0.001
    beta_1, beta_2 : float, default=0.9, 0.999
    epsilon : float, default=1e-8

    Notes
    -----
    ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g**2``,
    ``p <- p - lr * sqrt(1 - b2**t) / (1 - b1**t) * m / (sqrt(v) + eps)``.
    """

    def __init__(
        self, params, learning_rate_init=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8
    ):
        self.learning_rate_init = float(learning_rate_init)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.t = 0
        self.ms = [np.zeros_like(p) for p in params]
        self.vs = [np.zeros_like(p) for p in params]

    def update_params(self, params, grads):
        """Update ``params`` in place from ``grads``."""
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        # A Python float keeps float32 parameters in float32 arithmetic.
        step = self.learning_rate_init * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        for param, grad, m, v in zip(params, grads, self.ms, self.vs):
            m *= b1
            m += (1 - b1) * grad
            v *= b2
            v += (1 - b2) * (grad * grad)
            param -= step * m / (np.sqrt(v) + self.epsilon)


#: Optimizer classes by the ``solver`` names of scikit-learn's MLP.
SOLVERS = {"sgd": SGD, "adam": Adam}
