"""skconv: a convolutional neural network classifier for scikit-learn users."""

from ._estimator import ConvNetClassifier

__version__ = "0.1.0"

__all__ = ["ConvNetClassifier", "__version__"]
