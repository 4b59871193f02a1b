"""Reading DFC JSON-LD back into rdflib, offline (context references resolve to the local copy)."""

from __future__ import annotations

import typing as t

import orjson
from rdflib import Graph

from .context import inline_context

__all__ = ["parse_jsonld"]


def parse_jsonld(data: bytes | str | t.Any, graph: Graph | None = None) -> Graph:
    """Parse a JSON-LD document (bytes, text or already-loaded JSON) into `graph`."""
    document = orjson.loads(data) if isinstance(data, bytes | str) else data
    target = Graph() if graph is None else graph
    target.parse(data=orjson.dumps(inline_context(document)).decode(), format="json-ld")
    return target
