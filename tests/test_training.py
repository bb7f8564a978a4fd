"""Training features: validation and early stopping, learning-rate schedules,
AdamW, class weights (issue 4)."""


import numpy as np
import pytest
from sklearn.metrics import recall_score

from skconv import ConvNetClassifier

SMALL = dict(filters=(4,), hidden_layer_sizes=(16,), learning_rate_init=0.01)


pytestmark = pytest.mark.usefixtures("quiet_convergence")


def test_early_stopping_stops_on_a_plateau_and_restores_the_best_weights(digits):
    X, y = digits
    clf = ConvNetClassifier(**SMALL, early_stopping=True, n_iter_no_change=3,
                            max_iter=300, random_state=0)
    clf.fit(X[:800], y[:800], X_val=X[800:1100], y_val=y[800:1100])
    assert clf.n_iter_ < 300
    assert len(clf.validation_scores_) == len(clf.validation_loss_curve_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    # The last epochs were worse than the best, and the model now scores the
    # best validation accuracy seen, not the last.
    assert clf.validation_scores_[-1] <= clf.best_validation_score_
    assert clf.score(X[800:1100], y[800:1100]) == pytest.approx(clf.best_validation_score_)


def test_early_stopping_holds_out_a_stratified_validation_fraction(digits):
    X, y = digits
    clf = ConvNetClassifier(**SMALL, early_stopping=True, validation_fraction=0.2,
                            max_iter=4, n_iter_no_change=50, random_state=0)
    clf.fit(X[:500], y[:500])
    assert clf.t_ == 4 * 400  # 100 samples held out
    assert len(clf.validation_scores_) == 4
    assert all(0 <= score <= 1 for score in clf.validation_scores_)


def test_validation_set_is_monitored_without_early_stopping(digits):
    X, y = digits
    clf = ConvNetClassifier(**SMALL, max_iter=5, random_state=0)
    clf.fit(X[:500], y[:500], X_val=X[500:700], y_val=y[500:700])
    assert len(clf.validation_scores_) == 5
    # Without early stopping the last weights are kept.
    assert clf.score(X[500:700], y[500:700]) == pytest.approx(clf.validation_scores_[-1])
    assert clf.validation_loss_curve_[-1] < clf.validation_loss_curve_[0]
    plain = ConvNetClassifier(**SMALL, max_iter=5, random_state=0).fit(X[:500], y[:500])
    assert plain.validation_scores_ is None and plain.best_validation_score_ is None
    np.testing.assert_array_equal(plain.predict_proba(X[:50]), clf.predict_proba(X[:50]))


def test_validation_loss_is_the_mean_cross_entropy(digits):
    X, y = digits
    clf = ConvNetClassifier(**SMALL, max_iter=2, random_state=0)
    clf.fit(X[:300], y[:300], X_val=X[300:400], y_val=y[300:400])
    log_proba = clf.predict_log_proba(X[300:400])
    expected = -np.mean(log_proba[np.arange(100), y[300:400]])
    assert clf.validation_loss_curve_[-1] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(X_val=np.zeros((3, 64))), "Pass both X_val and y_val"),
        (dict(y_val=np.zeros(3)), "Pass both X_val and y_val"),
        (dict(X_val=np.zeros((3, 60)), y_val=np.zeros(3)), "X has 60 features"),
        (dict(X_val=np.zeros((3, 64)), y_val=np.array([0, 1, 42])), r"y_val contains labels \[42\]"),
    ],
)
def test_bad_validation_sets_are_rejected(kwargs, match, digits):
    X, y = digits
    with pytest.raises(ValueError, match=match):
        ConvNetClassifier(**SMALL).fit(X[:100], y[:100], **kwargs)


def test_early_stopping_with_too_few_samples_says_so():
    X = np.random.RandomState(0).normal(size=(6, 4))
    with pytest.raises(ValueError, match="validation set with every class"):
        ConvNetClassifier(early_stopping=True).fit(X, [0, 0, 0, 1, 1, 2])


def test_partial_fit_is_unavailable_when_it_cannot_work():
    for clf in (ConvNetClassifier(early_stopping=True),
                ConvNetClassifier(class_weight="balanced")):
        assert not hasattr(clf, "partial_fit")
        with pytest.raises(AttributeError) as info:
            clf.partial_fit
        assert "not available" in str(info.value.__cause__)
    assert hasattr(ConvNetClassifier(), "partial_fit")


