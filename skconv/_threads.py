"""Threads inside ``fit`` and ``predict``: one BLAS thread, skconv's blocks on the free cores.

Why
---
* OpenBLAS with two threads on a two-core machine whose other core is
  taken by another process trains the small benchmark network 2.7 times
  slower than with one thread, and 7 to 25 times slower when other work
  takes both cores: its threads wait for each other in every product, and
  a thread that lost its core holds everyone up.
* OpenBLAS rounds differently with one and two threads (it splits the
  product along other boundaries), so a float32 model depended on the
  thread count, which a choice made from the machine's load would have
  made depend on the load.

What skconv does instead
------------------------
Inside ``fit``, ``partial_fit`` and the ``predict`` family
(:func:`compute_threads`), BLAS runs one thread. The large operations of a
layer are cut into blocks of samples whose boundaries depend on the
operation's shapes alone (:func:`sample_blocks`), and
:func:`skconv._workers.run_blocks` shares the blocks between the calling
thread and helper threads. The caller takes blocks too, so a helper the
scheduler starves delays at most the one block it holds. A model is therefore bit-identical whatever the
number of threads, the load or the number of cores (for a given BLAS
kernel), and the threads only decide how fast it comes.

How many helpers: one fewer than the smaller of the CPUs this process may
use (``os.sched_getaffinity``) and the BLAS thread count in force when the
call began (so ``threadpoolctl.threadpool_limits(1)`` or
``OPENBLAS_NUM_THREADS=1`` around a fit means no helper), and none while
the machine shows no idle CPU (other processes' CPU use, measured by
:mod:`skconv._load` at most every :data:`CHECK_SECONDS`) or a helper was
just seen stalling (kept waiting longer than :data:`STALL_SECONDS`).
The user's thread settings are restored when the outermost skconv call
returns or raises. OpenBLAS' thread count is process-wide: while a skconv
call runs, products that other threads of the program compute run on one
thread too.
"""

import functools
import itertools
import os
import threading
import time
from contextlib import contextmanager

import threadpoolctl

from ._load import LoadMeter, usable_cores

#: Work units (multiply-adds plus values copied) of one block: about half
#: a millisecond to a millisecond of one core. Half of that was too little:
#: on idle cores of the 2-core test VM the 8-16-filter network's one-epoch
#: fit took 1.15x as long with a helper as without (each core runs slower
#: while the other works, and a block's hand-off costs), while the 32-64
#: network still gained 1.2x.
BLOCK_WORK = 1 << 23

#: Blocks an operation is cut into at most: enough to balance two to four
#: cores; more blocks cost more Python calls and smaller products.
MAX_BLOCKS = 4

#: Bytes of an intermediate array (an im2col matrix) per block at most, so
#: that a block's share is still in cache when the product reads it, and
#: the memory of an operation does not grow with the batch. 4 MiB, rounded
#: down to one block for up to 8 MiB, made the stride-1 input gradient's
#: windows the largest temporary of a training step (6.2 MB for 16 filters
#: over 13x13 maps, batch 64); 1 MiB blocks run as fast (0.9-1.1x on six
#: layer shapes, noise included).
BLOCK_BYTES = 1 << 20

#: Seconds between two readings of the machine's load.
CHECK_SECONDS = 0.25

#: A helper that keeps the caller waiting this long after the caller ran
#: out of blocks has lost its core: helpers rest until the next check.
STALL_SECONDS = 0.002


