"""Peak RSS of `statebridge translate --from spree` on 10k, 100k and 1M orders of NDJSON.

The command streams (NDJSON is read line by line, and each order is written as soon as it is
translated), so its peak should not grow with the input. The NDJSON files are generated in a
temporary folder (1M Spree orders are ~1.6 GB) and removed afterwards.

    python -m bench.memory [--sizes 10000,100000] [--runs 3]
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

__all__ = ["MemoryResult", "run"]


@dataclasses.dataclass
class MemoryResult:
    orders: int
    input_bytes: int
    runs_s: list[float]
    max_rss_kib: list[int]

    @property
    def median_s(self) -> float:
        return statistics.median(self.runs_s)

    @property
    def peak_mib(self) -> float:
        """The median of the runs' peaks, in MiB."""
        return statistics.median(self.max_rss_kib) / 1024

    @property
    def per_second(self) -> float:
        return self.orders / self.median_s


def run(sizes: t.Sequence[int], runs: int, platform: str = "spree") -> list[MemoryResult]:
    gen = generator(platform)
    results = []
    with tempfile.TemporaryDirectory(prefix="statebridge-bench-") as name:
        folder = pathlib.Path(name)
        spool = folder / "spool"
        spool.mkdir()
        for size in sizes:
            source = folder / f"{platform}-{size}.ndjson"
            written = gen.write(source, size)
            measured = [translate_command(source, platform=platform, spool_dir=spool) for _ in range(runs)]
            source.unlink()
            results.append(
                MemoryResult(size, written, [m.seconds for m in measured], [m.max_rss_kib for m in measured])
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="peak RSS of statebridge translate --from spree")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for r in run([int(s) for s in args.sizes.split(",")], args.runs):
        print(
            f"{r.orders:>9,} orders ({r.input_bytes / 2**20:,.0f} MiB NDJSON): peak RSS {r.peak_mib:.1f} MiB "
            f"(runs {[round(k / 1024, 1) for k in r.max_rss_kib]}), {r.median_s:.1f} s, {r.per_second:,.0f}/s"
        )


if __name__ == "__main__":
    main()
