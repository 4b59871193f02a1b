"""In-process throughput of the three Python paths, on the same NDJSON bytes, per platform.

- floor: `orjson.loads` of each line and `orjson.dumps` of what was loaded, the least any JSON to
  JSON translation must do;
- second floor: `orjson.loads` of each line and `orjson.dumps` of the exact output nodes, built once
  before timing with statebridge's own node builder (`order_nodes`) and written as `write_document`
  writes them, the same bytes: the physical limit of this job. The first floor flatters statebridge
  where the output is much larger than the input (the generated Relatude orders write ~5x their
  input bytes; issue 17);
- statebridge: `statebridge.translate.translate(..., fmt="jsonld")`, the end-to-end path of the
  command line (adapter, mapping table, canonical model, streaming JSON-LD writer) into a sink that
  only counts bytes;
- statebridge, all CPUs: the same with `jobs=0` (`translate --jobs 0`: NDJSON split between one
  worker process per CPU, output byte-identical), for the platforms whose lines are independent;
  it is what Morph-KGC's `number_of_processes` is compared with;
- rdflib: the naive peer, `read_orders` then `to_graph(order)` and
  `Graph.serialize(format="json-ld")` per order (no context given, so rdflib writes expanded IRIs:
  that is what a straightforward rdflib exporter does). It runs on fewer orders (it is ~100x slower).

    python -m bench.throughput [--orders 2000] [--rdflib-orders 300] [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import typing as t

import orjson

from statebridge.dfc.graph import to_graph
from statebridge.dfc.iris import IriMinter
from statebridge.dfc.jsonld import DOCUMENT_CLOSE, DOCUMENT_OPEN, NODE_SEPARATOR, order_nodes
from statebridge.errors import StatebridgeError
from statebridge.parallel import worker_count
from statebridge.platforms import get_adapter
from statebridge.translate import read_orders, translate

from .orders import PLATFORMS, generator
from .timing import Case, Measurement, measure_together

__all__ = [
    "FLOOR",
    "PARALLEL",
    "SECOND_FLOOR",
    "NullSink",
    "floor",
    "output_nodes",
    "ratios",
    "rdflib_path",
    "run",
    "second_floor",
    "statebridge_path",
]

#: The path names of the two floors.
FLOOR = "orjson floor"
SECOND_FLOOR = "second floor"
#: The path name of statebridge with one worker process per CPU.
PARALLEL = "statebridge, all CPUs"


class NullSink(io.RawIOBase):
    """A binary stream that keeps nothing but the number of bytes written to it."""

    def __init__(self) -> None:
        super().__init__()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: t.Any) -> int:
        size = len(data)
        self.size += size
        return size


def floor(data: bytes, platform: str, orders: int) -> Case:
    def work() -> int:
        size = 0
        for line in io.BytesIO(data):
            size += len(orjson.dumps(orjson.loads(line)))
        return size

    return Case(FLOOR, platform, orders, work)


def output_nodes(data: bytes, platform: str) -> list[list[dict[str, t.Any]]]:
    """Each order's JSON-LD node objects, as `translate(fmt="jsonld")` builds them for `data`."""
    minter = IriMinter.for_platform(platform)  # what `translate` uses with no base URL
    nodes = []
    for order in read_orders(io.BytesIO(data), platform):
        if isinstance(order, StatebridgeError):
            raise order
        nodes.append(order_nodes(order, minter))
    return nodes


def second_floor(
    data: bytes, platform: str, orders: int, sink: t.Callable[[], t.BinaryIO] | None = None
) -> Case:
    """Loads of the input and dumps of the prebuilt output, written as `write_document` writes it.

    The output nodes are built here, before timing: a run parses every line (its result dropped, as
    a translation drops its input) and encodes each order's nodes with one `orjson.dumps`, as the
    writer does, into `sink()` (a `NullSink` unless given: the tests pass one that keeps the bytes).
    """
    built = output_nodes(data, platform)
    if len(built) != orders:
        msg = f"second floor built {len(built)} of {orders} {platform} orders"
        raise RuntimeError(msg)
    make_sink = sink or (lambda: t.cast(t.BinaryIO, NullSink()))

    def work() -> int:
        out = make_sink()
        loads, dumps, write = orjson.loads, orjson.dumps, out.write
        for line in io.BytesIO(data):
            loads(line)
        size = write(DOCUMENT_OPEN)
        for k, nodes in enumerate(built):
            if k:
                size += write(NODE_SEPARATOR)
            size += write(dumps(nodes)[1:-1])
        return size + write(DOCUMENT_CLOSE)

    return Case(SECOND_FLOOR, platform, orders, work, "loads of input + dumps of the prebuilt output nodes")


