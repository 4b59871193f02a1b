"""`bulk.lines`, the one loop `translate` runs for NDJSON to JSON-LD, against the chain of
generators it stands for (`read_documents`, `read_nodes`, `good_orders`, `write_document`).

The loop hands a line it does not take itself (one the document reader declines, one that is not
JSON) to the reference path's pieces; what comes out must be the chain's, in the same place: the
same bytes, in input order, and the same problems at the same lines, with `FAIL` and with `SKIP`,
in one process and split between workers.
"""

from __future__ import annotations

import io
import json

import orjson
import pytest
from bench.orders import PLATFORMS as GENERATED, generator

from statebridge.bulk import read_nodes
from statebridge.dfc import IriMinter
from statebridge.errors import OrderError
from statebridge.formats import FORMATS
from statebridge.parallel import translate_in_processes
from statebridge.pipeline import OnUnknown, TranslateReport, good_orders
from statebridge.platforms import get_adapter
from statebridge.reading import read_documents
from statebridge.translate import read_orders, translate

from .fuzzing import single_mutations

#: The generated platforms with a document reader: those whose lines the loop takes itself.
READ_WHOLE = [
    name for name in GENERATED if get_adapter(name).document_reader(IriMinter.for_platform(name)) is not None
]
EDGES = ["", 7, -1, True, None, {}, [], "2026-03-03T15:12:30", "12.50", "zzz-unknown"]

Outcome = tuple[bytes, int, list[tuple[str, str | None]]]


def chain(data: bytes, platform: str, on_unknown: OnUnknown, fmt: str = "jsonld") -> Outcome:
    """What the chain of generators writes (with the format's writer, `formats.FORMATS`), how many
    orders, and its problems with their positions."""
    source = get_adapter(platform)
    minter = IriMinter.for_platform(platform)
    report = TranslateReport()
    out = io.BytesIO()
    nodes = good_orders(read_nodes(source, read_documents(io.BytesIO(data)), minter), report, on_unknown)
    written = FORMATS[fmt](nodes, minter, out)
    return out.getvalue(), written, [(str(problem), problem.position) for problem in report.problems]


def loop(data: bytes, platform: str, on_unknown: OnUnknown, jobs: int = 1, fmt: str = "jsonld") -> Outcome:
    """What `translate` writes (the loop), in one process or in `jobs` workers, chunks of a few lines."""
    out = io.BytesIO()
    if jobs == 1:
        report = translate(io.BytesIO(data), out, platform=platform, on_unknown=on_unknown, fmt=fmt)
    else:
        report = translate_in_processes(
            io.BytesIO(data),
            out,
            adapter=get_adapter(platform),
            fmt=fmt,
            base_url=None,
            on_unknown=on_unknown,
            jobs=jobs,
            chunk_bytes=4096,
        )
    return out.getvalue(), report.written, [(str(problem), problem.position) for problem in report.problems]


def declined_but_read(platform: str, orders: list[bytes]) -> bytes:
    """A line the document reader declines but the reference path reads (a list of these orders):
    one the loop must hand over, whose orders must still come out between their neighbours'."""
    whole = get_adapter(platform).document_reader(IriMinter.for_platform(platform))
    assert whole is not None
    line = b"[" + b",".join(orders) + b"]"
    assert whole(orjson.loads(line)) is None
    results = list(read_orders(io.BytesIO(line), platform))
    assert len(results) == len(orders)
    assert not any(isinstance(result, OrderError) for result in results)
    return line


def refused(platform: str, seed: dict[str, object]) -> bytes:
    """A line that both paths refuse (an order that cannot be read): a problem at its line."""
    for document in single_mutations(seed, EDGES):
        line = json.dumps(document).encode()
        results = list(read_orders(io.BytesIO(line), platform))
        if len(results) == 1 and isinstance(results[0], OrderError):
            return line
    raise AssertionError(f"no mutation of a {platform} order that is refused")


