"""Synthetic images of lines, crosses and diamonds, generated in memory."""

from collections.abc import Collection
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, validate_params


def _vertical(size):
    blueprint = np.zeros((size, size))
    blueprint[:, size // 2] = 1
    return blueprint


def _horizontal(size):
    return _vertical(size).T.copy()


def _cross(size):
    return np.maximum(_vertical(size), _horizontal(size))


def _diamond(size):
    rows, cols = np.indices((size, size))
    centre = size // 2
    return (np.abs(rows - centre) + np.abs(cols - centre) == centre).astype(float)


def _x(size):
    eye = np.eye(size)
    return np.maximum(eye, eye[::-1])


def _square(size):
    blueprint = np.ones((size, size))
    blueprint[1:-1, 1:-1] = 0
    return blueprint


#: Blueprint makers of :func:`make_shapes`: name -> function of the (odd)
#: blueprint size returning a binary ``size x size`` array.
SHAPES = {
    "vertical": _vertical,
    "horizontal": _horizontal,
    "cross": _cross,
    "diamond": _diamond,
    "x": _x,
    "square": _square,
}


def _shape_blueprint_size(image_size):
    """Odd side of the blueprints for ``image_size``: about half the image."""
    return 2 * (image_size // 4) + 1


class _IntervalNotBool(Interval):
    """An :class:`~sklearn.utils._param_validation.Interval` without bools.

    Python counts ``True`` as the integer 1; as a number of images or an
    image size it is almost surely a mistake, so it is refused.
    """

    def is_satisfied_by(self, val):
        return not isinstance(val, bool) and super().is_satisfied_by(val)

    def __str__(self):
        return f"{super().__str__()} (not a bool)"


class _DistinctNames(Options):
    """A collection of at least ``min_count`` distinct strings among ``options``.

    A subclass of ``Options`` because ``validate_params`` takes only
    scikit-learn's own constraint classes (or their subclasses). A string is
    refused: it is one name, not a collection of names. Iterators are refused
    too, as checking them would consume them.
    """

    def __init__(self, options, *, min_count):
        super().__init__(str, options)
        self.min_count = min_count

    def is_satisfied_by(self, val):
        if isinstance(val, str) or not isinstance(val, Collection):
            return False
        names = list(val)
        return (
            len(names) >= self.min_count
            and all(isinstance(name, str) and name in self.options for name in names)
            and len(set(names)) == len(names)
        )

    def __str__(self):
        listed = ", ".join(repr(name) for name in self.options)
        return (
            f"a sequence of at least {self.min_count} distinct names among "
            f"{{{listed}}}"
        )


@validate_params(
    {
        "n_samples": [_IntervalNotBool(Integral, 1, None, closed="left")],
        "image_size": [_IntervalNotBool(Integral, 5, None, closed="left")],
        # A view of SHAPES' keys: shapes added to SHAPES are accepted too.
        "shapes": [_DistinctNames(SHAPES.keys(), min_count=2)],
        # closed="left" leaves +inf out, and Interval refuses nan.
        "noise": [_IntervalNotBool(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    },
    # make_shapes calls no validated scikit-learn function with user input.
    prefer_skip_nested_validation=True,
)
def make_shapes(
    n_samples=100,
    *,
    image_size=8,
    shapes=("vertical", "horizontal", "cross", "diamond"),
    noise=0.1,
    random_state=None,
):
    """Generate small noisy images of lines, crosses and diamonds.

    The synthetic set of many CNN tutorials: each image holds one binary
    blueprint (a one-pixel-wide drawing of a shape) at a random position,
    plus uniform noise. A classifier must recognise the shape wherever it
    is, which is what convolutions with shared weights are good at.

    The blueprints are squares of side ``2 * (image_size // 4) + 1`` pixels
    (odd, so that every shape has a centre pixel; about half the image: 3
    for images of 5 to 7 pixels, 5 for 8 pixels, 15 for 28 pixels), drawn in
    an image of ``image_size x image_size`` zeros at a top-left corner drawn
    uniformly among all the positions where the blueprint fits. The shapes
    are, for a blueprint of side ``s`` and centre ``c = s // 2``:

    ============  ==========================================================
    "vertical"    column ``c``, all rows (a vertical line)
    "horizontal"  row ``c``, all columns (a horizontal line)
    "cross"       row ``c`` and column ``c`` (a "+" sign)
    "diamond"     the pixels at city-block distance ``c`` from the centre
                  (a diamond outline, its corners at the middle of each side)
    "x"           both diagonals (an "x")
    "square"      the border of the blueprint (a square outline)
    ============  ==========================================================

    Then uniform noise from ``[-noise, noise]`` is added to every pixel and
    the values are clipped to ``[0, 1]``: on-pixels fall to at least
    ``1 - noise``, off-pixels rise to at most ``noise``.

    Parameters
    ----------
    n_samples : int, default=100
        Number of images. The classes are balanced: each has
        ``n_samples // len(shapes)`` images, and the first
        ``n_samples % len(shapes)`` classes one more.

    image_size : int, default=8
        Height and width of the images, at least 5.

    shapes : sequence of str, default=("vertical", "horizontal", "cross", \
"diamond")
        The shapes, distinct names among "vertical", "horizontal", "cross",
        "diamond", "x" and "square", at least two; class ``i`` is
        ``shapes[i]``.

    noise : float, default=0.1
        Amplitude of the uniform noise, >= 0; 0 gives exact binary images.

    random_state : int, RandomState instance or None, default=None
        Determines the order of the samples, the positions and the noise.
        Pass an int for reproducible output across multiple function calls.

    Returns
    -------
    X : ndarray of shape (n_samples, image_size ** 2), dtype float64
        The images, flattened row by row, with values in [0, 1]. This is
        what :class:`~skconv.ConvNetClassifier` reads: it infers square
        ``image_size x image_size`` images from the number of features.

    y : ndarray of shape (n_samples,), dtype int64
        The class of each image, an index into ``shapes``.

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        If ``n_samples`` < 1 or ``image_size`` < 5 (or either is not an
        int, or is a bool), ``noise`` < 0 (or not a finite number, or a
        bool), ``random_state`` is not an int, RandomState instance or None,
        or ``shapes`` is a string, has fewer than two names, an unknown name
        or a repeated one. The message names the parameter, what it must be
        and the value received. As in scikit-learn's ``make_*`` functions,
        this exception is a subclass of both ``ValueError`` and
        ``TypeError``.

    See Also
    --------
    sklearn.datasets.make_classification : Generate a random n-class
        classification problem.

    Examples
    --------
    >>> import numpy as np
    >>> from skconv.datasets import make_shapes
    >>> X, y = make_shapes(8, noise=0, random_state=0)
    >>> X.shape, X.dtype, y.shape
    ((8, 64), dtype('float64'), (8,))
    >>> np.bincount(y)
    array([2, 2, 2, 2])

    Without noise the images are binary; here a diamond, whose blueprint is
    5 pixels wide in an 8x8 image:

    >>> print(X[np.flatnonzero(y == 3)[0]].reshape(8, 8).astype(int))
    [[0 0 0 0 0 0 0 0]
     [0 0 0 0 0 0 0 0]
     [0 0 0 0 0 0 0 0]
     [0 0 0 0 0 1 0 0]
     [0 0 0 0 1 0 1 0]
     [0 0 0 1 0 0 0 1]
     [0 0 0 0 1 0 1 0]
     [0 0 0 0 0 1 0 0]]
    """
    shapes = tuple(shapes)
    rng = check_random_state(random_state)
    n_classes = len(shapes)
    size = _shape_blueprint_size(int(image_size))
    blueprints = np.stack([SHAPES[name](size) for name in shapes])

    # Balanced classes, then shuffled.
    y = np.arange(n_samples, dtype=np.int64) % n_classes
    y = y[rng.permutation(n_samples)]
    # Top-left corners where the blueprint fits.
    top = rng.randint(0, image_size - size + 1, size=n_samples)
    left = rng.randint(0, image_size - size + 1, size=n_samples)

    images = np.zeros((n_samples, image_size, image_size))
    rows = top[:, None, None] + np.arange(size)[None, :, None]
    cols = left[:, None, None] + np.arange(size)[None, None, :]
    images[np.arange(n_samples)[:, None, None], rows, cols] = blueprints[y]
    if noise > 0:
        images += rng.uniform(-noise, noise, size=images.shape)
        np.clip(images, 0.0, 1.0, out=images)
    return images.reshape(n_samples, -1), y