def statebridge_path(data: bytes, platform: str, orders: int, jobs: int = 1) -> Case:
    def work() -> int:
        sink = NullSink()
        report = translate(
            io.BytesIO(data), t.cast(t.BinaryIO, sink), platform=platform, fmt="jsonld", jobs=jobs
        )
        if report.problems or report.written != orders:
            msg = f"statebridge wrote {report.written} of {orders} {platform} orders: {report.problems[:3]}"
            raise RuntimeError(msg)
        return sink.size

    if jobs == 1:
        return Case("statebridge", platform, orders, work, "translate(fmt='jsonld'), streaming")
    workers = worker_count(jobs)
    note = f"translate(fmt='jsonld', jobs={jobs}): {workers} worker processes, streaming"
    return Case(PARALLEL, platform, orders, work, note)


def rdflib_path(data: bytes, platform: str, orders: int) -> Case:
    minter = IriMinter.for_platform(platform)

    def work() -> int:
        size = 0
        count = 0
        for order in read_orders(io.BytesIO(data), platform):
            if isinstance(order, StatebridgeError):
                raise order
            size += len(to_graph(order, minter).serialize(format="json-ld").encode())
            count += 1
        if count != orders:
            msg = f"rdflib path read {count} of {orders} {platform} orders"
            raise RuntimeError(msg)
        return size

    return Case("rdflib", platform, orders, work, "read_orders + to_graph + serialize json-ld, per order")


def run(
    orders: int, rdflib_orders: int, runs: int, platforms: t.Sequence[str] = PLATFORMS
) -> list[Measurement]:
    """Per platform, every path timed `runs` times, interleaved (see `measure_together`)."""
    results = []
    for platform in platforms:
        gen = generator(platform)
        data = gen.ndjson(orders)
        cases = [
            floor(data, platform, orders),
            second_floor(data, platform, orders),
            statebridge_path(data, platform, orders),
        ]
        if get_adapter(platform).independent_lines and worker_count(0) > 1:
            cases.append(statebridge_path(data, platform, orders, jobs=0))
        if rdflib_orders:
            cases.append(rdflib_path(gen.ndjson(rdflib_orders), platform, rdflib_orders))
        results += measure_together(cases, runs)
    return results


def ratios(m: Measurement, measured: t.Sequence[Measurement]) -> tuple[str, str]:
    """`m`'s rate as a share of its platform's floor and of its second floor ("0.412x"), "" if unmeasured."""
    shares = []
    for path in (FLOOR, SECOND_FLOOR):
        base = next((x for x in measured if x.path == path and x.platform == m.platform), None)
        shares.append(f"{m.per_second / base.per_second:.3f}x" if base else "")
    return shares[0], shares[1]


def main() -> None:
    parser = argparse.ArgumentParser(description="floor, statebridge and rdflib throughput per platform")
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--rdflib-orders", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--platform", choices=PLATFORMS, action="append")
    args = parser.parse_args()
    measured = run(args.orders, args.rdflib_orders, args.runs, args.platform or PLATFORMS)
    head = f"{'platform':14} {'path':21} {'orders':>7}  {'orders/s':>10}"
    print(f"{head}  {'x floor':>8} {'x second floor':>14}  runs")
    for m in measured:
        runs = ", ".join(f"{s:.3f}" for s in m.runs_s)
        share, second = ratios(m, measured)
        print(
            f"{m.platform:14} {m.path:21} {m.orders:>7}  {m.per_second:>10,.0f}  {share:>8} {second:>14}  "
            f"[{runs}] s"
        )


if __name__ == "__main__":
    main()
