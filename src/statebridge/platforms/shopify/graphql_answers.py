"""Reading the Admin GraphQL API's answers: errors, throttling, costs, connections and cursors."""

from __future__ import annotations

import typing as t

from ...errors import FatalAPIError


def _mapping(value: t.Any) -> t.Mapping[str, t.Any]:
    return value if isinstance(value, dict) else {}


def _number(value: t.Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _shown(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _kind_of(value: t.Any) -> str:
    return "null" if value is None else type(value).__name__


def _error_items(errors: t.Any) -> list[t.Any]:
    return errors if isinstance(errors, list) else [errors]


def _code(error: t.Any) -> str | None:
    code = _mapping(_mapping(error).get("extensions")).get("code")
    return code if isinstance(code, str) else None


def _is_throttled(errors: t.Any) -> bool:
    if not errors:
        return False
    return any(
        _code(error) == "THROTTLED" or _mapping(error).get("message") == "Throttled"
        for error in _error_items(errors)
    )


def _max_cost_exceeded(errors: t.Any) -> tuple[float | None, float | None] | None:
    """(price, limit) of a `MAX_COST_EXCEEDED` refusal, as far as Shopify said; None otherwise."""
    for error in _error_items(errors):
        if _code(error) == "MAX_COST_EXCEEDED":
            extensions = _mapping(_mapping(error).get("extensions"))
            return _number(extensions.get("cost")), _number(extensions.get("maxCost"))
    return None


def _describe_errors(errors: t.Any, limit: int = 5) -> str:
    """`ACCESS_DENIED: Access denied for orders field. (path orders)`, at most `limit` of them."""
    items = _error_items(errors)
    parts = []
    for error in items[:limit]:
        if not isinstance(error, dict):
            parts.append(str(error)[:300])
            continue
        message = str(error.get("message", "(no message)")).strip().splitlines()
        text = message[0][:300] if message else "(no message)"
        code = _code(error)
        path = error.get("path")
        where = f" (path {'.'.join(map(str, path))})" if isinstance(path, list) and path else ""
        parts.append(f"{code}: {text}{where}" if code else f"{text}{where}")
    if len(items) > limit:
        parts.append(f"and {len(items) - limit} more")
    return "; ".join(parts) or "(no message)"


def _connection(value: t.Any, where: str, request: str) -> dict[str, t.Any]:
    """A connection with a `nodes` list, as the queries ask for; anything else is fatal."""
    if isinstance(value, dict) and isinstance(value.get("nodes"), list):
        return value
    msg = f"expected {where} to be a connection with nodes, got {_kind_of(value)}"
    raise FatalAPIError(msg, request=request)


def _next_cursor(connection: t.Mapping[str, t.Any], previous: str | None, request: str) -> str | None:
    """The `endCursor` to ask after, or None on the last page; a next page without one is fatal."""
    info = _mapping(connection.get("pageInfo"))
    if info.get("hasNextPage") is not True:
        return None
    cursor = info.get("endCursor")
    if not isinstance(cursor, str) or not cursor or cursor == previous:
        msg = f"Shopify says there is a next page but gives no new endCursor ({cursor!r}): cannot go on"
        raise FatalAPIError(msg, request=request)
    return cursor
