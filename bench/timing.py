"""One measurement: the same work run several times, reported as the median.

A shared 2-vCPU VM spreads single runs by ±30-40% (docs/references/perf-research.md#method-and-noise),
so every figure in docs/benchmarks.md is the median of `runs` runs, and the individual runs are kept
beside it.
"""

from __future__ import annotations

import dataclasses
import gc
import statistics
import time
import typing as t

__all__ = ["Case", "Measurement", "measure_together"]


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


@dataclasses.dataclass(frozen=True)
class Case:
    """Work to time: `work()` runs `orders` orders through `path` and returns the bytes it wrote."""

    path: str
    platform: str
    orders: int
    work: t.Callable[[], int]
    note: str = ""


def _timed(work: t.Callable[[], int]) -> tuple[float, int]:
    gc.collect()  # one run's garbage does not bill the next
    gc.freeze()  # the harness's own objects (input bytes, generators, imported peers) stay out of
    try:  # the collections the measured code triggers, as in a process that only does that work
        started = time.perf_counter()
        produced = work()
        return time.perf_counter() - started, produced
    finally:
        gc.unfreeze()


def measure_together(cases: t.Sequence[Case], runs: int) -> list[Measurement]:
    """Time every case `runs` times, interleaved, after one untimed warm-up run of each.

    On a shared VM, speed drifts for seconds at a time; running the cases in turn (floor, statebridge,
    rdflib, floor, …) lets a slow spell slow all of them alike, so their ratios hold better than
    when each case's runs are back to back. The warm-up loads what a first run would (mapping
    tables, caches, imports) and is not counted.
    """
    for case in cases:
        case.work()
    timings: list[list[float]] = [[] for _ in cases]
    produced = [0] * len(cases)
    for _ in range(runs):
        for k, case in enumerate(cases):
            seconds, produced[k] = _timed(case.work)
            timings[k].append(seconds)
    return [
        Measurement(c.path, c.platform, c.orders, timings[k], c.note, produced[k])
        for k, c in enumerate(cases)
    ]
