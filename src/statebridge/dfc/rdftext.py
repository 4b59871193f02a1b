"""Turtle and N-Triples output through rdflib, streamed one order at a time.

rdflib's Turtle serializer grows faster than linearly with graph size (rdflib issue #2135), so each
order gets its own small graph: N-Triples is simply concatenated, and Turtle writes the prefixes once
and then each order's statements.

rdflib writes N-Triples in the order its graph's sets give, which follows Python's per-process string
hashing: each order's lines are sorted, so that the same orders are the same bytes in every run and in
every `--jobs` worker (spawned workers hash differently from their parent).
"""

from __future__ import annotations

import typing as t

from rdflib import Graph

from ..model import Order
from .graph import bind_namespaces, to_graph
from .iris import MinterSource, minter_for

__all__ = ["turtle_prefixes", "write_ntriples", "write_turtle", "write_turtle_statements"]


def write_ntriples(orders: t.Iterable[Order], minter: MinterSource, out: t.BinaryIO) -> int:
    count = 0
    for order in orders:
        body = to_graph(order, minter_for(minter, order)).serialize(format="nt", encoding="utf-8")
        out.write(b"".join(sorted(body.splitlines(keepends=True))))
        count += 1
    return count


def _prefix_lines(graph: Graph) -> bytes:
    return b"".join(
        f"@prefix {prefix}: <{namespace}> .\n".encode()
        for prefix, namespace in sorted(graph.namespaces())
        if prefix in {"dfc-b", "dfc-v", "dfc-m", "xsd"}
    )


def turtle_prefixes() -> bytes:
    """The `@prefix` lines `write_turtle` starts with."""
    return _prefix_lines(bind_namespaces(Graph()))


def write_turtle(orders: t.Iterable[Order], minter: MinterSource, out: t.BinaryIO) -> int:
    out.write(turtle_prefixes())
    return write_turtle_statements(orders, minter, out)


def write_turtle_statements(orders: t.Iterable[Order], minter: MinterSource, out: t.BinaryIO) -> int:
    """Each order's statements in Turtle, after the prefixes `turtle_prefixes` gives."""
    count = 0
    for order in orders:
        body = to_graph(order, minter_for(minter, order)).serialize(format="turtle", encoding="utf-8")
        lines = [line for line in body.splitlines(keepends=True) if not line.startswith(b"@prefix")]
        out.write(b"".join(lines))
        count += 1
    return count
