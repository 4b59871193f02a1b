"""`python -m bench`: every benchmark in one run, written to docs/benchmarks.md and docs/benchmarks.png.

Stages (each also runs on its own, see the modules):
  throughput  both floors, statebridge end to end and rdflib per platform (bench.throughput)
  morph       Morph-KGC with an equivalent YARRRML mapping, own venv (bench.morph)
  memory      peak RSS of `statebridge translate --from spree` at 10k/100k/1M orders (bench.memory)
  rdftext     Turtle and N-Triples time at 1k and 10k orders (bench.rdftext)
  endpoint    a page of 100 orders vs the same bytes pre-rendered (bench.endpoint)

The full run takes about 10 minutes on 2 vCPUs (1M orders through the command line, three times,
is most of it); `--quick` uses smaller sizes, takes under 2 minutes and writes
build/benchmarks-quick.md and .png instead, so that it never replaces the full run's figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import pathlib
import sys
import time
import typing as t

from . import endpoint, machine, memory, morph, rdftext, throughput
from .orders import PLATFORMS, status_variants
from .results import Results

ROOT = pathlib.Path(__file__).resolve().parent.parent
STAGES = ("throughput", "morph", "memory", "rdftext", "endpoint")

#: Sizes of the full run and of `--quick`, per option.
PRESETS: dict[str, tuple[t.Any, t.Any]] = {
    "orders": (10_000, 2_000),
    "rdflib_orders": (2_000, 300),
    "morph_orders": (10_000, 500),
    "rss_sizes": ("10000,100000,1000000", "10000,100000"),
    "rdf_sizes": ("1000,10000", "100,1000"),
    "endpoint_orders": (1_000, 1_000),
    "endpoint_seconds": (5, 1),
}


def _sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__.splitlines()[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]) if __doc__ else None,
    )
    p.add_argument("--quick", action="store_true", help="smaller sizes (under 2 minutes)")
    p.add_argument("--runs", type=int, default=3, help="runs per measurement; the median is reported (3)")
    p.add_argument(
        "--orders", type=int, help="orders per platform for the floor and statebridge (10000; quick 2000)"
    )
    p.add_argument("--rdflib-orders", type=int, help="orders per platform through rdflib (2000; quick 300)")
    p.add_argument("--morph-orders", type=int, help="Spree orders through Morph-KGC (10000; quick 500)")
    p.add_argument("--rss-sizes", help="order counts for peak RSS (10000,100000,1000000; quick 10000,100000)")
    p.add_argument("--rdf-sizes", help="two order counts for Turtle/N-Triples (1000,10000; quick 100,1000)")
    p.add_argument("--endpoint-orders", type=int, help="orders in the endpoint's store (1000)")
    p.add_argument("--endpoint-seconds", type=int, help="seconds of load per endpoint cell (5; quick 1)")
    p.add_argument("--concurrency", default="1,8,32", help="endpoint concurrencies (1,8,32)")
    p.add_argument("--skip", default="", help=f"comma-separated stages to leave out ({', '.join(STAGES)})")
    p.add_argument(
        "--morph-venv", type=pathlib.Path, default=morph.DEFAULT_VENV, help="venv holding Morph-KGC"
    )
    p.add_argument(
        "--out",
        type=pathlib.Path,
        help="markdown report (docs/benchmarks.md; quick: build/benchmarks-quick.md)",
    )
    p.add_argument(
        "--plot", type=pathlib.Path, help="PNG plot (docs/benchmarks.png; quick: build/benchmarks-quick.png)"
    )
    p.add_argument("--json", type=pathlib.Path, help="also write the raw results as JSON here")
    p.add_argument("--no-write", action="store_true", help="print the report instead of writing files")
    p.add_argument("--profile", action="store_true", help="print a cProfile of the Spree path at the end")
    return p


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    for name, (full, quick) in PRESETS.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    # A quick run must not overwrite the full run's figures that docs/ keeps.
    stem = ROOT / "build/benchmarks-quick" if args.quick else ROOT / "docs/benchmarks"
    args.out = args.out or stem.with_suffix(".md")
    args.plot = args.plot or stem.with_suffix(".png")
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = skip - set(STAGES)
    if unknown:
        parser().error(f"unknown stage(s) {sorted(unknown)}; stages: {', '.join(STAGES)}")
    command = " ".join(["python -m bench", *(sys.argv[1:] if argv is None else argv)])
    settings = {k: v for k, v in vars(args).items() if not isinstance(v, pathlib.Path)}
    results = Results(command, dt.datetime.now(dt.UTC), settings, machine.describe())
    results.variants = {p: len(status_variants(p)) for p in PLATFORMS}
    started = time.perf_counter()

    if "throughput" not in skip:
        _log(f"throughput: {args.orders} orders per platform, rdflib {args.rdflib_orders}")
        results.throughput = throughput.run(args.orders, args.rdflib_orders, args.runs)
    if "morph" not in skip:
        for processes in (1, 2 * (os.cpu_count() or 1)):
            _log(f"Morph-KGC: {args.morph_orders} orders, {processes} process(es)")
            found = morph.run(args.morph_orders, args.runs, args.morph_venv, processes)
            results.morph.append(found)
            if found.error:
                results.notes.append(f"Morph-KGC did not run: {found.error}")
                break
    if "memory" not in skip:
        _log(f"peak RSS: {args.rss_sizes} orders")
        results.memory = memory.run(_sizes(args.rss_sizes), args.runs)
    if "rdftext" not in skip:
        _log(f"Turtle / N-Triples: {args.rdf_sizes} orders")
        results.rdftext_speed = rdftext.in_process(args.orders, args.runs)
        results.rdftext = rdftext.run(_sizes(args.rdf_sizes), args.runs)
    if "endpoint" not in skip:
        _log(f"endpoint: {args.endpoint_seconds} s per cell, concurrency {args.concurrency}")
        results.endpoint = endpoint.run(
            args.endpoint_orders, args.endpoint_seconds, _sizes(args.concurrency), args.runs
        )
    results.elapsed_s = time.perf_counter() - started

    from .report import markdown

    plot_name = None if args.no_write else os.path.relpath(args.plot, args.out.parent)
    text = markdown(results, plot_name)
    if args.no_write:
        print(text)
    else:
        from .plot import plot

        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.plot.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        plot(results, args.plot)
        _log(f"wrote {args.out} and {args.plot} ({results.elapsed_s / 60:.1f} min)")
    if args.json:
        args.json.write_text(json.dumps(dataclasses.asdict(results), default=str, indent=1), encoding="utf-8")
    for target in results.targets():
        status = {True: "met", False: "MISSED", None: "not judged"}[target.met]
        print(f"{status:>12}  {target.name}: {target.measured}", file=sys.stderr)
    if args.profile:
        from .hotspots import profile

        print(profile(10_000, 15))


if __name__ == "__main__":
    main()
