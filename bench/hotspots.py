"""Where the end-to-end Spree path spends its time: cProfile over `translate(..., fmt="jsonld")`.

Prints the top functions by own time (`tottime`: where the interpreter actually is) and by
cumulative time (which stage pays for it). cProfile adds a roughly constant cost per Python call,
so it exaggerates many small calls; read the ranking, not the absolute seconds. With
`--pyinstrument` (when installed) a sampling profile is printed as well, which does not have that
bias.

    python -m bench.hotspots [--orders 10000] [--top 15] [--pyinstrument]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import typing as t

from statebridge.translate import translate

from .orders import generator
from .throughput import NullSink

__all__ = ["profile"]


def _work(data: bytes, platform: str) -> None:
    translate(io.BytesIO(data), t.cast(t.BinaryIO, NullSink()), platform=platform, fmt="jsonld")


def profile(orders: int, top: int, platform: str = "spree") -> str:
    """The cProfile tables (own time, cumulative time) as text."""
    data = generator(platform).ndjson(orders)
    _work(data[: data.index(b"\n") + 1], platform)  # imports and table loading out of the profile
    profiler = cProfile.Profile()
    profiler.enable()
    _work(data, platform)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    for key in ("tottime", "cumulative"):
        out.write(f"\n=== {orders} {platform} orders, top {top} by {key} ===\n")
        stats.sort_stats(key).print_stats(top)
    return out.getvalue()


def sampled(orders: int, platform: str = "spree") -> str:
    from pyinstrument import Profiler

    data = generator(platform).ndjson(orders)
    _work(data[: data.index(b"\n") + 1], platform)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    _work(data, platform)
    profiler.stop()
    return str(profiler.output_text(unicode=False, color=False))


def main() -> None:
    parser = argparse.ArgumentParser(description="profile the end-to-end translate path")
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--platform", default="spree")
    parser.add_argument("--pyinstrument", action="store_true", help="also a sampling profile (pyinstrument)")
    args = parser.parse_args()
    print(profile(args.orders, args.top, args.platform))
    if args.pyinstrument:
        print(sampled(args.orders, args.platform))


if __name__ == "__main__":
    main()
