"""The bulk path's scalar checks: each accepts a subset of what the canonical model accepts, and
gives what the model would hold (or its lexical form); anything else is `DECLINE`, and the order
goes through the reference path, which says what is wrong.

- Money and quantities go through the model's own validators (`Money`, `NonNegativeDecimal`),
  remembered by (type, value): prices and quantities repeat across orders, and a validator is a
  pure function of its input. The lexical form written is `number_lexical`'s.
- Timestamps: an aware `datetime` as it is; text only in the form
  `YYYY-MM-DDThh:mm:ss[.f{1,6}](Z|±hh:mm)`, read by `datetime.fromisoformat`; the tests hold it to
  pydantic's `AwareDatetime` on that form (same acceptance, instant and offset: same `isoformat()`).
- Text is taken only when it is exactly a `str` (what orjson gives), which the model keeps as is.
"""

from __future__ import annotations

import datetime as dt
import re
import typing as t
from decimal import Decimal

from pydantic import TypeAdapter, ValidationError

from ..dfc.literals import number_lexical
from ..model import Money, NonNegativeDecimal

__all__ = ["DECLINE", "Declined", "currency", "id_text", "money", "quantity", "timestamp"]


class Declined:
    """The one value `DECLINE`: the bulk path does not take this order."""

    _instance: Declined | None = None

    def __new__(cls) -> Declined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "DECLINE"


DECLINE = Declined()

#: How many distinct numbers each check remembers (cleared when full: memory stays flat).
_REMEMBERED = 65536
_MONEY: TypeAdapter[Decimal] = TypeAdapter(Money)
_QUANTITY: TypeAdapter[Decimal] = TypeAdapter(NonNegativeDecimal)
#: What adapters hand over as numbers: JSON's (orjson's types), and `Decimal` from export readers.
_NUMBER_TYPES = (str, int, float, Decimal)


_Cache = dict[tuple[type, t.Any], "str | None"]


def _lexical(
    adapter: TypeAdapter[Decimal], cache: _Cache, texts: dict[str, str], value: t.Any
) -> str | Declined:
    """The model validator's answer for `value`, remembered; valid text also goes to `texts`, the
    cache the checks look in first (most numbers come as decimal strings)."""
    kind = type(value)
    if kind not in _NUMBER_TYPES:  # bool, None, containers: the reference path decides
        return DECLINE
    key = (kind, value) if kind is not Decimal else (kind, str(value))  # a Decimal by its own digits
    found = cache.get(key, DECLINE)
    if found is DECLINE:
        try:
            found = number_lexical(adapter.validate_python(value))
        except ValidationError:
            found = None
        if len(cache) >= _REMEMBERED:
            cache.clear()
            texts.clear()
        cache[key] = found
        if found is not None and kind is str:
            texts[value] = found
    return DECLINE if found is None else t.cast(str, found)


_MONEY_SEEN: _Cache = {}
_MONEY_TEXT: dict[str, str] = {}
_QUANTITY_SEEN: _Cache = {}
_QUANTITY_TEXT: dict[str, str] = {}


def money(value: t.Any) -> str | Declined | None:
    """An optional amount (`Money | None`): None, its lexical form, or `DECLINE`."""
    if value is None:
        return None
    found = _MONEY_TEXT.get(value) if type(value) is str else None
    return found if found is not None else _lexical(_MONEY, _MONEY_SEEN, _MONEY_TEXT, value)


def quantity(value: t.Any) -> str | Declined:
    """A required quantity (`NonNegativeDecimal`): its lexical form, or `DECLINE`."""
    found = _QUANTITY_TEXT.get(value) if type(value) is str else None
    return found if found is not None else _lexical(_QUANTITY, _QUANTITY_SEEN, _QUANTITY_TEXT, value)


_TIMESTAMP_FORM = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)").fullmatch
_FROM_ISO = dt.datetime.fromisoformat


def timestamp(value: t.Any) -> dt.datetime | Declined | None:
    """An optional aware timestamp (`AwareDatetime | None`) in the one form taken, or `DECLINE`."""
    if value is None:
        return None
    if type(value) is dt.datetime:  # read by an export reader (Relatude): aware, or not taken
        return value if value.utcoffset() is not None else DECLINE
    if type(value) is not str or _TIMESTAMP_FORM(value) is None:
        return DECLINE
    try:
        return _FROM_ISO(value)
    except ValueError:
        return DECLINE


_CURRENCY = re.compile(r"[A-Z]{3}")


def currency(value: t.Any) -> str | Declined | None:
    """An optional ISO 4217 code as the model's pattern takes it, or `DECLINE`."""
    if value is None or (type(value) is str and _CURRENCY.fullmatch(value) is not None):
        return value
    return DECLINE


def id_text(value: t.Any) -> str | Declined | None:
    """Optional text (`str | None`): the value itself, or `DECLINE` for anything but a `str`."""
    if value is None or type(value) is str:
        return value
    return DECLINE
