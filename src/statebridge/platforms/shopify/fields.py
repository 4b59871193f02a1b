"""Readers shared by Shopify's REST and GraphQL shapes: statuses, timestamps, money, buyer, payments."""

from __future__ import annotations

import datetime as dt
import typing as t

from pydantic import AwareDatetime, TypeAdapter, ValidationError

from ...errors import InvalidOrderError
from ..json_fields import mapping_or_empty as _mapping, required_object as _object
from .ids import _graphql_id, _rest_id

#: REST money fields and the `…_set` object beside each (shop and presentment currencies).
_MONEY_SETS = {key: f"{key}_set" for key in ("current_total_price", "total_price", "price", "amount")}


#: Key under which a Bulk line-item row keeps where it was read, for messages (no Shopify key).
_ROW = "__statebridge_position"


_TIMESTAMP: TypeAdapter[dt.datetime] = TypeAdapter(AwareDatetime)


_REFUNDED = frozenset({"partially_refunded", "refunded", "PARTIALLY_REFUNDED", "REFUNDED"})


def _connection(value: t.Any, where: str) -> list[t.Any]:
    """The items of a GraphQL connection (`nodes` or `edges[].node`), or of a plain list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    connection = _object(value, where)
    if _mapping(connection.get("pageInfo")).get("hasNextPage") is True:
        msg = "the order has more items than the query fetched: raise `first:` or use a Bulk Operation"
        raise InvalidOrderError(msg, field=f"{where}.pageInfo.hasNextPage", value=True, has_value=True)
    if isinstance(connection.get("nodes"), list):
        return list(connection["nodes"])
    if isinstance(connection.get("edges"), list):
        return [
            _object(edge, f"{where}.edges[{i}]").get("node") for i, edge in enumerate(connection["edges"])
        ]
    msg = "expected a connection with nodes or edges"
    raise InvalidOrderError(msg, field=where, value=value, has_value=True)


def _status(record: t.Mapping[str, t.Any], *keys: str) -> str | None:
    """The first of `keys` that is set (a status is text or null), verbatim."""
    for key in keys:
        value = record.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            msg = "expected a string or null"
            raise InvalidOrderError(msg, field=key, value=value, has_value=True)
        return value
    return None


def _timestamp(record: t.Mapping[str, t.Any], key: str) -> str | None:
    """A timestamp that only decides a status: checked (ISO 8601 with an offset), not kept."""
    value = record.get(key)
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        _TIMESTAMP.validate_python(value)
    except (ValueError, ValidationError):
        msg = "expected an ISO 8601 timestamp with an offset, or null"
        raise InvalidOrderError(msg, field=key, value=value, has_value=True) from None
    return value


def _yes(value: object) -> str:
    return "yes" if value else "no"


def _flag(record: t.Mapping[str, t.Any], key: str) -> bool:
    value = record.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        msg = "expected true or false"
        raise InvalidOrderError(msg, field=key, value=value, has_value=True)
    return value


def _currency(value: t.Any) -> str | None:
    return value if isinstance(value, str) else None


def _full_name(first: t.Any, last: t.Any) -> str | None:
    name = " ".join(str(part) for part in (first, last) if isinstance(part, str) and part)
    return name or None


def _buyer(fields: dict[str, t.Any], company_id: str | None) -> dict[str, t.Any] | None:
    """The buyer's fields, an Enterprise when a company bought (B2B), or None when nothing is known."""
    if company_id is not None:
        return {**fields, "kind": "Enterprise"}
    return fields if any(fields.values()) else None


def _payment(item: t.Any, where: str, *, rest: bool, shop_currency: str | None = None) -> dict[str, t.Any]:
    transaction = _object(item, where)
    if rest:
        amount = _rest_money(transaction, "amount")
        own = _rest_id(transaction, "OrderTransaction", where)
    else:
        amount = _graphql_money(transaction, "amountSet", shop_currency)
        own = _graphql_id(transaction, "OrderTransaction", f"{where}.id")
    return {
        "id": own,
        "state": transaction.get("status"),
        "amount": amount[0] if amount else None,
        "method": transaction.get("gateway"),
    }


def _shipment(item: t.Any, where: str, *, rest: bool) -> dict[str, t.Any]:
    fulfilment = _object(item, where)
    status = fulfilment.get("status")
    created = fulfilment.get("created_at" if rest else "createdAt")
    return {
        "id": _rest_id(fulfilment, "Fulfillment", where)
        if rest
        else _graphql_id(fulfilment, "Fulfillment", f"{where}.id"),
        "number": fulfilment.get("name"),
        "state": status,
        "shipped_at": created if isinstance(status, str) and status.lower() == "success" else None,
    }


def _rest_money(record: t.Mapping[str, t.Any], key: str) -> tuple[t.Any, str | None] | None:
    """`key_set.shop_money` (amount, currency) when given, else the plain `key`; None if neither.

    A set without `shop_money` (a payload trimmed to what its sender needed) falls back to `key`,
    which REST gives in the shop currency; it is not refused.
    """
    set_key = _MONEY_SETS[key]
    money_set = record.get(set_key)
    shop = _object(money_set, set_key).get("shop_money") if money_set is not None else None
    if shop is not None:
        if type(shop) is not dict:  # not an object: the message names which one
            shop = _object(shop, f"{set_key}.shop_money")
        return shop.get("amount"), _currency(shop.get("currency_code"))
    value = record.get(key)
    if value is not None:
        return value, None
    return None


def _graphql_money(
    record: t.Mapping[str, t.Any], key: str, shop_currency: str | None
) -> tuple[t.Any, str | None] | None:
    """A MoneyBag's shop money (amount, currency); None when the query did not ask for it.

    GraphQL and Bulk rows carry only the fields the query selected: a MoneyBag may hold
    `presentmentMoney` (the customer's currency) without `shopMoney`. That amount is the shop's
    own only when its currency is the order's `currencyCode` (the shop currency); otherwise
    the amount is not known in the shop currency and is read as absent, not refused.
    """
    money_set = record.get(key)
    if money_set is None:
        return None
    bag = _object(money_set, key)
    shop = bag.get("shopMoney")
    if shop is not None:
        shop = _object(shop, f"{key}.shopMoney")
        return shop.get("amount"), _currency(shop.get("currencyCode"))
    presentment = bag.get("presentmentMoney")
    if presentment is None:
        return None
    presentment = _object(presentment, f"{key}.presentmentMoney")
    currency = _currency(presentment.get("currencyCode"))
    if shop_currency is None or currency != shop_currency:
        return None
    return presentment.get("amount"), currency
