"""How rdflib reads and writes the number literals of DFC orders: exactly, and within bounds.

rdflib turns a typed literal into a Python value while parsing (and while building a graph) and,
normalising it, writes the value out again:

- `xsd:float` becomes a binary float: `"123456789012345.6789"^^xsd:float` would read back as
  `123456789012345.67`, and `"2"` would be written as `"2.0"`. statebridge writes its numbers as
  xsd:float (the ontology's range, see `literals.py`), with every decimal digit: so xsd:float is
  bound to `Decimal`, and its plain-notation lexical form survives parsing and writing unchanged.
- `xsd:decimal` becomes a Decimal written in plain notation: `"1e999999999"^^xsd:decimal` would be
  a billion-digit string inside rdflib before statebridge reads a single field.

Both bindings give no value for a number outside statebridge's bounds (`bounds.py`) or one that
is not a number (`"INF"`, `"abc"`): rdflib then keeps the literal as written (quietly), and the
order's reader refuses it with the usual message naming the order, the field and the value.
Within the bounds a number reads as the Decimal it says. The bindings are made once, on import
of this module, which both the reader (`parse.py`) and the rdflib writer (`graph.py`) import.
"""

from __future__ import annotations

import contextlib
import logging
import typing as t
from decimal import Decimal, InvalidOperation

import rdflib.term
from rdflib import XSD

from ..bounds import bounded

__all__ = ["exact_number", "quiet_term_warnings"]


def exact_number(lexical: str) -> Decimal | None:
    """rdflib's reader for xsd:decimal and xsd:float: the exact value, or None (no value)."""
    try:
        return bounded(Decimal(lexical))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _plain(value: Decimal) -> str:
    return f"{value:f}"


def _drop(record: logging.LogRecord) -> bool:
    return False


@contextlib.contextmanager
def quiet_term_warnings() -> t.Iterator[None]:
    """Silence rdflib's term warnings ("does not look like a valid URI", "already bound") while
    a document is parsed or a binding made: unconfigured, they would reach stderr beside
    statebridge's own one-line reports. Readers check what they use themselves."""
    logger = logging.getLogger("rdflib.term")
    logger.addFilter(_drop)
    try:
        yield
    finally:
        logger.removeFilter(_drop)


def _bind() -> None:
    with quiet_term_warnings():
        rdflib.term.bind(XSD.decimal, Decimal, constructor=exact_number, lexicalizer=_plain)
        rdflib.term.bind(
            XSD.float, Decimal, constructor=exact_number, lexicalizer=_plain, datatype_specific=True
        )


_bind()
