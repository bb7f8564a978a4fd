"""Random sequences of lifecycle calls keep the model's invariants (hypothesis)."""

import pickle
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skconv import ConvNetClassifier

pytestmark = pytest.mark.usefixtures("quiet_convergence")

RNG = np.random.RandomState(0)
X = RNG.uniform(size=(40, 64))
Y = (X[:, :32].sum(axis=1) > X[:, 32:].sum(axis=1)).astype(int)
CLASSES = np.array([0, 1])

STEPS = st.lists(st.sampled_from([
    "fit", "partial_fit", "warm_fit", "set_lr", "set_filters", "bad_fit",
    "bad_partial_fit", "pickle", "predict",
]), min_size=1, max_size=6)


def snapshot(model):
    if not hasattr(model, "layers_"):
        return None
    return model.predict_proba(X[:10]), model.n_iter_, list(model.loss_curve_)


def same(a, b):
    if a is None or b is None:
        return a is b
    return np.array_equal(a[0], b[0]) and a[1:] == b[1:]


def step(model, name):
    """Run one call; return the model to go on with (pickling gives a new one)."""
    if name == "fit":
        model.set_params(warm_start=False).fit(X, Y)
    elif name == "warm_fit":
        model.set_params(warm_start=True).fit(X, Y)
    elif name == "partial_fit":
        model.partial_fit(X, Y, classes=CLASSES)
    elif name == "set_lr":
        model.set_params(learning_rate_init=model.learning_rate_init * 2)
    elif name == "set_filters":
        model.set_params(filters=(3,) if model.filters == (2,) else (2,))
    elif name == "bad_fit":
        before = snapshot(model)
        with pytest.raises(ValueError):
            model.fit(X[:, :10], Y[:5])  # inconsistent lengths
        assert same(before, snapshot(model)), "a failed fit changed the model"
    elif name == "bad_partial_fit":
        before = snapshot(model)
        with pytest.raises(ValueError):
            model.partial_fit(np.full((4, 64), np.nan), Y[:4], classes=CLASSES)
        assert same(before, snapshot(model)), "a failed partial_fit changed the model"
    elif name == "pickle" and hasattr(model, "layers_"):
        again = pickle.loads(pickle.dumps(model))
        assert same(snapshot(model), snapshot(again)), "pickling changed predictions"
        return again
    elif name == "predict" and hasattr(model, "layers_"):
        assert np.array_equal(model.predict_proba(X), model.predict_proba(X))
    return model


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_random_call_sequences_keep_the_invariants(steps):
    model = ConvNetClassifier(filters=(2,), hidden_layer_sizes=(4,), max_iter=2,
                              learning_rate_init=0.01, random_state=0)
    with warnings.catch_warnings():
        # set_filters then warm_fit rebuilds with a warning: that is expected.
        warnings.filterwarnings("ignore", message=".*architecture changed")
        for name in steps:
            try:
                model = step(model, name)
            except ValueError as exc:
                # partial_fit refuses to continue after set_filters: by design.
                assert "architecture changed" in str(exc), exc
            if hasattr(model, "layers_"):
                assert model.n_iter_ == len(model.loss_curve_)
                assert model.t_ == model.n_iter_ * len(X)
                assert model.predict(X[:5]).shape == (5,)