def mixed(platform: str) -> tuple[bytes, list[bytes]]:
    """NDJSON: lines the loop takes, with two declined lines (lists of two orders), a refused order,
    a line that is not JSON and blank lines among them (the first line a taken one)."""
    good = generator(platform).ndjson(12).splitlines()
    lines = [
        good[0],
        good[1],
        declined_but_read(platform, good[8:10]),
        good[2],
        b"",
        b"{not json",
        good[3],
        b"  \t",
        refused(platform, orjson.loads(good[0])),
        good[4],
        declined_but_read(platform, good[10:12]),
        good[6],
        good[7],
    ]
    return b"\n".join(lines) + b"\n", lines


def _order_ids(written: bytes) -> list[str]:
    graph = orjson.loads(written)["@graph"]
    return [node["@id"] for node in graph if node["@type"] == "dfc-b:Order"]


@pytest.mark.parametrize("on_unknown", list(OnUnknown))
@pytest.mark.parametrize("platform", READ_WHOLE)
def test_lines_handed_over_keep_their_place_and_positions(platform: str, on_unknown: OnUnknown) -> None:
    data, lines = mixed(platform)
    expected = chain(data, platform, on_unknown)
    assert loop(data, platform, on_unknown) == expected
    many = data * 12  # more orders than the loop holds back before writing (`BATCH`)
    assert loop(many, platform, on_unknown) == chain(many, platform, on_unknown)
    written, count, problems = expected
    # The input is what it says: the chain itself puts the declined lines' orders in their place,
    # and names the bad lines.
    assert [str(position).split(":")[0] for _, position in problems] == ["line 6", "line 9"]
    ids = _order_ids(written)
    # Each line's orders on its own, in input order: where the chain (and so the loop) puts them.
    each = [order for line in lines for order in _order_ids(chain(line + b"\n", platform, on_unknown)[0])]
    if on_unknown is OnUnknown.SKIP:
        assert count == len(ids) == 11
        assert ids == each
    else:  # no order after the first problem (line 6)
        assert count == len(ids) == 5
        assert ids == each[:5]


@pytest.mark.parametrize("fmt", [fmt for fmt in FORMATS if fmt != "jsonld"])
@pytest.mark.parametrize("platform", READ_WHOLE)
def test_every_format_takes_the_loop_with_the_chains_bytes(platform: str, fmt: str) -> None:
    """N-Triples, Turtle and NDJSON go through the loop too (`bulk.lines.MEMBERS`): the bytes their
    own writers write through the chain, with the same problems, across a batch boundary."""
    data, _ = mixed(platform)
    data = data * 12
    for on_unknown in OnUnknown:
        outcome = loop(data, platform, on_unknown, fmt=fmt)
        assert outcome == chain(data, platform, on_unknown, fmt)
        assert outcome[1] == (132 if on_unknown is OnUnknown.SKIP else 5)


@pytest.mark.parametrize("platform", READ_WHOLE)
def test_lines_handed_over_in_workers(platform: str) -> None:
    """`--jobs` workers run the loop on their chunks: the same output and problems as one process."""
    data, _ = mixed(platform)
    data = data * 6
    for on_unknown in OnUnknown:
        assert loop(data, platform, on_unknown, jobs=2) == chain(data, platform, on_unknown)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n\n",
        b"{not json\n",
        b"\xef\xbb\xbf\n\n{not json\n{}\n",
        b"<Orders/>",
        b"[]\n",
        b"{}\n",
        b"{}\n\n\n{}\n",
        b"\n{}\n\n[]\n",
    ],
)
def test_inputs_that_are_not_plain_ndjson(data: bytes) -> None:
    """Empty input, one document, XML, a first line that is not JSON: the loop's start is the chain's."""
    for platform in READ_WHOLE:
        for on_unknown in OnUnknown:
            assert loop(data, platform, on_unknown) == chain(data, platform, on_unknown)


def test_a_whole_document_the_reader_takes() -> None:
    """A one-order JSON file (no line number) goes to the document reader as in the chain."""
    for platform in READ_WHOLE:
        line = generator(platform).ndjson(1).strip()
        pretty = json.dumps(orjson.loads(line), indent=2).encode()
        for data in (line, pretty, b"\n\n" + line + b"\n\n"):
            outcome = loop(data, platform, OnUnknown.FAIL)
            assert outcome == chain(data, platform, OnUnknown.FAIL)
            assert outcome[1] == 1
