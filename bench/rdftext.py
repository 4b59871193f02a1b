"""Turtle and N-Triples through `statebridge translate --format turtle|ntriples`, at two sizes,
beside JSON-LD (`--format jsonld`, the fast writer) as the baseline they are compared with.

rdflib's Turtle serializer is superlinear in the size of one graph (rdflib #2135: 4k orders took
30 s in the research prototype, docs/references/perf-research.md#measurements); statebridge
serialises one small graph per order, so time should grow linearly. Linear growth means the ratio
time(large)/time(small) is close to large/small (10 for 1k -> 10k). The command's start-up
(imports; measured on a one-order file) is a fixed cost that pulls the raw ratio below 10, so the
ratio is also given with it subtracted.

The speed target (Turtle and N-Triples at least half as fast as JSON-LD, issue 17) is judged on
`in_process`: `translate()` in each format in this process, into a sink that only counts bytes, the
three interleaved as the throughput stage times its paths (`timing.measure_together`). Through the
command line, the start-up (0.4-0.5 s, varying by ±0.05 s from run to run) is of the size of the
10k-order difference being judged, so a ratio of net times moves by ±0.1 between runs.

    python -m bench.rdftext [--sizes 1000,10000] [--runs 3] [--orders 10000]
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import pathlib
import statistics
import tempfile
import typing as t

from statebridge.translate import translate

from .command import translate_command
from .orders import generator
from .throughput import NullSink
from .timing import Case, Measurement, measure_together

__all__ = ["FORMATS", "RdfTextResult", "in_process", "run"]

FORMATS = ("jsonld", "turtle", "ntriples")


@dataclasses.dataclass
class RdfTextResult:
    fmt: str
    startup_s: float
    sizes: list[int]
    runs_s: dict[int, list[float]]

    def median(self, size: int) -> float:
        return statistics.median(self.runs_s[size])

    def net(self, size: int) -> float:
        return max(self.median(size) - self.startup_s, 1e-9)

    @property
    def ratio(self) -> float:
        small, large = self.sizes[0], self.sizes[-1]
        return self.median(large) / self.median(small)

    @property
    def net_ratio(self) -> float:
        small, large = self.sizes[0], self.sizes[-1]
        return self.net(large) / self.net(small)


def run(sizes: t.Sequence[int], runs: int, platform: str = "spree") -> list[RdfTextResult]:
    gen = generator(platform)
    results = []
    with tempfile.TemporaryDirectory(prefix="statebridge-bench-") as name:
        folder = pathlib.Path(name)
        files = {}
        for size in (1, *sizes):
            files[size] = folder / f"{platform}-{size}.ndjson"
            gen.write(files[size], size)
        for fmt in FORMATS:
            startup = statistics.median(
                translate_command(files[1], platform=platform, fmt=fmt, spool_dir=folder).seconds
                for _ in range(runs)
            )
            timings = {
                size: [
                    translate_command(files[size], platform=platform, fmt=fmt, spool_dir=folder).seconds
                    for _ in range(runs)
                ]
                for size in sizes
            }
            results.append(RdfTextResult(fmt, startup, list(sizes), timings))
    return results


def in_process(orders: int, runs: int, platform: str = "spree") -> list[Measurement]:
    """`translate(fmt=…)` of `orders` generated orders in each format, interleaved (path = format)."""
    data = generator(platform).ndjson(orders)

    def case(fmt: str) -> Case:
        def work() -> int:
            sink = NullSink()
            report = translate(io.BytesIO(data), t.cast(t.BinaryIO, sink), platform=platform, fmt=fmt)
            if report.problems or report.written != orders:
                msg = f"{fmt}: wrote {report.written} of {orders} {platform} orders: {report.problems[:3]}"
                raise RuntimeError(msg)
            return sink.size

        return Case(fmt, platform, orders, work, f"translate(fmt={fmt!r}) in one process")

    return measure_together([case(fmt) for fmt in FORMATS], runs)


def main() -> None:
    parser = argparse.ArgumentParser(description="Turtle and N-Triples time at two sizes, beside JSON-LD")
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--orders", type=int, default=10000, help="orders for the in-process timing")
    args = parser.parse_args()
    for m in in_process(args.orders, args.runs):
        print(f"{m.path:9} in process: {m.per_second:,.0f} orders/s (runs {[round(s, 3) for s in m.runs_s]})")
    for r in run([int(s) for s in args.sizes.split(",")], args.runs):
        cells = ", ".join(
            f"{size}: {r.median(size):.2f} s ({size / r.median(size):,.0f}/s)" for size in r.sizes
        )
        print(
            f"{r.fmt:9} start-up {r.startup_s:.2f} s; {cells}; ratio {r.ratio:.2f} "
            f"(start-up subtracted: {r.net_ratio:.2f})"
        )


if __name__ == "__main__":
    main()
