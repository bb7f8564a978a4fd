"""ConvNetClassifier's own promises, beyond scikit-learn's common checks."""

import re
import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPClassifier
from sklearn.utils._param_validation import InvalidParameterError

from skconv import ConvNetClassifier
from skconv.layers import Conv2D, Dense, MaxPool2D

# Small and quick settings for tests that only need a trained model.
FAST = dict(filters=(4,), hidden_layer_sizes=(16,), max_iter=5, learning_rate_init=0.01)


@pytest.fixture(scope="module")
def fitted(fitted_classifier):
    """The shared model of conftest.py (FAST settings, 600 digits): do not modify it."""
    return fitted_classifier


# What the default configuration reaches on the digits is checked on the
# README's quick start (tests/test_readme.py), the suite's one fit of the
# defaults on real images; 5-fold cross-validation here made five more.


def test_fitted_attributes(fitted, digits):
    X, _ = digits
    assert fitted.n_features_in_ == 64
    assert fitted.image_shape_ == (1, 8, 8)
    np.testing.assert_array_equal(fitted.classes_, np.arange(10))
    assert fitted.out_activation_ == "softmax"
    assert fitted.n_outputs_ == 10
    assert fitted.n_iter_ == 5 == len(fitted.loss_curve_)
    assert fitted.t_ == 5 * 600
    assert fitted.best_loss_ == min(fitted.loss_curve_)
    assert [type(layer).__name__ for layer in fitted.layers_] == [
        "Conv2D", "MaxPool2D", "ReLU", "Flatten", "Dense", "ReLU", "Dense",
    ]


def test_training_loss_decreases(fitted):
    assert fitted.loss_curve_[-1] < 0.5 * fitted.loss_curve_[0]


def test_predict_proba_rows_sum_to_one_and_match_predict(fitted, digits):
    X, _ = digits
    proba = fitted.predict_proba(X[600:700])
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-12)
    np.testing.assert_array_equal(
        fitted.classes_[proba.argmax(axis=1)], fitted.predict(X[600:700])
    )
    np.testing.assert_allclose(
        np.log(proba), fitted.predict_log_proba(X[600:700]), rtol=1e-10
    )


def test_predict_log_proba_is_finite_for_extreme_inputs(fitted, digits):
    X, _ = digits
    log_proba = fitted.predict_log_proba(X[:50] * 1e6)
    assert np.isfinite(log_proba).all()
    assert (fitted.predict_proba(X[:50] * 1e6) == 0).any()  # log(proba) would be -inf


def test_prediction_outputs_keep_state_unchanged(fitted, digits):
    X, _ = digits
    before = {key: id(value) for key, value in vars(fitted).items()}
    layer_state = [dict(vars(layer)) for layer in fitted.layers_]
    fitted.predict_proba(X[:10])
    assert {key: id(value) for key, value in vars(fitted).items()} == before
    assert [dict(vars(layer)) for layer in fitted.layers_] == layer_state


def test_predict_in_chunks_gives_same_result(fitted, digits):
    X, _ = digits
    expected = fitted.predict_proba(X[:300])
    with config_context(working_memory=0.01):  # 10 kB: a few rows per chunk
        assert fitted._chunk_rows(np.float64, fitted.layers_) < 300
        chunked = fitted.predict_proba(X[:300])
    np.testing.assert_allclose(chunked, expected, rtol=1e-12, atol=1e-15)


