"""Turtle and N-Triples output, written directly from the JSON-LD writer's node objects.

Each order's node objects (`jsonld.order_nodes`, the one mapping of an order to RDF the fast writers
share) are spelled as N-Triples lines or Turtle statements by `rdfwrite.py`, one order at a time,
without building an rdflib graph: as fast as JSON-LD, and memory stays flat. rdflib's graph
(`graph.to_graph`) stays the reference the tests hold this output to.

The output is the same bytes in every run and in every `--jobs` worker: nodes and properties come in
the writer's order, and blank node labels derive from the order's IRI, never from a hash seed or a
position in the input.
"""

from __future__ import annotations

import typing as t

from .iris import MinterSource
from .jsonld import Written, nodes_of
from .rdfwrite import TURTLE_PREFIXES, ntriples_text, turtle_text

__all__ = ["turtle_prefixes", "write_ntriples", "write_turtle", "write_turtle_statements"]

_PREFIX_BYTES = TURTLE_PREFIXES.encode()


def write_ntriples(orders: t.Iterable[Written], minter: MinterSource, out: t.BinaryIO) -> int:
    count = 0
    for item in orders:
        nodes = nodes_of(item, minter)
        out.write(ntriples_text(nodes, nodes[0]["@id"]).encode())
        count += 1
    return count


def turtle_prefixes() -> bytes:
    """The `@prefix` lines `write_turtle` starts with."""
    return _PREFIX_BYTES


def write_turtle(orders: t.Iterable[Written], minter: MinterSource, out: t.BinaryIO) -> int:
    out.write(_PREFIX_BYTES)
    return write_turtle_statements(orders, minter, out)


def write_turtle_statements(orders: t.Iterable[Written], minter: MinterSource, out: t.BinaryIO) -> int:
    """Each order's statements in Turtle, after the prefixes `turtle_prefixes` gives."""
    count = 0
    for item in orders:
        out.write(turtle_text(nodes_of(item, minter)).encode())
        count += 1
    return count
