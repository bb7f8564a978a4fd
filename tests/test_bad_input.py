"""Bad input and hostile hyperparameters: clear errors, never a broken model.

One table (``BAD``) lists what a user can get wrong, the exception that must
follow, and a regex on its message that says what was wrong and what was
expected. Every case that fails a *fit* is run on an already fitted model,
and the model must come out of it untouched: the same fitted attribute
objects and bit-identical predictions.

Then the documented non-errors (pools larger than a map are skipped, huge but
finite values give a finite model, ...), and a hypothesis fuzz of shapes and
architectures: every outcome is a fitted model with finite probabilities
summing to one, or a ValueError with one of the documented messages.
"""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.utils._param_validation import InvalidParameterError

from skconv import ConvNetClassifier
from skconv.layers import AvgPool2D, MaxPool2D

SMALL = dict(filters=(4,), hidden_layer_sizes=(8,), max_iter=2, random_state=0)

_X, _Y = load_digits(return_X_y=True)
X = _X[:120] / 16
Y = _Y[:120]
N = len(X)


def small(**params):
    return ConvNetClassifier(**{**SMALL, **params})


def fit_quietly(clf, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return clf.fit(*args, **kwargs)


def with_value(value, row=3, col=5, A=X):
    A = A.copy()
    A[row, col] = value
    return A


# Each action takes the estimator (fitted with SMALL on X, Y, unless the case
# says fresh) and does one bad thing to it.
def param_case(id_, params, match):
    """A hyperparameter that must be refused with InvalidParameterError."""
    return pytest.param(
        "fitted", lambda clf: clf.set_params(**params).fit(X, Y),
        InvalidParameterError, match, id=id_,
    )


V = ValueError
T = TypeError
IPE = InvalidParameterError

BAD = [
    # ---------------------------------------------------------- non-finite X
    pytest.param("fitted", lambda c: c.fit(with_value(np.nan), Y), V,
                 r"Input X contains NaN", id="fit-X-nan"),
    pytest.param("fitted", lambda c: c.fit(with_value(np.inf), Y), V,
                 r"Input X contains infinity", id="fit-X-inf"),
    pytest.param("fitted", lambda c: c.fit(with_value(-np.inf), Y), V,
                 r"Input X contains infinity", id="fit-X-neg-inf"),
    pytest.param("fitted", lambda c: c.predict(with_value(np.nan)), V,
                 r"Input X contains NaN", id="predict-X-nan"),
    pytest.param("fitted", lambda c: c.predict_proba(with_value(np.inf)), V,
                 r"Input X contains infinity", id="predict_proba-X-inf"),
    pytest.param("fitted", lambda c: c.partial_fit(with_value(np.nan), Y), V,
                 r"Input X contains NaN", id="partial_fit-X-nan"),
    # ---------------------------------------------------------- non-finite y
    pytest.param("fitted", lambda c: c.fit(X, np.where(np.arange(N) == 3, np.nan, Y)),
                 V, r"Input y contains NaN", id="fit-y-nan"),
    pytest.param("fitted", lambda c: c.fit(X, np.where(np.arange(N) == 3, np.inf, Y)),
                 V, r"Input y contains infinity", id="fit-y-inf"),
    pytest.param("fitted",
                 lambda c: c.fit(X, np.array(["a", "b"] * 59 + [np.nan, "a"], dtype=object)),
                 V, r"y contains NaN", id="fit-y-strings-with-nan"),
    pytest.param("fitted", lambda c: c.fit(X, np.linspace(0, 1, N)), V,
                 r"Unknown label type: continuous.*expects discrete classes",
                 id="fit-y-continuous"),
    pytest.param("fitted", lambda c: c.fit(X, np.c_[Y, Y]), V,
                 r"2-D y only as a multilabel indicator matrix.*shape \(120, 2\)"
                 r".*'multiclass-multioutput'",
                 id="fit-y-2d"),
    pytest.param("fitted", lambda c: c.fit(X, np.c_[Y % 2, Y % 2] * 2 - 1), V,
                 r"2-D y only as a multilabel indicator matrix of 0s and 1s",
                 id="fit-y-2d-minus-one-and-one"),
    # ------------------------------------------------------- wrong kinds of X
    pytest.param("fitted", lambda c: c.fit(np.full(X.shape, "a"), Y), V,
                 r"could not convert string to float: .*'a'", id="fit-X-strings"),
    pytest.param("fitted", lambda c: c.fit(X + 1j, Y), V,
                 r"Complex data not supported", id="fit-X-complex"),
    pytest.param("fitted", lambda c: c.predict(X + 1j), V,
                 r"Complex data not supported", id="predict-X-complex"),
    pytest.param("fitted", lambda c: c.fit(sp.csr_matrix(X), Y), T,
                 r"Sparse data was passed for X, but dense data is required.*toarray",
                 id="fit-X-sparse"),
    pytest.param("fitted", lambda c: c.predict(sp.csr_matrix(X)), T,
                 r"Sparse data was passed for X, but dense data is required",
                 id="predict-X-sparse"),
    pytest.param("fitted", lambda c: c.fit(X[0], Y[:64]), V,
                 r"Expected 2D array, got 1D array instead", id="fit-X-1d"),
    pytest.param("fitted", lambda c: c.predict(X[0]), V,
                 r"Expected 2D array, got 1D array instead", id="predict-X-1d"),
    pytest.param("fitted", lambda c: c.fit(X.reshape(N, 1, 1, 8, 8), Y), V,
                 r"X must be 2-D .*, 3-D .* or 4-D .*; got an array of shape "
                 r"\(120, 1, 1, 8, 8\)", id="fit-X-5d"),
    pytest.param("fitted", lambda c: c.predict(X.reshape(N, 1, 1, 8, 8)), V,
                 r"X must be 2-D .* got an array of shape \(120, 1, 1, 8, 8\)",
                 id="predict-X-5d"),
    pytest.param("fitted", lambda c: c.fit([[1.0, 2.0], [1.0]], [0, 1]), V,
                 r"inhomogeneous shape", id="fit-X-ragged"),
    # ------------------------------------------------------------ empty data
    pytest.param("fitted", lambda c: c.fit(X[:0], Y[:0]), V,
                 r"0 sample\(s\) \(shape=\(0, 64\)\)", id="fit-0-rows"),
    pytest.param("fitted", lambda c: c.fit(X[:, :0], Y), V,
                 r"0 feature\(s\) \(shape=\(120, 0\)\)", id="fit-0-features"),
    pytest.param("fitted", lambda c: c.predict(X[:0]), V,
                 r"0 sample\(s\)", id="predict-0-rows"),
    # ------------------------------------------------- samples and classes
    pytest.param("fitted", lambda c: c.fit(X[:1], Y[:1]), V,
                 r"at least 2 classes .* only one class", id="fit-one-sample"),
    pytest.param("fitted", lambda c: c.fit(X, np.zeros(N)), V,
                 r"at least 2 classes .* only one class", id="fit-one-class"),
    pytest.param("fitted", lambda c: c.fit(X, Y[:-1]), V,
                 r"inconsistent numbers of samples: \[120, 119\]", id="fit-len-X-y"),
    pytest.param("fitted", lambda c: c.fit(X[:12], Y[:12], sample_weight=np.ones(10)), V,
                 r"sample_weight.shape == \(10,\), expected \(12,\)",
                 id="fit-len-sample_weight"),
    pytest.param("fitted", lambda c: c.fit(X, Y, X_val=X[:20], y_val=Y[:19]), V,
                 r"inconsistent numbers of samples: \[20, 19\]", id="fit-len-X_val-y_val"),
    pytest.param("fitted", lambda c: c.fit(X, Y, X_val=X[:20]), V,
                 r"Pass both X_val and y_val .* got only X_val", id="fit-X_val-without-y_val"),
    pytest.param("fitted", lambda c: c.fit(X, Y, X_val=X[:20, :60], y_val=Y[:20]), V,
                 r"X has 60 features, but ConvNetClassifier is expecting 64",
                 id="fit-X_val-n_features"),
    pytest.param("fitted", lambda c: c.fit(X, Y, X_val=X[:20].reshape(-1, 4, 16), y_val=Y[:20]),
                 V, r"X_val holds images of shape \(1, 4, 16\).*\(1, 8, 8\)",
                 id="fit-X_val-image-shape"),
    pytest.param("fitted", lambda c: c.fit(X[Y < 5], Y[Y < 5], X_val=X[:20], y_val=Y[:20]),
                 V, r"y_val contains labels \[5, 6, 7, 8, 9\] that are not among the classes",
                 id="fit-y_val-unknown-class"),
    pytest.param("fitted", lambda c: c.fit(X, Y, X_val=X[:20], y_val=Y[:20],
                                           sample_weight_val=-np.ones(20)),
                 V, r"Negative values in data passed to `sample_weight_val`",
                 id="fit-negative-sample_weight_val"),
    pytest.param("fitted", lambda c: c.fit(X, Y, X_val=X[:20], y_val=Y[:20],
                                           sample_weight_val=np.ones(19)),
                 V, r"sample_weight_val.shape == \(19,\), expected \(20,\)",
                 id="fit-len-sample_weight_val"),
    # --------------------------------------------------------- sample weights
    pytest.param("fitted", lambda c: c.fit(X, Y, sample_weight=np.zeros(N)), V,
                 r"sample_weight sums to zero: no sample would be learned from",
                 id="fit-sample_weight-all-zero"),
    pytest.param("fitted", lambda c: c.fit(X, Y, sample_weight=-np.ones(N)), V,
                 r"Negative values in data passed to `sample_weight`",
                 id="fit-sample_weight-negative"),
    pytest.param("fitted", lambda c: c.fit(X, Y, sample_weight=np.full(N, np.nan)), V,
                 r"Input sample_weight contains NaN", id="fit-sample_weight-nan"),
    pytest.param("fitted", lambda c: c.fit(X, Y, sample_weight=np.ones((N, 1))), V,
                 r"Sample weights must be 1D array or scalar", id="fit-sample_weight-2d"),
    pytest.param("fitted", lambda c: c.fit(X, Y, sample_weight=np.full(N, 1e308)), V,
                 r"sample_weight.*(sum|too large)", id="fit-sample_weight-sum-overflows"),
    pytest.param("fitted",
                 lambda c: c.set_params(class_weight={k: 0.0 for k in range(10)}).fit(X, Y),
                 V, r"sample weights times class_weight sums to zero", id="fit-class_weight-all-zero"),
    pytest.param("fitted", lambda c: c.set_params(class_weight={0: -1.0}).fit(X, Y),
                 IPE, r"'class_weight' parameter .*non-negative", id="class_weight-negative"),
    pytest.param("fitted", lambda c: c.set_params(class_weight={0: np.nan}).fit(X, Y),
                 IPE, r"'class_weight' parameter .*finite", id="class_weight-nan"),
    pytest.param("fitted", lambda c: c.set_params(class_weight={0: np.inf}).fit(X, Y),
                 IPE, r"'class_weight' parameter .*finite", id="class_weight-inf"),
    pytest.param("fitted", lambda c: c.set_params(class_weight={0: "a"}).fit(X, Y),
                 IPE, r"'class_weight' parameter .*number", id="class_weight-string-value"),
    pytest.param("fitted", lambda c: c.set_params(class_weight={42: 1.0}).fit(X, Y), V,
                 r"class_weight has keys \[42\] that are not among the classes",
                 id="class_weight-unknown-key"),
    # ------------------------------------------------------------ partial_fit
    pytest.param("fresh", lambda c: c.partial_fit(X, Y), V,
                 r"classes must be passed on the first call to partial_fit",
                 id="partial_fit-first-call-without-classes"),
    pytest.param("fitted", lambda c: c.partial_fit(X[Y < 4], Y[Y < 4] + 10), V,
                 r"y contains labels \[10, 11, 12, 13\] that are not among the classes",
                 id="partial_fit-new-classes"),
    pytest.param("fitted", lambda c: c.partial_fit(X, Y, classes=np.arange(11)), V,
                 r"classes=.* differs from the classes of the first call",
                 id="partial_fit-other-classes"),
    pytest.param("fresh", lambda c: c.partial_fit(X, Y % 2, classes=[0, 1, np.nan]), V,
                 r"classes .*NaN", id="partial_fit-classes-with-nan"),
    pytest.param("fitted", lambda c: c.partial_fit(X[:, :60], Y), V,
                 r"X has 60 features, but ConvNetClassifier is expecting 64",
                 id="partial_fit-n_features"),
    # ------------------------------------------------------ shapes of images
    pytest.param("fitted", lambda c: c.predict(X[:, :60]), V,
                 r"X has 60 features, but ConvNetClassifier is expecting 64 features",
                 id="predict-n_features"),
    pytest.param("fitted", lambda c: c.predict(X.reshape(-1, 4, 16)), V,
                 r"X holds images of shape \(1, 4, 16\), but this ConvNetClassifier was "
                 r"fitted on images of shape \(1, 8, 8\)", id="predict-image-shape"),
    pytest.param("fitted", lambda c: c.set_params(image_shape=(3, 8, 8)).fit(X, Y), V,
                 r"image_shape=\(3, 8, 8\) holds 192 values .* X has 64 features",
                 id="image_shape-product"),
    pytest.param("fitted", lambda c: c.set_params(image_shape=(4, 16)).fit(X.reshape(-1, 8, 8), Y),
                 V, r"image_shape=\(4, 16\) means .* \(1, 4, 16\), but X holds images of "
                 r"shape \(1, 8, 8\)", id="image_shape-vs-3d-X"),
    pytest.param("fitted", lambda c: c.set_params(kernel_size=9, padding="valid").fit(X, Y),
                 V, r"Convolution block 0 .* \(1, 8, 8\): Conv2D kernel \(9, 9\) with "
                 r"padding='valid' does not fit .* use a smaller kernel or padding='same'",
                 id="kernel-larger-than-image-valid"),
    pytest.param("fitted", lambda c: c.set_params(filters=(4, 4), kernel_size=(3, 7),
                                                  padding="valid").fit(X, Y),
                 V, r"Convolution block 1 .* \(4, 3, 3\): Conv2D kernel \(7, 7\)",
                 id="kernel-larger-than-map-in-block-1"),
    pytest.param("fitted", lambda c: c.set_params(batch_normalization=True, batch_size=1).fit(X, Y),
                 V, r"batch_size", id="batch_normalization-with-batch_size-1"),
    # ------------------------------------------------ numbers too large for the model
    pytest.param("fitted", lambda c: c.predict_proba(X * 1e308), V,
                 r"(?i)overflow|too large", id="predict-X-overflows-float64"),
    pytest.param("fitted", lambda c: c.predict(X * 1e308), V,
                 r"(?i)overflow|too large", id="predict-label-X-overflows-float64"),
    pytest.param("fitted", lambda c: c.decision_function(X * 1e308), V,
                 r"(?i)overflow|too large", id="decision_function-X-overflows-float64"),
    pytest.param("fitted32", lambda c: c.predict_proba(X * 1e300), V,
                 r"(?i)overflow|too large|float32", id="predict-X-beyond-float32"),
    # --------------------------------- hyperparameters changed before a warm start
    # As in MLPClassifier, a warm-started fit trains with the *current*
    # optimizer settings: an absurd learning rate must take effect (and fail
    # cleanly), not be ignored in favour of the previous fit's optimizer.
    pytest.param("fitted", lambda c: c.set_params(warm_start=True, solver="sgd",
                                                  learning_rate_init=1e10).fit(X, Y),
                 V, r"Training diverged.*Lower learning_rate_init \(now 10000000000.0\)",
                 id="warm_start-new-learning_rate_init"),
    # ------------------------------------------- zero and negative sizes
    param_case("filters-zero", {"filters": (4, 0)}, r"'filters' parameter .* integers >= 1"),
    param_case("filters-negative", {"filters": (-2,)}, r"'filters' parameter .* integers >= 1"),
    param_case("kernel_size-zero", {"kernel_size": 0},
               r"'kernel_size' parameter .* int in the range \[1, inf\)"),
    param_case("kernel_size-tuple-zero", {"kernel_size": (0,)},
               r"'kernel_size' parameter .* integers >= 1"),
    param_case("kernel_size-wrong-length", {"kernel_size": (3, 3)},
               r"'kernel_size' parameter .* one value per convolution block \(1"),
    param_case("pool_size-zero", {"pool_size": 0}, r"'pool_size' parameter .* \[1, inf\)"),
    param_case("pool_size-negative", {"pool_size": -2}, r"'pool_size' parameter"),
    param_case("stride-zero", {"stride": 0}, r"'stride' parameter .* \[1, inf\)"),
    param_case("hidden_layer_sizes-zero", {"hidden_layer_sizes": (0,)},
               r"'hidden_layer_sizes' parameter .* integers >= 1"),
    param_case("image_shape-zero", {"image_shape": (0, 64)},
               r"'image_shape' parameter .* integers >= 1"),
    param_case("image_shape-negative", {"image_shape": (-8, -8)},
               r"'image_shape' parameter .* integers >= 1"),
    param_case("image_shape-one-entry", {"image_shape": (64,)},
               r"'image_shape' parameter .* \(height, width\) or \(channels, height, width\)"),
    param_case("batch_size-zero", {"batch_size": 0}, r"'batch_size' parameter .* \[1, inf\)"),
    param_case("batch_size-negative", {"batch_size": -3}, r"'batch_size' parameter"),
    param_case("max_iter-zero", {"max_iter": 0}, r"'max_iter' parameter .* \[1, inf\)"),
    param_case("n_iter_no_change-zero", {"n_iter_no_change": 0}, r"'n_iter_no_change' parameter"),
    # --------------------------------------------- wrong types, every parameter
    param_case("image_shape-str", {"image_shape": "8x8"}, r"'image_shape' parameter .*'tuple'"),
    param_case("image_shape-float", {"image_shape": (8.0, 8.0)}, r"'image_shape' parameter"),
    param_case("filters-int", {"filters": 4}, r"'filters' parameter .* 'tuple' or .* 'list'"),
    param_case("filters-str", {"filters": "4"}, r"'filters' parameter"),
    param_case("filters-float", {"filters": (4.0,)}, r"'filters' parameter .* integers"),
    param_case("filters-bool", {"filters": (True,)}, r"'filters' parameter .* integers"),
    param_case("kernel_size-float", {"kernel_size": 3.0}, r"'kernel_size' parameter"),
    param_case("convolutions_per_block-zero", {"convolutions_per_block": 0},
               r"'convolutions_per_block' parameter .* int in the range \[1, inf\)"),
    param_case("convolutions_per_block-wrong-length", {"convolutions_per_block": (2, 2)},
               r"'convolutions_per_block' parameter .* one value per convolution block"),
    param_case("stride-float", {"stride": 1.5}, r"'stride' parameter"),
    param_case("padding-unknown", {"padding": "full"}, r"'padding' parameter .* \{.*'same'"),
    param_case("pool_size-str", {"pool_size": "2"}, r"'pool_size' parameter"),
    param_case("pooling-unknown", {"pooling": "min"}, r"'pooling' parameter"),
    param_case("global_pooling-str", {"global_pooling": "yes"}, r"'global_pooling' parameter"),
    param_case("hidden_layer_sizes-int", {"hidden_layer_sizes": 8},
               r"'hidden_layer_sizes' parameter .* 'tuple'"),
    param_case("activation-unknown", {"activation": "softplus"}, r"'activation' parameter"),
    param_case("batch_normalization-str", {"batch_normalization": "yes"},
               r"'batch_normalization' parameter"),
    param_case("dropout-one", {"dropout": 1.0}, r"'dropout' parameter .* \[0.0, 1.0\)"),
    param_case("dropout-nan", {"dropout": np.nan}, r"'dropout' parameter"),
    param_case("solver-unknown", {"solver": "lbfgs"}, r"'solver' parameter"),
    param_case("alpha-negative", {"alpha": -1.0}, r"'alpha' parameter"),
    param_case("alpha-inf", {"alpha": np.inf}, r"'alpha' parameter"),
    param_case("weight_decay-str", {"weight_decay": "x"}, r"'weight_decay' parameter"),
    param_case("batch_size-float", {"batch_size": 3.5}, r"'batch_size' parameter"),
    param_case("batch_size-str", {"batch_size": "all"}, r"'batch_size' parameter .*'auto'"),
    param_case("learning_rate-unknown", {"learning_rate": "step"}, r"'learning_rate' parameter"),
    param_case("learning_rate_init-zero", {"learning_rate_init": 0.0},
               r"'learning_rate_init' parameter .* \(0.0, inf\)"),
    param_case("learning_rate_init-nan", {"learning_rate_init": np.nan},
               r"'learning_rate_init' parameter"),
    param_case("power_t-str", {"power_t": "x"}, r"'power_t' parameter"),
    param_case("max_iter-float", {"max_iter": 2.0}, r"'max_iter' parameter"),
    param_case("shuffle-str", {"shuffle": "yes"}, r"'shuffle' parameter"),
    param_case("random_state-str", {"random_state": "x"}, r"'random_state' parameter"),
    param_case("tol-str", {"tol": "x"}, r"'tol' parameter"),
    param_case("verbose-str", {"verbose": "x"}, r"'verbose' parameter"),
    param_case("warm_start-str", {"warm_start": "yes"}, r"'warm_start' parameter"),
    param_case("momentum-too-large", {"momentum": 1.5}, r"'momentum' parameter"),
    param_case("nesterovs_momentum-str", {"nesterovs_momentum": "yes"},
               r"'nesterovs_momentum' parameter"),
    param_case("early_stopping-str", {"early_stopping": "yes"}, r"'early_stopping' parameter"),
    param_case("validation_fraction-one", {"validation_fraction": 1.0},
               r"'validation_fraction' parameter .* \(0.0, 1.0\)"),
    param_case("beta_1-one", {"beta_1": 1.0}, r"'beta_1' parameter"),
    param_case("beta_2-str", {"beta_2": "x"}, r"'beta_2' parameter"),
    param_case("epsilon-zero", {"epsilon": 0.0}, r"'epsilon' parameter"),
    param_case("momentum-str", {"momentum": "x"}, r"'momentum' parameter"),
    param_case("validation_fraction-str", {"validation_fraction": "x"},
               r"'validation_fraction' parameter"),
    param_case("beta_1-str", {"beta_1": "x"}, r"'beta_1' parameter"),
    param_case("epsilon-str", {"epsilon": "x"}, r"'epsilon' parameter"),
    param_case("n_iter_no_change-float", {"n_iter_no_change": 1.5},
               r"'n_iter_no_change' parameter"),
    param_case("dropout-str", {"dropout": "x"}, r"'dropout' parameter"),
    param_case("activation-callable", {"activation": np.tanh}, r"'activation' parameter"),
    param_case("solver-none", {"solver": None}, r"'solver' parameter"),
    param_case("class_weight-str", {"class_weight": "auto"},
               r"'class_weight' parameter .*'balanced'"),
    param_case("class_weight-list", {"class_weight": [1.0, 2.0]}, r"'class_weight' parameter"),
    param_case("augmentation-dict", {"augmentation": {"shift": 1}},
               r"'augmentation' parameter .*Augmentation"),
    param_case("label_smoothing-one", {"label_smoothing": 1.0},
               r"'label_smoothing' parameter"),
    param_case("label_smoothing-str", {"label_smoothing": "x"},
               r"'label_smoothing' parameter"),
    # Each in range, together a decay factor 1 - lr * weight_decay below 0.
    pytest.param("fitted", lambda c: c.set_params(solver="adamw", weight_decay=1e300)
                 .fit(X, Y), V, r"weight_decay times learning_rate_init must be below 1 "
                 r".*weight_decay=1e\+300", id="adamw-decay-beyond-one"),
]


def test_every_hyperparameter_has_a_wrong_value_case():
    """A new hyperparameter must come with a case in the table above."""
    covered = {
        re.sub(r"-[^-]*$", "", case.id) for case in BAD
        if case.values[2] is InvalidParameterError
    }
    assert set(ConvNetClassifier._parameter_constraints) <= covered, (
        set(ConvNetClassifier._parameter_constraints) - covered
    )


def _fitted(kind):
    if kind == "fresh":
        return small()
    dtype = np.float32 if kind == "fitted32" else np.float64
    return fit_quietly(small(), X.astype(dtype), Y)


def _fitted_state(clf):
    params = clf.get_params()
    return {key: value for key, value in vars(clf).items() if key not in params}


def test_table_is_large_and_ids_are_unique():
    ids = [case.id for case in BAD]
    assert len(ids) >= 40
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("kind, action, exception, match", BAD)
def test_bad_input_raises_clear_error(kind, action, exception, match):
    clf = _fitted(kind)
    if kind == "fresh":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(exception, match=match):
                action(clf)
        return
    state = _fitted_state(clf)
    layer_params = [
        {key: value.copy() for key, value in layer.params.items()} for layer in clf.layers_
    ]
    X_check = X[:40].astype(clf.layers_[0].params["W"].dtype)
    proba = clf.predict_proba(X_check)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exception, match=match) as info:
            action(clf)
    assert type(info.value) is exception or exception is ValueError
    # The failure left the fitted model exactly as it was.
    after = _fitted_state(clf)
    assert after.keys() == state.keys()
    assert all(after[key] is state[key] for key in state)
    for layer, before in zip(clf.layers_, layer_params):
        for key, value in before.items():
            np.testing.assert_array_equal(layer.params[key], value)
    np.testing.assert_array_equal(clf.predict_proba(X_check), proba)


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_failure_in_the_middle_of_training_leaves_model_intact(method, monkeypatch):
    """Training that continues (warm_start, partial_fit) works on a copy: an
    error in the third mini-batch must not leave half-updated weights."""
    from skconv import _training

    clf = fit_quietly(small(warm_start=True), X, Y)
    state = _fitted_state(clf)
    proba = clf.predict_proba(X)
    original = _training.loss_and_gradients
    calls = {"n": 0}

    def fail_in_third_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise ValueError("simulated failure")
        return original(*args, **kwargs)

    monkeypatch.setattr(_training, "loss_and_gradients", fail_in_third_batch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="simulated failure"):
            getattr(clf, method)(X, Y)
    assert calls["n"] == 3
    assert _fitted_state(clf).keys() == state.keys()
    assert all(vars(clf)[key] is value for key, value in state.items())
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


