"""Tests of skconv's thread handling: skconv._threads and skconv._workers.

What is promised: inside fit and predict BLAS runs one thread and skconv's
helpers share blocks of work whose boundaries depend on shapes alone, so a
model is bit-identical whatever the threads, the load or the cores; the
user's BLAS settings are restored afterwards (also after an error), and a
user's ``threadpool_limits(1)`` means no helper.
"""

import functools
import itertools
import threading
import warnings

import numpy as np
import pytest
import threadpoolctl
from sklearn.exceptions import ConvergenceWarning

from skconv import (
    ConvNetClassifier,
    ConvNetRegressor,
    _load,
    _threads,
    _workers,
    network,
)
from skconv._conv import correlate_naive
from skconv._layout import channels_last_copy
from skconv.layers import Conv2D, MaxPool2D
from skconv.testing import assert_layer_gradients


def blas_threads():
    """The thread count of every BLAS library threadpoolctl sees."""
    return [lib["num_threads"] for lib in threadpoolctl.threadpool_info()
            if lib["user_api"] == "blas"]


@pytest.fixture
def helpers_off(monkeypatch):
    """The same small blocks, on a machine with no idle CPU."""
    monkeypatch.setattr(_threads, "other_cores", lambda: 1.0)
    monkeypatch.setattr(_threads, "usable_cores", lambda: 2)
    monkeypatch.setattr(_threads, "BLOCK_WORK", 2**10)


def fitted_parameters(X, y, dtype, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ConvNetClassifier(filters=(4, 8), hidden_layer_sizes=(16,), max_iter=2,
                                batch_size=64, random_state=0, **params)
        clf.fit(X.astype(dtype), y)
    return network.parameters(clf.layers_), clf.predict_proba(X[:200].astype(dtype))


# --------------------------------------------------------------------------
# The decisions, on fake readings of the machine
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cores, blas, others, expected",
    [
        (2, 2, 0.0, 1),     # idle two-core machine: one helper
        (2, 2, 0.2, 1),     # a little background work
        (2, 2, 0.5, 0),     # half a core taken: not worth a helper
        (2, 2, 1.0, 0),     # another process holds a core
        (2, 2, 3.0, 0),     # both cores taken
        (2, 1, 0.0, 0),     # the user limited BLAS to one thread
        (1, 2, 0.0, 0),     # one CPU in the affinity mask
        (8, 8, 2.0, 5),     # two busy CPUs of eight
        (8, 4, 0.0, 3),     # a limit of four threads caps the helpers
        (2, 2, None, 1),    # load unknown: as an idle machine
    ],
)
def test_helper_count_follows_cores_user_limit_and_load(cores, blas, others, expected):
    assert _threads.helpers_for(cores, blas, others) == expected


def test_a_helper_kept_waiting_past_a_scheduler_slice_counts_as_stalled():
    assert not _threads.helper_stalled(waited=0.0, own_block=0.001)
    assert not _threads.helper_stalled(waited=0.0015, own_block=0.001)  # imbalance
    assert _threads.helper_stalled(waited=0.0030, own_block=0.001)
    assert not _threads.helper_stalled(waited=0.0030, own_block=0.002)


def test_running_tasks_counts_at_least_this_process():
    running = _load.running_tasks()
    assert running is None or running >= 1


def test_busy_elsewhere_subtracts_this_process_cpu_time():
    before = _load.Sample(wall=10.0, busy=100.0, own=3.0)
    # 2 s: the machine was busy 3.2 CPU-seconds, 1.2 of them this process's.
    after = _load.Sample(wall=12.0, busy=103.2, own=4.2)
    assert _load.busy_elsewhere(before, after) == pytest.approx(1.0)
    # Our own two threads alone: nothing elsewhere (never negative).
    assert _load.busy_elsewhere(before, _load.Sample(12.0, 104.0, 7.1)) == 0.0


