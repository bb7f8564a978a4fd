"""Progress reporting: verbose output and scikit-learn's callback API."""

import re

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from skconv import ConvNetClassifier

callback = pytest.importorskip("sklearn.callback")  # scikit-learn >= 1.9

SMALL = dict(filters=(4,), hidden_layer_sizes=(16,), learning_rate_init=0.01,
             n_iter_no_change=50, random_state=0)


pytestmark = pytest.mark.usefixtures("quiet_convergence")


@pytest.fixture(scope="module")
def digits300(digits):
    X, y = digits
    return X[:300], y[:300]


class StopAfter:
    """A FitCallback asking to stop after a given number of epochs."""

    def __init__(self, epochs):
        self.epochs = epochs
        self.seen = []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name == "epoch":
            self.seen.append(fitted_estimator.n_outputs_)
            return len(self.seen) >= self.epochs
        return False


def test_scoring_monitor_scores_every_epoch(digits300):
    X, y = digits300
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = ConvNetClassifier(**SMALL, max_iter=4).set_callbacks(monitor)
    clf.fit(X, y)
    rows = monitor.get_logs().data
    epochs = [row for row in rows if row["task_name"] == "epoch"]
    assert [row["task_id"] for row in epochs] == [0, 1, 2, 3]
    # The scores are those of the model after each epoch: the last one is the
    # fitted model's, and training improved it.
    assert epochs[-1]["accuracy"] == pytest.approx(clf.score(X, y))
    assert epochs[-1]["accuracy"] > epochs[0]["accuracy"]


def test_a_callback_can_stop_training(digits300):
    X, y = digits300
    stopper = StopAfter(2)
    clf = ConvNetClassifier(**SMALL, max_iter=10).set_callbacks(stopper)
    clf.fit(X, y)
    assert clf.n_iter_ == 2
    assert stopper.seen == [10, 10]  # a fitted copy was built for each epoch


def test_partial_fit_reports_one_epoch(digits300):
    X, y = digits300
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = ConvNetClassifier(**SMALL).set_callbacks(monitor)
    clf.partial_fit(X, y, classes=np.arange(10))
    epochs = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]
    assert len(epochs) == 1


def test_progress_bar_inside_grid_search(digits300, capsys):
    pytest.importorskip("rich")  # ProgressBar's own dependency
    X, y = digits300
    search = GridSearchCV(ConvNetClassifier(**SMALL, max_iter=2), {"kernel_size": [3, 5]}, cv=2)
    search.set_callbacks(callback.ProgressBar())
    search.fit(X, y)
    output = capsys.readouterr().out
    assert "ConvNetClassifier - fit" in output
    assert search.best_params_["kernel_size"] in (3, 5)


def test_verbose_two_reports_progress_within_epochs(digits300, capsys):
    X, y = digits300
    ConvNetClassifier(**SMALL, max_iter=2, batch_size=32, verbose=2).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    batch_lines = [line for line in lines if re.match(r"  epoch \d+: batch \d+/10,", line)]
    # 300 samples in 10 batches: a line per batch, in each of the 2 epochs.
    assert len(batch_lines) == 20
    assert sum(line.startswith("Epoch ") for line in lines) == 2
