"""How the benchmarks time a piece of work: the median over repeats, on a named clock.

`time.process_time` (CPU seconds of this process) is per core and leaves out other load on
a shared machine; `time.perf_counter` (wall time) is for work that waits on other processes.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], repeats: int, clock: Callable[[], float] = time.process_time) -> float:
    """Median seconds of `repeats` calls of `fn` on `clock`."""
    times = []
    for _ in range(repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return statistics.median(times)