def test_load_meter_starts_from_ready_tasks_then_measures_intervals(monkeypatch):
    samples = iter([_load.Sample(0.0, 50.0, 1.0), _load.Sample(0.05, 50.1, 1.05),
                    _load.Sample(1.0, 51.5, 1.5), _load.Sample(9.0, 60.0, 2.0)])
    monkeypatch.setattr(_load, "sample", lambda: next(samples))
    monkeypatch.setattr(_load, "running_tasks", lambda: 3)
    meter = _load.LoadMeter(min_interval=0.1, max_age=5.0)
    assert meter.other_cores() == 2          # first reading: 3 ready tasks, one is us
    assert meter.other_cores() == 2          # 50 ms later: too short, kept
    assert meter.other_cores() == pytest.approx(1.0)  # (1.5 - 0.5) / 1 s
    assert meter.other_cores() == 2          # 8 s later: stale, counts afresh


@pytest.mark.parametrize("n_samples", [1, 2, 7, 64, 1000])
@pytest.mark.parametrize("work", [1, 10**4, 2**20, 10**9])
def test_sample_blocks_cover_the_samples_in_order_evenly(n_samples, work):
    blocks = _threads.sample_blocks(n_samples, work)
    assert blocks[0].start == 0 and blocks[-1].stop == n_samples
    assert all(a.stop == b.start for a, b in itertools.pairwise(blocks))
    sizes = [b.stop - b.start for b in blocks]
    assert min(sizes) >= 1 and max(sizes) - min(sizes) <= 1
    assert len(blocks) <= _threads.MAX_BLOCKS
    if n_samples * work < _threads.BLOCK_WORK:
        assert len(blocks) == 1


def test_sample_blocks_ignore_threads_and_load(helpers_on):
    outside = _threads.sample_blocks(64, 10**5)
    with _threads.compute_threads():
        assert _threads.helpers_available()
        assert _threads.sample_blocks(64, 10**5) == outside
    assert len(outside) > 1


def test_work_blocks_read_the_load_only_for_work_of_several_blocks(
        helpers_on, monkeypatch):
    """Work too small to cut (most of a small predict) takes one block without
    reading /proc/stat; work of several blocks is cut when a helper is free."""
    readings = []
    monkeypatch.setattr(_threads, "other_cores", lambda: readings.append(1) or 0.0)
    with _threads.compute_threads():
        assert _threads.work_blocks(64, 1) == [slice(0, 64)]
        assert readings == []
        assert _threads.work_blocks(64, 10**5) == _threads.sample_blocks(64, 10**5)
        assert len(readings) == 1
    assert _threads.work_blocks(64, 10**5) == [slice(0, 64)]  # outside: no helper


# --------------------------------------------------------------------------
# The user's settings
# --------------------------------------------------------------------------


def test_blas_runs_one_thread_inside_fit_and_predict_and_is_restored(
        digits, fast, monkeypatch, quiet_convergence):
    X, y = digits
    seen = []
    forward = network.forward

    def recording_forward(layers, X, training=False):
        seen.append(blas_threads())
        return forward(layers, X, training)

    monkeypatch.setattr(network, "forward", recording_forward)
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        clf = ConvNetClassifier(**fast, random_state=0).fit(X[:100], y[:100])
        assert blas_threads() == before
        clf.predict(X[:10])
        assert blas_threads() == before == [2] * len(before)
    assert seen and all(threads == [1] * len(threads) for threads in seen)


def test_blas_threads_are_restored_when_fit_raises(digits, fast, monkeypatch):
    X, y = digits

    def failing_forward(layers, X, training=False):
        raise RuntimeError("boom")

    monkeypatch.setattr(network, "forward", failing_forward)
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        with pytest.raises(RuntimeError, match="boom"):
            ConvNetRegressor(**fast).fit(X[:50], y[:50])
        assert blas_threads() == [2] * len(blas_threads())


def test_a_user_limit_of_one_thread_means_no_helper(digits, helpers_on, quiet_convergence):
    X, y = digits
    ConvNetClassifier(filters=(4,), max_iter=1, random_state=0).fit(X[:300], y[:300])
    assert helpers_on, "with two BLAS threads allowed the helper is used"
    helpers_on.clear()
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        ConvNetClassifier(filters=(4,), max_iter=1, random_state=0).fit(X[:300], y[:300])
        assert blas_threads() == [1] * len(blas_threads())
    assert helpers_on == []


