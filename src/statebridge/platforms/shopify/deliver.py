"""Delivering DFC orders to a Shopify shop as draft orders, through the Admin GraphQL API.

A DFC order arrives at a Shopify producer as a **draft order**, as the FDC Shopify producer app
makes it (docs/shopify-writer.md, docs/references/fdc-shopify-orders.md#sources): open while the DFC
order is Held (or Draft), completed into a real order (`draftOrderComplete`) when it is Complete. A
Cancelled order is withdrawn: an open draft is deleted (`draftOrderDelete`; FDC has no cancellation
at all, and an open draft order has no cancelled state at Shopify), a completed one is cancelled
(`orderCancel`, restocking).

Idempotency (the `Writer` contract). The draft order carries the tag `statebridge-` + the first 28
hex digits of the delivery key (40 characters in all), set when it is created: with no link, the
writer first searches `draftOrders(query: "tag:…")` and continues from the draft it finds, so a
create that happened before a crash is never repeated. Every delivery then *reads* the draft (and
the order it became) and only makes the moves that take it from where it stands at Shopify to the
DFC state; a move already made is not made again. Moves Shopify cannot make (a deleted draft or a
cancelled order back to Held or Complete, a completed order back to Held, new lines on a completed
order) are refused with `UnreachableState`; userErrors become `DeliveryError`s naming the order,
the field and Shopify's message.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import typing as t

from ...delivery.writer import Delivery, Link, Writer
from ...errors import DeliveryError, UnreachableState
from ...states import OrderStatus
from . import draft_queries as q
from .admin_client import ShopifyAdminClient
from .draft_lines import Line, reservation, wanted_lines

if t.TYPE_CHECKING:
    from ...mapping.loader import Tables
    from ...settings import Settings

__all__ = ["TAG_PREFIX", "ShopifyWriter", "tag_for"]

TAG_PREFIX = "statebridge-"
_OPEN = frozenset({"OPEN", "INVOICE_SENT"})
_COMPLETED = "COMPLETED"
#: FDC completes drafts with payment terms "due on receipt" (`PAY_ON_RECEIPT` in its orders.js).
PAY_ON_RECEIPT = "gid://shopify/PaymentTermsTemplate/1"


def tag_for(key: str) -> str:
    """The tag that finds the draft order of a delivery key again (40 characters)."""
    return TAG_PREFIX + key[:28]


@dataclasses.dataclass(frozen=True)
class Draft:
    """A draft order as read at Shopify."""

    id: str
    status: str
    tags: tuple[str, ...]
    order: str | None
    cancelled: bool
    lines: collections.Counter[tuple[str | None, str | None]]


def _counted(lines: t.Iterable[Line]) -> collections.Counter[tuple[str | None, str | None]]:
    counted: collections.Counter[tuple[str | None, str | None]] = collections.Counter()
    for line in lines:
        counted[(line.variant, line.title)] += line.quantity
    return counted


class ShopifyWriter(Writer):
    """Brings DFC orders to one Shopify shop as draft orders (see the module docstring)."""

    platform = "shopify"

    def __init__(
        self,
        base_url: str,
        *,
        settings: Settings | None = None,
        tables: Tables | None = None,
        now: t.Callable[[], dt.datetime] | None = None,
        **client_kwargs: t.Any,
    ) -> None:
        #: Not needed: a draft order's state is read from its fields, not through a mapping table.
        self.tables = tables
        self.client = ShopifyAdminClient(base_url, settings=settings, **client_kwargs)
        self._now = now or (lambda: dt.datetime.now(dt.UTC))

    def close(self) -> None:
        self.client.close()

    # -- delivering --------------------------------------------------------------------------------

    def deliver(self, delivery: Delivery) -> Link:
        order = delivery.order
        wanted = order.states.order
        if wanted is None:
            msg = "it has no DFC order state to deliver"
            raise DeliveryError(msg, target=delivery.target, order=order.label)
        lines = wanted_lines(order, target=delivery.target)
        link = delivery.link
        draft: Draft | None
        if link is not None and link.remote_id:
            draft = self._read(link.remote_id, delivery)
            if draft is None:
                if wanted is OrderStatus.CANCELLED:
                    return Link(link.remote_id, {"status": "DELETED"})
                msg = (
                    f"cannot make it {wanted.value}: its draft order {link.remote_id} was deleted at "
                    "Shopify (an order statebridge withdrew when it was cancelled, or a merchant deleted)"
                )
                raise UnreachableState(msg, target=delivery.target, order=order.label)
        else:
            draft = self._find(delivery)
            if draft is None:
                if wanted is OrderStatus.CANCELLED:
                    return Link("", {"status": "NOT_CREATED"})  # nothing at Shopify to withdraw
                draft = self._create(delivery, lines)
        return self._reach(draft, wanted, lines, delivery)

    def _reach(self, draft: Draft, wanted: OrderStatus, lines: list[Line], delivery: Delivery) -> Link:
        """Move `draft` from where it stands to `wanted`, by the moves Shopify allows."""
        label = delivery.order.label
        if draft.status in _OPEN:
            if wanted is OrderStatus.CANCELLED:
                self._mutate(delivery, "draftOrderDelete", q.DELETE, {"input": {"id": draft.id}})
                return Link(draft.id, {"status": "DELETED"})
            if _counted(lines) != draft.lines:
                draft = self._update(delivery, draft, lines)
            if wanted is OrderStatus.COMPLETE:
                draft = self._draft_of(
                    delivery, "draftOrderComplete", q.COMPLETE, {"id": draft.id, "lines": q.LINES}
                )
            return _link(draft)
        if draft.status != _COMPLETED:
            msg = f"draft order {draft.id} has status {draft.status!r}, not OPEN, INVOICE_SENT or COMPLETED"
            raise DeliveryError(msg, target=delivery.target, order=label)
        where = f"draft order {draft.id} was completed into order {draft.order}"
        if wanted is OrderStatus.CANCELLED:
            if not draft.cancelled and draft.order is not None:
                self._cancel(delivery, draft.order)
            return Link(draft.id, {**_order_ids(draft.order), "status": "CANCELLED"})
        if draft.cancelled:
            msg = f"cannot make it {wanted.value}: {where}, which is cancelled at Shopify (cannot be undone)"
            raise UnreachableState(msg, target=delivery.target, order=label)
        if wanted is not OrderStatus.COMPLETE:
            msg = f"cannot make it {wanted.value} again: {where} (a completed draft cannot reopen)"
            raise UnreachableState(msg, target=delivery.target, order=label)
        if _counted(lines) != draft.lines:
            msg = (
                f"cannot change its lines to {_shown(_counted(lines))}: {where} with "
                f"{_shown(draft.lines)}, and a completed draft order cannot be edited"
            )
            raise UnreachableState(msg, target=delivery.target, order=label)
        return _link(draft)

    # -- Shopify operations ------------------------------------------------------------------------

    def _find(self, delivery: Delivery) -> Draft | None:
        """The draft order created for this delivery key before, if any (by its tag)."""
        tag = tag_for(delivery.key)
        data = self.client.call(
            "StatebridgeFindDraft",
            q.FIND,
            {"search": f"tag:{tag}"},
            what=f"draft order tagged {tag} for order {delivery.order.label}",
            mutation=False,
        )
        nodes = ((data.get("draftOrders") or {}).get("nodes")) or []
        found = []
        for node in nodes:
            draft = self._read(str(node.get("id")), delivery) if isinstance(node, dict) else None
            if draft is not None and tag in draft.tags:  # a search may match more than the exact tag
                found.append(draft)
        if len(found) > 1:
            ids = ", ".join(d.id for d in found)
            msg = f"{len(found)} draft orders carry its tag {tag} ({ids}): delete all but one at Shopify"
            raise DeliveryError(msg, target=delivery.target, order=delivery.order.label)
        return found[0] if found else None

    def _read(self, draft_id: str, delivery: Delivery) -> Draft | None:
        data = self.client.call(
            "StatebridgeDraft",
            q.DRAFT,
            {"id": draft_id, "lines": q.LINES},
            what=f"draft order {draft_id} of order {delivery.order.label}",
            mutation=False,
        )
        node = data.get("draftOrder")
        return None if node is None else self._parse(node, delivery)

    def _create(self, delivery: Delivery, lines: list[Line]) -> Draft:
        order = delivery.order
        iri = delivery.minter.order(order.id)
        draft_input: dict[str, t.Any] = {
            "lineItems": [line.as_input() for line in lines],
            "tags": [tag_for(delivery.key)],
            "note": f"DFC order {iri}",
            "paymentTerms": {"paymentTermsTemplateId": PAY_ON_RECEIPT},
        }
        until = reservation(order, lines, target=delivery.target, now=self._now())
        if until is not None:
            draft_input["reserveInventoryUntil"] = until
        if order.buyer is not None and order.buyer.email:
            draft_input["email"] = order.buyer.email
        return self._draft_of(
            delivery, "draftOrderCreate", q.CREATE, {"input": draft_input, "lines": q.LINES}
        )

    def _update(self, delivery: Delivery, draft: Draft, lines: list[Line]) -> Draft:
        """New lines for an open draft, and the reservation again (FDC's `updateOrder`: none when
        the session has ended or no line is left)."""
        until = reservation(delivery.order, lines, target=delivery.target, now=self._now())
        draft_input = {"lineItems": [line.as_input() for line in lines], "reserveInventoryUntil": until}
        variables = {"id": draft.id, "input": draft_input, "lines": q.LINES}
        return self._draft_of(delivery, "draftOrderUpdate", q.UPDATE, variables)

    def _cancel(self, delivery: Delivery, order_gid: str) -> None:
        """`orderCancel`: restock, refund what was paid to where it came from, no e-mail to the buyer.

        Shopify cancels in a job; the next delivery reads `cancelledAt` again and would ask again
        only if the job had failed.
        """
        iri = delivery.minter.order(delivery.order.id)
        variables = {
            "orderId": order_gid,
            "reason": "OTHER",
            "restock": True,
            "refundMethod": {"originalPaymentMethodsRefund": True},
            "notifyCustomer": False,
            "staffNote": f"DFC order {iri} was cancelled",
        }
        self._mutate(delivery, "orderCancel", q.CANCEL, variables, errors="orderCancelUserErrors")

    def _mutate(
        self,
        delivery: Delivery,
        mutation: str,
        document: str,
        variables: dict[str, t.Any],
        *,
        errors: str = "userErrors",
    ) -> dict[str, t.Any]:
        """The payload of `mutation`; `DeliveryError` naming each userError's field and message."""
        label = delivery.order.label
        operation = document.split("(", 1)[0].split()[-1]
        data = self.client.call(
            operation, document, variables, what=f"{mutation} for order {label}", mutation=True
        )
        payload = data.get(mutation)
        if not isinstance(payload, dict):
            msg = f"Shopify answered {mutation} with no payload"
            raise DeliveryError(msg, target=delivery.target, order=label)
        refused = payload.get(errors) or []
        if refused:
            described = "; ".join(_user_error(error) for error in refused)
            msg = f"Shopify refused {mutation}: {described}"
            raise DeliveryError(msg, target=delivery.target, order=label)
        return payload

    def _draft_of(
        self, delivery: Delivery, mutation: str, document: str, variables: dict[str, t.Any]
    ) -> Draft:
        node = self._mutate(delivery, mutation, document, variables).get("draftOrder")
        if not isinstance(node, dict):
            msg = f"Shopify answered {mutation} without the draft order"
            raise DeliveryError(msg, target=delivery.target, order=delivery.order.label)
        return self._parse(node, delivery)

    def _parse(self, node: t.Mapping[str, t.Any], delivery: Delivery) -> Draft:
        draft_id = str(node.get("id"))
        items = node.get("lineItems") or {}
        if (items.get("pageInfo") or {}).get("hasNextPage"):
            msg = f"draft order {draft_id} has more than {q.LINES} lines, more than statebridge compares"
            raise DeliveryError(msg, target=delivery.target, order=delivery.order.label)
        lines = []
        for item in items.get("nodes") or []:
            variant = (item.get("variant") or {}).get("id")
            title = None if variant else item.get("title")
            lines.append(Line(variant, title, int(item.get("quantity") or 0)))
        order = node.get("order") or None
        return Draft(
            id=draft_id,
            status=str(node.get("status")),
            tags=tuple(node.get("tags") or ()),
            order=order.get("id") if order else None,
            cancelled=bool(order and order.get("cancelledAt")),
            lines=_counted(lines),
        )


def _link(draft: Draft) -> Link:
    return Link(draft.id, {"status": draft.status, **(_order_ids(draft.order) if draft.order else {})})


def _order_ids(order_gid: str | None) -> dict[str, str]:
    """The order a completed draft became: its gid (`order`, what the writer cancels), and the id a
    pull or a webhook stores it under (`source_id`: the gid's number, as the adapter reads it), so
    that its changes at the shop flow back (`delivery.flowback`). A draft is not an order: none."""
    if not order_gid:
        return {"order": ""}
    return {"order": order_gid, "source_id": order_gid.rsplit("/", 1)[-1].split("?", 1)[0]}


def _user_error(error: t.Any) -> str:
    if not isinstance(error, dict):
        return str(error)[:300]
    field = error.get("field")
    where = ".".join(map(str, field)) if isinstance(field, list) and field else "(no field)"
    return f"field {where}: {str(error.get('message') or '(no message)')[:300]}"


def _shown(lines: collections.Counter[tuple[str | None, str | None]]) -> str:
    parts = [
        f"{quantity} x {variant or title}" for (variant, title), quantity in sorted(lines.items(), key=str)
    ]
    return ", ".join(parts) or "no lines"
