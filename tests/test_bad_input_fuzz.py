"""Fuzzed shapes and architectures (hypothesis): every fit succeeds or fails clearly.

hypothesis is in the ``test`` extra; without it only this module skips,
not the rest of the bad-input tests (``test_bad_input.py``).
"""

import copy
import re
import warnings

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from skconv import ConvNetClassifier

hypothesis = pytest.importorskip("hypothesis")
with warnings.catch_warnings():
    # When a property fails, hypothesis's pytest plugin imports its patch
    # writer (and libcst, which may warn on import); under this project's
    # "error::DeprecationWarning" that would turn the failure report into an
    # INTERNALERROR. Import it now, quietly.
    warnings.simplefilter("ignore")
    try:
        import hypothesis.extra._patching  # noqa: F401
    except ImportError:
        pass
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Every ValueError the estimator documents for a valid-typed configuration.
DOCUMENTED = re.compile(
    "|".join([
        r"does not fit an input of height x width",         # kernel vs map, valid padding
        r"needs samples of at least 2 classes",             # one class in y
        r"Training diverged",                               # non-finite loss
    ])
)


@st.composite
def configurations(draw):
    channels = draw(st.integers(1, 3))
    height = draw(st.integers(1, 12))
    width = draw(st.integers(1, 12))
    n_samples = draw(st.integers(2, 24))
    n_classes = draw(st.integers(2, 4))
    depth = draw(st.integers(0, 3))
    filters = tuple(draw(st.lists(st.integers(1, 4), min_size=depth, max_size=depth)))
    kernel_size = draw(st.one_of(
        st.integers(1, 5),
        st.lists(st.integers(1, 5), min_size=depth, max_size=depth).map(tuple),
    ))
    params = dict(
        filters=filters,
        kernel_size=kernel_size,
        stride=draw(st.integers(1, 3)),
        padding=draw(st.sampled_from(["same", "valid"])),
        pool_size=draw(st.integers(1, 4)),
        pooling=draw(st.sampled_from(["max", "avg"])),
        global_pooling=draw(st.booleans()),
        hidden_layer_sizes=tuple(draw(st.lists(st.integers(1, 6), max_size=2))),
        activation=draw(st.sampled_from(["relu", "tanh", "logistic", "identity"])),
        batch_normalization=draw(st.booleans()),
        dropout=draw(st.sampled_from([0.0, 0.5])),
        batch_size=draw(st.sampled_from(["auto", 2, 5, 32])),
        max_iter=draw(st.integers(1, 2)),
        random_state=draw(st.integers(0, 3)),
    )
    layout = draw(st.sampled_from(["flat+image_shape", "4d", "3d", "flat-infer"]))
    if layout == "3d" and channels != 1:
        layout = "4d"
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64]))
    seed = draw(st.integers(0, 2**16))
    return channels, height, width, n_samples, n_classes, params, layout, dtype, seed


@settings(max_examples=100, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(configurations())
def test_fuzzed_shapes_and_architectures_fit_or_fail_clearly(config):
    channels, height, width, n_samples, n_classes, params, layout, dtype, seed = config
    rng = np.random.RandomState(seed)
    images = rng.uniform(0, 4, size=(n_samples, channels, height, width)).astype(dtype)
    y = rng.randint(n_classes, size=n_samples)
    y[:2] = [0, 1]  # at least two classes
    if layout == "4d":
        data, image_shape = images, None
    elif layout == "3d":
        data, image_shape = images[:, 0], None
    elif layout == "flat-infer":
        data, image_shape = images.reshape(n_samples, -1), None
    else:
        data, image_shape = images.reshape(n_samples, -1), (channels, height, width)
    clf = ConvNetClassifier(image_shape=image_shape, **params)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # short fits warn about convergence
            clf.fit(data, y)
    except ValueError as exc:
        # InvalidParameterError is a ValueError: it must be the documented kind.
        assert DOCUMENTED.search(str(exc)) or isinstance(exc, InvalidParameterError), (
            f"undocumented error {type(exc).__name__}: {exc}"
        )
        if isinstance(exc, InvalidParameterError):
            assert re.search(r"The '\w+' parameter of ConvNetClassifier must", str(exc))
        return
    proba = clf.predict_proba(data)
    assert proba.shape == (n_samples, len(np.unique(y)))
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-4)
    top_two = np.sort(proba, axis=1)[:, -2:]
    clear = top_two[:, 1] > top_two[:, 0]  # float32 rounding can tie near 0.5
    np.testing.assert_array_equal(
        clf.predict(data)[clear], clf.classes_[proba.argmax(axis=1)][clear]
    )
    # partial_fit continues from the fitted model and keeps it usable.
    fit_quietly_partial = copy.deepcopy(clf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_quietly_partial.partial_fit(data, y)
    assert np.isfinite(fit_quietly_partial.predict_proba(data)).all()
