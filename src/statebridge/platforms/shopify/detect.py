"""Recognising Shopify documents: which records are REST orders, GraphQL orders, Bulk child rows, or
another Shopify resource (a refund, a customer), and what to say about the rest.
"""

from __future__ import annotations

import re
import typing as t

from ...errors import InvalidOrderError
from ...position import Position
from ..hints import foreign_keys
from ..json_fields import mapping_or_empty as _mapping
from .fields import _ROW
from .ids import _gid_kind

#: Keys only a REST order carries (snake_case), and only a GraphQL order (camelCase).
_REST_KEYS = frozenset(
    {
        "financial_status",
        "fulfillment_status",
        "line_items",
        "order_number",
        "cancelled_at",
        "closed_at",
        "current_total_price",
        "current_total_price_set",
        "total_price",
        "admin_graphql_api_id",
    }
)


_GRAPHQL_KEYS = frozenset(
    {
        "displayFinancialStatus",
        "displayFulfillmentStatus",
        "cancelledAt",
        "closedAt",
        "lineItems",
        "legacyResourceId",
        "currentTotalPriceSet",
        "totalPriceSet",
    }
)


#: Envelopes of Shopify resources that are not orders, with what to do instead.
_NOT_ORDERS = {
    "fulfillment": "fulfillment",
    "fulfillments": "fulfillment list",
    "refund": "refund",
    "refunds": "refund list",
    "transaction": "transaction",
    "transactions": "transaction list",
    "draft_order": "draft order",
    "draft_orders": "draft order list",
    "customer": "customer",
    "customers": "customer list",
    "product": "product",
    "products": "product list",
    "fulfillment_order": "fulfillment order",
    "fulfillment_orders": "fulfillment order list",
    "risks": "order risk list",
}


def _kind(record: t.Any) -> str | None:
    """`rest`, `graphql`, `child` (a Bulk child row), or None for anything that is not an order."""
    if not isinstance(record, dict):
        return None
    if "__parentId" in record:
        return "child"
    if _not_an_order(record) is not None:
        return None
    if any(key in record for key in foreign_keys("shopify")) or (
        isinstance(record.get("number"), str) and "state" in record
    ):
        return None
    own = record.get("id")
    if isinstance(own, str) and own.startswith("gid://"):
        return "graphql"
    if _REST_KEYS & record.keys():
        return "rest"
    if _GRAPHQL_KEYS & record.keys():
        return "graphql"
    return None


def _not_an_order(record: dict[str, t.Any]) -> str | None:
    """Why a JSON object is a Shopify resource other than an order, or None."""
    for key, what in _NOT_ORDERS.items():
        if (
            key in record
            and len(record) <= 3
            and isinstance(record[key], dict | list)
            and not (_REST_KEYS | _GRAPHQL_KEYS | {"name", "__parentId"}) & record.keys()
        ):
            inner = record[key]
            return f"a Shopify {what} ({key!r}), not an order: statebridge reads orders" + _order_hint(
                inner.get("order_id") if isinstance(inner, dict) else None
            )
    kind = _gid_kind(record.get("admin_graphql_api_id")) or _gid_kind(record.get("id"))
    if kind is None and "order_id" in record:
        if "refund_line_items" in record or "restock" in record:
            kind = "Refund"
        elif {"tracking_number", "tracking_numbers", "shipment_status"} & record.keys():
            kind = "Fulfillment"
        elif {"kind", "gateway"} <= record.keys():
            kind = "OrderTransaction"
    if kind is None or kind == "Order":
        return None
    return f"a Shopify {kind}, not an order: statebridge reads orders" + _order_hint(record.get("order_id"))


def _order_hint(order: t.Any) -> str:
    if not isinstance(order, int | str) or isinstance(order, bool):
        return ""
    return (
        f"; it belongs to order {order}: read the order itself "
        f"(GET /admin/api/VERSION/orders/{order}.json, or the orders/updated webhook)"
    )


def _graphql_errors(errors: t.Any) -> str:
    items = errors if isinstance(errors, list) else [errors]
    messages = []
    for item in items[:5]:
        message = item.get("message") if isinstance(item, dict) else item
        messages.append(str(message))
    return "; ".join(messages) or "(no message)"


def _name_line_row(exc: InvalidOrderError, record: t.Mapping[str, t.Any]) -> None:
    """Add to a message about `lineItems[i]` the line of the Bulk row that line came from."""
    match = re.match(r"lineItems\[(\d+)\]", exc.field or "")
    nodes = _mapping(record.get("lineItems")).get("nodes")
    if match is None or not isinstance(nodes, list) or int(match.group(1)) >= len(nodes):
        return
    position = _mapping(nodes[int(match.group(1))]).get(_ROW)
    if isinstance(position, (str, Position)):
        exc.reason = f"{exc.reason} (the line-item row at {position})"