def sample_blocks(n_samples, work_per_sample, bytes_per_sample=0):
    """Cut ``n_samples`` into contiguous blocks, by work and by memory.

    At least one block per :data:`BLOCK_WORK` of work (at most
    :data:`MAX_BLOCKS` for that reason), so helpers get a share of large
    operations; and at least one per :data:`BLOCK_BYTES` of the memory the
    operation writes and reads back (an im2col matrix), so that each block's
    share stays in cache between the two. The blocks depend on their
    arguments only, never on threads or load, which is what keeps results
    independent of them.

    Parameters
    ----------
    n_samples : int
    work_per_sample : int
        Multiply-adds plus values copied for one sample.
    bytes_per_sample : int, default=0
        Bytes of the intermediate array one sample's share writes.

    Returns
    -------
    blocks : list of slice
        Consecutive, covering ``range(n_samples)``; one slice for small work.

    Examples
    --------
    >>> from skconv._threads import sample_blocks
    >>> sample_blocks(64, 1000)
    [slice(0, 64, None)]
    >>> sample_blocks(10, 2**21)
    [slice(0, 5, None), slice(5, 10, None)]
    """
    by_work = min(MAX_BLOCKS, n_samples * work_per_sample // BLOCK_WORK)
    by_memory = 0
    if bytes_per_sample:
        per_block = max(1, BLOCK_BYTES // bytes_per_sample)
        by_memory = -(-n_samples // per_block)  # rounded up
    n_blocks = min(n_samples, max(by_work, by_memory))
    if n_blocks <= 1:
        return [slice(0, n_samples)]
    # Cut as evenly as possible: the first blocks take the remainder.
    size, extra = divmod(n_samples, n_blocks)
    bounds = [0]
    for b in range(n_blocks):
        bounds.append(bounds[-1] + size + (b < extra))
    return [slice(start, stop) for start, stop in itertools.pairwise(bounds)]


def work_blocks(n_samples, work_per_sample):
    """Blocks for work whose results do not depend on how it is cut.

    :func:`sample_blocks` when a helper thread is available, else one block
    (fewer Python calls for the same result). Work of one block does not
    read the machine's load (a file read, a tenth of a small predict).
    """
    if _state.depth:
        blocks = sample_blocks(n_samples, work_per_sample)
        if len(blocks) > 1 and helpers_now():
            return blocks
    return [slice(0, n_samples)]


def helpers_available():
    """Whether ``run_blocks`` would share work with a helper thread now."""
    return bool(_state.depth and helpers_now())


def helpers_for(cores, blas_threads, others):
    """Helper threads to use: the decision rule, on one reading of the machine.

    Parameters
    ----------
    cores : int
        CPUs this process may run on.
    blas_threads : int
        BLAS threads in force when the skconv call began (the user's limit).
    others : float or None
        CPUs other processes keep busy (see :mod:`skconv._load`); None if
        unknown, taken as an idle machine.

    Returns
    -------
    helpers : int
        One per CPU that neither the caller nor other processes use (at
        least 70% free), within the user's limit; 0 means the caller
        computes every block itself.

    Examples
    --------
    >>> from skconv._threads import helpers_for
    >>> helpers_for(cores=2, blas_threads=2, others=0.05)  # idle
    1
    >>> helpers_for(cores=2, blas_threads=2, others=1.0)   # another process runs
    0
    >>> helpers_for(cores=2, blas_threads=1, others=0.0)   # threadpool_limits(1)
    0
    """
    wanted = min(cores, blas_threads) - 1
    if others is None:
        return max(0, wanted)
    free = cores - 1 - others  # CPUs neither the caller nor others use
    return max(0, min(wanted, int(free + 0.3)))


def other_cores():
    """CPUs other processes keep busy now (float), or None if unknown."""
    return _meter.other_cores()


class _State:
    """Process-wide: how many skconv calls run, and what they found on entry."""

    def __init__(self):
        self.lock = threading.Lock()
        self.depth = 0
        self.saved = []  # (BLAS library controller, its thread count)
        self.blas_threads = 1
        self.cores = 1
        self.helpers = 0
        self.checked = -float("inf")

    def reset(self):
        """After ``fork``: no call is running in the child."""
        self.__init__()


_state = _State()
_meter = LoadMeter()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_state.reset)

_controller = None


def _blas_libraries():
    """The BLAS libraries threadpoolctl sees (found once, then reused)."""
    global _controller
    if _controller is None:
        _controller = threadpoolctl.ThreadpoolController().select(user_api="blas")
    return _controller.lib_controllers


def _set_threads(library, n_threads):
    """Set a BLAS library's thread count from whichever thread we are in.

    threadpoolctl (3.8) lets only one "controlling" thread change a
    process-wide pool such as OpenBLAS' pthreads one and silently ignores
    the others; a skconv call may start in one thread and the last one end
    in another, so take control for the change and give it back.
    """
    release = getattr(type(library), "clear_controlling_thread", None)
    if release is not None:
        release(force=True)
    library.set_num_threads(n_threads)
    if release is not None:
        release()


@contextmanager
def compute_threads():
    """BLAS on one thread and skconv's helpers available, inside this block.

    Nested and concurrent uses share one setting: the first entry saves the
    BLAS thread counts and the last exit restores them, also when the body
    raises. Inside, :func:`skconv._workers.run_blocks` may use helper threads.
    """
    state = _state
    with state.lock:
        if state.depth == 0:
            libraries = _blas_libraries()
            state.saved = [(lib, lib.num_threads) for lib in libraries]
            state.blas_threads = min((n for _, n in state.saved), default=1)
            state.cores = usable_cores()
            state.checked = -float("inf")
            for lib, n_threads in state.saved:
                if n_threads != 1:
                    _set_threads(lib, 1)
        state.depth += 1
    try:
        yield
    finally:
        with state.lock:
            state.depth -= 1
            if state.depth == 0:
                for lib, n_threads in state.saved:
                    if lib.num_threads != n_threads:
                        _set_threads(lib, n_threads)
                state.saved = []


def in_compute_threads(method):
    """Decorator: run ``method`` inside :func:`compute_threads`."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with compute_threads():
            return method(*args, **kwargs)

    return wrapper


def helpers_now(state=_state):
    """Helpers to use for the next job (the machine read every CHECK_SECONDS)."""
    now = time.monotonic()
    if now - state.checked >= CHECK_SECONDS:
        state.checked = now
        state.helpers = helpers_for(state.cores, state.blas_threads, other_cores())
    return state.helpers


def helper_stalled(waited, own_block):
    """Whether a helper lost its core: the caller, out of blocks, waited for it
    longer than :data:`STALL_SECONDS` and than two of its own blocks took.

    Examples
    --------
    >>> from skconv._threads import helper_stalled
    >>> helper_stalled(waited=0.0001, own_block=0.0005)   # a block's imbalance
    False
    >>> helper_stalled(waited=0.004, own_block=0.0005)    # a scheduler slice
    True
    """
    return waited > max(STALL_SECONDS, 2 * own_block)


def work_groups(n_items, work):
    """Consecutive groups of ``range(n_items)`` for ``run_blocks``.

    For items whose results do not depend on how they are grouped: one
    group per :data:`BLOCK_WORK` of ``work`` (at most :data:`MAX_BLOCKS`)
    when a helper thread is available, else one group.
    """
    n_groups = min(n_items, MAX_BLOCKS, work // BLOCK_WORK) if helpers_available() else 1
    n_groups = max(1, n_groups)
    size, extra = divmod(n_items, n_groups)
    starts = list(itertools.accumulate([0] + [size + (g < extra) for g in range(n_groups)]))
    return [range(a, b) for a, b in itertools.pairwise(starts)]
