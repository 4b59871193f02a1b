"""The Commerce Layer delivery target: creates an order with its line items, then moves it by triggers.

`deliver` keeps the `Writer` contract (`delivery/writer.py`) with what Commerce Layer offers:

- **Found, not repeated.** The order is created with `reference` = the delivery key and
  `reference_origin` = "statebridge"; with no link, the writer first asks
  `GET /api/orders?filter[q][reference_eq]=KEY`, so an order created before a crash (or before a
  5xx that answered a create Commerce Layer had made) is continued, never made twice. Each line item
  carries `reference` = `KEY:N` (N its position in the order), and only the missing ones are added.
- **Moved from where it stands there.** The order is read back from Commerce Layer; the
  commercelayer table's reverse rules give the status fields that hold the DFC state, and
  `transitions.plan` finds the triggers that reach a state reading the same, sent in order. A
  trigger already made is not sent again; a state no trigger reaches (reopening a cancelled order,
  un-capturing, refunding) is an `UnreachableState`.
- **Refusals named.** A Commerce Layer 4xx with JSON:API `errors` becomes a `DeliveryError` naming
  the order, each field (`source.pointer`) and Commerce Layer's `detail`.

Lines are written when the order is created; later changes to a delivered order's lines are not
carried (a placed Commerce Layer order is edited through `_start_editing`, which this writer uses
only to hold an order). docs/commercelayer-writer.md says what else it cannot do.
"""

from __future__ import annotations

import typing as t

from ... import platforms
from ...delivery.writer import Delivery, Link, Writer
from ...errors import APIError, DeliveryError, StatebridgeError, UnreachableState
from ...pipeline import platform_fields
from .transitions import State, plan
from .writes import CommerceLayerWriteClient, Resource, refusal_details

if t.TYPE_CHECKING:
    from ...mapping.loader import Tables
    from ...model import Order, OrderLine
    from ...settings import Settings

__all__ = ["REFERENCE_ORIGIN", "CommerceLayerWriter"]

#: What `reference_origin` says of every order and line item statebridge creates.
REFERENCE_ORIGIN = "statebridge"
#: Statuses in which Commerce Layer still takes new line items (a cart).
_CART = frozenset({"draft", "pending"})


