"""DFC output: vocabulary, IRIs, the rdflib reference graph and the fast JSON-LD writer."""

from __future__ import annotations

from .graph import orders_to_graph, to_graph
from .iris import IriMinter
from .jsonld import order_document, order_nodes, write_document, write_ndjson
from .parse import parse_jsonld
from .rdftext import write_ntriples, write_turtle
from .vocab import CONTEXT_URL

__all__ = [
    "CONTEXT_URL",
    "IriMinter",
    "order_document",
    "order_nodes",
    "orders_to_graph",
    "parse_jsonld",
    "to_graph",
    "write_document",
    "write_ndjson",
    "write_ntriples",
    "write_turtle",
]
