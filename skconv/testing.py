"""Gradient checking by finite differences, for skconv's layers and your own.

A layer's ``backward`` computes a vector-Jacobian product: given ``dout``,
the gradient of ``L = sum(forward(X) * dout)`` with respect to the input
and to every parameter. :func:`numerical_gradient` estimates the same
quantity by central differences, so comparing the two (in float64) checks
``backward`` against ``forward`` without knowing either formula.
"""

import numpy as np


def numerical_gradient(f, x, h=1e-6):
    """Central-difference gradient of the scalar function ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        Takes no argument and returns a float; it must read ``x``, which is
        perturbed in place one entry at a time and restored afterwards.
    x : ndarray
        Writable float64 array.
    h : float, default=1e-6
        Step size.

    Returns
    -------
    grad : ndarray of the shape of ``x``
        ``(f(x + h e_i) - f(x - h e_i)) / (2 h)`` for every entry ``i``.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    flat = x.reshape(-1)  # a view: x must be contiguous
    if not np.shares_memory(flat, x):
        raise ValueError("numerical_gradient needs a contiguous array.")
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + h
        f_plus = f()
        flat[i] = original - h
        f_minus = f()
        flat[i] = original
        grad.reshape(-1)[i] = (f_plus - f_minus) / (2 * h)
    return grad


def layer_gradients(layer, X, dout, *, training=False):
    """Analytic and numerical gradients of ``sum(layer.forward(X) * dout)``.

    Parameters
    ----------
    layer : Layer
        A built layer with float64 parameters.
    X : ndarray of float64
        Input batch.
    dout : ndarray of float64
        Upstream gradient, of the shape of ``layer.forward(X)``.
    training : bool, default=False
        Mode of the forward passes in the numerical objective. ``backward``
        always differentiates a training pass, so layers whose training
        output differs from their inference output (batch statistics,
        dropout) need ``training=True`` here. The objective must then still
        be a deterministic function of ``X`` and the parameters: a dropout
        layer has to draw the same mask on every call (reset its
        ``random_state`` before each forward pass). Running statistics a
        training pass updates change, which does not affect the objective.

    Returns
    -------
    pairs : dict
        ``{"X": (analytic, numerical), key: (analytic, numerical), ...}``
        for the input and for every parameter key.
    """
    X = np.array(X, dtype=np.float64, order="C")

    def objective():
        return float(np.sum(layer.forward(X, training=training) * dout))

    layer.forward(X, training=True)
    dX = layer.backward(dout)
    pairs = {"X": (np.asarray(dX), numerical_gradient(objective, X))}
    analytic = {key: grad.copy() for key, grad in layer.grads.items()}
    for key, param in layer.params.items():
        pairs[key] = (analytic[key], numerical_gradient(objective, param))
    return pairs


def assert_layer_gradients(layer, X, dout, rtol=1e-6, atol=1e-8, *, training=False):
    """Assert that ``layer.backward`` agrees with finite differences.

    Parameters
    ----------
    layer : Layer
        A built layer, in float64.
    X, dout : ndarray of float64
        See :func:`layer_gradients`.
    rtol, atol : float
        Tolerances of :func:`numpy.testing.assert_allclose`.
    training : bool, default=False
        Mode of the forward passes in the numerical objective, see
        :func:`layer_gradients`.

    Raises
    ------
    AssertionError
        Naming the first gradient (``"X"`` or a parameter key) that differs.
    """
    pairs = layer_gradients(layer, X, dout, training=training)
    for name, (analytic, numerical) in pairs.items():
        np.testing.assert_allclose(
            analytic, numerical, rtol=rtol, atol=atol, err_msg=f"gradient of {name}"
        )


__all__ = ["assert_layer_gradients", "layer_gradients", "numerical_gradient"]
