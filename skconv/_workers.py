"""The helper threads that share blocks of work with the calling thread.

:func:`run_blocks` is the only entry point; :mod:`skconv._threads` decides
how many helpers may run (none outside ``fit`` and ``predict``) and cuts
the work into blocks.
"""

import os
import queue
import threading
import time

from ._threads import _state, helper_stalled, helpers_now


class _Pool:
    """The helper threads (started on first use) and their job queue."""

    def __init__(self):
        self.jobs = queue.SimpleQueue()
        self.threads = []

    def start(self, count):
        while len(self.threads) < count:
            thread = threading.Thread(
                target=_helper_loop, args=(self.jobs,), daemon=True,
                name=f"skconv-helper-{len(self.threads)}",
            )
            thread.start()
            self.threads.append(thread)


_pool = _Pool()
if hasattr(os, "register_at_fork"):  # a forked child has none of the threads
    os.register_at_fork(after_in_child=_pool.__init__)


class _Job:
    """Items ``0 .. n_items - 1`` of ``function``, taken by whoever comes first."""

    def __init__(self, function, n_items):
        self.function = function
        self.n_items = n_items
        self.taken = 0
        self.running = 0
        self.stop = False
        self.error = None
        self.condition = threading.Condition(threading.Lock())

    def work(self):
        """Run items until none is left; return how many this thread ran."""
        done = 0
        while not self.stop:
            with self.condition:
                item = self.taken
                # stop is checked again under the lock: an item claimed once
                # the caller's wait() has returned could write into freed work.
                if self.stop or item >= self.n_items:
                    break
                self.taken += 1
                self.running += 1
            try:
                self.function(item)
                done += 1
            except BaseException as exc:  # noqa: BLE001 -- the caller re-raises it
                self.error = self.error or exc
                self.stop = True
            finally:
                with self.condition:
                    self.running -= 1
                    if self.running == 0:
                        self.condition.notify_all()
        return done

    def wait(self):
        """Until no item runs: nothing writes into the job's arrays afterwards."""
        interrupted = None
        while True:
            try:
                with self.condition:
                    while self.running:
                        self.condition.wait()
                break
            except KeyboardInterrupt as exc:  # wait for the helpers all the same
                self.stop = True
                interrupted = exc
        if interrupted is not None:
            raise interrupted


def _helper_loop(queue):
    while True:
        # No name keeps the job between two: its function's closure holds the
        # operation's arrays, which would stay alive until the next job (6.6
        # MB of a 32-64-filter network's batch, at every step's peak).
        queue.get().work()


def run_blocks(function, n_items):
    """``function(i)`` for every ``i < n_items``, shared with the helper threads.

    Outside :func:`compute_threads`, or without a helper to spare, the
    calling thread runs them in order. Items must write to disjoint memory:
    they may run in any order and at the same time.
    """
    state = _state
    helpers = 0
    if n_items > 1 and state.depth:
        helpers = min(helpers_now(state), n_items - 1)
    if helpers == 0:
        for item in range(n_items):
            function(item)
        return
    job = _Job(function, n_items)
    _pool.start(helpers)
    for _ in range(helpers):
        _pool.jobs.put(job)
    start = time.perf_counter()
    try:
        mine = job.work()
        finished = time.perf_counter()
        job.wait()
    finally:
        # A helper may take the job from the queue later, to find nothing
        # left: it must not keep the arrays alive meanwhile (nor after Ctrl-C).
        job.function = None
    if helper_stalled(time.perf_counter() - finished, (finished - start) / max(mine, 1)):
        # Rest until the next reading of the machine.
        state.helpers = 0
        state.checked = time.monotonic()
    if job.error is not None:
        raise job.error