def test_adaptive_learning_rate_divides_by_five_instead_of_stopping(digits):
    X, y = digits
    clf = ConvNetClassifier(**SMALL, learning_rate="adaptive", tol=100.0,
                            n_iter_no_change=1, max_iter=50, random_state=0)
    clf.fit(X[:200], y[:200])
    # The first epoch improves on +inf; after that the loss "fails to improve
    # by tol" every epoch, so every 2 epochs the count exceeds 1: lr / 5 while
    # it is above 1e-6 (0.01 / 5**6 = 6.4e-7 is the first below), then stop.
    assert clf._optimizer.learning_rate == pytest.approx(0.01 / 5**6)
    assert clf.n_iter_ == 1 + 2 * 7


def test_cosine_schedule_anneals_to_zero(digits):
    X, y = digits
    clf = ConvNetClassifier(**SMALL, learning_rate="cosine", max_iter=6,
                            n_iter_no_change=50, random_state=0).fit(X[:200], y[:200])
    assert clf._optimizer.learning_rate == pytest.approx(0.0, abs=1e-15)


def test_invscaling_schedule_follows_samples_seen(digits):
    X, y = digits
    clf = ConvNetClassifier(**SMALL, solver="sgd", learning_rate="invscaling",
                            power_t=0.25, max_iter=3, n_iter_no_change=50, random_state=0)
    clf.fit(X[:200], y[:200])
    assert clf._optimizer.learning_rate == pytest.approx(0.01 / (600 + 1) ** 0.25)


def test_adamw_decays_weights(digits):
    X, y = digits
    norms = {}
    for solver in ("adam", "adamw"):
        clf = ConvNetClassifier(**SMALL, solver=solver, weight_decay=0.5, alpha=0.0,
                                max_iter=10, n_iter_no_change=50, random_state=0)
        clf.fit(X[:300], y[:300])
        norms[solver] = sum(np.sum(layer.params["W"] ** 2) for layer in clf.layers_
                            if "W" in layer.params)
        assert clf.score(X[300:600], y[300:600]) > 0.5
    assert norms["adamw"] < 0.8 * norms["adam"]


def test_balanced_class_weight_raises_minority_recall(digits):
    X, y = digits
    # 3 against 8, with few 3s: the unweighted model neglects them.
    majority = np.flatnonzero(y == 8)
    minority = np.flatnonzero(y == 3)[:12]
    train = np.concatenate([majority[:150], minority])
    test = np.concatenate([majority[150:], np.flatnonzero(y == 3)[12:]])
    recalls = {}
    for class_weight in (None, "balanced"):
        clf = ConvNetClassifier(filters=(4,), hidden_layer_sizes=(8,), max_iter=8,
                                learning_rate_init=0.003, class_weight=class_weight,
                                n_iter_no_change=50, random_state=0)
        clf.fit(X[train], y[train])
        recalls[class_weight] = recall_score(y[test], clf.predict(X[test]), pos_label=3)
    assert recalls["balanced"] > recalls[None] + 0.2


def test_class_weight_dict_equals_sample_weights(digits):
    X, y = digits
    X, y = X[:300], y[:300] % 3
    a = ConvNetClassifier(**SMALL, class_weight={0: 3.0, 2: 0.5}, max_iter=3,
                          random_state=0).fit(X, y)
    weights = np.select([y == 0, y == 2], [3.0, 0.5], 1.0)
    b = ConvNetClassifier(**SMALL, max_iter=3, random_state=0).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-12)


def test_class_weight_with_an_unknown_class_is_rejected(digits):
    X, y = digits
    with pytest.raises(ValueError, match=r"class_weight has keys \[11\]"):
        ConvNetClassifier(class_weight={11: 2.0}).fit(X[:50], y[:50])


def test_score_takes_sample_weight(digits):
    X, y = digits
    clf = ConvNetClassifier(**SMALL, max_iter=2, random_state=0).fit(X[:200], y[:200])
    correct = clf.predict(X[200:300]) == y[200:300]
    weights = np.where(correct, 1.0, 0.0)
    assert clf.score(X[200:300], y[200:300], sample_weight=weights) == 1.0


