"""Dropout: random zeros in training, the identity in inference."""

import numpy as np

from .._layout import memory_order_uniform
from .base import Layer


class Dropout(Layer):
    """Inverted dropout: zero random entries in training, rescale the rest.

    Parameters
    ----------
    rate : float, default=0.5
        Probability of zeroing an entry, in ``[0, 1)``. 0 makes the layer a
        no-op.

    Attributes
    ----------
    random_state : numpy.random.RandomState
        Source of the masks, created by ``build`` from one seed drawn from
        the ``rng`` it is given; each training pass draws from it, so a
        model built from the same seed sees the same masks.

    Notes
    -----
    In training, with ``u`` uniform in ``[0, 1)`` for each entry,

    ``M = [u >= rate] / (1 - rate)``, ``Y = X * M``, ``dX = dout * M``,

    so each entry is kept with probability ``1 - rate`` and ``E[Y] = X``.
    In inference ``Y = X`` (the same object). The uniforms are drawn in the
    memory order of ``X``, so the mask an entry gets depends on the layout
    of the input as well as on the seed.

    Cost: ``flops = 0``, since inference does nothing (training adds one
    multiplication per element).
    """

    per_sample_inference = True  # the identity
    _config_keys = ("rate",)

    def __init__(self, rate=0.5):
        super().__init__()
        rate = float(rate)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout rate must be in [0, 1); got {rate}.")
        self.rate = rate

    def _repr_args(self):
        return f"rate={self.rate}"

    def _initialise(self, rng, dtype):
        # One draw whatever the rate, so that the rate does not change the
        # weights of the layers built after this one.
        seed = (np.random if rng is None else rng).randint(np.iinfo(np.int32).max)
        self.random_state = np.random.RandomState(seed)

    def forward(self, X, training=False):
        if not training or self.rate == 0.0:
            return X
        keep = memory_order_uniform(self.random_state, X) >= self.rate
        mask = np.multiply(keep, 1.0 / (1.0 - self.rate), dtype=X.dtype)
        self._cache = mask
        return X * mask

    def backward(self, dout, input_grad=True):
        if self.rate == 0.0:
            return dout
        return dout * self._cache


__all__ = ["Dropout"]
