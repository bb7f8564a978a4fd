"""Where skconv 0.1 defined ConvNetClassifier; kept so that its pickles load.

Models pickled by skconv 0.1 refer to ``skconv._estimator.ConvNetClassifier``.
"""

from ._classifier import ConvNetClassifier

__all__ = ["ConvNetClassifier"]
