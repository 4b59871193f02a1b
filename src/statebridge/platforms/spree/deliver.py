"""`SpreeWriter`: orders delivered to a Spree (Platform API) or Solidus/Chord (REST API) store.

Idempotent as `Writer` demands, with nothing but what these APIs let a client search on:

- **The order's number is the key.** Neither API can search an order by a tag or metadata
  (Spree's ransackable order attributes include `number` but not `private_metadata`; Solidus's
  include `number`), and both let an admin set `number` at create. So the writer creates the order
  as `SB` + the first 16 hex digits of the delivery key, upper case (`order_number`), and looks
  that number up before creating: a create that reached the store before a crash is found, never
  repeated. Spree also keeps the whole key in `private_metadata`, and an order found with another
  key there is refused rather than taken over.
- **Lines go with the create**, in the same request (`line_items_attributes` / `line_items`), so an
  order is never found half-built. A line's `item` is a SKU (looked up among the variants) or,
  when no variant has that SKU and it is a whole number, a variant id.
- **Moves are read, then made.** The writer reads where the order stands *in the store* and sends
  only the events from there to the `state` the spree table's reverse rules give for the DFC
  states: `advance` then `complete` to complete an order, `cancel` to cancel a complete one.
  Neither API has a route for `resume` (Spree's `resume` event exists only inside Spree), so a
  cancelled order cannot be brought back, and a complete order cannot go back to a cart: both are
  `UnreachableState`. An order never placed (no `placed_at`) is not completed just to cancel it.
  Payment and shipment states are not written (they follow payments and shipments, which these
  requests do not create); what the store reports is kept in the `Link`.
- **Events are sent once.** `PATCH` and `PUT` events are sent as not repeatable: after a 5xx the
  store may have acted, so the error goes to the outbox, and the next attempt reads the order again.

Open Food Network's API has no route to create or move orders: its flavour is `NoWriteApi`.
"""

from __future__ import annotations

import logging
import typing as t

import httpx
import orjson

from ...clients.base import json_document, mask_secrets, reason
from ...delivery.writer import Delivery, Link, Writer
from ...errors import APIError, DeliveryError, FatalAPIError, NoWriteApi, UnreachableState, UsageError
from ...settings import Settings, or_environment
from .client import FLAVOURS, TOKEN_ENV, SpreeClient
from .deliver_api import DIALECTS, Call, Dialect, Remote

if t.TYPE_CHECKING:
    from ...mapping import Tables
    from ...model import Order

__all__ = ["SpreeWriter", "order_number"]

log = logging.getLogger("statebridge.delivery")

#: Order states by where they stand: still in checkout (DFC Draft), placed, cancelled.
CHECKOUT = frozenset({"cart", "address", "delivery", "payment", "confirm", "confirmation", "resumed"})
PLACED = frozenset({"complete", "awaiting_return", "returned"})
CANCELED = frozenset({"canceled"})
_PHASE = {"cart": CHECKOUT, "complete": PLACED, "canceled": CANCELED}
_OFN_REASON = (
    "Open Food Network's API (v0, v1) has no route to create an order or move it through its states; "
    "deliver to OFN through its DFC endpoint instead"
)
_REDIRECT = "use the site root it points to as the target's base URL"


def order_number(key: str) -> str:
    """The number the writer gives the order of delivery `key` at the store (both APIs search it)."""
    return f"SB{key[:16].upper()}"


