"""The :class:`Augmentation` hyperparameter object."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

from . import _transforms


class Augmentation(BaseEstimator):
    """Random transformations of the training images, drawn afresh every batch.

    Pass one as ``augmentation=`` to :class:`~skconv.ConvNetClassifier` or
    :class:`~skconv.ConvNetRegressor`: each mini-batch of training images is
    transformed on the fly before the network sees it, so the network learns
    invariances from transformed copies without a copy of the data set in
    memory. Validation sets (``X_val``, early stopping's split),
    ``predict``, ``score`` and ``transform`` see the images as they are.

    It is a scikit-learn-style object (``get_params`` / ``set_params``), so
    ``clone`` copies it and ``GridSearchCV`` can search its parameters as
    ``augmentation__shift`` and the like. The draws come from the
    estimator's random stream (``random_state``), so refits with an int
    ``random_state`` are bit-identical. The transformations are applied in
    this order: rotation and zoom (one interpolation), shift, the flips,
    erasing, noise. Each is vectorised over the batch and keeps the dtype
    (float32 stays float32).

    Parameters
    ----------
    shift : int, default=0
        Largest translation in pixels: each image moves by a whole number of
        pixels drawn uniformly from ``[-shift, shift]``, vertically and
        horizontally (independently); what enters is ``fill_value``. The same
        as a random crop of the image padded by ``shift`` pixels. Must be
        smaller than the image's height and width.
    horizontal_flip : bool, default=False
        Mirror left-right half of the images (wrong for digits and text).
    vertical_flip : bool, default=False
        Mirror top-bottom half of the images.
    rotation : float, default=0.0
        Largest rotation in degrees: each image turns about its centre by an
        angle drawn uniformly from ``[-rotation, rotation]`` (bilinear
        interpolation; corners filled with ``fill_value``). As Keras'
        ``rotation_range``. Needs images of at least 2 rows and 2 columns.
    zoom : float, default=0.0
        Magnification range: each image is scaled about its centre by a
        factor drawn uniformly from ``[1 - zoom, 1 + zoom]`` (above 1 shows
        the centre larger). In [0, 1). Combined with the rotation into one
        interpolation.
    erasing : float, default=0.0
        Probability that an image has a random rectangle set to
        ``fill_value`` (random erasing, "cutout"), in [0, 1].
    erasing_area : tuple of (float, float), default=(0.02, 0.25)
        Range of the erased rectangle's area as a fraction of the image's,
        drawn uniformly; its aspect ratio is drawn log-uniformly from
        [1/2, 2] and its position uniformly inside the image. A side that
        would be longer than the image is cut to it and the other side
        lengthened, so that the area is the one drawn (on a 4x32 image, half
        the area is a 4x16 rectangle).
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to every pixel. Finite,
        and small enough that noisy pixels stay finite in the images' dtype.
    fill_value : float, default=0.0
        Value of pixels that enter by a shift, rotation or zoom, and of erased
        rectangles: the background of the (scaled) images. Finite in the
        images' dtype.

    See Also
    --------
    skconv.ConvNetClassifier : Takes an ``augmentation``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skconv import Augmentation, ConvNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ConvNetClassifier(filters=(8,), max_iter=3, random_state=0,
    ...                         augmentation=Augmentation(shift=1, rotation=10))
    >>> clf.fit(X[:300] / 16, y[:300]).score(X[300:600] / 16, y[300:600]) > 0.5
    True
    """

    _parameter_constraints: dict = {
        "shift": [Interval(Integral, 0, None, closed="left")],
        "horizontal_flip": ["boolean"],
        "vertical_flip": ["boolean"],
        "rotation": [Interval(Real, 0, 180, closed="both")],
        "zoom": [Interval(Real, 0, 1, closed="left")],
        "erasing": [Interval(Real, 0, 1, closed="both")],
        "erasing_area": [tuple, list, np.ndarray],
        "noise": [Interval(Real, 0, None, closed="left")],
        "fill_value": [Interval(Real, None, None, closed="neither")],
    }

    def __init__(self, shift=0, horizontal_flip=False, vertical_flip=False,
                 rotation=0.0, zoom=0.0, erasing=0.0, erasing_area=(0.02, 0.25),
                 noise=0.0, fill_value=0.0):
        self.shift = shift
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rotation = rotation
        self.zoom = zoom
        self.erasing = erasing
        self.erasing_area = erasing_area
        self.noise = noise
        self.fill_value = fill_value

    def check(self, image_shape, dtype=np.float64):
        """Validate the parameters for images of ``image_shape``; raise if wrong.

        Parameters
        ----------
        image_shape : tuple of (int, int, int)
            ``(channels, height, width)`` of the training images.
        dtype : numpy dtype, default=float64
            The training images' dtype: ``fill_value`` and the noise must
            stay finite in it.

        Raises
        ------
        sklearn.utils._param_validation.InvalidParameterError, ValueError
            A parameter outside its range, or one the images cannot take
            (the message names the parameter and the allowed range).
        """
        self._validate_params()
        _area_range(self.erasing_area)
        height, width = image_shape[1:]
        if self.shift and self.shift >= min(height, width):
            raise ValueError(
                f"Augmentation shift must be smaller than the image height and "
                f"width ({height}x{width}): at most {min(height, width) - 1}; "
                f"got {self.shift}."
            )
        if (self.rotation or self.zoom) and min(height, width) < 2:
            what = "rotation" if self.rotation else "zoom"
            raise ValueError(
                f"Augmentation {what} needs images of at least 2 rows and 2 "
                f"columns; the images are {height}x{width}. Set {what}=0."
            )
        # Beyond finfo.max a pixel is inf, and training fails on a loss that
        # seems to diverge; name the parameter instead. Noise is checked at
        # 10 standard deviations, which no draw of a batch reaches.
        largest = float(np.finfo(dtype).max)
        for name, value, limit in (("fill_value", abs(self.fill_value), largest),
                                   ("noise", self.noise, largest / 10)):
            if value > limit:
                raise ValueError(
                    f"Augmentation {name} must be at most {limit:.3g} in absolute "
                    f"value for {np.dtype(dtype).name} images; got {value!r}."
                )

    def augment(self, X, rng):
        """A randomly transformed copy of a batch of images.

        Parameters
        ----------
        X : ndarray of shape (n_samples, channels, height, width)
            A training batch.
        rng : numpy.random.RandomState
            Source of every random draw (the training loop's stream).

        Returns
        -------
        ndarray of the shape and dtype of ``X``
            ``X`` itself when every transformation is off.
        """
        n = len(X)
        fill = self.fill_value
        if self.rotation or self.zoom:
            degrees = rng.uniform(-self.rotation, self.rotation, n)
            scales = rng.uniform(1 - self.zoom, 1 + self.zoom, n)
            X = _transforms.rotate_and_zoom(X, degrees, scales, fill)
        if self.shift:
            rows, cols = rng.randint(-self.shift, self.shift + 1, size=(2, n))
            X = _transforms.shift(X, rows, cols, fill)
        for enabled, axis in ((self.horizontal_flip, 3), (self.vertical_flip, 2)):
            if enabled:
                X = _transforms.flip(X, rng.uniform(size=n) < 0.5, axis)
        if self.erasing:
            X = _transforms.erase(X, *self._rectangles(X.shape, rng), fill)
        if self.noise:
            X = X + (self.noise * rng.standard_normal(X.shape)).astype(X.dtype)
        return X

    def _rectangles(self, shape, rng):
        """Top, left, height and width of each sample's erased rectangle."""
        n, _, height, width = shape
        low, high = _area_range(self.erasing_area)
        area = rng.uniform(low, high, n) * height * width
        ratio = np.exp(rng.uniform(np.log(0.5), np.log(2.0), n))
        rows, cols = np.sqrt(area * ratio), np.sqrt(area / ratio)
        # A side longer than the image is cut to it and the other lengthened
        # to keep the area (it then fits: the area is at most the image's).
        tall = rows > height
        rows, cols = np.where(tall, height, rows), np.where(tall, area / height, cols)
        wide = cols > width
        rows, cols = np.where(wide, area / width, rows), np.where(wide, width, cols)
        heights = np.clip(np.rint(rows), 1, height).astype(np.intp)
        widths = np.clip(np.rint(cols), 1, width).astype(np.intp)
        top = (rng.uniform(size=n) * (height - heights + 1)).astype(np.intp)
        left = (rng.uniform(size=n) * (width - widths + 1)).astype(np.intp)
        erased = rng.uniform(size=n) < self.erasing
        return top, left, heights * erased, widths * erased


# Named by its public home (in errors, pickles and skops files), not by the
# private module that defines it.
Augmentation.__module__ = "skconv.augmentation"


def _area_range(erasing_area):
    """``erasing_area`` as ``(low, high)`` with ``0 < low <= high <= 1``."""
    message = ("Augmentation erasing_area must be a pair of floats (low, high) with "
               f"0 < low <= high <= 1; got {erasing_area!r}.")
    try:
        low, high = erasing_area
    except (TypeError, ValueError) as exc:
        raise ValueError(message) from exc
    if not all(isinstance(value, Real) and not isinstance(value, bool)
               for value in (low, high)):
        raise ValueError(message)  # "0.1" or True are not fractions
    low, high = float(low), float(high)
    if not 0 < low <= high <= 1:
        raise ValueError(message)
    return low, high
