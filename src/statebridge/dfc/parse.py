"""Reading DFC JSON-LD back into rdflib, offline (context references resolve to the local copy).

Number literals (`xsd:decimal`, `xsd:float`) are read exactly and within bounds: `xsdnumbers.py`
binds them in rdflib when this module is imported.
"""

from __future__ import annotations

import typing as t

import orjson
from rdflib import Graph

from .context import inline_context, offline_document
from .xsdnumbers import quiet_term_warnings

__all__ = ["INVALID_IRI_CHARACTERS", "RELATIVE_BASE", "parse_jsonld", "parse_untrusted_jsonld"]

#: The base that relative IRI references are resolved against when a document has no `@base`.
#: rdflib would otherwise use the current directory (`file:///…`), leaking a local path into IRIs.
#: `.invalid` is reserved (RFC 2606), so no real IRI starts with it: readers strip it off again
#: and keep the reference as the document wrote it.
RELATIVE_BASE = "https://relative.statebridge.invalid/"

#: Characters that rdflib (and RFC 3987) do not allow in an IRI; rdflib keeps such IRIs with a warning.
INVALID_IRI_CHARACTERS = frozenset('<>" {}|\\^`')


def parse_jsonld(data: bytes | str | t.Any, graph: Graph | None = None) -> Graph:
    """Parse a JSON-LD document (bytes, text or already-loaded JSON) into `graph`."""
    document = orjson.loads(data) if isinstance(data, bytes | str) else data
    target = Graph() if graph is None else graph
    target.parse(data=orjson.dumps(inline_context(document)).decode(), format="json-ld")
    return target


def parse_untrusted_jsonld(document: t.Any, graph: Graph | None = None) -> Graph:
    """Parse an already-loaded JSON-LD value that came from outside statebridge into `graph`.

    Unlike `parse_jsonld`, every context reference at any depth is resolved offline or refused
    (`UnrecognisedShapeError`), and relative IRIs resolve against `RELATIVE_BASE`. rdflib's own
    exceptions for JSON that is not valid JSON-LD pass through: callers report them.
    """
    target = Graph() if graph is None else graph
    data = orjson.dumps(offline_document(document)).decode()
    with quiet_term_warnings():
        target.parse(data=data, format="json-ld", base=RELATIVE_BASE)
    return target
