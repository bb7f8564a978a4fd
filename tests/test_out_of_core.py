"""Out of core: partial_fit over a memmap, chunk by chunk, in bounded memory.

Its own module, so that no Dask client (``test_scale.py``) is alive while it
runs: tracemalloc counts every thread's allocations, and a client's event
loop allocates in the background (which made the bound flaky).
"""

import tracemalloc

import numpy as np

from skconv import ConvNetClassifier


def test_partial_fit_over_a_memmap_learns_in_bounded_memory(raw_digits, tmp_path):
    X_raw, y_raw = raw_digits
    n_rows, chunk = 20_000, 1_000
    rng = np.random.RandomState(0)
    path = tmp_path / "images.f32"
    X_map = np.memmap(path, dtype=np.float32, mode="w+", shape=(n_rows, 64))
    index = rng.randint(1_500, size=n_rows)  # the last 297 digits are held out
    for start in range(0, n_rows, chunk):
        rows = index[start : start + chunk]
        X_map[start : start + chunk] = X_raw[rows] / 16 + rng.normal(0, 0.05, size=(len(rows), 64))
    X_map.flush()
    y_all = y_raw[index]
    del X_map

    X_map = np.memmap(path, dtype=np.float32, mode="r", shape=(n_rows, 64))
    clf = ConvNetClassifier(filters=(4,), hidden_layer_sizes=(16,), learning_rate_init=0.01,
                            random_state=0)
    classes = np.arange(10)
    tracemalloc.start()
    try:
        for start in range(0, n_rows, chunk):
            clf.partial_fit(X_map[start : start + chunk], y_all[start : start + chunk],
                            classes=classes)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert clf.n_iter_ == n_rows // chunk and clf.t_ == n_rows
    # Python-side allocations stayed at the scale of one chunk, far below the
    # 5 MB of the whole memmap.
    assert peak < X_map.nbytes / 4, (peak, X_map.nbytes)
    assert clf.layers_[0].params["W"].dtype == np.float32
    assert clf.score(X_raw[1500:].astype(np.float32) / 16, y_raw[1500:]) > 0.8
