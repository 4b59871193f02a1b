"""Reading platform JSON defensively: what every adapter needs to never crash on a bad payload.

Optional sub-objects may be null or missing (`mapping_or_empty`); required ones and lists must have
their type, or the error names the field and the value (`required_object`, `list_field`). JSON:API
documents carry related resources in `included`, indexed by (type, id) (`included_index`).
Export shapes that statebridge documents itself (Relatude, Socleo) share the scalar readers
`optional_id`, `optional_text`, `optional_decimal` and `optional_timestamp`: null is None, anything
of the wrong kind is an `InvalidOrderError` naming the field and the value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import typing as t
from decimal import Decimal

from ..errors import InvalidOrderError

__all__ = [
    "each",
    "included_index",
    "list_field",
    "mapping_or_empty",
    "optional_decimal",
    "optional_id",
    "optional_text",
    "optional_timestamp",
    "required_object",
]

_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")

T = t.TypeVar("T")


def mapping_or_empty(value: t.Any) -> t.Mapping[str, t.Any]:
    """`value` when it is a JSON object, else an empty one (optional sub-objects may be null)."""
    return value if isinstance(value, dict) else {}


def required_object(value: t.Any, where: str | None) -> t.Mapping[str, t.Any]:
    """`value`, which must be a JSON object; `InvalidOrderError` naming `where` otherwise."""
    if not isinstance(value, dict):
        msg = "expected an object"
        raise InvalidOrderError(msg, field=where, value=value, has_value=True)
    return value


def list_field(record: t.Mapping[str, t.Any], key: str) -> list[t.Any]:
    """`record[key]` as a list (missing or null is empty); `InvalidOrderError` for another type."""
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        msg = "expected a list"
        raise InvalidOrderError(msg, field=key, value=value, has_value=True)
    return value


def included_index(included: t.Any) -> dict[tuple[str, str], dict[str, t.Any]]:
    """A JSON:API `included` array by (type, id); anything that is not a resource is passed over."""
    if not isinstance(included, list):
        return {}
    return {(str(item.get("type")), str(item.get("id"))): item for item in included if isinstance(item, dict)}


def each(items: t.Iterable[t.Any], where: str, read: t.Callable[[t.Any], T]) -> list[T]:
    """`read(item)` for every item; an `InvalidOrderError` it raises is named from `where[i]`.

    `read` names fields relative to its item (`id`, or None for the item itself), so that no
    field path is built unless something is wrong: `line_items[2].id`, `line_items[2]`.
    """
    read_items = []
    for i, item in enumerate(items):
        try:
            read_items.append(read(item))
        except InvalidOrderError as exc:
            exc.field = f"{where}[{i}].{exc.field}" if exc.field else f"{where}[{i}]"
            raise exc from None
    return read_items


def optional_id(value: t.Any, field: str) -> str | None:
    """An identifier: text, or a JSON integer (an order number written as a number)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value if value.strip() else None
    msg = "expected text or an integer"
    raise InvalidOrderError(msg, field=field, value=value, has_value=True)


def optional_text(value: t.Any, field: str) -> str | None:
    """Text; blank text is None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    msg = "expected text"
    raise InvalidOrderError(msg, field=field, value=value, has_value=True)


def optional_decimal(value: t.Any, field: str, *, expected: str, comma_hint: str) -> Decimal | None:
    """A number as an exact Decimal: JSON integers and floats (via their shortest text) or decimal
    text. Refused with `expected`, plus `comma_hint` when the text has a decimal comma."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float) and math.isfinite(value):
        return Decimal(repr(value))  # repr is the shortest text that reads back: 0.1 -> "0.1"
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value.strip()):
        return Decimal(value.strip())
    hint = comma_hint if isinstance(value, str) and "," in value else ""
    msg = f"{expected}{hint}"
    raise InvalidOrderError(msg, field=field, value=value, has_value=True)


def optional_timestamp(value: t.Any, field: str, *, example: str, no_offset: str) -> dt.datetime | None:
    """An ISO 8601 date-time with its UTC offset (`example` shows one); one without an offset is
    refused, `no_offset` saying why, since the time zone is never guessed."""
    if value is None:
        return None
    if not isinstance(value, str):
        msg = f"expected an ISO 8601 date-time with its UTC offset ({example})"
        raise InvalidOrderError(msg, field=field, value=value, has_value=True)
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        msg = f"not an ISO 8601 date-time ({example})"
        raise InvalidOrderError(msg, field=field, value=value, has_value=True) from None
    if parsed.utcoffset() is None:
        msg = f"has no UTC offset: the export must write one ({example}); {no_offset}"
        raise InvalidOrderError(msg, field=field, value=value, has_value=True)
    return parsed
