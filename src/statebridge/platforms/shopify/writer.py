"""Writing Shopify orders (`--to shopify`): the Admin REST shape, from canonical orders and statuses."""

from __future__ import annotations

import datetime as dt
import typing as t
from decimal import Decimal

from ...model import Order, OrderLine
from ..base import decimal_text, iso_or_none
from .ids import _NUMBER
from .rest import _REST_FULFILMENT

__all__ = ["to_record"]


def to_record(order: Order, status: t.Mapping[str, str | None]) -> dict[str, t.Any]:
    """The order in the Admin REST shape (docs/references/contract.md#reverse-output-shapes).

    `cancelled_at` and `closed_at` are timestamps in REST, and the canonical order keeps neither:
    when the status says cancelled or closed, they get the order's last update (else when it was
    placed, else created, else the time of writing), and null otherwise. A fulfilment status that
    REST cannot say (on hold, nothing to fulfil) is written as REST's null with the GraphQL value
    beside it as `displayFulfillmentStatus`, which statebridge reads back. Ids (and their gids)
    are written only for orders that came from Shopify.
    """
    own = order.platform == "shopify"
    record: dict[str, t.Any] = {}
    if own and _NUMBER.fullmatch(order.id):
        record["id"] = int(order.id)
        record["admin_graphql_api_id"] = f"gid://shopify/Order/{order.id}"
    moment = order.updated_at or order.placed_at or order.created_at or dt.datetime.now(dt.UTC)
    fulfilment = status.get("fulfillment_status")
    display = None
    if fulfilment is not None and not fulfilment.islower():
        display = None if fulfilment in _REST_FULFILMENT else fulfilment
        fulfilment = _REST_FULFILMENT.get(fulfilment)
    financial = status.get("financial_status")
    reason = status.get("cancel_reason")
    record.update(
        name=order.number,
        email=order.buyer.email if order.buyer else None,
        created_at=iso_or_none(order.created_at),
        updated_at=iso_or_none(order.updated_at),
        processed_at=iso_or_none(order.placed_at),
        currency=order.currency,
        total_price=decimal_text(order.total),
        current_total_price=decimal_text(order.total),
        financial_status=financial.lower() if financial else None,
        fulfillment_status=fulfilment,
    )
    if display is not None:
        record["displayFulfillmentStatus"] = display
    record.update(
        cancelled_at=moment.isoformat() if status.get("cancelled") == "yes" else None,
        cancel_reason=reason.lower() if reason else None,
        closed_at=moment.isoformat() if status.get("closed") == "yes" else None,
        test=order.test,
    )
    if order.buyer is not None:
        customer: dict[str, t.Any] = {"email": order.buyer.email}
        numeric = own and order.buyer.id is not None and _NUMBER.fullmatch(order.buyer.id) is not None
        if numeric and order.buyer.kind == "Enterprise":
            record["company"] = {"id": int(t.cast(str, order.buyer.id))}
        elif numeric:
            customer = {"id": int(t.cast(str, order.buyer.id)), **customer}
        record["customer"] = customer
        if order.buyer.name:
            record["billing_address"] = {"name": order.buyer.name}
    record["line_items"] = [_rest_line_out(line, own=own) for line in order.lines]
    return record


def _rest_line_out(line: OrderLine, *, own: bool) -> dict[str, t.Any]:
    out: dict[str, t.Any] = {}
    if own and line.id and _NUMBER.fullmatch(line.id):
        out["id"] = int(line.id)
        out["admin_graphql_api_id"] = f"gid://shopify/LineItem/{line.id}"
    quantity: Decimal = line.quantity
    out.update(
        sku=line.item,
        name=line.name,
        title=line.name,
        quantity=int(quantity) if quantity == quantity.to_integral_value() else decimal_text(quantity),
        price=decimal_text(line.unit_price),
    )
    return out
