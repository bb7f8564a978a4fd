"""ConvNetRegressor: the MLPRegressor twin on the shared engine."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.neural_network import MLPRegressor

from skconv import ConvNetRegressor
from skconv._training import loss_and_gradients
from skconv.losses import squared_error
from skconv.testing import numerical_gradient

FAST = dict(filters=(4,), hidden_layer_sizes=(16,), max_iter=5, random_state=0,
            n_iter_no_change=50)


def blob_centres(n_samples, size=16, seed=0):
    """Images of one noisy Gaussian spot; targets: its (row, column), scaled to [0, 1]."""
    rng = np.random.RandomState(seed)
    centres = rng.uniform(3, size - 4, size=(n_samples, 2))
    rows, cols = np.mgrid[:size, :size]
    distance2 = ((rows[None] - centres[:, 0, None, None]) ** 2
                 + (cols[None] - centres[:, 1, None, None]) ** 2)
    images = np.exp(-distance2 / (2 * 1.5**2))
    images += rng.normal(scale=0.05, size=images.shape)
    return images.reshape(n_samples, -1), (centres - 3) / (size - 7)


@pytest.fixture(scope="module")
def blobs():
    return blob_centres(1500), blob_centres(500, seed=1)


@pytest.fixture(autouse=True)
def quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def test_regressor_beats_mlp_on_blob_centres(blobs):
    """A CNN locates the spot (R² >= 0.99); MLPRegressor on the same pixels does worse."""
    (X, y), (X_test, y_test) = blobs
    cnn = ConvNetRegressor(filters=(8,), hidden_layer_sizes=(32,), batch_size=64,
                           learning_rate_init=5e-3, max_iter=20, random_state=0)
    cnn.fit(X, y)
    mlp = MLPRegressor(hidden_layer_sizes=(128,), max_iter=200, random_state=0).fit(X, y)
    cnn_r2 = r2_score(y_test, cnn.predict(X_test))
    mlp_r2 = r2_score(y_test, mlp.predict(X_test))
    assert cnn_r2 >= 0.99
    # "Clearly": less than half of MLPRegressor's unexplained variance.
    assert 1 - cnn_r2 < 0.5 * (1 - mlp_r2)
    assert cnn.score(X_test, y_test) == pytest.approx(cnn_r2)


def test_predict_is_1d_for_1d_y_and_2d_for_2d_y(blobs):
    (X, y), _ = blobs
    one = ConvNetRegressor(**FAST).fit(X[:200], y[:200, 0])
    two = ConvNetRegressor(**FAST).fit(X[:200], y[:200])
    assert one.predict(X[:7]).shape == (7,)
    assert two.predict(X[:7]).shape == (7, 2)
    assert one.n_outputs_ == 1 and two.n_outputs_ == 2
    assert one.out_activation_ == "identity"


def test_column_y_warns_and_predicts_1d(blobs):
    (X, y), _ = blobs
    from sklearn.exceptions import DataConversionWarning

    with pytest.warns(DataConversionWarning):
        reg = ConvNetRegressor(**FAST).fit(X[:100], y[:100, :1])
    assert reg.predict(X[:3]).shape == (3,)


def test_loss_is_half_mse_as_mlp_regressor(blobs):
    """loss_curve_ is MLPRegressor's loss: 0.5 * mean squared error plus penalty."""
    rng = np.random.RandomState(0)
    Z, Y = rng.normal(size=(9, 3)), rng.normal(size=(9, 3))
    weights = rng.uniform(0.5, 2, size=9)
    loss, _ = squared_error(Z, Y, weights)
    expected = 0.5 * np.average((Y - Z) ** 2, weights=weights, axis=0).mean()
    assert loss == pytest.approx(expected, rel=1e-12)


def test_squared_error_gradient_matches_finite_differences():
    rng = np.random.RandomState(1)
    Z, Y = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    weights = rng.uniform(0.5, 2, size=5)
    _, dZ = squared_error(Z, Y, weights)
    numeric = numerical_gradient(lambda: squared_error(Z, Y, weights)[0], Z)
    np.testing.assert_allclose(dZ, numeric, rtol=1e-6, atol=1e-9)


def test_network_gradient_with_squared_error_matches_finite_differences(blobs):
    """The whole regressor's parameter gradients, float64, against finite differences."""
    (X, y), _ = blobs
    reg = ConvNetRegressor(filters=(2,), hidden_layer_sizes=(3,), max_iter=1,
                           activation="tanh", random_state=0).fit(X[:20], y[:20])
    images = X[:6].reshape(-1, 1, 16, 16)
    Y = y[:6]
    weights = np.linspace(0.5, 1.5, 6)
    from skconv.losses import squared_error as loss
    from skconv import _network

    loss_and_gradients(reg.layers_, images, Y, weights, 1e-3, loss)
    analytic = [g.copy() for g in _network.gradients(reg.layers_)]
    for param, grad in zip(_network.parameters(reg.layers_), analytic):
        numeric = numerical_gradient(
            lambda: loss_and_gradients(reg.layers_, images, Y, weights, 1e-3, loss), param
        )
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


def test_float32_is_kept(blobs):
    (X, y), _ = blobs
    reg = ConvNetRegressor(**FAST).fit(X[:100].astype(np.float32), y[:100])
    assert reg.layers_[0].params["W"].dtype == np.float32
    assert reg.predict(X[:5].astype(np.float32)).dtype == np.float32


