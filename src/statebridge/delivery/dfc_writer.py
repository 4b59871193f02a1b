"""Delivering to a DFC Orders endpoint (another statebridge, an FDC server, a hub).

The first delivery of an order creates it, later ones replace it where it was created:

- `method: POST` (the default, what Open Food Network does with the FDC servers): POST the order's
  JSON-LD to the collection with an `Idempotency-Key` (the delivery key), and link the order to the
  IRI the server gave it (`Location`, else the created order's `@id`); every later change is a PUT
  to that IRI. A POST is never repeated blindly: the client does not resend it after a 5xx or a
  dropped connection (unless told the server honours keys), and the next attempt, knowing one was
  sent (`Delivery.attempted`), first looks the order up in the collection by its order number,
  and only then POSTs again, with the same key, which a server honouring keys (statebridge does)
  answers with the order it created. A server that answers a keyed POST with 409 or 422 (the key
  was used for another version of the order, by another machine) gets the same look-up, then a PUT.
- `method: PUT`: PUT to `{collection}/{order id}`. A server that does not create on PUT answers 404;
  the order is then POSTed as above.
"""

from __future__ import annotations

import typing as t
from urllib.parse import quote, urljoin

import orjson

from ..clients.base import IDEMPOTENCY_KEY, json_document
from ..clients.dfc_endpoint import DfcEndpointClient
from ..dfc import order_document
from ..dfc.vocab import DFC_B
from ..errors import DeliveryError, FatalAPIError, UsageError
from ..settings import Settings
from .writer import Delivery, Link, Writer

if t.TYPE_CHECKING:
    from ..mapping import Tables

__all__ = ["DfcWriter"]

_ORDER_TYPES = frozenset({"dfc-b:Order", "Order", f"{DFC_B}Order"})
_MAX_PAGES = 1000
_NUMBER_KEYS = ("dfc-b:orderNumber", "orderNumber", f"{DFC_B}orderNumber")


class DfcWriter(Writer):
    """Creates and replaces orders in one DFC Orders collection (see the module docstring)."""

    platform = "dfc"

    def __init__(
        self,
        base_url: str,
        *,
        settings: Settings | None = None,
        tables: Tables | None = None,
        method: str | None = None,
        honours_idempotency_key: bool = False,
        **client_kwargs: t.Any,
    ) -> None:
        self.method = (method or "POST").upper()
        if self.method not in ("POST", "PUT"):
            msg = f"a DFC target takes method POST or PUT, not {method!r}"
            raise UsageError(msg)
        self.client = DfcEndpointClient(base_url, method="PUT", settings=settings, **client_kwargs)
        self.collection = self.client.base_url
        #: Whether the server is known to honour `Idempotency-Key` (statebridge does): then a POST
        #: is retried within the attempt like an idempotent request.
        self.honours_idempotency_key = honours_idempotency_key

    def close(self) -> None:
        self.client.close()

    def deliver(self, delivery: Delivery) -> Link:
        body = orjson.dumps(order_document(delivery.order, delivery.minter))
        if delivery.link is not None:
            self._put(delivery.link.remote_id, body)
            return delivery.link
        if self.method == "PUT":
            iri = f"{self.collection}/{quote(delivery.order.id, safe='')}"
            try:
                self._put(iri, body)
            except FatalAPIError as exc:
                if exc.status != 404:
                    raise
            else:
                return Link(iri)
        if delivery.attempted:
            found = self._look_up(delivery)
            if found is not None:
                self._put(found, body)
                return Link(found)
        try:
            return Link(self._post(delivery, body))
        except FatalAPIError as exc:
            # 409/422 to a keyed POST: the key is in use (another machine created the order with
            # it, from another version of the order), or the order is refused. Where it exists
            # already, it is found and replaced; else the refusal stands.
            if exc.status not in (409, 422):
                raise
            found = self._look_up(delivery)
            if found is None:
                raise
            self._put(found, body)
            return Link(found)

    def _put(self, iri: str, body: bytes) -> None:
        self.client.request("PUT", iri, content=body)

    def _post(self, delivery: Delivery, body: bytes) -> str:
        response = self.client.request(
            "POST",
            self.collection,
            content=body,
            headers={IDEMPOTENCY_KEY: f'"{delivery.key}"'},
            repeatable=self.honours_idempotency_key,
        )
        location: str | None = response.headers.get("Location")
        if location:
            return urljoin(self.collection + "/", location)
        created = _order_iri(json_document(response, redirect_advice="POST to the Orders collection itself"))
        if created is None:
            msg = (
                f"the server at {self.collection} created the order but named it neither in a Location "
                "header nor as the @id of an Order in its answer"
            )
            raise DeliveryError(msg, order=delivery.order.label)
        return created

    def _look_up(self, delivery: Delivery) -> str | None:
        """The IRI of the order in the collection whose order number is ours, if there is one; the
        collection's pages are followed by their `Link: <…>; rel="next"` (as statebridge and FDC
        servers page), at most `_MAX_PAGES` of them."""
        number = delivery.order.number
        if not number:
            return None
        url: str | None = self.collection
        for _ in range(_MAX_PAGES):
            if url is None:
                return None
            response = self.client.request("GET", url)
            document = json_document(response, redirect_advice="GET the Orders collection itself")
            for node in _nodes(document):
                if _is_order(node) and number in _values(node, _NUMBER_KEYS):
                    identifier = node.get("@id")
                    if isinstance(identifier, str):
                        return urljoin(self.collection + "/", identifier)
            following = response.links.get("next", {}).get("url")
            url = urljoin(url, following) if following else None
        return None


def _nodes(document: t.Any) -> t.Iterator[dict[str, t.Any]]:
    """Every JSON object of a JSON-LD document (compacted or not, with or without @graph)."""
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _is_order(node: dict[str, t.Any]) -> bool:
    kinds = node.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return any(kind in _ORDER_TYPES for kind in kinds)


def _values(node: dict[str, t.Any], keys: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for key in keys:
        value = node.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                item = item.get("@value")
            if isinstance(item, str | int):
                found.add(str(item))
    return found


def _order_iri(document: t.Any) -> str | None:
    for node in _nodes(document):
        if _is_order(node) and isinstance(node.get("@id"), str):
            return str(node["@id"])
    return None