# ------------------------------------------------------- documented behaviour


def _pools(clf):
    return [layer for layer in clf.layers_ if isinstance(layer, (MaxPool2D, AvgPool2D))]


@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_pool_larger_than_map_is_skipped_not_an_error(pooling):
    clf = fit_quietly(small(pool_size=9, pooling=pooling), X, Y)
    assert _pools(clf) == []
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1)


def test_pool_shrinks_only_axes_long_enough():
    rng = np.random.RandomState(0)
    X7 = rng.rand(40, 7)  # a prime: one row of 7 values, (1, 1, 7)
    clf = fit_quietly(small(pool_size=3), X7, np.arange(40) % 2)
    assert clf.image_shape_ == (1, 1, 7)
    assert [pool.pool_size for pool in _pools(clf)] == [(1, 3)]
    # A second block sees a 1x2 map, shorter than the pool: not pooled.
    deep = fit_quietly(small(filters=(2, 2), pool_size=3), X7, np.arange(40) % 2)
    assert [pool.pool_size for pool in _pools(deep)] == [(1, 3)]


def test_kernel_larger_than_image_with_same_padding_trains():
    clf = fit_quietly(small(kernel_size=9, padding="same"), X, Y)
    assert clf.layers_[0].params["W"].shape == (4, 1, 9, 9)
    assert np.isfinite(clf.predict_proba(X)).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_huge_but_finite_X_gives_a_finite_model(dtype):
    """1e30 is a valid float32 and float64 value: fitting it is the user's
    choice (they should scale X), and it must give a finite model, not NaN."""
    clf = fit_quietly(small(), (X * 1e30).astype(dtype), Y)
    for layer in clf.layers_:
        for param in layer.params.values():
            assert param.dtype == dtype and np.isfinite(param).all()
    assert np.isfinite(clf.loss_curve_).all()
    proba = clf.predict_proba((X * 1e30).astype(dtype))
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)


def test_numeric_object_X_equals_float_X():
    a = fit_quietly(small(), X, Y)
    b = fit_quietly(small(), X.astype(object), Y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_images_as_nested_lists_equal_arrays():
    """3-D and 4-D array-likes are accepted (``three_d_array`` tag), lists too."""
    a = fit_quietly(small(), X.reshape(-1, 8, 8), Y)
    b = fit_quietly(small(), X.reshape(-1, 8, 8).tolist(), Y)
    c = fit_quietly(small(), X.reshape(-1, 1, 8, 8).tolist(), Y)
    assert a.image_shape_ == b.image_shape_ == c.image_shape_ == (1, 8, 8)
    np.testing.assert_array_equal(b.predict_proba(X.reshape(-1, 8, 8).tolist()),
                                  a.predict_proba(X))
    np.testing.assert_array_equal(c.predict_proba(X), a.predict_proba(X))


def test_one_sample_per_class_trains():
    clf = fit_quietly(small(), X[:2], [0, 1])
    assert np.isfinite(clf.predict_proba(X)).all()
