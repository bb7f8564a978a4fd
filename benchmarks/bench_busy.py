"""Threads on a busy machine: a default fit against forced one and two BLAS threads.

Issue 13's target 4: with another process holding one core, a default fit
takes at most 1.25x the time of the same fit forced to one BLAS thread; on
idle cores it is never slower than the better of one and two threads.

For each workload (one epoch of ``fit`` on Fashion-MNIST, float32, Adam,
batch 64) and each machine state, it times three modes, interleaved and
repeated (median of ``--repeats``):

* ``default``: no limit, what a user gets;
* ``1 thread``: inside ``threadpoolctl.threadpool_limits(1)``;
* ``2 threads``: inside ``threadpoolctl.threadpool_limits(2)``.

Machine states: ``idle`` (whatever else runs on the machine: check the
"other CPU load" lines), and ``busy``, with a pure-Python loop pinned to the
last CPU (``os.sched_setaffinity``) for the whole block of runs; the loop is
ended by its PID afterwards.

Usage, from the repository root::

    python benchmarks/bench_busy.py --quick          # 2,000 images, SMALL only
    python benchmarks/bench_busy.py                  # 10,000 images, SMALL and KERAS
    python benchmarks/bench_busy.py --checkout /path/to/other/skconv

``--checkout`` runs the same measurements with another checkout of skconv
(e.g. the last release), in a subprocess, for comparison.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the checkout it lives in
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import threadpoolctl

from benchmarks import _machine, _workloads

MODES = {
    "default": None,
    "1 thread": 1,
    "2 threads": 2,
}

BUSY_LOOP = "import time\nwhile True:\n    pass\n"


def start_busy_process():
    """A pure-Python loop pinned to the last CPU; returns the Popen."""
    cpu = max(os.sched_getaffinity(0))
    code = f"import os\nos.sched_setaffinity(0, {{{cpu}}})\n" + BUSY_LOOP
    process = subprocess.Popen([sys.executable, "-c", code])
    time.sleep(1.0)  # let it start and settle on its core
    return process


def stop(process):
    process.terminate()
    process.wait(timeout=10)


def fit_seconds(name, X, y, limit):
    """Wall and CPU seconds of one one-epoch fit, under ``limit`` BLAS threads."""
    clf = _workloads.make_skconv(name).set_params(max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start, cpu = time.perf_counter(), time.process_time()
        if limit is None:
            clf.fit(X, y)
        else:
            with threadpoolctl.threadpool_limits(limits=limit):
                clf.fit(X, y)
    return time.perf_counter() - start, time.process_time() - cpu


def measure(names, X, y, repeats, state):
    """``{(name, mode): [wall seconds]}`` for one machine state."""
    load = _machine.other_cpu_load(0.5)
    print(f"\n{state}: other CPU load {100 * (load or 0):.0f}% of all CPUs", flush=True)
    times = {}
    for name in names:
        fit_seconds(name, X[:512], y[:512], None)  # first-call costs, untimed
        for _ in range(repeats):
            for mode, limit in MODES.items():
                wall, cpu = fit_seconds(name, X, y, limit)
                times.setdefault((name, mode), []).append(wall)
                print(f"  {name:6s} {mode:10s} {wall:6.2f} s (cpu/wall {cpu / wall:.2f})",
                      flush=True)
    return times


def report(names, results):
    """The medians and the two ratios of target 4."""
    print("\nmedian seconds per one-epoch fit")
    print(f"{'workload':8s} {'state':5s} " + " ".join(f"{m:>9s}" for m in MODES))
    for name in names:
        for state, times in results.items():
            medians = [statistics.median(times[(name, m)]) for m in MODES]
            print(f"{name:8s} {state:5s} " + " ".join(f"{t:9.2f}" for t in medians))
    print("\nratios (target: busy <= 1.25, idle <= 1.00)")
    for name in names:
        med = {(s, m): statistics.median(t[(name, m)]) for s, t in results.items()
               for m in MODES}
        if ("busy", "default") in med:
            ratio = med["busy", "default"] / med["busy", "1 thread"]
            print(f"  {name}: busy, default / 1 thread = {ratio:.2f}")
        if ("idle", "default") in med:
            best = min(med["idle", "1 thread"], med["idle", "2 threads"])
            print(f"  {name}: idle, default / best of 1 and 2 threads = "
                  f"{med['idle', 'default'] / best:.2f}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 images, SMALL only")
    parser.add_argument("--workloads", nargs="+", choices=sorted(_workloads.WORKLOADS))
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--states", nargs="+", choices=("idle", "busy"),
                        default=["idle", "busy"])
    parser.add_argument("--checkout", default=None,
                        help="also measure this other skconv checkout (subprocess)")
    parser.add_argument("--data-home", default=None)
    args = parser.parse_args(argv)
    if args.workloads is None:
        args.workloads = ["SMALL"] if args.quick else ["SMALL", "KERAS"]
    if args.n_train is None:
        args.n_train = 2000 if args.quick else 10_000
    return args


def main(argv=None):
    args = parse_args(argv)
    import skconv

    info = _machine.machine_info()
    _machine.print_machine(info, "skconv busy-machine benchmark")
    print(f"skconv            {skconv.__file__}")
    X, y, _, _, source = _workloads.load_data(
        args.data_home, args.n_train, 0, allow_random=args.quick, need_test=False
    )
    print(f"data              {source}: {len(X):,} images, one epoch per fit")
    results = {}
    for state in args.states:
        busy = start_busy_process() if state == "busy" else None
        try:
            results[state] = measure(args.workloads, X, y, args.repeats, state)
        finally:
            if busy is not None:
                stop(busy)
    report(args.workloads, results)
    if args.checkout:
        print(f"\n=== the same with {args.checkout} ===", flush=True)
        forwarded = list(argv if argv is not None else sys.argv[1:])
        i = forwarded.index("--checkout")
        del forwarded[i : i + 2]
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        # skconv from the other checkout, this benchmark from here.
        code = (
            "import sys; sys.path.insert(0, sys.argv[1]); import skconv; "
            "sys.path.insert(0, sys.argv[2]); "
            "from benchmarks import bench_busy; bench_busy.main(sys.argv[3:])"
        )
        here = str(Path(__file__).resolve().parent.parent)
        subprocess.run([sys.executable, "-c", code, str(Path(args.checkout).resolve()),
                        here, *forwarded], check=True, env=env)


if __name__ == "__main__":
    main()
