"""NDJSON to JSON-LD graph members in one loop: the common case of `translate`, without its layers.

A translation to DFC JSON-LD is a chain of generators (`read_lines`, `read_raw`, `read_nodes`,
`good_orders`, `write_graph_members`), each a frame resumed per order. For NDJSON of bare orders
that the adapter's `document_reader` takes, that chain cost about a tenth of the work per order
(issue 17). `write_lines` does the same in one loop: each line parsed, handed to the document
reader, and its nodes written. A line the loop does not take itself (one the reader returns None
for, a line that is not JSON) goes through the reference path's own pieces (`read_split`,
`NodeReader.read`), and its orders or problems are written or reported where the chain would have,
with the same positions; after the last line come the orders the adapter held back (`finish`).
So the bytes and the problems are the chain's, which the tests hold it to.

Every DFC format takes it: an order's nodes become its bytes by the format's own writer
(`MEMBERS`: JSON-LD `@graph` members, an NDJSON line, N-Triples lines, Turtle statements).
"""

from __future__ import annotations

import typing as t

import orjson

from ..dfc.iris import IriMinter
from ..dfc.jsonld import DOCUMENT_CLOSE, DOCUMENT_OPEN, NODE_SEPARATOR, Node
from ..dfc.rdfwrite import TURTLE_PREFIXES, ntriples_text, turtle_text
from ..dfc.vocab import CONTEXT_URL
from ..errors import OrderError
from ..pipeline import OnUnknown, TranslateReport, read_finish, read_split
from ..platforms import Adapter, RawOrder
from ..position import Position
from ..reading import Document, Lines, not_json, open_documents
from .read import NodeReader

__all__ = ["BATCH", "MEMBERS", "Members", "write_document_lines", "write_lines"]

#: How many orders' members are written at once: few enough that memory stays flat (~150 KiB for
#: JSON-LD, ~600 KiB for N-Triples).
BATCH = 64


class Members(t.NamedTuple):
    """How a format writes orders: what comes before the first, each order's bytes from its nodes,
    what goes between two orders, and what comes after the last (as the format's writer does)."""

    open: bytes
    member: t.Callable[[list[Node]], bytes]
    separator: bytes
    close: bytes


def _graph_members(nodes: list[Node]) -> bytes:
    return orjson.dumps(nodes)[1:-1]  # `write_graph_members`: one order's nodes, one encoder call


def _ndjson_line(nodes: list[Node]) -> bytes:
    return orjson.dumps({"@context": CONTEXT_URL, "@graph": nodes}) + b"\n"  # `write_ndjson`


def _ntriples(nodes: list[Node]) -> bytes:
    return ntriples_text(nodes, nodes[0]["@id"]).encode()  # `write_ntriples`


def _turtle(nodes: list[Node]) -> bytes:
    return turtle_text(nodes).encode()  # `write_turtle`


#: By DFC format (`formats.FORMATS`).
MEMBERS = {
    "jsonld": Members(DOCUMENT_OPEN, _graph_members, NODE_SEPARATOR, DOCUMENT_CLOSE),
    "ndjson": Members(b"", _ndjson_line, b"", b""),
    "ntriples": Members(b"", _ntriples, b"", b""),
    "turtle": Members(TURTLE_PREFIXES.encode(), _turtle, b"", b""),
}


def write_document_lines(
    adapter: Adapter,
    stream: t.BinaryIO,
    minter: IriMinter,
    out: t.BinaryIO,
    report: TranslateReport,
    on_unknown: OnUnknown,
    members: Members = MEMBERS["jsonld"],
) -> int:
    """`write_document(good_orders(read_nodes(adapter, read_documents(stream), minter), ...), ...)`:
    one JSON-LD document of every order of `stream` (or the format `members` writes), problems to
    `report`; returns how many orders."""
    out.write(members.open)
    whole = adapter.document_reader(minter)
    opened = open_documents(stream)
    if isinstance(opened, Lines):
        first, rest, number = opened
        count = write_lines(
            adapter, whole, rest, number, minter, out, report, on_unknown, first, members=members
        )
    else:  # one document (or none): nothing to gain here, the same pieces all the same
        count = write_lines(adapter, whole, (), 0, minter, out, report, on_unknown, *opened, members=members)
    out.write(members.close)
    return count


def write_lines(
    adapter: Adapter,
    whole: t.Callable[[t.Any], list[Node] | None] | None,
    lines: t.Iterable[bytes],
    first_line: int,
    minter: IriMinter,
    out: t.BinaryIO,
    report: TranslateReport,
    on_unknown: OnUnknown,
    *before: Document | OrderError,
    members: Members = MEMBERS["jsonld"],
) -> int:
    """`write_graph_members(good_orders(read_nodes(adapter, [*before, *read_lines(lines, first_line)],
    minter), report, on_unknown), minter, out)`, with `whole` the adapter's `document_reader(minter)`:
    each order's bytes by `members.member`, separated by `members.separator`; returns how many
    orders were written."""
    reader: NodeReader | None = None
    problems = report.problems
    skip = on_unknown is OnUnknown.SKIP
    member, separator, loads, write = members.member, members.separator, orjson.loads, out.write
    #: Orders' members not yet written: written `BATCH` at a time, one call instead of two per order.
    held: list[bytes] = []
    hold = held.append
    count = 0  # orders written

    def flush() -> None:
        nonlocal count
        if count:
            write(separator)
        write(separator.join(held))
        count += len(held)
        held.clear()

    def put(results: t.Iterable[tuple[list[Node] | OrderError, RawOrder | None]]) -> None:
        """The reference path's results, as `good_orders` and `write_graph_members` take them."""
        for result, _raw in results:
            if isinstance(result, OrderError):
                problems.append(result)
            elif skip or not problems:
                hold(member(result))
                if len(held) == BATCH:
                    flush()

    def split(document: Document) -> None:
        """One document the loop does not take, through `split` and `NodeReader.read`."""
        nonlocal reader
        if reader is None:
            reader = NodeReader(adapter, minter)
        put(read_split(adapter, document, reader.read))

    for document in before:  # the first line, or the one document: nothing to gain inline
        if isinstance(document, OrderError):
            problems.append(document)
            continue
        nodes = None if whole is None else whole(document.value)
        if nodes is None:
            split(document)
        else:
            put(((nodes, None),))
    if whole is None:
        whole = _none
    for number, raw in enumerate(lines, first_line):
        if not raw or raw.isspace():  # `not raw.strip()`, without copying the line
            continue
        try:
            value = loads(raw)
        except orjson.JSONDecodeError as exc:
            problems.append(not_json(exc, Position(number)))
            continue
        nodes = whole(value)
        if nodes is None:
            split(Document(Position(number), value))
        elif skip or not problems:
            hold(member(nodes))
            if len(held) == BATCH:
                flush()
    put(read_finish(adapter, reader.read if reader is not None else NodeReader(adapter, minter).read))
    if held:
        flush()
    return count


def _none(_value: t.Any) -> None:
    """The document reader of an adapter that has none: every document goes through `split`."""
    return None