class CommerceLayerWriter(Writer):
    """Writes orders to one Commerce Layer organization (`base_url`, e.g. https://acme.commercelayer.io).

    `market` names the market orders are created in: `code:europe` (looked up by code once) or a
    market id; None sends no market, for credentials whose scope names one. `client_kwargs` go to
    the client (`http`, `policy`, `sleep`, `auth_url`, ...).
    """

    platform = "commercelayer"

    def __init__(
        self,
        base_url: str,
        *,
        settings: Settings | None = None,
        tables: Tables | None = None,
        market: str | None = None,
        **client_kwargs: t.Any,
    ) -> None:
        self.client = CommerceLayerWriteClient(base_url, settings=settings, **client_kwargs)
        self.adapter = platforms.get_adapter("commercelayer", tables=tables)
        self.market = market
        self._market_id: str | None = None

    def close(self) -> None:
        self.client.close()

    # -- the contract --------------------------------------------------------------------------------

    def deliver(self, delivery: Delivery) -> Link:
        order = delivery.order
        lines = _line_items(order, delivery.key)  # checked before anything is written
        target = self._target(order)
        try:
            if delivery.link is not None:
                order_id = delivery.link.remote_id
            else:
                found = self.client.find_order(delivery.key)
                order_id = str(found["id"]) if found else self._create(delivery)
            resource, items = self.client.order(order_id)
            state = State.of(_attributes(resource))
            added = (
                delivery.link is None and state.status in _CART and self._add_missing(order_id, lines, items)
            )
            if added:
                resource, _ = self.client.order(order_id)
                state = State.of(_attributes(resource))
            state = self._move(delivery, order_id, state, target)
        except APIError as exc:
            details = refusal_details(exc)
            if not details:
                raise
            msg = f"Commerce Layer refused {exc.request}: {'; '.join(details)}"
            raise DeliveryError(msg, target=delivery.target, order=order.label) from None
        return Link(
            remote_id=order_id,
            # source_id: a pull of the organization stores the order under its id (flow-back).
            detail={
                "status": state.status or "",
                "payment_status": state.payment_status or "",
                "source_id": order_id,
            },
        )

    # -- steps ---------------------------------------------------------------------------------------

    def _target(self, order: Order) -> State:
        """The status fields that hold the order's DFC states (the table's reverse rules)."""
        fields, _losses = platform_fields(order.states, self.adapter)
        return State.of(fields)

    def _create(self, delivery: Delivery) -> str:
        order = delivery.order
        attributes: Resource = {"reference": delivery.key, "reference_origin": REFERENCE_ORIGIN}
        if order.buyer is not None and order.buyer.email:
            attributes["customer_email"] = order.buyer.email
        relationships: Resource = {}
        if self.market is not None:
            if self._market_id is None:
                self._market_id = self.client.market_id(self.market)
            relationships["market"] = {"data": {"type": "markets", "id": self._market_id}}
        created = self.client.create("orders", attributes, relationships)
        return str(created["id"])

    def _add_missing(self, order_id: str, lines: list[Resource], items: list[Resource]) -> bool:
        """Create the line items not at Commerce Layer yet (by `reference`); whether any was."""
        present = {_attributes(item).get("reference") for item in items}
        missing = [line for line in lines if line["reference"] not in present]
        relationship = {"order": {"data": {"type": "orders", "id": order_id}}}
        for line in missing:
            self.client.create("line_items", line, relationship)
        return bool(missing)

    def _move(self, delivery: Delivery, order_id: str, state: State, target: State) -> State:
        """Send the triggers that take the order from `state` to one reading as `target`."""
        order = delivery.order
        wanted = self._reads_as(target)

        def arrived(candidate: State) -> bool:
            return candidate == target or (wanted is not None and self._reads_as(candidate) == wanted)

        steps = plan(state, arrived)
        if steps is None:
            msg = (
                f"Commerce Layer order {order_id} stands at {state} and cannot be brought by its order "
                f"triggers to {target} (DFC {order.states}){_why_not(state)}"
            )
            raise UnreachableState(msg, target=delivery.target, order=order.label)
        for name in steps:
            state = State.of(_attributes(self.client.trigger(order_id, name)))
        if not arrived(state):
            msg = (
                f"Commerce Layer order {order_id} is at {state} after {', '.join(steps)}, "
                f"not at {target} (DFC {order.states}): check its payment and shipments there"
            )
            raise DeliveryError(msg, target=delivery.target, order=order.label)
        return state

    def _reads_as(self, state: State) -> t.Any:
        """The DFC states `state` translates to, or None when the table does not translate it."""
        try:
            return self.adapter.mapping_table().translate(state.fields())
        except StatebridgeError:
            return None


# -- helpers ----------------------------------------------------------------------------------------


def _attributes(resource: Resource) -> Resource:
    attributes = resource.get("attributes")
    return attributes if isinstance(attributes, dict) else {}


def _line_items(order: Order, key: str) -> list[Resource]:
    """The `line_items` attributes of every line; a `DeliveryError` naming the first line that
    Commerce Layer could not take (no SKU, or not a whole quantity from 1)."""
    items = []
    for index, line in enumerate(order.lines):
        name = _line_name(index, line)
        if not line.item:
            msg = f"{name} has no item (SKU code) to order in Commerce Layer"
            raise DeliveryError(msg, order=order.label)
        quantity = line.quantity
        if quantity < 1 or quantity != quantity.to_integral_value():
            msg = f"{name} (SKU {line.item}): quantity {quantity} is not a whole number from 1"
            raise DeliveryError(msg, order=order.label)
        attributes: Resource = {
            "sku_code": line.item,
            "quantity": int(quantity),
            "reference": f"{key}:{index}",
            "reference_origin": REFERENCE_ORIGIN,
        }
        if line.name:
            attributes["name"] = line.name
        items.append(attributes)
    return items


def _line_name(index: int, line: OrderLine) -> str:
    return f"line {index + 1}" + (f" ({line.id})" if line.id else "")


def _why_not(state: State) -> str:
    if state.status == "cancelled":
        return ": a cancelled order cannot be reopened"
    if state.payment_status in ("paid", "partially_refunded", "refunded"):
        return ": its payment is captured, and statebridge never refunds (do it in Commerce Layer)"
    if state.status in ("approved", "editing", "placing"):
        return f": no trigger leads back from {state.status} there"
    return ""