def test_concurrent_predicts_restore_the_users_setting_once(fitted_classifier, digits):
    X, _ = digits
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        expected = fitted_classifier.predict_proba(X)
        results = [None] * 4

        def predict(i):
            for _ in range(5):
                results[i] = fitted_classifier.predict_proba(X)

        threads = [threading.Thread(target=predict, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert blas_threads() == [2] * len(blas_threads())
    for result in results:
        np.testing.assert_array_equal(result, expected)


# --------------------------------------------------------------------------
# Determinism: the threads never change a result
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", [
    {"padding": "valid"},
    {"padding": "same", "kernel_size": 5, "pooling": "avg"},
    {"padding": "same", "stride": 2, "batch_normalization": True},
])
def test_models_are_bit_identical_with_or_without_helpers(
        digits, dtype, params, helpers_on, monkeypatch):
    X, y = digits
    X, y = X[:400], y[:400]
    with_helpers = fitted_parameters(X, y, dtype, **params)
    assert helpers_on, "the helper was offered blocks"
    monkeypatch.setattr(_threads, "other_cores", lambda: 1.0)
    without = fitted_parameters(X, y, dtype, **params)
    for a, b in zip(with_helpers[0] + [with_helpers[1]], without[0] + [without[1]]):
        np.testing.assert_array_equal(a, b)


def test_models_do_not_depend_on_the_users_blas_thread_count(digits, helpers_off):
    X, y = digits
    results = []
    for limit in (1, 2):
        with threadpoolctl.threadpool_limits(limits=limit, user_api="blas"):
            results.append(fitted_parameters(X[:400], y[:400], np.float32))
    for a, b in zip(results[0][0] + [results[0][1]], results[1][0] + [results[1][1]]):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------
# Blocks in the layers: exact in float64
# --------------------------------------------------------------------------


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("in_channels", [1, 3])
@pytest.mark.parametrize(("kernel", "channels_last"),
                         [(3, False), (1, False), (1, True)])
def test_conv2d_in_many_blocks_matches_the_reference_and_its_gradients(
        padding, in_channels, kernel, channels_last, helpers_on):
    """Also 1x1 kernels, whose windows are the pixels of a channels-last input
    (a conv map), read in place."""
    rng = np.random.RandomState(0)
    n = 9 if kernel == 3 else 12  # 1x1 kernels: enough samples for two blocks
    X = rng.normal(size=(n, in_channels, 6, 7))
    if channels_last:
        X = channels_last_copy(X)
    layer = Conv2D(4, kernel, padding=padding)
    layer.build(X.shape[1:], rng, np.float64)
    layer.params["b"] = rng.normal(size=4)
    _, (ho, wo) = layer.geometry(6, 7)
    assert len(_threads.sample_blocks(n, ho * wo * in_channels * kernel**2 * 5)) > 1
    with _threads.compute_threads():
        for training in (False, True):
            np.testing.assert_allclose(
                layer.forward(X, training=training),
                correlate_naive(X, layer.params["W"], layer.params["b"], padding=padding),
                rtol=1e-12, atol=1e-12,
            )
        dout = rng.normal(size=layer.forward(X).shape)
        assert_layer_gradients(layer, X, dout)  # checks a C-ordered copy of X
        # On X itself (channels-last: the windows read in place), the same
        # gradients as on the C-ordered copy that was checked above.
        layer.forward(X, training=True)
        dX = layer.backward(dout)
        grads = dict(layer.grads)
        layer.forward(np.ascontiguousarray(X), training=True)
        np.testing.assert_allclose(dX, layer.backward(dout), rtol=1e-12, atol=1e-12)
        for key, value in layer.grads.items():
            np.testing.assert_allclose(grads[key], value, rtol=1e-12, atol=1e-12)
    assert helpers_on


