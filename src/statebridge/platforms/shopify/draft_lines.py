"""A DFC order's lines as Shopify draft order line items, and its inventory reservation date.

Which variant a line orders. The FDC Shopify app mints a product's DFC IRIs from the variant's id
(`…/SuppliedProducts/{variant id}`, its catalog item `…/{variant id}/CatalogItem`) and reads a
posted line the other way: the line's offer's offered item's IRI, last path segment, as
`gid://shopify/ProductVariant/{segment}` (docs/references/fdc-shopify-orders.md#variants-from-dfc-lines).
statebridge does the same with what it kept of the order: the offer's `dfc-b:offeredItem`
(`@line:N:offer` in `Order.kept`), else the line's own item (the offer's IRI, a catalog item's, a
variant gid). A line none of these names a numeric variant in is refused, naming the line and
the IRI, rather than guessed at.

Quantities. Shopify counts whole units; a DFC line of 2.5 is refused, a line of 0 is left out (FDC
filters zero lines the same way: OFN zeroes the lines it drops). An order left with no line is
written as FDC writes it (docs/references/fdc-shopify-orders.md#updating-and-completing): one custom
line `placeholder` of quantity 1 at price 0, because Shopify keeps no draft order without a line.

Reservation. `reserveInventoryUntil` is the end of the SaleSession the order `dfc-b:belongsTo`
(FDC: `saleSession.getEndDate()`), in ISO 8601 or in the `Fri Oct 25 2024 03:58:10 UTC` form OFN
sends for FDC; none when the order has no sale session, no lines, or the session has ended.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import typing as t

from ...errors import DeliveryError
from ...model import KeptStatement, Order

__all__ = ["PLACEHOLDER", "Line", "reservation", "wanted_lines"]

_VARIANT_GID = re.compile(r"^gid://shopify/ProductVariant/(\d+)$")
_NUMERIC = re.compile(r"^\d+$")
#: Trailing segments the DFC servers add after the product's id in the IRIs of its satellites.
_SATELLITES = ("CatalogItem", "Offer")
_OFN_DATE = "%a %b %d %Y %H:%M:%S %Z"


@dataclasses.dataclass(frozen=True, order=True)
class Line:
    """One draft order line as statebridge compares it: a variant gid, or a custom line's title."""

    variant: str | None
    title: str | None
    quantity: int

    def as_input(self) -> dict[str, t.Any]:
        """`DraftOrderLineItemInput`."""
        if self.variant is not None:
            return {"variantId": self.variant, "quantity": self.quantity}
        return {"title": self.title, "quantity": self.quantity, "originalUnitPrice": "0"}


#: FDC's line for an order without lines (`updateOrder`: title `placeholder`, 1 at price 0).
PLACEHOLDER = Line(None, "placeholder", 1)


def _local(predicate: str) -> str:
    return re.split(r"[#/]", predicate)[-1]


def _offered_items(kept: t.Iterable[KeptStatement]) -> dict[int, str]:
    items = {}
    for statement in kept:
        match = re.fullmatch(r"@line:(\d+):offer", statement.subject)
        if match and _local(statement.predicate) == "offeredItem" and statement.node:
            items[int(match.group(1))] = statement.node
    return items


def _variant_of(iri: str) -> str | None:
    gid = _VARIANT_GID.fullmatch(iri)
    if gid:
        return iri
    segments = [part for part in iri.split("#")[0].split("/") if part]
    while segments and segments[-1] in _SATELLITES:
        segments.pop()
    if segments and _NUMERIC.fullmatch(segments[-1]):
        return f"gid://shopify/ProductVariant/{segments[-1]}"
    return None


def wanted_lines(order: Order, *, target: str) -> list[Line]:
    """The draft order lines `order` asks for, in its order; `DeliveryError` for a line that names
    no variant or asks for a part of one."""
    offered = _offered_items(order.kept)
    lines = []
    for index, line in enumerate(order.lines):
        named = line.id or f"line {index + 1}"
        if line.quantity == 0:
            continue
        if line.quantity != line.quantity.to_integral_value():
            msg = f"line {named}: quantity {line.quantity} is not a whole number, and Shopify counts units"
            raise DeliveryError(msg, target=target, order=order.label)
        iri = offered.get(index) or line.item
        variant = _variant_of(iri) if iri else None
        if variant is None:
            msg = (
                f"line {named}: no Shopify variant found for {iri or '(no offered item)'}: expected an "
                "offered item whose IRI ends with the variant's id, as the shop's DFC catalogue names it"
            )
            raise DeliveryError(msg, target=target, order=order.label)
        lines.append(Line(variant, None, int(line.quantity)))
    return lines or [PLACEHOLDER]


def _parse_date(value: str) -> dt.datetime | None:
    text = value.strip()
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = dt.datetime.strptime(text, _OFN_DATE).replace(tzinfo=dt.UTC)
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def reservation(order: Order, lines: t.Sequence[Line], *, target: str, now: dt.datetime) -> str | None:
    """`reserveInventoryUntil` for `order` (ISO 8601, UTC), or None: see the module docstring."""
    if list(lines) == [PLACEHOLDER]:
        return None
    sessions = {
        s.node for s in order.kept if s.subject == "@order" and _local(s.predicate) == "belongsTo" and s.node
    }
    for statement in order.kept:
        if statement.subject in sessions and _local(statement.predicate) == "endDate" and statement.value:
            moment = _parse_date(statement.value)
            if moment is None:
                msg = (
                    f"field SaleSession endDate of {statement.subject}: {statement.value!r} is not a date "
                    "(expected ISO 8601, or the 'Fri Oct 25 2024 03:58:10 UTC' form OFN sends)"
                )
                raise DeliveryError(msg, target=target, order=order.label)
            if moment <= now:
                return None
            return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return None
