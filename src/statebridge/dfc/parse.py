"""Reading DFC JSON-LD back into rdflib, offline (context references resolve to the local copy).

rdflib turns every `xsd:decimal` literal into a Decimal while parsing and, normalising it, writes
it out again in plain notation: `"1e999999999"^^xsd:decimal` would become a billion-digit string
inside rdflib, before statebridge reads a single field. So xsd:decimal is bound (once, on import)
to a reader that gives no value for a number outside statebridge's bounds (`bounds.py`): rdflib
then keeps the literal as written, and the order's reader refuses it with the usual message
naming the order, the field and the value. Within the bounds nothing changes.
"""

from __future__ import annotations

import contextlib
import logging
import typing as t
from decimal import Decimal

import orjson
import rdflib.term
from rdflib import XSD, Graph

from ..bounds import bounded
from .context import inline_context, offline_document

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
    with _quiet_term_warnings():
        target.parse(data=data, format="json-ld", base=RELATIVE_BASE)
    return target


def _drop(record: logging.LogRecord) -> bool:
    return False


@contextlib.contextmanager
def _quiet_term_warnings() -> t.Iterator[None]:
    """Silence rdflib's "does not look like a valid URI" warnings while a document is parsed.

    Unconfigured, they would reach stderr beside statebridge's own one-line reports. Readers check
    the IRIs they use themselves (`INVALID_IRI_CHARACTERS`) and report them as errors.
    """
    logger = logging.getLogger("rdflib.term")
    logger.addFilter(_drop)
    try:
        yield
    finally:
        logger.removeFilter(_drop)


def _bounded_decimal(lexical: str) -> Decimal | None:
    """rdflib's reader for xsd:decimal: the value, or None (no value) outside the bounds."""
    return bounded(Decimal(lexical))


def _bind_bounded_decimal() -> None:
    # rdflib logs "already bound. Rebinding." for a datatype it knows: expected here, kept quiet.
    # The lexicaliser is rdflib's own for Decimal (plain notation), so writing is unchanged.
    with _quiet_term_warnings():
        rdflib.term.bind(XSD.decimal, Decimal, constructor=_bounded_decimal, lexicalizer=lambda d: f"{d:f}")


_bind_bounded_decimal()
