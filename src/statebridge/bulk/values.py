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
from ..memo import remember
from ..model import Money, NonNegativeDecimal

__all__ = [
    "DECLINE",
    "MONEY_TEXT",
    "QUANTITY_TEXT",
    "Declined",
    "currency",
    "money",
    "quantity",
    "text_id",
    "text_or_null",
    "timestamp",
    "timestamp_text",
]


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


class _Numbers:
    """One model validator's answers, remembered per type and value: the lexical form of a valid
    number, `DECLINE` for one the validator refuses. Only the types adapters hand over as numbers
    are taken (JSON's, as orjson gives them, and `Decimal` from export readers); a bool, None or a
    container is declined without asking. Values are keyed apart by type (`True == 1`, `1 == 1.0`);
    equal Decimals (`1.0`, `1.00`) share an entry, which is sound because the bounds do not count
    trailing zeros and the lexical form is by value."""

    def __init__(self, adapter: TypeAdapter[Decimal]) -> None:
        self._adapter = adapter
        self.by_type: dict[type, dict[t.Any, str | Declined]] = {
            kind: {} for kind in (str, int, float, Decimal)
        }

    def __call__(self, value: t.Any) -> str | Declined:
        seen = self.by_type.get(type(value))
        if seen is None:
            return DECLINE
        try:
            found = seen.get(value)
        except TypeError:  # an unhashable Decimal (a signalling NaN)
            return DECLINE
        if found is None:
            try:
                found = number_lexical(self._adapter.validate_python(value))
            except ValidationError:
                found = DECLINE
            remember(seen, value, found)
        return found


_MONEY = _Numbers(TypeAdapter(Money))
_QUANTITY = _Numbers(TypeAdapter(NonNegativeDecimal))
#: The remembered answers for text, looked in first (`money`, `quantity`, and the readers of the
#: bulk path, before they call those): most numbers come as decimal strings.
MONEY_TEXT = _MONEY.by_type[str]
QUANTITY_TEXT = _QUANTITY.by_type[str]


def money(value: t.Any) -> str | Declined | None:
    """An optional amount (`Money | None`): None, its lexical form, or `DECLINE`."""
    if value is None:
        return None
    found = MONEY_TEXT.get(value) if type(value) is str else None
    return found if found is not None else _MONEY(value)


def quantity(value: t.Any) -> str | Declined:
    """A required quantity (`NonNegativeDecimal`): its lexical form, or `DECLINE`."""
    found = QUANTITY_TEXT.get(value) if type(value) is str else None
    return found if found is not None else _QUANTITY(value)


_TIMESTAMP_FORM = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})"
).fullmatch
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


def timestamp_text(value: t.Any) -> str | Declined | None:
    """`timestamp`, then the lexical form the writers give it (`datetime_lexical`, `isoformat()`),
    spelt from the text itself: its date and time to the second, the fraction as six digits unless
    it is zero, and the offset (`Z` and `-00:00` as `+00:00`)."""
    if value is None:
        return None
    if type(value) is not str:
        parsed = timestamp(value)
        return parsed if parsed is None or parsed is DECLINE else t.cast(dt.datetime, parsed).isoformat()
    if _TIMESTAMP_FORM(value) is None:
        return DECLINE
    try:
        micro = _FROM_ISO(value).microsecond
    except ValueError:
        return DECLINE
    offset = value[-6:]
    if value[-1] == "Z" or offset == "-00:00":
        offset = "+00:00"
    return f"{value[:19]}.{micro:06d}{offset}" if micro else value[:19] + offset


_CURRENCY = re.compile(r"[A-Z]{3}")


def currency(value: t.Any) -> str | Declined | None:
    """An optional ISO 4217 code as the model's pattern takes it, or `DECLINE`."""
    if value is None or (type(value) is str and _CURRENCY.fullmatch(value) is not None):
        return value
    return DECLINE


def text_or_null(value: t.Any) -> str | Declined | None:
    """Optional text (`str | None`): the value itself, or `DECLINE` for anything but a `str`."""
    if value is None or type(value) is str:
        return value
    return DECLINE


def text_id(value: t.Any) -> t.Any:
    """An id as the adapters read one (`text_or_none`): text kept, an integer as text, None; `DECLINE`
    for anything else."""
    kind = type(value)
    if kind is str or value is None:
        return value
    if kind is int:
        return str(value)
    return DECLINE
