"""Data augmentation: random transformations of each training batch.

:class:`Augmentation` is the hyperparameter object the estimators take as
``augmentation=``; the batch transformations it draws are the pure functions
of :mod:`skconv.augmentation._transforms`.
"""

from ._augmentation import Augmentation

__all__ = ["Augmentation"]
