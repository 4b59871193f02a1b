"""Lexical forms shared by both DFC writers, so that their literals are the same RDF terms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

__all__ = ["datetime_lexical", "decimal_lexical"]


def decimal_lexical(value: Decimal) -> str:
    """`Decimal("12.50")` -> `"12.5"`, `Decimal("1E+2")` -> `"100"`: xsd:decimal, no exponent."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def datetime_lexical(value: dt.datetime) -> str:
    """ISO 8601 with its explicit offset, as `dfc-b:date` requires."""
    if value.tzinfo is None:
        msg = "DFC dates need an explicit offset"
        raise ValueError(msg)
    return value.isoformat()
