"""Lexical forms shared by both DFC writers, so that their literals are the same RDF terms.

Numbers (`dfc-b:quantity`, `dfc-b:value`) are typed `xsd:float`, the range the DFC 1.16.0
ontology declares for both, and written in plain decimal notation with exactly the digits of
statebridge's `Decimal`: `"12.5"`, `"2"`, `"0.333333333333333333"`. xsd:float's lexical space
takes any decimal numeral, so the document carries the exact amount; what a reader that keeps
binary floats computes from it is its own concern, and statebridge never converts through one.

Why this form (docs/references/dfc-number-literals.md has the sources):

- The ontology: `dfc-b:quantity` and `dfc-b:value` have `rdfs:range xsd:float`; an
  `xsd:decimal` literal (what statebridge wrote before) is outside that range.
- The Ruby connector (OFN): RDF.rb has no class for xsd:float, so the importer hands OFN the
  lexical form as a String, exactly what it gets from the FDC server (plain strings) and reads
  with `to_i`/`to_f`. An xsd:decimal became a BigDecimal instead.
- The TypeScript connector: `getQuantity()` and `Price.getQuantityValue()` are
  `Number(literal.value)`, whatever the datatype: `Number("2")` is 2.
- The PHP connector: EasyRdf has no class for xsd:float either; `getQuantity(): float` coerces
  the numeric string.
- A whole quantity is `"2"`, not `"2.0"`: what OFN (JSON integers) and FDC (`"2"`) send.
- A JSON number would become `xsd:double` in canonical form (`"1.885E1"`) and go through binary
  floats in every JSON parser on the way: never used for money.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..memo import remember

__all__ = ["datetime_lexical", "number_lexical"]

#: Lexical forms already computed: prices and quantities repeat across orders. Equal decimals
#: (`2`, `2.00`) share one canonical form, so keying by value is sound; cleared when full.
_LEXICAL: dict[Decimal, str] = {}
_LEXICAL_CACHE = 65536


def number_lexical(value: Decimal) -> str:
    """The form written for a DFC number: `Decimal("12.50")` -> `"12.5"`, `Decimal("2.0")` -> `"2"`,
    `Decimal("1E+2")` -> `"100"`.

    Plain notation (no exponent), no trailing zeros, no point for a whole number, no sign on zero:
    one form per value, so both writers and every output format carry the same literal.
    """
    text = _LEXICAL.get(value)
    if text is None:
        text = remember(_LEXICAL, value, _canonical(value), _LEXICAL_CACHE)
    return text


def _canonical(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    if text.startswith("-") and text.strip("-0.") == "":
        text = text[1:]
    return text


def datetime_lexical(value: dt.datetime) -> str:
    """ISO 8601 with its explicit offset, as `dfc-b:date` requires."""
    if value.tzinfo is None:
        msg = "DFC dates need an explicit offset"
        raise ValueError(msg)
    return value.isoformat()
