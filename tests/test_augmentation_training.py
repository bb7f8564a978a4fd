"""Augmentation inside training: where it applies, where it never does, and its errors."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

from skconv import Augmentation, ConvNetClassifier, ConvNetRegressor


class RecordingAugmentation(Augmentation):
    """An Augmentation that also records the batch sizes it transforms."""

    def augment(self, X, rng):
        self.seen_.append(len(X))
        return super().augment(X, rng)


def coefs(model):
    return [p.copy() for layer in model.layers_ for p in layer.params.values()]


def assert_same_model(first, second):
    for a, b in zip(coefs(first), coefs(second), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.fixture
def small(digits):
    X, y = digits
    return X[:400], y[:400]


def test_only_training_batches_are_augmented(small, fast, quiet_convergence):
    X, y = small
    recorder = RecordingAugmentation(noise=0.1)
    recorder.seen_ = []
    clf = ConvNetClassifier(**fast, batch_size=64, early_stopping=True,
                            validation_fraction=0.25, augmentation=recorder,
                            n_iter_no_change=100, random_state=0).fit(X, y)
    # Every epoch transforms exactly the 300 training rows, never the 100 held out.
    assert sum(recorder.seen_) == 300 * clf.n_iter_
    assert max(recorder.seen_) == 64
    seen = len(recorder.seen_)
    clf.predict(X), clf.predict_proba(X), clf.score(X, y)
    assert len(recorder.seen_) == seen


def test_validation_scores_are_of_the_images_as_they_are(small, fast, quiet_convergence):
    X, y = small
    # Heavy noise: an augmented validation set would score far lower.
    clf = ConvNetClassifier(**fast, augmentation=Augmentation(noise=2.0), random_state=0)
    clf.fit(X[:300], y[:300], X_val=X[300:], y_val=y[300:])
    assert clf.validation_scores_[-1] == clf.score(X[300:], y[300:])


def test_default_none_and_all_off_train_the_same_model(small, fast, quiet_convergence):
    X, y = small
    plain = ConvNetClassifier(**fast, random_state=0).fit(X, y)
    off = ConvNetClassifier(**fast, augmentation=Augmentation(), random_state=0).fit(X, y)
    assert_same_model(plain, off)


@pytest.mark.parametrize("Estimator", [ConvNetClassifier, ConvNetRegressor])
def test_augmented_refits_are_bit_identical(Estimator, small, fast, quiet_convergence):
    X, y = small
    augmentation = Augmentation(shift=1, rotation=10, zoom=0.1, erasing=0.3, noise=0.05)
    model = Estimator(**fast, augmentation=augmentation, random_state=0)
    first = clone(model).fit(X, y)
    second = clone(model).fit(X, y)
    assert_same_model(first, second)
    plain = Estimator(**fast, random_state=0).fit(X, y)
    assert not np.array_equal(coefs(first)[0], coefs(plain)[0])


def test_partial_fit_augments_each_call(small, fast, quiet_convergence):
    X, y = small
    recorder = RecordingAugmentation(shift=1)
    recorder.seen_ = []
    clf = ConvNetClassifier(**fast, batch_size=100, augmentation=recorder, random_state=0)
    clf.partial_fit(X, y, classes=np.unique(y)).partial_fit(X, y)
    assert recorder.seen_ == [100] * 8
    assert clf.n_iter_ == 2


def test_float32_training_stays_float32(small, fast, quiet_convergence):
    X, y = small
    clf = ConvNetClassifier(**fast, augmentation=Augmentation(rotation=10, noise=0.1),
                            random_state=0).fit(X.astype(np.float32), y)
    assert all(p.dtype == np.float32 for p in coefs(clf))


def test_clone_copies_the_augmentation(fast):
    clf = ConvNetClassifier(**fast, augmentation=Augmentation(shift=2, noise=0.1))
    copy = clone(clf)
    assert copy.augmentation is not clf.augmentation
    assert copy.augmentation.get_params() == clf.augmentation.get_params()
    copy.set_params(augmentation__shift=1)
    assert clf.augmentation.shift == 2 and copy.augmentation.shift == 1


def test_grid_search_over_augmentation_parameters(small, fast, quiet_convergence):
    X, y = small
    search = GridSearchCV(
        ConvNetClassifier(**fast, augmentation=Augmentation(), random_state=0),
        {"augmentation__shift": [0, 1], "augmentation__rotation": [0.0, 10.0]}, cv=2,
    ).fit(X, y)
    tried = {(p["augmentation__shift"], p["augmentation__rotation"])
             for p in search.cv_results_["params"]}
    assert tried == {(0, 0.0), (0, 10.0), (1, 0.0), (1, 10.0)}
    assert search.best_estimator_.augmentation.shift == search.best_params_[
        "augmentation__shift"]
    # Different augmentations trained different models.
    assert len(set(search.cv_results_["mean_test_score"])) > 1


def test_augmented_models_pickle_and_skops(small, fast, quiet_convergence, tmp_path):
    X, y = small
    clf = ConvNetClassifier(**fast, augmentation=Augmentation(shift=1), random_state=0)
    clf.fit(X, y)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.augmentation.get_params() == clf.augmentation.get_params()
    skops = pytest.importorskip("skops.io")
    from skconv.persistence import load

    path = tmp_path / "model.skops"
    skops.dump(clf, path)
    np.testing.assert_array_equal(load(path).predict_proba(X), clf.predict_proba(X))


# The range checks are scikit-learn's (their wording varies between its
# releases): match the parameter and the range, not the sentence.
@pytest.mark.parametrize("augmentation, message", [
    (Augmentation(shift=-1), r"'shift' parameter of Augmentation.*\[0, inf\)"),
    (Augmentation(erasing=1.5), (r"'erasing' parameter of Augmentation.*"
                                r"\[0(\.0)?, 1(\.0)?\].*1\.5")),
    (Augmentation(zoom=1.0), r"'zoom' parameter of Augmentation.*\[0(\.0)?, 1(\.0)?\)"),
    (Augmentation(rotation=-5), (r"'rotation' parameter of Augmentation.*"
                                r"\[0(\.0)?, 180(\.0)?\]")),
    (Augmentation(noise=-0.1), r"'noise' parameter of Augmentation.*-0\.1"),
    (Augmentation(erasing_area=(0.5, 0.2)), (r"erasing_area must be a pair of floats "
                                            r"\(low, high\) with 0 < low <= high <= 1")),
    (Augmentation(erasing_area=0.3), r"'erasing_area' parameter of Augmentation"),
    (Augmentation(erasing_area=("0.1", "0.2")), r"erasing_area must be a pair of floats"),
    (Augmentation(erasing_area=(True, True)), r"erasing_area must be a pair of floats"),
    (Augmentation(fill_value=np.nan), r"'fill_value' parameter of Augmentation.*nan"),
    (Augmentation(fill_value=np.inf), r"'fill_value' parameter of Augmentation.*inf"),
    (Augmentation(shift=8), (r"shift must be smaller than the image height and width "
                            r"\(8x8\): at most 7; got 8")),
])
def test_bad_augmentation_is_refused_and_the_model_kept(augmentation, message, small,
                                                        fitted_classifier,
                                                        quiet_convergence):
    X, y = small
    clf = clone(fitted_classifier).fit(X, y)
    before = clf.predict_proba(X)
    state = dict(clf.__dict__)
    clf.set_params(augmentation=augmentation)
    with pytest.raises((ValueError, InvalidParameterError), match=message):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert all(clf.__dict__[k] is v for k, v in state.items() if k != "augmentation")


@pytest.mark.parametrize("augmentation, message", [
    (Augmentation(noise=1e39), r"noise must be at most 3.4e\+37 .* for float32 images; "
                               r"got 1e\+39"),
    (Augmentation(fill_value=-1e39), r"fill_value must be at most 3.4e\+38 .* for "
                                     r"float32 images; got 1e\+39"),
])
def test_noise_or_fill_that_overflow_float32_are_refused(augmentation, message, fast,
                                                        quiet_convergence):
    """Finite, but not in float32: the pixels would be inf, and the fit would
    fail on a loss that looks diverged, blaming learning_rate_init."""
    X = np.random.RandomState(0).uniform(size=(30, 64)).astype(np.float32)
    clf = ConvNetClassifier(**fast, augmentation=augmentation)
    with pytest.raises(ValueError, match=message):
        clf.fit(X, np.arange(30) % 3)
    assert not hasattr(clf, "layers_")
    clf.fit(X.astype(np.float64), np.arange(30) % 3)  # float64 holds them


def test_rotation_on_images_of_one_row_is_refused(fast):
    X, y = np.random.RandomState(0).uniform(size=(20, 12)), np.arange(20) % 2
    clf = ConvNetClassifier(**fast, image_shape=(1, 12),
                            augmentation=Augmentation(rotation=10))
    with pytest.raises(ValueError, match=r"rotation needs images of at least 2 rows "
                                         r"and 2 columns; the images are 1x12"):
        clf.fit(X, y)
    assert not hasattr(clf, "layers_")


def test_augmentation_of_the_wrong_type_names_the_parameter(fast, small):
    X, y = small
    with pytest.raises(InvalidParameterError,
                       match=r"'augmentation' parameter of ConvNetClassifier.*"
                             r"Augmentation.*None"):
        ConvNetClassifier(**fast, augmentation={"shift": 1}).fit(X, y)
