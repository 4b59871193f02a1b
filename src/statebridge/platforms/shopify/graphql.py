"""Shopify's Admin GraphQL order (and Bulk Operation rows, once joined) to canonical fields."""

from __future__ import annotations

import typing as t

from ...errors import InvalidOrderError
from ..base import RawOrder
from ..json_fields import mapping_or_empty as _mapping, required_object as _object
from .fields import (
    _REFUNDED,
    _buyer,
    _connection,
    _currency,
    _flag,
    _full_name,
    _graphql_money,
    _payment,
    _shipment,
    _status,
    _timestamp,
    _yes,
)
from .ids import _graphql_id

_GRAPHQL_NAMES = {
    "number": "name",
    "created_at": "createdAt",
    "updated_at": "updatedAt",
    "placed_at": "processedAt",
    "currency": "currencyCode",
    "total": "currentTotalPriceSet",
    "buyer": "customer",
    "lines": "lineItems",
    "item": "sku",
    "unit_price": "originalUnitPriceSet",
    "shipments": "fulfillments",
    "payments": "transactions",
    "shipped_at": "createdAt",
    "amount": "amountSet",
}


#: Table field -> GraphQL key, for messages about GraphQL orders.
_GRAPHQL_STATUS = {
    "financial_status": "displayFinancialStatus",
    "fulfillment_status": "displayFulfillmentStatus",
    "cancel_reason": "cancelReason",
}


def graphql_fields(raw: RawOrder) -> dict[str, t.Any]:
    r = raw.record
    closed = r.get("closed")
    if closed is not None and not isinstance(closed, bool):
        msg = "expected true or false"
        raise InvalidOrderError(msg, field="closed", value=closed, has_value=True)
    closed_at = _timestamp(r, "closedAt")
    status = {
        "financial_status": _status(r, "displayFinancialStatus"),
        "fulfillment_status": _status(r, "displayFulfillmentStatus"),
        "cancel_reason": _status(r, "cancelReason"),
        "cancelled": _yes(_timestamp(r, "cancelledAt")),
        "closed": _yes(closed if closed is not None else closed_at),
    }
    shop_currency = _currency(r.get("currencyCode"))
    total, total_currency = _graphql_total(r, status["financial_status"], shop_currency)
    lines = _connection(r.get("lineItems"), "lineItems")
    return {
        "platform": "shopify",
        "shape": raw.shape,
        "id": _graphql_id(r, "Order", "id") or r.get("name"),
        "number": r.get("name"),
        "created_at": r.get("createdAt"),
        "updated_at": r.get("updatedAt"),
        "placed_at": r.get("processedAt"),
        "currency": total_currency or r.get("currencyCode"),
        "total": total,
        "buyer": _graphql_buyer(r),
        "lines": [_graphql_line(item, f"lineItems[{i}]", shop_currency) for i, item in enumerate(lines)],
        "payments": [
            _payment(p, f"transactions[{i}]", rest=False, shop_currency=shop_currency)
            for i, p in enumerate(_connection(r.get("transactions"), "transactions"))
        ],
        "shipments": [
            _shipment(f, f"fulfillments[{i}]", rest=False)
            for i, f in enumerate(_connection(r.get("fulfillments"), "fulfillments"))
        ],
        "test": _flag(r, "test"),
        "platform_status": status,
    }


def _graphql_total(
    record: t.Mapping[str, t.Any], financial: str | None, shop_currency: str | None
) -> tuple[t.Any, str | None]:
    found = _graphql_money(record, "currentTotalPriceSet", shop_currency)
    if found is None and not record.get("refunds") and financial not in _REFUNDED:
        found = _graphql_money(record, "totalPriceSet", shop_currency)
    return found or (None, None)


def _graphql_buyer(record: t.Mapping[str, t.Any]) -> dict[str, t.Any] | None:
    customer = _mapping(record.get("customer"))
    billing = _mapping(record.get("billingAddress"))
    company = _mapping(_mapping(record.get("purchasingEntity")).get("company"))
    company_id = _graphql_id(company, "Company", "purchasingEntity.company.id") if company else None
    buyer = {
        "id": company_id or (_graphql_id(customer, "Customer", "customer.id") if customer else None),
        "email": record.get("email") or customer.get("email"),
        "name": customer.get("displayName")
        or _full_name(customer.get("firstName"), customer.get("lastName"))
        or billing.get("name"),
    }
    return _buyer(buyer, company_id)


def _graphql_line(item: t.Any, where: str, shop_currency: str | None) -> dict[str, t.Any]:
    line = _object(item, where)
    variant = _mapping(line.get("variant"))
    product = _mapping(line.get("product"))
    price = _graphql_money(line, "originalUnitPriceSet", shop_currency)
    return {
        "id": _graphql_id(line, "LineItem", f"{where}.id"),
        "item": line.get("sku")
        or variant.get("sku")
        or (_graphql_id(variant, "ProductVariant", f"{where}.variant.id") if variant else None)
        or (_graphql_id(product, "Product", f"{where}.product.id") if product else None),
        "name": line.get("name") or line.get("title"),
        "quantity": line.get("quantity"),
        "unit_price": price[0] if price else None,
    }
