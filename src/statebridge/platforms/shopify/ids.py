"""Shopify ids: numeric REST ids and GraphQL gids (`gid://shopify/Order/450789469`), read and checked."""

from __future__ import annotations

import re
import typing as t

from ...errors import InvalidOrderError
from ..base import text_or_none

_GID = re.compile(r"gid://shopify/(?P<kind>[A-Za-z]+)/(?P<id>\d{1,30})(?:\?.*)?")


_NUMBER = re.compile(r"\d{1,30}")


_MAX_ID_DIGITS = 30


#: The start of a REST object's `admin_graphql_api_id`, by kind (the fast path of `_rest_id`).
_GID_PREFIXES = {
    kind: f"gid://shopify/{kind}/"
    for kind in ("Order", "Customer", "Company", "LineItem", "OrderTransaction", "Fulfillment")
}


def _gid_kind(value: t.Any) -> str | None:
    match = _GID.fullmatch(value) if isinstance(value, str) else None
    return match.group("kind") if match else None


def _same_number(a: str, b: str) -> bool:
    """Whether two decimal ids are one number, perhaps rounded through a double on the way."""
    return a == b or float(int(a)) == float(int(b))


def _rest_id(record: t.Mapping[str, t.Any], kind: str, where: str) -> str | None:
    """The numeric id of a REST object: its gid's tail when given (exact), checked against `id`."""
    own = record.get("id")
    gid = record.get("admin_graphql_api_id")
    prefix = _GID_PREFIXES[kind]
    if type(gid) is str and gid.startswith(prefix):  # the common case, decided without a regex
        exact = gid[len(prefix) :]
        digits = exact.isascii() and exact.isdigit() and len(exact) <= _MAX_ID_DIGITS
        if digits and (own is None or (type(own) is int and str(own) == exact) or own == exact):
            return exact
    return _checked_rest_id(record, kind, where)


def _checked_rest_id(record: t.Mapping[str, t.Any], kind: str, where: str) -> str | None:
    prefix = f"{where}." if where else ""
    own = text_or_none(record.get("id"), field=f"{prefix}id")
    gid = record.get("admin_graphql_api_id")
    if gid is None:
        return own
    match = _GID.fullmatch(gid) if isinstance(gid, str) else None
    if match is None or match.group("kind") != kind:
        msg = f"expected gid://shopify/{kind}/<number>"
        raise InvalidOrderError(msg, field=f"{prefix}admin_graphql_api_id", value=gid, has_value=True)
    exact = match.group("id")
    if own is not None and not (_NUMBER.fullmatch(own) and _same_number(own, exact)):
        msg = f"does not match admin_graphql_api_id {gid!r}"
        raise InvalidOrderError(msg, field=f"{prefix}id", value=record.get("id"), has_value=True)
    return exact


def _graphql_id(record: t.Mapping[str, t.Any], kind: str, where: str) -> str | None:
    """The numeric id of a GraphQL object: its gid's tail (or `legacyResourceId`)."""
    value = record.get("id")
    legacy = text_or_none(record.get("legacyResourceId"), field=f"{where}.legacyResourceId")
    if value is None:
        return legacy
    match = _GID.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        if isinstance(value, str) and value and not value.startswith("gid://"):
            return value
        msg = f"expected gid://shopify/{kind}/<number>"
        raise InvalidOrderError(msg, field=where, value=value, has_value=True)
    if match.group("kind") != kind:
        msg = f"expected gid://shopify/{kind}/<number>"
        raise InvalidOrderError(msg, field=where, value=value, has_value=True)
    return match.group("id")
