"""What the machine shows: the CPUs this process may use, and how busy others keep them.

:mod:`skconv._threads` lends a helper thread only to a CPU nobody else is
using. Other processes' use is measured, not guessed: the CPU time the
whole machine spent busy (``/proc/stat``) minus this process's own CPU
time, over the interval between two readings, divided by its length. The
first reading of a process has no interval yet and counts the tasks ready
to run at that instant (``/proc/loadavg``) instead. Where neither file
exists the machine is taken as idle; the stall check of
:func:`skconv._threads.helper_stalled` still applies.
"""

import os
import time
from dataclasses import dataclass

#: Clock ticks per second of /proc/stat's counters.
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def usable_cores():
    """CPUs this process may run on (its affinity mask, where known)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def running_tasks():
    """Tasks ready to run on the machine now (``/proc/loadavg``); None if unknown."""
    try:
        with open("/proc/loadavg") as loadavg:
            return int(loadavg.read().split()[3].split("/")[0])
    except (OSError, IndexError, ValueError):
        return None


@dataclass(frozen=True)
class Sample:
    """One reading: wall clock, machine-wide busy CPU seconds, own CPU seconds."""

    wall: float
    busy: float
    own: float


def machine_busy_seconds():
    """CPU seconds all CPUs spent not idle since boot (``/proc/stat``); None if unknown."""
    try:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    if len(values) < 5:
        return None
    # user nice system idle iowait irq softirq steal ...; guest time is
    # already counted in user, so only the first eight fields add up.
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / _TICKS


def sample():
    """A :class:`Sample` now, or None where ``/proc/stat`` is missing."""
    busy = machine_busy_seconds()
    if busy is None:
        return None
    return Sample(time.monotonic(), busy, time.process_time())


def busy_elsewhere(before, after):
    """CPUs other processes kept busy between two samples, on average.

    Examples
    --------
    >>> from skconv._load import Sample, busy_elsewhere
    >>> # 1 s in which the machine was busy 1.9 CPU-seconds, 0.9 of them ours
    >>> busy_elsewhere(Sample(0.0, 10.0, 5.0), Sample(1.0, 11.9, 5.9))
    1.0
    """
    interval = after.wall - before.wall
    if interval <= 0:
        return 0.0
    others = (after.busy - before.busy) - (after.own - before.own)
    return round(max(0.0, others / interval), 3)


class LoadMeter:
    """Other processes' use of the CPUs, from the interval since the last reading.

    Parameters
    ----------
    min_interval : float, default=0.1
        Shorter intervals repeat the previous estimate (the counters tick
        every 10 ms).
    max_age : float, default=5.0
        A previous reading older than this starts afresh from the
        instantaneous count of ready tasks.
    """

    def __init__(self, min_interval=0.1, max_age=5.0):
        self.min_interval = min_interval
        self.max_age = max_age
        self.last = None
        self.estimate = None

    def other_cores(self):
        """CPUs that other processes use, as a float; None if unknown."""
        now = sample()
        if now is None:
            running = running_tasks()
            return None if running is None else max(0, running - 1)
        if self.last is None or now.wall - self.last.wall > self.max_age:
            self.last = now
            running = running_tasks()
            # Ready tasks other than the caller, as a first estimate.
            self.estimate = None if running is None else max(0, running - 1)
            return self.estimate
        if now.wall - self.last.wall >= self.min_interval:
            self.estimate = busy_elsewhere(self.last, now)
            self.last = now
        return self.estimate
