"""Reading platform JSON defensively: what every adapter needs to never crash on a bad payload.

Optional sub-objects may be null or missing (`mapping_or_empty`); required ones and lists must have
their type, or the error names the field and the value (`required_object`, `list_field`). JSON:API
documents carry related resources in `included`, indexed by (type, id) (`included_index`).
"""

from __future__ import annotations

import typing as t

from ..errors import InvalidOrderError

__all__ = ["each", "included_index", "list_field", "mapping_or_empty", "required_object"]

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
            raise exc.locate() from None
    return read_items
