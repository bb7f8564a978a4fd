"""Load skops files of skconv models, trusting skconv's own types and nothing else.

`skops <https://skops.readthedocs.io>`_ (``pip install skops``, an optional
extra) stores a model without pickle and, when loading, refuses every type
that is not on its list of trusted types unless the caller names it. A
fitted :class:`~skconv.ConvNetClassifier` stores its layers and its
optimizer, which are skconv classes, so a plain ``skops.io.load`` asks for
them. :func:`trusted_types` is that list, and :func:`load` / :func:`loads`
load a file with exactly those types trusted, refusing a file that holds
any other type skops does not trust (a user function, a custom class, ...).

Saving needs nothing from this module: ``skops.io.dump(model, path)``.

The trusted names are the modules where the classes are defined, e.g.
``"skconv._classifier.ConvNetClassifier"`` and ``"skconv.layers.conv.Conv2D"``,
plus the names files written by skconv 0.1.0 hold (:data:`LEGACY_TYPE_NAMES`,
e.g. ``"skconv.layers.Conv2D"``); NumPy arrays, ``numpy.random.RandomState``
and scikit-learn's own estimators (a ``Pipeline``, a ``StandardScaler``) are
trusted by skops already.
"""

import io
import os

from ._classifier import ConvNetClassifier
from ._regressor import ConvNetRegressor
from .augmentation import Augmentation
from .layers import ACTIVATIONS, LAYERS
from .optimizers import SOLVERS

__all__ = ["LEGACY_TYPE_NAMES", "load", "loads", "trusted_types"]

# Every class a fitted skconv estimator can store, whatever its
# architecture: the estimators, and every entry of the tables its layers and
# optimizer come from, so a new entry is trusted too.
_TRUSTED_CLASSES = (
    ConvNetClassifier, ConvNetRegressor, Augmentation, *LAYERS.values(),
    *SOLVERS.values()
)

#: Type names in skops files written by skconv 0.1.0, whose classes lived in
#: ``skconv.layers`` (layers), ``skconv.activations`` (activations) and
#: ``skconv._estimator``; those names still import. Optimizers have not moved.
LEGACY_TYPE_NAMES = (
    "skconv._estimator.ConvNetClassifier",
    *(
        f"skconv.layers.{name}"
        for name, cls in LAYERS.items()
        if cls not in ACTIVATIONS.values()
    ),
    *(f"skconv.activations.{cls.__name__}" for cls in ACTIVATIONS.values()),
)


def trusted_types():
    """The skconv type names a skops file of a skconv model may contain.

    Returns
    -------
    names : list of str
        ``"module.ClassName"`` of both estimators, of every
        layer type in :data:`skconv.layers.LAYERS` (activations included) and
        of every optimizer in :data:`skconv.optimizers.SOLVERS`, in the form
        ``skops.io.get_untrusted_types`` reports them, e.g.
        ``"skconv.layers.conv.Conv2D"``; then the names of
        :data:`LEGACY_TYPE_NAMES`, so files from skconv 0.1.0 load too. No
        name appears twice. Pass it as ``trusted=`` to ``skops.io.load``, or
        use :func:`load`.

    Examples
    --------
    >>> from skconv.persistence import trusted_types
    >>> trusted_types()[:3]
    ['skconv._classifier.ConvNetClassifier', 'skconv._regressor.ConvNetRegressor', 'skconv.augmentation.Augmentation']
    >>> "skconv.optimizers.Adam" in trusted_types()
    True
    >>> "skconv.layers.Conv2D" in trusted_types()  # the name in 0.1.0 files
    True
    """
    current = [f"{cls.__module__}.{cls.__qualname__}" for cls in _TRUSTED_CLASSES]
    return list(dict.fromkeys([*current, *LEGACY_TYPE_NAMES]))


def _skops_io():
    try:
        import skops.io
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "skconv.persistence needs skops, an optional extra: pip install skops"
        ) from exc
    return skops.io


def loads(data):
    """Load a model from the bytes of a skops file, trusting skconv's types only.

    Parameters
    ----------
    data : bytes
        What ``skops.io.dumps`` returned (or the contents of a ``.skops`` file).

    Returns
    -------
    model : object
        The loaded model, e.g. a fitted ConvNetClassifier or a Pipeline.

    Raises
    ------
    skops.io.exceptions.UntrustedTypesFoundException
        (a ``TypeError``) if the data holds a type that neither skops trusts by
        default nor :func:`trusted_types` lists; nothing of the data is
        executed then.

    Examples
    --------
    >>> import skops.io  # doctest: +SKIP
    >>> from sklearn.datasets import load_digits
    >>> from skconv import ConvNetClassifier
    >>> from skconv.persistence import loads
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ConvNetClassifier(filters=(4,), hidden_layer_sizes=(8,), max_iter=1,
    ...                         random_state=0).fit(X[:100] / 16, y[:100])  # doctest: +SKIP
    >>> loaded = loads(skops.io.dumps(clf))  # doctest: +SKIP
    >>> bool((loaded.predict(X[:5] / 16) == clf.predict(X[:5] / 16)).all())  # doctest: +SKIP
    True
    """
    sio = _skops_io()
    untrusted = sio.get_untrusted_types(data=data)
    allowed = set(trusted_types())
    refused = sorted(set(untrusted) - allowed)
    if refused:
        from skops.io.exceptions import UntrustedTypesFoundException

        error = UntrustedTypesFoundException(refused)
        error.args = (
            f"{error.args[0]} These types are not skconv's and skops does not "
            "trust them: skconv.persistence loads only skconv models (alone or "
            "inside scikit-learn pipelines). If you trust the file's author, "
            "review the types and load it with skops.io.load(..., trusted=[...]).",
        )
        raise error
    return sio.loads(data, trusted=list(untrusted))


def load(path):
    """Load a model from a skops file, trusting skconv's types only.

    Parameters
    ----------
    path : str, os.PathLike or binary file object
        A file written by ``skops.io.dump``. The file is read once, and the
        bytes that were checked are the bytes that are loaded.

    Returns
    -------
    model : object
        The loaded model.

    Raises
    ------
    skops.io.exceptions.UntrustedTypesFoundException
        (a ``TypeError``) if the file holds a type that neither skops trusts
        by default nor :func:`trusted_types` lists.

    Examples
    --------
    >>> import skops.io  # doctest: +SKIP
    >>> from sklearn.datasets import load_digits
    >>> from skconv import ConvNetClassifier
    >>> from skconv import persistence
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ConvNetClassifier(filters=(4,), hidden_layer_sizes=(8,), max_iter=1,
    ...                         random_state=0).fit(X[:100] / 16, y[:100])  # doctest: +SKIP
    >>> skops.io.dump(clf, "convnet.skops")  # doctest: +SKIP
    >>> persistence.load("convnet.skops").image_shape_  # doctest: +SKIP
    (1, 8, 8)
    """
    if isinstance(path, (str, os.PathLike)):
        with open(path, "rb") as file:
            data = file.read()
    elif isinstance(path, io.IOBase) or hasattr(path, "read"):
        data = path.read()
    else:
        raise TypeError(
            f"path must be a file name or a binary file object, got {type(path).__name__}."
        )
    return loads(data)