def test_unfitted_model_raises_not_fitted_error(digits):
    with pytest.raises(NotFittedError):
        ConvNetClassifier().predict(digits[0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_dtype_preserved(dtype, digits):
    X, y = digits
    clf = ConvNetClassifier(**FAST, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X[:200].astype(dtype), y[:200])
    for layer in clf.layers_:
        for param in layer.params.values():
            assert param.dtype == dtype
    assert clf.predict_proba(X[:5]).dtype == dtype
    assert clf.decision_function(X[:5]).dtype == dtype


def test_float32_and_float64_models_agree(digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m32 = ConvNetClassifier(**FAST, random_state=0).fit(X[:300].astype(np.float32), y[:300])
        m64 = ConvNetClassifier(**FAST, random_state=0).fit(X[:300], y[:300])
    np.testing.assert_allclose(
        m32.predict_proba(X[300:400]), m64.predict_proba(X[300:400]), atol=1e-3
    )


def test_same_random_state_gives_bit_identical_models(digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = ConvNetClassifier(**FAST, random_state=3).fit(X[:300], y[:300])
        b = ConvNetClassifier(**FAST, random_state=3).fit(X[:300], y[:300])
        c = ConvNetClassifier(**FAST, random_state=4).fit(X[:300], y[:300])
    for la, lb in zip(a.layers_, b.layers_):
        for key in la.params:
            np.testing.assert_array_equal(la.params[key], lb.params[key])
    assert a.loss_curve_ == b.loss_curve_
    assert not np.array_equal(a.layers_[0].params["W"], c.layers_[0].params["W"])


def test_images_as_3d_and_4d_arrays_equal_flattened_rows(digits):
    X, y = digits
    X, y = X[:200], y[:200]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        flat = ConvNetClassifier(**FAST, random_state=0).fit(X, y)
        three = ConvNetClassifier(**FAST, random_state=0).fit(X.reshape(-1, 8, 8), y)
        four = ConvNetClassifier(**FAST, random_state=0).fit(X.reshape(-1, 1, 8, 8), y)
    assert three.image_shape_ == four.image_shape_ == (1, 8, 8)
    expected = flat.predict_proba(X)
    np.testing.assert_array_equal(three.predict_proba(X.reshape(-1, 8, 8)), expected)
    np.testing.assert_array_equal(four.predict_proba(X), expected)


def test_multichannel_images():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3, 6, 5))
    y = (X[:, 0].mean(axis=(1, 2)) > X[:, 2].mean(axis=(1, 2))).astype(int)
    clf = ConvNetClassifier(filters=(4,), max_iter=100, learning_rate_init=0.01, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.image_shape_ == (3, 6, 5)
    assert clf.layers_[0].params["W"].shape == (4, 3, 3, 3)
    assert clf.score(X, y) > 0.8
    # The same model reads flattened rows in C order (channels first).
    np.testing.assert_array_equal(clf.predict(X.reshape(60, -1)), clf.predict(X))


def test_image_shape_parameter_reads_rows_as_given_shape(digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ConvNetClassifier(**FAST, image_shape=(4, 16), random_state=0).fit(X[:100], y[:100])
    assert clf.image_shape_ == (1, 4, 16)
    assert clf.layers_[1].pool_size == (2, 2)


def test_image_shape_mismatch_names_both(digits):
    X, y = digits
    with pytest.raises(ValueError, match=r"image_shape=\(3, 5, 5\) holds 75 .* X has 64 features"):
        ConvNetClassifier(image_shape=(3, 5, 5)).fit(X, y)
    with pytest.raises(ValueError, match=r"\(1, 8, 8\).*\(1, 4, 16\)"):
        ConvNetClassifier(image_shape=(8, 8)).fit(X.reshape(-1, 1, 4, 16), y)


def test_predict_rejects_images_of_another_shape(fitted, digits):
    X, _ = digits
    with pytest.raises(ValueError, match=r"images of shape \(1, 4, 16\).*\(1, 8, 8\)"):
        fitted.predict(X[:5].reshape(-1, 4, 16))
    with pytest.raises(ValueError, match="X has 63 features, but ConvNetClassifier is expecting 64"):
        fitted.predict(X[:5, :63])


def test_kernel_too_large_for_valid_padding_is_a_clear_error(digits):
    X, y = digits
    clf = ConvNetClassifier(filters=(4, 4), kernel_size=5, padding="valid")
    message = r"Convolution block 1 receives maps of shape .* \(4, 2, 2\).*does not fit"
    with pytest.raises(ValueError, match=message):
        clf.fit(X[:50], y[:50])


@pytest.mark.parametrize(
    "params, match",
    [
        ({"filters": (8, 0)}, "'filters' parameter .* integers >= 1"),
        ({"filters": 8}, "'filters' parameter"),
        ({"filters": (8, 2.5)}, "'filters' parameter"),
        ({"kernel_size": 0}, "'kernel_size' parameter"),
        ({"kernel_size": (3, 5, 7)}, r"one value per convolution block \(2"),
        ({"padding": "full"}, "'padding' parameter"),
        ({"pool_size": 0}, "'pool_size' parameter"),
        ({"stride": -1}, "'stride' parameter"),
        ({"hidden_layer_sizes": (10, -1)}, "'hidden_layer_sizes' parameter"),
        ({"activation": "softplus"}, "'activation' parameter"),
        ({"solver": "lbfgs"}, "'solver' parameter"),
        ({"alpha": -1.0}, "'alpha' parameter"),
        ({"batch_size": 0}, "'batch_size' parameter"),
        ({"learning_rate_init": 0.0}, "'learning_rate_init' parameter"),
        ({"max_iter": 0}, "'max_iter' parameter"),
        ({"image_shape": (8, 8, 1, 1)}, "'image_shape' parameter .* \\(height, width\\)"),
        ({"image_shape": (8, -8)}, "'image_shape' parameter"),
        ({"momentum": 1.5}, "'momentum' parameter"),
        ({"beta_2": 1.0}, "'beta_2' parameter"),
    ],
)
def test_invalid_hyperparameters_raise_invalid_parameter_error(params, match, digits):
    X, y = digits
    with pytest.raises(InvalidParameterError, match=match):
        ConvNetClassifier(**params).fit(X[:20], y[:20])


def test_string_labels(digits):
    X, y = digits
    names = np.array(["zero", "one", "two", "three", "four", "five", "six",
                      "seven", "eight", "nine"], dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ConvNetClassifier(**FAST, random_state=0).fit(X[:300], names[y[:300]])
    assert set(clf.classes_) == set(names)
    assert set(clf.predict(X[300:320])) <= set(names)
    assert clf.score(X[:300], names[y[:300]]) > 0.5


def test_binary_problem_uses_one_logistic_logit(digits):
    X, y = digits
    mask = y < 2
    clf = ConvNetClassifier(**FAST, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X[mask], np.where(y[mask] == 1, "yes", "no"))
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 1
    scores = clf.decision_function(X[mask])
    assert scores.shape == (mask.sum(),)
    np.testing.assert_array_equal(clf.predict(X[mask]), clf.classes_[(scores > 0).astype(int)])
    proba = clf.predict_proba(X[mask])
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-scores)), rtol=1e-10)
    assert clf.score(X[mask], np.where(y[mask] == 1, "yes", "no")) > 0.95


def test_one_class_is_rejected(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="at least 2 classes .* only one class"):
        ConvNetClassifier().fit(X[:10], np.zeros(10))


def test_sample_weight_zero_means_sample_is_ignored(digits):
    X, y = digits
    X, y = X[:150], y[:150]
    weights = np.ones(150)
    weights[::3] = 0
    params = dict(FAST, batch_size=200, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = ConvNetClassifier(**params).fit(X, y, sample_weight=weights)
        dropped = ConvNetClassifier(**params).fit(X[weights > 0], y[weights > 0])
    np.testing.assert_allclose(
        weighted.predict_proba(X), dropped.predict_proba(X), rtol=1e-9, atol=1e-12
    )


def test_max_iter_reached_warns_convergence(digits):
    X, y = digits
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(2\\)"):
        ConvNetClassifier(**dict(FAST, max_iter=2)).fit(X[:100], y[:100])


def test_stops_when_training_loss_stops_improving(digits):
    X, y = digits
    clf = ConvNetClassifier(**dict(FAST, max_iter=500), tol=10.0, n_iter_no_change=3)
    clf.fit(X[:100], y[:100])
    # The first epoch improves on +inf; the next n_iter_no_change + 1 cannot
    # improve by tol=10 (the count must exceed n_iter_no_change, as in MLP).
    assert clf.n_iter_ == 5


def test_verbose_prints_one_line_per_epoch(digits, capsys):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ConvNetClassifier(**dict(FAST, max_iter=3), verbose=1).fit(X[:100], y[:100])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    assert all(re.fullmatch(r"Epoch \d+, loss = \d+\.\d+, \d+\.\d+ s", line) for line in lines)


def test_partial_fit_epoch_equals_one_fit_epoch(digits):
    X, y = digits
    params = dict(FAST, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = ConvNetClassifier(**params).fit(X[:200], y[:200])
    partial = ConvNetClassifier(**params).partial_fit(X[:200], y[:200], classes=np.arange(10))
    for a, b in zip(fitted.layers_, partial.layers_):
        for key in a.params:
            np.testing.assert_array_equal(a.params[key], b.params[key])


def test_partial_fit_continues_training(digits):
    X, y = digits
    clf = ConvNetClassifier(**FAST, random_state=0)
    scores = []
    for _ in range(4):
        for start in range(0, 600, 200):
            clf.partial_fit(X[start : start + 200], y[start : start + 200], classes=np.arange(10))
        scores.append(clf.score(X[600:900], y[600:900]))
    assert clf.n_iter_ == 12 and clf.t_ == 2400
    assert scores[-1] > scores[0]
    assert scores[-1] > 0.65


def test_partial_fit_needs_classes_on_first_call(digits):
    X, y = digits
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        ConvNetClassifier().partial_fit(X[:20], y[:20])


def test_partial_fit_rejects_new_classes(digits):
    X, y = digits
    clf = ConvNetClassifier(**FAST).partial_fit(X[:50], y[:50] % 3, classes=[0, 1, 2])
    before = clf.predict_proba(X[:20])
    with pytest.raises(ValueError, match=r"labels \[3\] that are not among the classes"):
        clf.partial_fit(X[:50], (y[:50] % 3) + 1)
    np.testing.assert_array_equal(clf.predict_proba(X[:20]), before)


def test_warm_start_continues_from_previous_weights(digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ConvNetClassifier(**dict(FAST, max_iter=2), warm_start=True, random_state=0)
        clf.fit(X[:200], y[:200])
        first_curve = list(clf.loss_curve_)
        clf.fit(X[:200], y[:200])
        cold = ConvNetClassifier(**dict(FAST, max_iter=2), random_state=0).fit(X[:200], y[:200])
    assert clf.n_iter_ == 4
    assert clf.loss_curve_[:2] == first_curve
    assert clf.loss_curve_[2] < first_curve[-1]
    assert clf.loss_curve_[2] < cold.loss_curve_[0]


@pytest.mark.parametrize(
    "bad_fit",
    [
        lambda clf, X, y: clf.fit(np.where(X == X.max(), np.nan, X), y),
        lambda clf, X, y: clf.partial_fit(X[:, :60], y),
        lambda clf, X, y: clf.set_params(image_shape=(7, 7)).fit(X, y),
        lambda clf, X, y: clf.set_params(solver="sgd", learning_rate_init=1e6).fit(X, y),
        lambda clf, X, y: clf.fit(X, np.zeros(len(y))),
        lambda clf, X, y: clf.set_params(filters=(0,)).fit(X, y),
    ],
    ids=["nan", "n_features", "image_shape", "diverged", "one_class", "bad_param"],
)
def test_failed_fit_leaves_fitted_model_intact(bad_fit, digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ConvNetClassifier(**FAST, random_state=0).fit(X[:200], y[:200])
    params = clf.get_params()
    fitted_state = {k: v for k, v in vars(clf).items() if k not in params}
    proba = clf.predict_proba(X[200:300])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError):
            bad_fit(clf, X[:200], y[:200])
    after = {k: v for k, v in vars(clf).items() if k not in params}
    assert after.keys() == fitted_state.keys()
    assert all(after[key] is fitted_state[key] for key in fitted_state)
    np.testing.assert_array_equal(clf.predict_proba(X[200:300]), proba)


def test_divergence_is_reported_with_the_hyperparameter_to_lower(digits):
    X, y = digits
    clf = ConvNetClassifier(**dict(FAST, solver="sgd", learning_rate_init=1e6))
    message = r"Training diverged.*Lower learning_rate_init \(now 1000000.0\)"
    with pytest.raises(ValueError, match=message):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            clf.fit(X[:200], y[:200])


def test_no_convolution_blocks_learns_like_mlp_classifier(digits):
    X, y = digits
    params = dict(hidden_layer_sizes=(32,), max_iter=20, batch_size=32, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ConvNetClassifier(filters=(), **params).fit(X[:500], y[:500])
        mlp = MLPClassifier(**params).fit(X[:500], y[:500])
    assert not any(isinstance(layer, (Conv2D, MaxPool2D)) for layer in clf.layers_)
    assert sum(isinstance(layer, Dense) for layer in clf.layers_) == 2
    assert clf.loss_curve_[-1] < 1.5 * mlp.loss_curve_[-1]
    assert clf.score(X[500:800], y[500:800]) > mlp.score(X[500:800], y[500:800]) - 0.05


def test_sgd_solver_learns(digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ConvNetClassifier(**dict(FAST, max_iter=10, solver="sgd",
                                       learning_rate_init=0.05), random_state=0)
        clf.fit(X[:500], y[:500])
    assert clf.score(X[500:800], y[500:800]) > 0.75


def test_keyboard_interrupt_stops_cleanly_with_a_usable_model(digits, monkeypatch):
    from skconv import _training

    X, y = digits
    calls = {"n": 0}
    original = _training.loss_and_gradients

    def interrupt_in_third_epoch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2 * 7 + 3:  # 200 samples / batch 32 = 7 batches per epoch
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(_training, "loss_and_gradients", interrupt_in_third_epoch)
    clf = ConvNetClassifier(**dict(FAST, max_iter=10), random_state=0)
    with pytest.warns(UserWarning, match="interrupted"):
        clf.fit(X[:200], y[:200])
    assert clf.n_iter_ == 2 and len(clf.loss_curve_) == 2
    assert clf.predict(X[:10]).shape == (10,)
    assert np.isfinite(clf.predict_proba(X[:10])).all()


def test_concurrent_predictions_equal_serial_ones(fitted, digits):
    from concurrent.futures import ThreadPoolExecutor

    X, _ = digits
    chunks = [X[i * 100 : (i + 1) * 100] for i in range(8)]
    expected = [fitted.predict_proba(chunk) for chunk in chunks]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(fitted.predict_proba, chunks * 4))
    for i, result in enumerate(results):
        np.testing.assert_array_equal(result, expected[i % 8])
