"""Reading platform JSON defensively: what every adapter needs to never crash on a bad payload.

Optional sub-objects may be null or missing (`mapping_or_empty`); required ones and lists must have
their type, or the error names the field and the value (`required_object`, `list_field`). JSON:API
documents carry related resources in `included`, indexed by (type, id) (`included_index`).
"""

from __future__ import annotations

import typing as t

from ..errors import InvalidOrderError

__all__ = ["included_index", "list_field", "mapping_or_empty", "required_object"]


def mapping_or_empty(value: t.Any) -> t.Mapping[str, t.Any]:
    """`value` when it is a JSON object, else an empty one (optional sub-objects may be null)."""
    return value if isinstance(value, dict) else {}


def required_object(value: t.Any, where: str) -> t.Mapping[str, t.Any]:
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
