"""One measurement: the same work run several times, reported as the median.

A shared 2-vCPU VM spreads single runs by ±30-40% (reference/perf.md §1), so every figure in
docs/benchmarks.md is the median of `runs` runs, and the individual runs are kept beside it.
"""

from __future__ import annotations

import dataclasses
import gc
import statistics
import time
import typing as t

__all__ = ["Measurement", "measure"]


@dataclasses.dataclass
class Measurement:
    """`orders` orders through `path` for `platform`: each run's seconds, and what it produced."""

    path: str
    platform: str
    orders: int
    runs_s: list[float]
    note: str = ""
    output_bytes: int = 0

    @property
    def median_s(self) -> float:
        return statistics.median(self.runs_s)

    @property
    def per_second(self) -> float:
        return self.orders / self.median_s if self.median_s else float("inf")


def measure(
    path: str, platform: str, orders: int, work: t.Callable[[], int], runs: int, note: str = ""
) -> Measurement:
    """Run `work` `runs` times (after a collection, so one run's garbage does not bill the next).

    Objects alive before a run are frozen out of the collector during it, so that every path pays
    for collecting its own garbage, not for scanning the harness's heap.

    `work` returns how many output bytes it produced; that is kept as a sanity check that the
    measured code did the work.
    """
    timings = []
    produced = 0
    for _ in range(runs):
        gc.collect()
        gc.freeze()  # the harness's own objects (input bytes, generators, imported peers) stay out of
        try:  # the collections the measured code triggers, as in a process that only does that work
            started = time.perf_counter()
            produced = work()
            timings.append(time.perf_counter() - started)
        finally:
            gc.unfreeze()
    return Measurement(path, platform, orders, timings, note, produced)
