"""Looking inside a fitted network: feature maps and saliency.

* :func:`feature_maps` returns the outputs of chosen layers (every
  convolution block's by default) for some images;
* :func:`saliency` returns the gradient of a class's logit (or of a
  regression output) with respect to the input pixels;
* :func:`layer_names` lists the names ``feature_maps`` accepts.

Both run with inference semantics (batch normalisation with its running
statistics, no dropout), in chunks within ``working_memory``, and never
change the model. ``transform`` on the estimators gives the input of the
output layer: features another estimator can learn from.
"""

from ._feature_maps import feature_maps
from ._names import layer_names
from ._saliency import saliency

__all__ = ["feature_maps", "layer_names", "saliency"]
