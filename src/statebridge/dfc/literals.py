"""Lexical forms shared by both DFC writers, so that their literals are the same RDF terms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

__all__ = ["datetime_lexical", "decimal_lexical"]

#: Lexical forms already computed: prices and quantities repeat across orders. Equal decimals
#: (`2`, `2.00`) share one canonical form, so keying by value is sound; cleared when full.
_LEXICAL: dict[Decimal, str] = {}
_LEXICAL_CACHE = 65536


def decimal_lexical(value: Decimal) -> str:
    """The canonical xsd:decimal form: `Decimal("12.50")` -> `"12.5"`, `Decimal("1E+2")` -> `"100.0"`.

    Canonical means no exponent, no trailing zeros, and a digit on each side of the point, which
    is also how Turtle writes a decimal: so every output format carries the same literal.
    """
    text = _LEXICAL.get(value)
    if text is None:
        if len(_LEXICAL) >= _LEXICAL_CACHE:
            _LEXICAL.clear()
        text = _LEXICAL[value] = _canonical(value)
    return text


def _canonical(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    if text.startswith("-") and text.strip("-0.") == "":
        text = text[1:]
    return text if "." in text else text + ".0"


def datetime_lexical(value: dt.datetime) -> str:
    """ISO 8601 with its explicit offset, as `dfc-b:date` requires."""
    if value.tzinfo is None:
        msg = "DFC dates need an explicit offset"
        raise ValueError(msg)
    return value.isoformat()