class SpreeWriter(Writer):
    """Brings orders to one Spree-family store through the write API of its `flavour`."""

    platform = "spree"

    def __init__(
        self,
        base_url: str,
        *,
        settings: Settings | None = None,
        tables: Tables | None = None,
        flavour: str = "spree-v2",
        **client_kwargs: t.Any,
    ) -> None:
        if flavour == "ofn":
            msg = f"spree --flavour ofn cannot be a delivery target: {_OFN_REASON}"
            raise NoWriteApi(msg)
        if flavour not in FLAVOURS:
            msg = f"unknown Spree flavour {flavour!r} (valid: {', '.join(FLAVOURS)})"
            raise UsageError(msg)
        from .. import get_adapter  # the registry imports this package: import on use

        self.settings = or_environment(settings)
        self.dialect: Dialect = DIALECTS[flavour]()
        self.adapter = get_adapter("spree", tables=tables)
        self.client = SpreeClient(base_url, flavour=flavour, settings=self.settings, **client_kwargs)

    def close(self) -> None:
        self.client.close()

    # -- the plan ----------------------------------------------------------------------------------

    def deliver(self, delivery: Delivery) -> Link:
        from ...pipeline import platform_fields

        order = delivery.order
        name = order.number or order.id
        fields, losses = platform_fields(order.states, self.adapter)
        for loss in losses:
            log.info("order %s to %s: %s", name, delivery.target, loss)
        wanted = fields.get("state") or "cart"
        number = delivery.link.remote_id if delivery.link else order_number(delivery.key)
        remote = self._find(number, delivery)
        if remote is None:
            if delivery.link is not None:
                msg = f"order {number} recorded at the last delivery is no longer in the store"
                raise DeliveryError(msg, target=delivery.target, order=name)
            remote = self._create(number, delivery)
        remote = self._move(remote, wanted, delivery)
        detail = {"id": remote.id, "state": remote.state or ""}
        detail.update({k: v for k, v in (("payment_state", remote.payment_state),) if v})
        detail.update({k: v for k, v in (("shipment_state", remote.shipment_state),) if v})
        # source_id: the adapter stores a pulled order under its `id`, else its number (flow-back).
        detail["source_id"] = remote.id or remote.number
        return Link(remote_id=remote.number, detail=detail)

    def _find(self, number: str, delivery: Delivery) -> Remote | None:
        remote = self.dialect.found(self._send(self.dialect.find(number), delivery, "number"))
        if remote is not None and remote.key is not None and remote.key != delivery.key:
            msg = (
                f"{self.dialect.label} already has an order {number} made for another delivery "
                f"(its private_metadata {_KEY_NOTE}): not taken over"
            )
            raise DeliveryError(msg, target=delivery.target, order=_name(delivery.order))
        return remote

    def _create(self, number: str, delivery: Delivery) -> Remote:
        order = delivery.order
        lines = [
            {
                "variant_id": self._variant(line.item, i, delivery),
                "quantity": _quantity(line.quantity, i, delivery),
            }
            for i, line in enumerate(order.lines)
        ]
        fields: dict[str, t.Any] = {"number": number}
        if order.buyer is not None and order.buyer.email:
            fields["email"] = order.buyer.email
        if order.currency:
            fields["currency"] = order.currency
        document = self._send(self.dialect.create(fields, lines, delivery.key), delivery, "order")
        remote = self.dialect.one(document)
        log.info("order %s to %s: created as %s", _name(order), delivery.target, remote.number)
        return remote

    def _variant(self, item: str | None, index: int, delivery: Delivery) -> str:
        if not item:
            msg = f"line {index + 1} (lines[{index}]) has no item (SKU or variant id) to order"
            raise DeliveryError(msg, target=delivery.target, order=_name(delivery.order))
        found = self.dialect.variant_id(self._send(self.dialect.variant(item), delivery, f"lines[{index}]"))
        if found is not None:
            return found
        if item.isdigit():
            return item
        msg = f"lines[{index}].item: no variant with SKU {item!r} in {self.dialect.label}"
        raise DeliveryError(msg, target=delivery.target, order=_name(delivery.order))

    def _move(self, remote: Remote, wanted: str, delivery: Delivery) -> Remote:
        for event in self._events(remote, wanted, delivery):
            if event == "complete" and remote.state in PLACED:
                continue  # `advance` got there (a store without a confirm step)
            log.info("order %s to %s: %s %s", _name(delivery.order), delivery.target, event, remote.number)
            call = self.dialect.event(remote.number, event)
            remote = self.dialect.one(self._send(call, delivery, f"state (event {event})"))
        return remote

    def _events(self, remote: Remote, wanted: str, delivery: Delivery) -> list[str]:
        """The events from `remote.state` to the phase of `wanted`; `UnreachableState` when none."""
        phase = _PHASE.get(wanted, CHECKOUT)
        state = remote.state or "cart"
        if state in phase:
            return []
        if state in CHECKOUT and phase is PLACED:
            return ["advance", "complete"]
        if state in PLACED and phase is CANCELED:
            return ["cancel"]
        if state in CHECKOUT and phase is CANCELED and delivery.order.placed_at is not None:
            return ["advance", "complete", "cancel"]
        why = _why(state, wanted, self.dialect)
        msg = f"cannot bring order {remote.number} from state {state} to {wanted} ({why})"
        raise UnreachableState(msg, target=delivery.target, order=_name(delivery.order))

    # -- sending -----------------------------------------------------------------------------------

    def _send(self, call: Call, delivery: Delivery, field: str) -> t.Any:
        """One request through the client; a 422 as a `DeliveryError` naming order, field and detail."""
        token = self.settings.value(TOKEN_ENV)
        try:
            # Writes are never sent twice: after a 5xx the store may have acted (see the docstring).
            repeatable = None if call.method == "GET" else False
            response: httpx.Response = self.client.request(
                call.method, call.path, params=call.params, json=call.body, repeatable=repeatable
            )
        except FatalAPIError as exc:
            masked = mask_secrets(exc, [token])
            if exc.status == 422:
                msg = f"{field}: {self.dialect.label} refused {exc.request}: {_detail(reason(masked))}"
                raise DeliveryError(msg, target=delivery.target, order=_name(delivery.order)) from None
            raise masked from None
        except APIError as exc:
            raise mask_secrets(exc, [token]) from None
        return json_document(response, redirect_advice=_REDIRECT)


_KEY_NOTE = "holds a different statebridge delivery key"


def _name(order: Order) -> str:
    return order.number or order.id


def _quantity(value: t.Any, index: int, delivery: Delivery) -> int:
    if value != value.to_integral_value() or value < 1:
        msg = f"lines[{index}].quantity: {value} is not a whole number from 1, which Spree line items need"
        raise DeliveryError(msg, target=delivery.target, order=_name(delivery.order))
    return int(value)


def _why(state: str, wanted: str, dialect: Dialect) -> str:
    if state in CANCELED:
        return f"{dialect.label} has no route for the resume event; a cancelled order stays cancelled"
    if state in PLACED and wanted == "cart":
        return "a placed order cannot go back to checkout"
    if wanted == "canceled":
        return "only a placed order can be cancelled, and this order was never placed"
    return f"no event of {dialect.label} leads there"


def _detail(text: str) -> str:
    """The `error`/`errors` of a Spree or Solidus 422 answer (`422 Unprocessable Entity: {…}`)."""
    _, _, body = text.partition(": ")
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return text
    if not isinstance(document, dict):
        return text
    errors = document.get("errors")
    parts = [str(document.get("error") or "")]
    if isinstance(errors, dict):
        parts += [f"{k}: {'; '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in errors.items()]
    return " - ".join(part for part in parts if part) or text
