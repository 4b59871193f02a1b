"""The two Spree-family write APIs as `SpreeWriter` speaks them: paths, bodies and answers.

Each dialect does the same five things (find an order by number, find a variant by SKU, create an
order with its line items, send a state event, read an answer into a flat `Remote`), each in its
own API's words, so that the writer's plan (`deliver.py`) is written once for both:

- `SpreeV2`, the Spree 4.x-5.3 Platform API (`/api/v2/platform`, JSON:API answers): orders are
  searched with Ransack `filter[number_eq]` (`number` is ransackable, `private_metadata` is not),
  created with `line_items_attributes` and `private_metadata`, and moved by the `PATCH` member
  routes `next`, `advance`, `complete`, `approve`, `cancel`, `empty` (no `resume`);
- `Solidus`, the Solidus REST API (`/api`, flat JSON): orders are searched with `q[number_eq]`
  (Solidus's ransackable order attributes are `completed_at created_at email number state
  payment_state shipment_state total store_id`), created by an admin's `POST /api/orders` (which
  may set `number`), moved by `PUT /api/checkouts/:id/next|advance|complete` and
  `PUT /api/orders/:id/cancel` (no `approve`, no `resume`).

Sources: docs/spree-writer.md lists the files and commits of spree/spree and solidusio/solidus.
"""

from __future__ import annotations

import abc
import dataclasses
import typing as t

#: Where the writer keeps the delivery key in a Spree order's `private_metadata`.
KEY_FIELD = "statebridge_delivery_key"


@dataclasses.dataclass(frozen=True)
class Remote:
    """An order at the target as the writer needs it, whichever API answered."""

    id: str
    number: str
    state: str | None
    payment_state: str | None
    shipment_state: str | None
    #: The delivery key the order carries (Spree `private_metadata`), None where the API has none.
    key: str | None = None


@dataclasses.dataclass(frozen=True)
class Call:
    """One request: method, path (under the base URL), query, JSON body."""

    method: str
    path: str
    params: t.Mapping[str, str] | None = None
    body: t.Any = None


class Dialect(abc.ABC):
    """One API's words for the writer's five requests."""

    #: The flavour name (the client's `flavour` option).
    flavour: t.ClassVar[str]
    #: How messages name the API.
    label: t.ClassVar[str]
    #: The state events this API has routes for.
    events: t.ClassVar[frozenset[str]]

    @abc.abstractmethod
    def find(self, number: str) -> Call:
        """Search the orders for `number`."""

    @abc.abstractmethod
    def found(self, document: t.Any) -> Remote | None:
        """The order a `find` answered, or None."""

    @abc.abstractmethod
    def variant(self, sku: str) -> Call:
        """Search the variants for `sku`."""

    @abc.abstractmethod
    def variant_id(self, document: t.Any) -> str | None:
        """The id of the variant a `variant` search answered, or None."""

    @abc.abstractmethod
    def create(self, fields: t.Mapping[str, t.Any], lines: list[dict[str, t.Any]], key: str) -> Call:
        """Create an order with `fields` and its `lines` (`variant_id`, `quantity`), carrying `key`."""

    @abc.abstractmethod
    def event(self, number: str, event: str) -> Call:
        """Send state event `event` to order `number`."""

    @abc.abstractmethod
    def one(self, document: t.Any) -> Remote:
        """The order an answer to `create` or `event` holds."""


def _text(value: t.Any) -> str | None:
    return None if value is None else str(value)


class SpreeV2(Dialect):
    """Spree's v2 Platform API."""

    flavour = "spree-v2"
    label = "the Spree Platform API"
    events = frozenset({"next", "advance", "complete", "approve", "cancel", "empty"})
    root = "/api/v2/platform"

    def find(self, number: str) -> Call:
        return Call("GET", f"{self.root}/orders", {"filter[number_eq]": number})

    def found(self, document: t.Any) -> Remote | None:
        data = document.get("data") if isinstance(document, dict) else None
        if not isinstance(data, list) or not data:
            return None
        return self._resource(data[0])

    def variant(self, sku: str) -> Call:
        return Call("GET", f"{self.root}/variants", {"filter[sku_eq]": sku})

    def variant_id(self, document: t.Any) -> str | None:
        data = document.get("data") if isinstance(document, dict) else None
        if isinstance(data, list) and data and isinstance(data[0], dict):
            return _text(data[0].get("id"))
        return None

    def create(self, fields: t.Mapping[str, t.Any], lines: list[dict[str, t.Any]], key: str) -> Call:
        order = {**fields, "private_metadata": {KEY_FIELD: key}, "line_items_attributes": lines}
        return Call("POST", f"{self.root}/orders", body={"order": order})

    def event(self, number: str, event: str) -> Call:
        return Call("PATCH", f"{self.root}/orders/{number}/{event}")

    def one(self, document: t.Any) -> Remote:
        data = document.get("data") if isinstance(document, dict) else None
        return self._resource(data)

    def _resource(self, resource: t.Any) -> Remote:
        resource = resource if isinstance(resource, dict) else {}
        found = resource.get("attributes")
        a: dict[str, t.Any] = found if isinstance(found, dict) else {}
        meta = a.get("private_metadata")
        metadata: dict[str, t.Any] = meta if isinstance(meta, dict) else {}
        return Remote(
            id=str(resource.get("id", "")),
            number=str(a.get("number", "")),
            state=_text(a.get("state")),
            payment_state=_text(a.get("payment_state")),
            shipment_state=_text(a.get("shipment_state")),
            key=_text(metadata.get(KEY_FIELD)),
        )


class Solidus(Dialect):
    """Solidus's REST API (also Chord OMS)."""

    flavour = "solidus"
    label = "the Solidus API"
    events = frozenset({"next", "advance", "complete", "cancel", "empty"})
    #: The checkout events live under /api/checkouts, the others under /api/orders.
    _CHECKOUT = frozenset({"next", "advance", "complete"})

    def find(self, number: str) -> Call:
        return Call("GET", "/api/orders", {"q[number_eq]": number})

    def found(self, document: t.Any) -> Remote | None:
        orders = document.get("orders") if isinstance(document, dict) else None
        if not isinstance(orders, list) or not orders:
            return None
        return self.one(orders[0])

    def variant(self, sku: str) -> Call:
        return Call("GET", "/api/variants", {"q[sku_eq]": sku})

    def variant_id(self, document: t.Any) -> str | None:
        variants = document.get("variants") if isinstance(document, dict) else None
        if isinstance(variants, list) and variants and isinstance(variants[0], dict):
            return _text(variants[0].get("id"))
        return None

    def create(self, fields: t.Mapping[str, t.Any], lines: list[dict[str, t.Any]], key: str) -> Call:
        # Solidus has no searchable field for the key: the number derived from it is the key.
        return Call("POST", "/api/orders", body={"order": {**fields, "line_items": lines}})

    def event(self, number: str, event: str) -> Call:
        where = "checkouts" if event in self._CHECKOUT else "orders"
        return Call("PUT", f"/api/{where}/{number}/{event}")

    def one(self, document: t.Any) -> Remote:
        record = document if isinstance(document, dict) else {}
        return Remote(
            id=str(record.get("id", "")),
            number=str(record.get("number", "")),
            state=_text(record.get("state")),
            payment_state=_text(record.get("payment_state")),
            shipment_state=_text(record.get("shipment_state")),
        )


DIALECTS: dict[str, type[Dialect]] = {"spree-v2": SpreeV2, "solidus": Solidus}
