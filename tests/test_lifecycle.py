"""What warm starts, partial_fit, interrupts and checkpoints continue, and what not."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone

from skconv import ConvNetClassifier, _training
from skconv.optimizers import SGD, Adam, LearningRateSchedule

pytestmark = pytest.mark.usefixtures("quiet_convergence")

SMALL = dict(filters=(4,), hidden_layer_sizes=(16,), learning_rate_init=0.01,
             random_state=0, n_iter_no_change=50)


def weights(model):
    return [p.copy() for layer in model.layers_ for p in layer.params.values()]


def same_weights(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


@pytest.fixture
def recorded_rates(monkeypatch):
    """The learning rate the schedule sets after every epoch."""
    rates = []
    original = LearningRateSchedule.after_epoch

    def record(self, optimizer, n_iter, t):
        original(self, optimizer, n_iter, t)
        rates.append(optimizer.learning_rate)

    monkeypatch.setattr(LearningRateSchedule, "after_epoch", record)
    return rates


def test_warm_started_cosine_refit_runs_its_own_schedule(digits, recorded_rates):
    """The refit's cosine goes from lr0 to 0 over its own max_iter epochs (it
    used to sit at 0 for the whole refit, which then trained nothing)."""
    X, y = digits
    clf = ConvNetClassifier(**SMALL, max_iter=4, learning_rate="cosine",
                            warm_start=True).fit(X[:300], y[:300])
    first_run = list(recorded_rates)
    recorded_rates.clear()
    before = weights(clf)
    clf.fit(X[:300], y[:300])
    assert recorded_rates == first_run
    assert recorded_rates[0] > 0.5 * SMALL["learning_rate_init"]
    assert clf.n_iter_ == 8 and len(clf.loss_curve_) == 8
    assert not same_weights(before, weights(clf))


def test_partial_fit_schedule_counts_every_epoch(digits, recorded_rates):
    X, y = digits
    clf = ConvNetClassifier(**SMALL, max_iter=4, learning_rate="cosine")
    for _ in range(3):
        clf.partial_fit(X[:100], y[:100], classes=np.arange(10))
    lr0 = SMALL["learning_rate_init"]
    expected = [lr0 * 0.5 * (1 + np.cos(np.pi * k / 4)) for k in (1, 2, 3)]
    np.testing.assert_allclose(recorded_rates, expected, rtol=1e-12)


def test_warm_started_early_stopping_reports_the_kept_weights_score(digits):
    X, y = digits
    X_val, y_val = X[1000:1300], y[1000:1300]
    clf = ConvNetClassifier(**dict(SMALL, n_iter_no_change=2), max_iter=8,
                            early_stopping=True, warm_start=True)
    clf.fit(X[:500], y[:500], X_val=X_val, y_val=y_val)
    assert clf.score(X_val, y_val) == pytest.approx(clf.best_validation_score_)
    # A refit that barely moves: its best is its own, not the first fit's.
    clf.set_params(learning_rate_init=1e-7, max_iter=3)
    clf.fit(X[:500], y[:500], X_val=X_val, y_val=y_val)
    assert clf.score(X_val, y_val) == pytest.approx(clf.best_validation_score_)
    assert clf.best_validation_score_ == max(clf.validation_scores_[-3:])
    assert len(clf.validation_scores_) == clf.n_iter_


def test_warm_start_after_an_architecture_change_warns_and_rebuilds(digits):
    X, y = digits
    clf = ConvNetClassifier(**SMALL, max_iter=2, warm_start=True).fit(X[:200], y[:200])
    clf.set_params(filters=(6,), activation="tanh")
    with pytest.warns(UserWarning, match=r"architecture changed.*filters: \(4,\) -> \(6,\)"):
        clf.fit(X[:200], y[:200])
    assert clf.layers_[0].params["W"].shape[0] == 6
    assert type(clf.layers_[2]).__name__ == "Tanh"
    assert clf.n_iter_ == 2  # a new network, a new count
    fresh = clone(clf).set_params(warm_start=False).fit(X[:200], y[:200])
    np.testing.assert_array_equal(clf.predict_proba(X[:50]), fresh.predict_proba(X[:50]))


def test_partial_fit_after_an_architecture_change_refuses_and_keeps_the_model(digits):
    X, y = digits
    clf = ConvNetClassifier(**SMALL).partial_fit(X[:200], y[:200], classes=np.arange(10))
    before = weights(clf)
    clf.set_params(hidden_layer_sizes=(32,))
    with pytest.raises(ValueError, match=r"architecture changed.*hidden_layer_sizes"):
        clf.partial_fit(X[:200], y[:200])
    assert same_weights(before, weights(clf)) and clf.n_iter_ == 1


def test_partial_fit_after_a_solver_change_starts_that_solver(digits):
    X, y = digits
    clf = ConvNetClassifier(**SMALL).partial_fit(X[:200], y[:200], classes=np.arange(10))
    assert isinstance(clf._optimizer, Adam)
    clf.set_params(solver="sgd").partial_fit(X[:200], y[:200])
    assert isinstance(clf._optimizer, SGD) and clf.n_iter_ == 2


def interrupt_on_call(monkeypatch, name, call):
    calls = {"n": 0}
    original = getattr(_training, name)

    def maybe_interrupt(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == call:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(_training, name, maybe_interrupt)


def test_interrupt_during_validation_keeps_the_epochs_trained(digits, monkeypatch):
    X, y = digits
    interrupt_on_call(monkeypatch, "evaluate", 3)
    clf = ConvNetClassifier(**SMALL, max_iter=10, early_stopping=True)
    with pytest.warns(UserWarning, match="interrupted"):
        clf.fit(X[:300], y[:300])
    assert clf.n_iter_ == 2
    assert len(clf.loss_curve_) == len(clf.validation_scores_) == 2
    assert clf.predict(X[:5]).shape == (5,)


def test_interrupt_during_partial_fit_is_raised_and_keeps_the_updates(digits, monkeypatch):
    X, y = digits
    clf = ConvNetClassifier(**SMALL).partial_fit(X[:200], y[:200], classes=np.arange(10))
    before = weights(clf)
    interrupt_on_call(monkeypatch, "loss_and_gradients", 3)
    with pytest.warns(UserWarning, match="interrupted"):
        with pytest.raises(KeyboardInterrupt):
            clf.partial_fit(X[:200], y[:200])
    assert clf.n_iter_ == 1  # the interrupted epoch is not counted ...
    assert not same_weights(before, weights(clf))  # ... its two batches are kept
    clf.partial_fit(X[:200], y[:200])  # and the stream goes on
    assert clf.n_iter_ == 2


def test_early_stopping_split_without_weight_is_a_clear_error(digits):
    X, y = digits
    sample_weight = np.zeros(300)
    sample_weight[0] = 1.0
    clf = ConvNetClassifier(**SMALL, max_iter=2, early_stopping=True)
    with pytest.raises(ValueError, match=r"early_stopping's random (training|validation) "
                                         r"split.*sample_weight 0"):
        clf.fit(X[:300], y[:300], sample_weight=sample_weight)


def test_sample_weight_val_without_a_validation_set_is_an_error(digits):
    X, y = digits
    with pytest.raises(ValueError, match="sample_weight_val was given without"):
        ConvNetClassifier(**SMALL, max_iter=1).fit(X[:100], y[:100],
                                                   sample_weight_val=np.ones(10))


class Checkpoint:
    """A scikit-learn callback that pickles the fitted model after every epoch."""

    def __init__(self):
        self.saved = []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name == "epoch":
            self.saved.append(pickle.dumps(fitted_estimator))
        return False


def test_a_model_pickled_by_a_callback_is_a_checkpoint_that_resumes(digits):
    pytest.importorskip("sklearn.callback")  # scikit-learn >= 1.9
    X, y = digits

    checkpoint = Checkpoint()
    clf = ConvNetClassifier(**SMALL, max_iter=3).set_callbacks(checkpoint)
    clf.fit(X[:200], y[:200])
    resumed = pickle.loads(checkpoint.saved[1])  # after epoch 2
    assert resumed.n_iter_ == 2 and len(resumed.loss_curve_) == 2
    resumed.partial_fit(X[:200], y[:200])
    assert resumed.n_iter_ == 3
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*architecture changed")
        resumed.set_params(warm_start=True, max_iter=1).fit(X[:200], y[:200])
    assert resumed.n_iter_ == 4


def test_finite_divergence_on_a_warm_start_is_refused_and_keeps_the_model(digits):
    """Adam at lr 1e6 blows the loss up to ~1e10 without overflowing: an error,
    and the good model stays."""
    X, y = digits
    clf = ConvNetClassifier(**SMALL, max_iter=5, warm_start=True).fit(X[:300], y[:300])
    proba = clf.predict_proba(X[:100])
    n_iter, curve = clf.n_iter_, list(clf.loss_curve_)
    clf.set_params(learning_rate_init=1e6, max_iter=3)
    with pytest.raises(ValueError, match=r"Training diverged: the training loss rose.*"
                                         r"learning_rate_init \(now 1000000.0\)"):
        clf.fit(X[:300], y[:300])
    np.testing.assert_array_equal(clf.predict_proba(X[:100]), proba)
    assert clf.n_iter_ == n_iter and clf.loss_curve_ == curve


def test_divergence_watch_ignores_ordinary_wobbles():
    watch = _training.DivergenceWatch([2.0, 0.5, 0.01])
    for loss in (0.02, 0.5, 1.5, 0.3):  # up to 150 times the last loss, not sustained
        watch.check(ConvNetClassifier(), loss, 4)
    with pytest.raises(ValueError, match="diverged"):
        watch.check(ConvNetClassifier(), 1e3, 5)


def test_predict_during_a_refit_sees_the_old_model_or_the_new_one(digits):
    """A refit commits all its fitted attributes at once: a thread predicting
    meanwhile never sees new layers with old classes (or the reverse)."""
    import sys
    import threading

    X, y = digits
    multiclass = ConvNetClassifier(**SMALL, max_iter=1)
    clf = clone(multiclass).fit(X[:60], y[:60])
    errors, shapes = [], set()
    done = threading.Event()

    def predict_until_done():
        while not done.is_set():
            try:
                shapes.add(clf.predict_proba(X[:5]).shape)
                assert set(clf.predict(X[:5])) <= set(range(10))
            except Exception as exc:  # noqa: BLE001 - any error is the failure
                errors.append(exc)
                return

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    reader = threading.Thread(target=predict_until_done)
    reader.start()
    try:
        for i in range(30):
            labels = y[:60] % 2 if i % 2 else y[:60]  # binary, then ten classes
            clf.set_params(filters=(4,) if i % 3 else (3,))
            clf.fit(X[:60], labels)
    finally:
        done.set()
        reader.join()
        sys.setswitchinterval(interval)
    assert not errors, errors[:3]
    assert shapes <= {(5, 2), (5, 10)}


# ------------------------------------------------------------ hostile input


def test_string_labels_with_pandas_na_name_the_missing_position(digits):
    pd = pytest.importorskip("pandas")  # an extra that CI installs
    X, y = digits
    labels = pd.Series(np.where(y[:40] % 2, "odd", "even"), dtype="string")
    labels[7] = pd.NA
    with pytest.raises(ValueError, match=r"y contains NaN or None at positions \[7\]"):
        ConvNetClassifier(**SMALL, max_iter=1).fit(X[:40], labels)


def test_labels_mixing_strings_and_numbers_are_refused(digits):
    X, y = digits
    labels = np.array(["cat", 1] * 20, dtype=object)
    with pytest.raises(ValueError, match=r"y mixes labels of different kinds: strings "
                                         r"\(e\.g\. 'cat'\), numbers \(e\.g\. 1\)"):
        ConvNetClassifier(**SMALL, max_iter=1).fit(X[:40], labels)
    with pytest.raises(ValueError, match="classes mixes labels"):
        ConvNetClassifier(**SMALL).partial_fit(
            X[:40], y[:40], classes=np.array(["a", 0], dtype=object))


def test_channels_last_colour_batch_warns():
    X = np.random.RandomState(0).uniform(size=(30, 8, 8, 3))
    y = np.arange(30) % 2
    with pytest.warns(UserWarning, match=r"looks like 3 colour channels.*transpose\(0, 3, 1, 2\)"):
        clf = ConvNetClassifier(**SMALL, max_iter=1).fit(X, y)
    assert clf.image_shape_ == (8, 8, 3)  # read as asked, but the user was told
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*colour channels")
        ConvNetClassifier(**SMALL, max_iter=1).fit(X.transpose(0, 3, 1, 2), y)
        ConvNetClassifier(**SMALL, max_iter=1, image_shape=(8, 8, 3)).fit(X, y)


@pytest.mark.parametrize("params, names", [
    (dict(hidden_layer_sizes=(10**9,)), r"hidden_layer_sizes=\(1000000000,\)"),
    (dict(kernel_size=5001, padding="same"), "kernel_size=5001"),
    (dict(filters=(10**7,)), r"filters=\(10000000,\)"),
    # 12,000 filters fit once; a second convolution of 12,000 x 12,000 3x3
    # kernels does not (1.3e9 weights).
    (dict(filters=(12000,), convolutions_per_block=2), "convolutions_per_block=2"),
])
def test_architectures_that_cannot_fit_in_memory_are_refused_up_front(digits, params,
                                                                      names):
    from skconv._resources import available_memory

    if available_memory() is None:
        pytest.skip("the memory check reads Linux' /proc/meminfo")
    X, y = digits
    clf = ConvNetClassifier(**dict(SMALL, **params), max_iter=1)
    with pytest.raises(ValueError, match=r"needs about .* GiB to train but .* GiB of "
                                         r"memory is available.*" + names):
        clf.fit(X[:40], y[:40])
    assert not hasattr(clf, "layers_")


def test_max_pool_over_more_than_65536_offsets_routes_the_gradient_to_the_maximum():
    from skconv.layers import MaxPool2D

    rng = np.random.RandomState(0)
    X = rng.uniform(size=(1, 1, 257, 257))
    pool = MaxPool2D(257)
    pool.build(X.shape[1:])
    out = pool.forward(X, training=True)
    assert out[0, 0, 0, 0] == X.max()
    dX = pool.backward(np.ones_like(out))
    expected = np.zeros_like(X)
    expected.flat[np.argmax(X)] = 1.0
    np.testing.assert_array_equal(dX, expected)


def test_nan_in_x_val_is_reported_for_x_val(digits):
    X, y = digits
    X_val = X[100:120].copy()
    X_val[3, 5] = np.nan
    with pytest.raises(ValueError, match="Input X_val contains NaN"):
        ConvNetClassifier(**SMALL, max_iter=1).fit(X[:100], y[:100], X_val=X_val,
                                                   y_val=y[100:120])
