"""``convolutions_per_block``: VGG-style stacks of convolutions in each block."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

from skconv import ConvNetClassifier, ConvNetRegressor
from skconv.inspection import feature_maps, layer_names
from skconv.layers import Conv2D
from skconv.network import plan_layers

pytestmark = pytest.mark.usefixtures("quiet_convergence")

SMALL = dict(filters=(4, 6), hidden_layer_sizes=(8,), learning_rate_init=0.01,
             max_iter=2, random_state=0)


def kinds(layers):
    return [type(layer).__name__ for layer in layers]


def plan(filters=(4,), **options):
    spec = dict(kernel_sizes=(3,) * len(filters), stride=1, padding="same", pool_size=2,
                hidden_layer_sizes=(), activation="relu", n_outputs=3)
    return plan_layers((1, 8, 8), filters=filters, **{**spec, **options})


def test_each_block_stacks_its_convolutions_and_pools_once_after_the_last():
    layers = plan(filters=(4, 6), convolutions_per_block=3, batch_normalization=True)
    block = ["Conv2D", "BatchNormalization", "ReLU"] * 2 + [
        "Conv2D", "BatchNormalization", "MaxPool2D", "ReLU"]
    assert kinds(layers) == block * 2 + ["Flatten", "Dense"]
    convolutions = [layer for layer in layers if isinstance(layer, Conv2D)]
    assert [c.n_filters for c in convolutions] == [4, 4, 4, 6, 6, 6]


def test_average_pooling_still_follows_the_blocks_last_activation():
    layers = plan(convolutions_per_block=2, pooling="avg")
    assert kinds(layers) == ["Conv2D", "ReLU", "Conv2D", "ReLU", "AvgPool2D",
                             "Flatten", "Dense"]


def test_one_count_per_block_doubles_only_the_blocks_asked():
    layers = plan(filters=(4, 6), convolutions_per_block=(1, 2))
    assert kinds(layers) == ["Conv2D", "MaxPool2D", "ReLU", "Conv2D", "ReLU", "Conv2D",
                             "MaxPool2D", "ReLU", "Flatten", "Dense"]
    assert kinds(layers) == kinds(plan(filters=(4, 6), convolutions_per_block=[1, 2]))


def test_one_convolution_per_block_is_the_stack_without_the_option():
    assert kinds(plan(filters=(4, 6), convolutions_per_block=1)) == kinds(
        plan(filters=(4, 6)))


def test_valid_convolutions_shrink_the_map_once_per_convolution():
    layers = plan(padding="valid", convolutions_per_block=2)
    shape = (1, 8, 8)
    for layer in layers[:5]:
        shape = layer.output_shape(shape)
    assert shape == (4, 2, 2)  # 8 -> 6 -> 4, pooled to 2


def test_a_kernel_that_does_not_fit_names_the_block_and_the_convolution():
    with pytest.raises(ValueError, match=r"block 1, convolution 0 .*\(4, 1, 1\)"):
        plan(filters=(4, 4), padding="valid", convolutions_per_block=3)


def test_the_estimator_builds_and_trains_the_stacked_network(digits):
    X, y = digits
    clf = ConvNetClassifier(**{**SMALL, "max_iter": 20}, convolutions_per_block=2)
    clf.fit(X[:300], y[:300])
    convolutions = [layer for layer in clf.layers_ if isinstance(layer, Conv2D)]
    # The second convolution of a block reads the first one's filters.
    assert [c.params["W"].shape[:2] for c in convolutions] == [
        (4, 1), (4, 4), (6, 4), (6, 6)]
    assert clf._architecture["convolutions_per_block"] == (2, 2)
    assert clf.score(X[:300], y[:300]) > 0.95  # it learns
    again = clone(clf).fit(X[:300], y[:300])
    np.testing.assert_array_equal(clf.predict_proba(X[300:400]),
                                  again.predict_proba(X[300:400]))


def test_the_regressor_takes_the_option_too(digits):
    X, y = digits
    reg = ConvNetRegressor(**SMALL, convolutions_per_block=2).fit(X[:200], y[:200] / 9)
    assert sum(isinstance(layer, Conv2D) for layer in reg.layers_) == 4


@pytest.mark.parametrize("value, message", [
    (0, r"int in the range \[1, inf\)"),
    (-1, r"int in the range"),
    (1.5, r"int in the range"),
    ("2", r"int in the range"),
    (None, r"int in the range"),
    ((2, 0), r"must hold integers >= 1\. Got \(2, 0\)"),
    ((2, 1.0), r"must hold integers >= 1"),
    ((2, 2, 2), r"one value per convolution block \(2, the length of filters\)"),
])
def test_bad_values_name_the_parameter(digits, value, message):
    X, y = digits
    clf = ConvNetClassifier(**SMALL).fit(X[:100], y[:100])
    before = pickle.dumps(clf)
    clf.set_params(convolutions_per_block=value)
    with pytest.raises(InvalidParameterError,
                       match=r"'convolutions_per_block' parameter .*" + message):
        clf.fit(X[:100], y[:100])
    clf.set_params(convolutions_per_block=1)
    assert pickle.dumps(clf) == before  # the fitted model is as it was


def test_a_network_that_does_not_fit_the_images_is_refused_before_training(digits):
    X, y = digits
    clf = ConvNetClassifier(**SMALL, padding="valid", convolutions_per_block=3)
    with pytest.raises(ValueError, match="block 1, convolution 0"):
        clf.fit(X[:100], y[:100])
    assert not hasattr(clf, "layers_")


def test_warm_start_after_changing_it_warns_and_rebuilds(digits):
    X, y = digits
    clf = ConvNetClassifier(**SMALL, warm_start=True).fit(X[:200], y[:200])
    clf.set_params(convolutions_per_block=2)
    with pytest.warns(UserWarning, match=r"convolutions_per_block: \(1, 1\) -> \(2, 2\)"):
        clf.fit(X[:200], y[:200])
    assert sum(isinstance(layer, Conv2D) for layer in clf.layers_) == 4


def test_partial_fit_after_changing_it_refuses(digits):
    X, y = digits
    clf = ConvNetClassifier(**SMALL).partial_fit(X[:200], y[:200], classes=np.arange(10))
    clf.set_params(convolutions_per_block=2)
    with pytest.raises(ValueError, match=r"architecture changed.*convolutions_per_block"):
        clf.partial_fit(X[:200], y[:200])
    assert sum(isinstance(layer, Conv2D) for layer in clf.layers_) == 2


def test_a_model_built_before_the_option_existed_continues(digits):
    """A model whose recorded architecture lacks the key was built with one
    convolution per block: partial_fit continues it without complaint."""
    X, y = digits
    clf = ConvNetClassifier(**SMALL).partial_fit(X[:200], y[:200], classes=np.arange(10))
    state = clf.__getstate__()
    del state["convolutions_per_block"]
    state["_architecture"] = {key: value for key, value in state["_architecture"].items()
                              if key != "convolutions_per_block"}
    old = ConvNetClassifier.__new__(ConvNetClassifier)
    old.__setstate__(state)
    assert old.convolutions_per_block == 1
    old.partial_fit(X[:200], y[:200])
    assert old.n_iter_ == 2


def test_inspection_names_blocks_not_convolutions(digits):
    X, y = digits
    clf = ConvNetClassifier(**SMALL, convolutions_per_block=(2, 3)).fit(X[:200], y[:200])
    names = layer_names(clf)
    assert [n for n in names if n.startswith("block_")] == ["block_0", "block_1"]
    assert sum(n.startswith("Conv2D_") for n in names) == 5
    maps = feature_maps(clf, X[:3])
    # Each block's output is after its pool: 8x8 -> 4x4 -> 2x2.
    assert maps["block_0"].shape == (3, 4, 4, 4)
    assert maps["block_1"].shape == (3, 6, 2, 2)


def test_grid_search_over_convolutions_per_block(digits):
    X, y = digits
    search = GridSearchCV(ConvNetClassifier(**SMALL),
                          {"convolutions_per_block": [1, 2, (1, 2)]}, cv=2)
    search.fit(X[:300], y[:300])
    depths = {sum(isinstance(layer, Conv2D) for layer in search.best_estimator_.layers_)}
    best = search.best_params_["convolutions_per_block"]
    assert depths == {best * 2 if isinstance(best, int) else sum(best)}
    assert len(search.cv_results_["params"]) == 3