def test_same_random_state_gives_bit_identical_models(blobs):
    (X, y), _ = blobs
    a = ConvNetRegressor(**FAST).fit(X[:150], y[:150])
    b = clone(a).fit(X[:150], y[:150])
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert a.loss_curve_ == b.loss_curve_


def test_early_stopping_scores_by_r2_and_keeps_best_weights(blobs):
    (X, y), (X_test, y_test) = blobs
    reg = ConvNetRegressor(**dict(FAST, max_iter=8, n_iter_no_change=2),
                           early_stopping=True).fit(X[:600], y[:600])
    assert len(reg.validation_scores_) == reg.n_iter_
    assert reg.best_validation_score_ == max(reg.validation_scores_)
    # With a given validation set, the kept weights score the best R² on it.
    reg = ConvNetRegressor(**dict(FAST, max_iter=8, learning_rate_init=0.05),
                           early_stopping=True)
    reg.fit(X[:600], y[:600], X_val=X_test[:200], y_val=y_test[:200])
    assert reg.score(X_test[:200], y_test[:200]) == pytest.approx(
        reg.best_validation_score_, rel=1e-10)


def test_user_validation_set_is_scored_by_r2(blobs):
    (X, y), (X_test, y_test) = blobs
    reg = ConvNetRegressor(**dict(FAST, max_iter=2)).fit(
        X[:300], y[:300], X_val=X_test[:100], y_val=y_test[:100])
    assert reg.validation_scores_[-1] == pytest.approx(
        r2_score(y_test[:100], reg.predict(X_test[:100])), rel=1e-10)
    # The validation loss is the training loss without the penalty.
    loss, _ = squared_error(reg.predict(X_test[:100]), y_test[:100], np.ones(100))
    assert reg.validation_loss_curve_[-1] == pytest.approx(loss, rel=1e-10)


def test_partial_fit_equals_one_epoch_of_fit(blobs):
    (X, y), _ = blobs
    fitted = ConvNetRegressor(**dict(FAST, max_iter=1)).fit(X[:200], y[:200])
    streamed = ConvNetRegressor(**dict(FAST, max_iter=1)).partial_fit(X[:200], y[:200])
    np.testing.assert_array_equal(fitted.predict(X[:50]), streamed.predict(X[:50]))
    streamed.partial_fit(X[200:400], y[200:400])
    assert streamed.n_iter_ == 2 and streamed.t_ == 400


def test_integer_sample_weights_equal_repeated_rows(blobs):
    (X, y), _ = blobs
    weights = np.tile([1, 2, 0], 40)
    weighted = ConvNetRegressor(**dict(FAST, shuffle=False, batch_size=120))
    weighted.fit(X[:120], y[:120], sample_weight=weights)
    repeated = ConvNetRegressor(**dict(FAST, shuffle=False, batch_size=160))
    repeated.fit(np.repeat(X[:120], weights, axis=0), np.repeat(y[:120], weights, axis=0))
    np.testing.assert_allclose(weighted.predict(X[:30]), repeated.predict(X[:30]),
                               rtol=1e-6, atol=1e-8)


def test_pickle_round_trip_predicts_identically(blobs):
    (X, y), _ = blobs
    reg = ConvNetRegressor(**FAST).fit(X[:100], y[:100])
    again = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(reg.predict(X[:20]), again.predict(X[:20]))


@pytest.mark.parametrize("bad_y, match", [
    (np.array(["a", "b"] * 50), "could not convert|numeric"),
    (np.array([1.0, np.nan] * 50), "NaN"),
])
def test_non_numeric_targets_are_refused(blobs, bad_y, match):
    (X, _), _ = blobs
    with pytest.raises(ValueError, match=match):
        ConvNetRegressor(**FAST).fit(X[:100], bad_y)


def test_regressor_has_no_class_weight_or_classes():
    params = ConvNetRegressor().get_params()
    assert "class_weight" not in params
    with pytest.raises(TypeError):
        ConvNetRegressor(**FAST).partial_fit(np.zeros((4, 16)), np.zeros(4), classes=[0, 1])


def test_failed_fit_leaves_fitted_regressor_unchanged(blobs):
    (X, y), _ = blobs
    reg = ConvNetRegressor(**dict(FAST, warm_start=True)).fit(X[:100], y[:100])
    before = reg.predict(X[:20])
    with pytest.raises(ValueError, match="output"):
        reg.fit(X[:100], y[:100, 0])  # one output where the model has two
    np.testing.assert_array_equal(reg.predict(X[:20]), before)
    assert reg.n_outputs_ == 2


def test_skops_round_trip_trusts_only_skconv_types(blobs):
    skops_io = pytest.importorskip("skops.io")  # an extra that CI installs
    from skconv import persistence

    (X, y), _ = blobs
    reg = ConvNetRegressor(**FAST, batch_normalization=True).fit(X[:100], y[:100])
    data = skops_io.dumps(reg)
    assert set(skops_io.get_untrusted_types(data=data)) <= set(persistence.trusted_types())
    again = persistence.loads(data)
    np.testing.assert_array_equal(reg.predict(X[:20]), again.predict(X[:20]))
