"""Turtle and N-Triples through `statebridge translate --format turtle|ntriples`, at two sizes,
beside JSON-LD (`--format jsonld`, the fast writer) as the baseline they are compared with.

rdflib's Turtle serializer is superlinear in the size of one graph (rdflib #2135: 4k orders took
30 s in the research prototype, docs/references/perf-research.md#measurements); statebridge
serialises one small graph per order, so time should grow linearly. Linear growth means the ratio
time(large)/time(small) is close to large/small (10 for 1k -> 10k). The command's start-up
(imports; measured on a one-order file) is a fixed cost that pulls the raw ratio below 10, so the
ratio is also given with it subtracted.

    python -m bench.rdftext [--sizes 1000,10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import pathlib
import statistics
import tempfile
import typing as t

from .command import translate_command
from .orders import generator

__all__ = ["FORMATS", "RdfTextResult", "run"]

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


def main() -> None:
    parser = argparse.ArgumentParser(description="Turtle and N-Triples time at two sizes, beside JSON-LD")
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
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
