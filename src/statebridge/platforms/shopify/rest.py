"""Shopify's Admin REST order (and its webhook body) to canonical fields."""

from __future__ import annotations

import typing as t

from ..base import RawOrder, text_or_none
from ..json_fields import list_field as _list, mapping_or_empty as _mapping, required_object as _object
from .fields import (
    _REFUNDED,
    _buyer,
    _flag,
    _full_name,
    _payment,
    _rest_money,
    _shipment,
    _status,
    _timestamp,
    _yes,
)
from .ids import _rest_id

#: Canonical field -> the platform's name, per shape, so that messages speak Shopify.
_REST_NAMES = {
    "number": "name",
    "placed_at": "processed_at",
    "total": "current_total_price",
    "buyer": "customer",
    "lines": "line_items",
    "item": "sku",
    "unit_price": "price",
    "shipments": "fulfillments",
    "payments": "transactions",
    "shipped_at": "created_at",
}


#: GraphQL displayFulfillmentStatus values that REST spells differently (None: REST null).
_REST_FULFILMENT: dict[str, str | None] = {
    "FULFILLED": "fulfilled",
    "PARTIALLY_FULFILLED": "partial",
    "RESTOCKED": "restocked",
    "UNFULFILLED": None,
}


def rest_fields(raw: RawOrder) -> dict[str, t.Any]:
    r = raw.record
    status = {
        "financial_status": _status(r, "displayFinancialStatus", "financial_status"),
        "fulfillment_status": _status(r, "displayFulfillmentStatus", "fulfillment_status"),
        "cancel_reason": _status(r, "cancel_reason"),
        "cancelled": _yes(_timestamp(r, "cancelled_at")),
        "closed": _yes(_timestamp(r, "closed_at")),
    }
    total, total_currency = _rest_total(r, status["financial_status"])
    return {
        "platform": "shopify",
        "shape": raw.shape,
        "id": _rest_id(r, "Order", "") or r.get("name"),
        "number": r.get("name"),
        "created_at": r.get("created_at"),
        "updated_at": r.get("updated_at"),
        "placed_at": r.get("processed_at"),
        "currency": total_currency or r.get("currency"),
        "total": total,
        "buyer": _rest_buyer(r),
        "lines": [_rest_line(item, f"line_items[{i}]") for i, item in enumerate(_list(r, "line_items"))],
        "payments": [
            _payment(p, f"transactions[{i}]", rest=True) for i, p in enumerate(_list(r, "transactions"))
        ],
        "shipments": [
            _shipment(f, f"fulfillments[{i}]", rest=True) for i, f in enumerate(_list(r, "fulfillments"))
        ],
        "test": _flag(r, "test"),
        "platform_status": status,
    }


def _rest_total(record: t.Mapping[str, t.Any], financial: str | None) -> tuple[t.Any, str | None]:
    """The current total; the original total only when nothing can have been refunded."""
    found = _rest_money(record, "current_total_price")
    if found is None and not record.get("refunds") and financial not in _REFUNDED:
        found = _rest_money(record, "total_price")
    return found or (None, None)


def _rest_buyer(record: t.Mapping[str, t.Any]) -> dict[str, t.Any] | None:
    customer = _mapping(record.get("customer"))
    billing = _mapping(record.get("billing_address"))
    company = _mapping(record.get("company"))
    company_id = _rest_id(company, "Company", "company") if company else None
    buyer = {
        "id": company_id or (_rest_id(customer, "Customer", "customer") if customer else None),
        "email": record.get("email") or record.get("contact_email") or customer.get("email"),
        "name": _full_name(customer.get("first_name"), customer.get("last_name")) or billing.get("name"),
    }
    return _buyer(buyer, company_id)


def _rest_line(item: t.Any, where: str) -> dict[str, t.Any]:
    line = _object(item, where)
    price = _rest_money(line, "price")
    return {
        "id": _rest_id(line, "LineItem", where),
        "item": line.get("sku")
        or text_or_none(line.get("variant_id"), field=f"{where}.variant_id")
        or text_or_none(line.get("product_id"), field=f"{where}.product_id"),
        "name": line.get("name") or line.get("title"),
        "quantity": line.get("quantity"),
        "unit_price": price[0] if price else None,
    }