def test_layer_options_shape_the_stack(digits):
    X, y = digits
    clf = ConvNetClassifier(filters=(4,), hidden_layer_sizes=(8,), batch_normalization=True,
                            dropout=0.25, pooling="avg", global_pooling=True, max_iter=2,
                            random_state=0).fit(X[:100], y[:100])
    assert [type(layer).__name__ for layer in clf.layers_] == [
        "Conv2D", "BatchNormalization", "ReLU", "AvgPool2D", "GlobalAvgPool2D",
        "Dense", "BatchNormalization", "ReLU", "Dropout", "Dense",
    ]
    assert clf.layers_[8].rate == 0.25


def test_batch_normalization_trains_when_the_last_batch_has_one_sample(digits):
    X, y = digits
    clf = ConvNetClassifier(**SMALL, batch_normalization=True, batch_size=32, max_iter=3,
                            random_state=0)
    clf.fit(X[:65], y[:65])  # 65 = 2 * 32 + 1
    assert clf.n_iter_ == 3 and clf.t_ == 3 * 65
    bn = clf.layers_[1]
    assert not np.allclose(bn.running_mean, 0)  # the statistics were learned


def test_dropout_regularises_in_training_only(digits):
    X, y = digits
    params = dict(**SMALL, max_iter=5, n_iter_no_change=50, random_state=0)
    plain = ConvNetClassifier(**params).fit(X[:300], y[:300])
    dropped = ConvNetClassifier(**params, dropout=0.5).fit(X[:300], y[:300])
    # Noisier training: the training loss stays higher than without dropout.
    assert dropped.loss_curve_[-1] > plain.loss_curve_[-1]
    # Prediction is deterministic: dropout is off.
    np.testing.assert_array_equal(dropped.predict_proba(X[:50]), dropped.predict_proba(X[:50]))
    np.testing.assert_allclose(
        dropped.predict_proba(X[:50])[:10], dropped.predict_proba(X[:10]), rtol=1e-6
    )


def test_non_finite_weights_stop_training_with_a_clear_error(digits, monkeypatch):
    from skconv.optimizers import Adam

    X, y = digits
    original = Adam.update_params

    def poisoned(self, params, grads):
        original(self, params, grads)
        params[0][...] = np.inf  # the loss of this batch was still finite

    monkeypatch.setattr(Adam, "update_params", poisoned)
    # Unshuffled, the second batch has zero weight and is skipped, so no
    # loss sees the infinite weights: the end-of-epoch check must.
    clf = ConvNetClassifier(**SMALL, max_iter=3, shuffle=False)
    with pytest.raises(ValueError, match="Training diverged: Conv2D parameter 'W' is no longer finite"):
        clf.fit(X[:40], y[:40], sample_weight=np.r_[np.ones(32), np.zeros(8)])
    assert not hasattr(clf, "layers_")


def test_copy_random_state_draws_the_same_stream_independently():
    """partial_fit trains on a copy of the estimator's random stream (a failed
    call must not advance it): the copy continues the stream exactly, the
    cached second Gaussian of the polar method included, and drawing from it
    leaves the original where it was."""
    from skconv._training import copy_random_state

    def draws(stream):
        return (stream.standard_normal(5), stream.permutation(20),
                stream.random_sample(3))

    original = np.random.RandomState(7)
    original.standard_normal()  # an odd count: one Gaussian is cached
    copied = copy_random_state(original)
    assert copied is not original
    for drawn, expected in zip(draws(copied), draws(original)):
        np.testing.assert_array_equal(drawn, expected)
    witness = copy_random_state(original)
    copied.random_sample(100)
    np.testing.assert_array_equal(original.random_sample(4), witness.random_sample(4))


def test_copy_random_state_keeps_another_bit_generator():
    """random_state may be a RandomState over another bit generator, which has
    no MT19937 state to copy: it is deep-copied, and partial_fit still works."""
    from skconv._training import copy_random_state

    original = np.random.RandomState(np.random.PCG64(3))
    copied = copy_random_state(original)
    assert copied is not original
    assert copied.get_state(legacy=False)["bit_generator"] == "PCG64"
    np.testing.assert_array_equal(copied.random_sample(5), original.random_sample(5))
    X = np.random.RandomState(0).normal(size=(40, 16))
    y = np.arange(40) % 2
    clf = ConvNetClassifier(filters=(4,), hidden_layer_sizes=(8,),
                            random_state=np.random.RandomState(np.random.PCG64(0)))
    clf.partial_fit(X, y, classes=[0, 1])
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 2
