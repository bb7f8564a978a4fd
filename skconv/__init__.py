"""skconv: convolutional neural networks for scikit-learn users, on NumPy and SciPy."""

from ._classifier import ConvNetClassifier
from ._regressor import ConvNetRegressor
from ._summary import Summary
from .augmentation import Augmentation

__version__ = "0.2.0.dev0"

__all__ = [
    "Augmentation", "ConvNetClassifier", "ConvNetRegressor", "Summary", "__version__",
]
