"""Bare Shopify REST orders (the webhook shape) for the bulk path's tests: what the fixtures' own
webhooks lack, for the document reader (`platforms/shopify/direct.py`) to be held to."""

from __future__ import annotations

import typing as t

import orjson

from .platforms import FIXTURES

__all__ = ["SHOPIFY_B2B_ORDER", "shopify_bare_orders"]

#: A bare REST order with what no fixture webhook has: a B2B company (the buyer, an Enterprise), a
#: transaction, a refund and no `current_total_price_set`, an e-mail only in `contact_email`, lines
#: read from a variant or product id and from a plain price or a price set.
SHOPIFY_B2B_ORDER: dict[str, t.Any] = {
    "id": 5600009001,
    "admin_graphql_api_id": "gid://shopify/Order/5600009001",
    "name": "#9001",
    "email": "",
    "contact_email": "buyer@example.org",
    "created_at": "2026-06-12T09:00:00+02:00",
    "updated_at": "2026-06-13T10:00:00Z",
    "processed_at": "2026-06-12T09:00:00.5+02:00",
    "currency": "EUR",
    "financial_status": "partially_refunded",
    "fulfillment_status": "partial",
    "cancel_reason": None,
    "cancelled_at": None,
    "closed_at": None,
    "test": True,
    "total_price": "40.00",
    "current_total_price": "30.00",
    "company": {"id": 8124301, "admin_graphql_api_id": "gid://shopify/Company/8124301", "location_id": 5},
    "customer": {"id": 7700009001, "first_name": "Camille", "last_name": None},
    "billing_address": {"name": "Accounts"},
    "line_items": [
        {
            "id": 13300090010,
            "sku": "",
            "variant_id": 40311110001,
            "name": "",
            "title": "Veg box",
            "quantity": 3,
            "price": "10.00",
        },
        {
            "id": 13300090011,
            "admin_graphql_api_id": "gid://shopify/LineItem/13300090011",
            "product_id": 1031,
            "name": "Eggs",
            "quantity": "1.5",
            "price_set": {"shop_money": {"amount": "4.10", "currency_code": "CHF"}},
        },
    ],
    "transactions": [
        {
            "id": 9900009001,
            "admin_graphql_api_id": "gid://shopify/OrderTransaction/9900009001",
            "status": "success",
            "gateway": "manual",
            "amount_set": {"shop_money": {"amount": "40.00"}},
        },
    ],
    "fulfillments": [
        {
            "id": 4800009001,
            "admin_graphql_api_id": "gid://shopify/Fulfillment/4800009001",
            "name": "#9001.1",
            "status": "success",
            "created_at": "2026-06-12T17:00:00+02:00",
        },
    ],
    "refunds": [{"id": 1}],
}


def shopify_bare_orders() -> list[t.Any]:
    """The B2B order, and every order of the Shopify REST envelope fixtures as a bare (webhook)
    document, which the document reader reads: refunds, totals without their set, fulfilments."""
    orders = [SHOPIFY_B2B_ORDER]
    for name in ("rest_orders.json", "public_shopify_python_api_orders.json"):
        orders += orjson.loads((FIXTURES / "shopify" / name).read_bytes())["orders"]
    orders.append(
        orjson.loads((FIXTURES / "shopify" / "public_shopify_python_api_order.json").read_bytes())["order"]
    )
    return orders