def test_maxpool2d_in_many_blocks_gives_what_one_block_gives(helpers_on, monkeypatch):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(12, 3, 8, 8))
    dout = rng.normal(size=(12, 3, 4, 4))
    layer = MaxPool2D(2)
    layer.build(X.shape[1:], rng, np.float64)
    # Channels-last maps too (a conv's output): inference takes the maximum
    # over window rows, then columns, block by block.
    X_maps = channels_last_copy(X)
    with _threads.compute_threads():
        many = (layer.forward(X, training=True), layer.backward(dout),
                layer.forward(X_maps, training=False))
    monkeypatch.setattr(_threads, "BLOCK_WORK", 2**40)
    one = (layer.forward(X, training=True), layer.backward(dout),
           layer.forward(X_maps, training=False))
    for a, b in zip(many, one):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(many[2], many[0])
    assert helpers_on


# --------------------------------------------------------------------------
# The helper threads
# --------------------------------------------------------------------------


def items_shared_with_a_helper(record, helper_ran):
    """Items that call ``record(i)``; the caller holds item 0 until a helper
    has taken another one, so a helper is sure to run some."""
    def item(i):
        record(i)
        if threading.current_thread() is not threading.main_thread():
            helper_ran.set()
        elif i == 0:
            assert helper_ran.wait(timeout=30)

    return item


def test_run_blocks_shares_items_with_a_helper_and_runs_each_once(helpers_on):
    ran = []
    helper_ran = threading.Event()
    with _threads.compute_threads():
        _workers.run_blocks(items_shared_with_a_helper(ran.append, helper_ran), 6)
    assert sorted(ran) == list(range(6))
    assert helper_ran.is_set()


def test_run_blocks_raises_an_items_error_and_stays_usable(helpers_on):
    def item(i):
        if i == 3:
            raise ValueError("item 3")

    with _threads.compute_threads():
        with pytest.raises(ValueError, match="item 3"):
            _workers.run_blocks(item, 8)
        done = []
        _workers.run_blocks(done.append, 5)
    assert sorted(done) == list(range(5))


def test_run_blocks_keeps_no_array_of_the_job_alive_after_it_returns(helpers_on):
    """Once run_blocks returns, neither the helpers nor the queue hold the
    job's function: its closure's arrays (a batch's maps) are freed, not kept
    until the next job and added to its peak."""
    import gc
    import weakref

    class Maps(np.ndarray):  # ndarray itself takes no weak references
        pass

    maps = np.zeros(1000).view(Maps)
    alive = weakref.ref(maps)
    helper_ran = threading.Event()
    # The partial holds maps (a closure cell over it would be emptied by
    # `del maps` below, hiding a job kept alive).
    item = items_shared_with_a_helper(functools.partial(np.put, maps, v=1.0),
                                      helper_ran)
    with _threads.compute_threads():
        _workers.run_blocks(item, 4)
    assert helpers_on and helper_ran.is_set()
    helpers_on.clear()  # the fixture's own list of the jobs
    del item, maps
    gc.collect()
    assert alive() is None


@pytest.mark.parametrize("bytes_per_sample", [1, 3 * 2**17, 2**20 + 1, 5 * 2**20])
def test_sample_blocks_keep_each_blocks_bytes_within_the_bound(bytes_per_sample):
    n_samples = 64
    blocks = _threads.sample_blocks(n_samples, 1, bytes_per_sample)
    largest = max(b.stop - b.start for b in blocks)
    # A single sample's share may exceed the bound; more than one may not.
    assert largest == 1 or largest * bytes_per_sample <= _threads.BLOCK_BYTES
    assert blocks[0].start == 0 and blocks[-1].stop == n_samples


def test_run_blocks_outside_fit_runs_in_order_on_the_caller(helpers_on):
    threads, order = set(), []

    def item(i):
        threads.add(threading.get_ident())
        order.append(i)

    _workers.run_blocks(item, 5)
    assert order == list(range(5)) and threads == {threading.get_ident()}
    assert helpers_on == []
