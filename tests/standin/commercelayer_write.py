"""The Commerce Layer stand-in, writable: orders and line items created, orders moved by triggers.

Everything `StandinCommerceLayer` serves (token endpoint, the orders pull, the sliding window with
429 + `Retry-After`) plus, as the Core API does (docs/references/commercelayer-writes.md):

- `POST /api/orders` (JSON:API, `Content-Type: application/vnd.api+json`): a draft order; the
  `market` relationship is required (422 `VALIDATION_ERROR` pointing at `/data/relationships/market`)
  and must name a market the organization has;
- `POST /api/line_items` with `sku_code`, a whole `quantity` from 1 and the `order` relationship,
  only while the order is a cart (draft or pending); an order with line items and a customer email
  becomes pending;
- `PATCH /api/orders/{id}` with one trigger attribute: each allowed only from the statuses Commerce
  Layer allows it from (`ALLOWED`), else 422 pointing at `/data/attributes/status`; a trigger whose
  outcome already holds is accepted and changes nothing (status changes are idempotent);
  `_place` refuses an order without line items;
- `GET /api/orders/{id}` (with `include=line_items`), `GET /api/orders?filter[q][reference_eq]=`
  and `GET /api/markets?filter[q][code_eq]=`;
- a live bearer token on every `/api` request (401 otherwise).

Switches for tests: `throttle(n, retry_after)` answers the next n requests 429 with that
`Retry-After`; `accept_then_fail(n, after=k)` lets k writes through, then applies the next n and
answers each 500. Every applied write is recorded in `writes` as (method, path, JSON body).
"""

from __future__ import annotations

import dataclasses
import http.server
import json
import threading
import typing as t
from urllib.parse import parse_qs, urlsplit

from .commercelayer import Organization, StandinCommerceLayer

Resource = dict[str, t.Any]
JSONAPI = "application/vnd.api+json"

#: trigger -> (whether Commerce Layer allows it from a state, the state it leaves), from the
#: resource docs' action table and the SDK's trigger descriptions.
State = tuple[str, str, str]
ALLOWED: dict[str, tuple[t.Callable[[State], bool], t.Callable[[State], State]]] = {
    "_place": (lambda s: s[0] in ("draft", "pending"), lambda s: ("placed", "authorized", "unfulfilled")),
    "_approve": (lambda s: s[0] == "placed", lambda s: ("approved", s[1], s[2])),
    "_capture": (
        lambda s: s[0] == "approved" and s[1] == "authorized",
        lambda s: ("approved", "paid", "in_progress"),
    ),
    "_approve_and_capture": (lambda s: s[0] == "placed", lambda s: ("approved", "paid", "in_progress")),
    "_fulfill": (lambda s: s[0] == "approved", lambda s: (s[0], s[1], "fulfilled")),
    "_cancel": (lambda s: s[0] == "placed", lambda s: ("cancelled", "voided", "unfulfilled")),
    "_start_editing": (lambda s: s[0] == "placed", lambda s: ("editing", s[1], s[2])),
    "_stop_editing": (lambda s: s[0] == "editing", lambda s: ("placed", s[1], s[2])),
}


def cl_error(status: int, code: str, detail: str, pointer: str | None = None) -> Resource:
    """Commerce Layer's error object (docs: handling errors)."""
    error: Resource = {
        "title": detail.split(" - ")[-1],
        "detail": detail,
        "code": code,
        "status": str(status),
    }
    if pointer:
        error["source"] = {"pointer": pointer}
    return {"errors": [error]}


class Refused(Exception):
    def __init__(self, status: int, answer: Resource) -> None:
        self.status = status
        self.answer = answer


def _refuse(status: int, code: str, detail: str, pointer: str | None = None) -> Refused:
    return Refused(status, cl_error(status, code, detail, pointer))


@dataclasses.dataclass
class Store:
    """The written orders and line items of the organization."""

    markets: dict[str, str]  # id -> code
    skus: frozenset[str] | None = None  # None: any SKU code is sold
    orders: dict[str, Resource] = dataclasses.field(default_factory=dict)
    items: dict[str, Resource] = dataclasses.field(default_factory=dict)

    def order_items(self, order_id: str) -> list[Resource]:
        return [i for i in self.items.values() if i["relationships"]["order"]["data"]["id"] == order_id]

    def create_order(self, data: Resource) -> Resource:
        market = ((data.get("relationships") or {}).get("market") or {}).get("data") or {}
        if not market.get("id"):
            raise _refuse(422, "VALIDATION_ERROR", "market - can't be blank", "/data/relationships/market")
        if market["id"] not in self.markets:
            raise _refuse(422, "VALIDATION_ERROR", "market - is invalid", "/data/relationships/market")
        attributes = data.get("attributes") or {}
        index = len(self.orders) + 1
        order_id = f"wOrdr{index:05d}"
        self.orders[order_id] = {
            "id": order_id,
            "type": "orders",
            "attributes": {
                "number": str(70000 + index),
                "status": "draft",
                "payment_status": "unpaid",
                "fulfillment_status": "unfulfilled",
                "reference": attributes.get("reference"),
                "reference_origin": attributes.get("reference_origin"),
                "customer_email": attributes.get("customer_email"),
                "currency_code": "EUR",
            },
            "relationships": {"market": {"data": {"type": "markets", "id": market["id"]}}},
        }
        return self.orders[order_id]

    def create_line_item(self, data: Resource) -> Resource:
        attributes = data.get("attributes") or {}
        order_ref = ((data.get("relationships") or {}).get("order") or {}).get("data") or {}
        order = self.orders.get(order_ref.get("id", ""))
        if order is None:
            raise _refuse(422, "VALIDATION_ERROR", "order - can't be blank", "/data/relationships/order")
        if order["attributes"]["status"] not in ("draft", "pending"):
            raise _refuse(422, "VALIDATION_ERROR", "order - is not editable", "/data/relationships/order")
        quantity = attributes.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            detail = "quantity - must be greater than 0"
            raise _refuse(422, "VALIDATION_ERROR", detail, "/data/attributes/quantity")
        sku = attributes.get("sku_code")
        if not sku or (self.skus is not None and sku not in self.skus):
            detail = f"sku_code - {sku!r} is not available in the order's market"
            raise _refuse(422, "VALIDATION_ERROR", detail, "/data/attributes/sku_code")
        item_id = f"wLine{len(self.items) + 1:05d}"
        self.items[item_id] = {
            "id": item_id,
            "type": "line_items",
            "attributes": {"item_type": "skus", **attributes},
            "relationships": {"order": {"data": {"type": "orders", "id": order["id"]}}},
        }
        if order["attributes"]["customer_email"]:
            order["attributes"]["status"] = "pending"
        return self.items[item_id]

    def trigger(self, order_id: str, data: Resource) -> Resource:
        order = self.orders.get(order_id)
        if order is None:
            raise _refuse(404, "RECORD_NOT_FOUND", "The requested resource was not found.")
        if data.get("id") != order_id:
            raise _refuse(
                400, "KEY_NOT_INCLUDED_IN_URL", f"The URL does not support the key {data.get('id')}"
            )
        attributes = order["attributes"]
        for name, value in (data.get("attributes") or {}).items():
            if name not in ALLOWED or value is not True:
                detail = f"{name} - is not a trigger the stand-in knows"
                raise _refuse(400, "PARAM_NOT_ALLOWED", detail, f"/data/attributes/{name}")
            allowed, effect = ALLOWED[name]
            now: State = (
                attributes["status"],
                attributes["payment_status"],
                attributes["fulfillment_status"],
            )
            if effect(now) == now:
                continue  # already done: status changes are idempotent
            if not allowed(now):
                detail = f"status - cannot {name.strip('_')} an order that is {now[0]} (payment {now[1]})"
                raise _refuse(422, "VALIDATION_ERROR", detail, "/data/attributes/status")
            if name == "_place" and not self.order_items(order_id):
                detail = "line_items - can't be blank"
                raise _refuse(422, "VALIDATION_ERROR", detail, "/data/relationships/line_items")
            after = effect(now)
            attributes.update(status=after[0], payment_status=after[1], fulfillment_status=after[2])
        return order


class StandinCommerceLayerWrite(StandinCommerceLayer):
    """The read stand-in plus the order writes; use as a context manager."""

    def __init__(
        self,
        organization: Organization | None = None,
        *,
        markets: t.Mapping[str, str] | None = None,
        skus: t.Iterable[str] | None = None,
    ) -> None:
        self.store = Store(
            dict(markets or {"mkt_europe": "europe"}), None if skus is None else frozenset(skus)
        )
        self.writes: list[tuple[str, str, Resource]] = []
        self._throttle = (0, 0.0)
        self._fail_after = 0
        self._fail_skip = 0
        self.write_lock = threading.Lock()
        super().__init__(organization or Organization(count=0))

    def throttle(self, count: int, retry_after: float = 2.0) -> None:
        """Answer the next `count` requests 429 with `Retry-After: retry_after`."""
        with self.write_lock:
            self._throttle = (count, retry_after)

    def accept_then_fail(self, count: int, *, after: int = 0) -> None:
        """Let `after` writes through, then apply the next `count` and answer each 500 (as if the
        server failed once it had acted)."""
        with self.write_lock:
            self._fail_skip, self._fail_after = after, count

    def orders_written(self) -> list[Resource]:
        with self.write_lock:
            return list(self.store.orders.values())

    # -- behaviour -----------------------------------------------------------------------------------

    def _throttled(self) -> float | None:
        with self.write_lock:
            count, wait = self._throttle
            if count <= 0:
                return None
            self._throttle = (count - 1, wait)
            return wait

    def _write(self, method: str, path: str, body: Resource) -> tuple[int, Resource]:
        data = body.get("data")
        if not isinstance(data, dict):
            raise _refuse(400, "INVALID_DATA_FORMAT", "data - is missing", "/data")
        with self.write_lock:
            if method == "POST" and path == "/api/orders":
                status, resource = 201, self.store.create_order(data)
            elif method == "POST" and path == "/api/line_items":
                status, resource = 201, self.store.create_line_item(data)
            elif method == "PATCH" and path.startswith("/api/orders/"):
                status, resource = 200, self.store.trigger(path.rsplit("/", 1)[-1], data)
            else:
                raise _refuse(404, "RECORD_NOT_FOUND", f"no {method} {path} here")
            self.writes.append((method, path, body))
            if self._fail_skip > 0:
                self._fail_skip -= 1
            elif self._fail_after > 0:
                self._fail_after -= 1
                raise _refuse(500, "INTERNAL_SERVER_ERROR", "Something went wrong on our end")
        return status, {"data": json.loads(json.dumps(resource))}

    def _read(self, path: str, query: dict[str, list[str]]) -> tuple[int, Resource] | None:
        """A written order, a reference look-up or a market look-up; None for the orders pull."""
        with self.write_lock:
            if path == "/api/markets":
                code = query.get("filter[q][code_eq]", [None])[0]
                found = [
                    {"id": i, "type": "markets", "attributes": {"code": c}}
                    for i, c in self.store.markets.items()
                    if code is None or c == code
                ]
                return 200, {"data": found, "meta": {"record_count": len(found), "page_count": 1}}
            if path == "/api/orders" and "filter[q][reference_eq]" in query:
                reference = query["filter[q][reference_eq]"][0]
                found = [o for o in self.store.orders.values() if o["attributes"]["reference"] == reference]
                return 200, {"data": found, "meta": {"record_count": len(found), "page_count": 1}}
            if path.startswith("/api/orders/"):
                order = self.store.orders.get(path.rsplit("/", 1)[-1])
                if order is None:
                    raise _refuse(404, "RECORD_NOT_FOUND", "The requested resource was not found.")
                answer: Resource = {"data": order}
                if query.get("include") == ["line_items"]:
                    answer["included"] = self.store.order_items(order["id"])
                return 200, json.loads(json.dumps(answer))
        return None

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        standin = self
        base = super()._handler()

        class Handler(base):  # type: ignore[valid-type,misc]
            # headers and body leave in two writes: without this, each answer waits for a delayed ACK
            disable_nagle_algorithm = True

            def _gate(self, method: str, *, write: bool) -> dict[str, str] | None:
                """Throttling, the window, `Accept`, `Content-Type` and the token; headers or None."""
                wait = standin._throttled()
                if wait is not None:
                    with standin.lock:
                        standin.throttled += 1
                    self._answer(
                        429,
                        cl_error(429, "TOO_MANY_REQUESTS", "Too many requests"),
                        {"Retry-After": f"{wait:g}"},
                    )
                    return None
                headers: dict[str, str] | None = self._admitted()
                if headers is None:
                    return None
                if self.headers.get("Accept") != JSONAPI:
                    self._answer(406, cl_error(406, "NOT_ACCEPTABLE", "Not acceptable"), headers)
                    return None
                if write and self.headers.get("Content-Type") != JSONAPI:
                    detail = "Unsupported media type"
                    self._answer(415, cl_error(415, "UNSUPPORTED_MEDIA_TYPE", detail), headers)
                    return None
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                with standin.lock:
                    valid = token in standin.tokens
                if not valid:
                    detail = "You are not authorized to perform this action on the requested resource."
                    self._answer(401, cl_error(401, "UNAUTHORIZED", detail), headers)
                    return None
                return headers

            def _answer(self, status: int, answer: Resource, headers: t.Mapping[str, str]) -> None:
                self.send_json(status, answer, content_type=JSONAPI, headers=headers)

            def _writing(self, method: str) -> None:
                parts = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with standin.lock:
                    standin.requests.append((method, self.path))
                headers = self._gate(method, write=True)
                if headers is None:
                    return
                try:
                    document = json.loads(body)
                    status, answer = standin._write(method, parts.path, document)
                except ValueError:
                    status, answer = 400, cl_error(400, "INVALID_DATA_FORMAT", "the body is not JSON")
                except Refused as refused:
                    status, answer = refused.status, refused.answer
                self._answer(status, answer, headers)

            def do_POST(self) -> None:
                if urlsplit(self.path).path == "/oauth/token":
                    super().do_POST()
                    return
                self._writing("POST")

            def do_PATCH(self) -> None:
                self._writing("PATCH")

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                if parts.path == "/api/orders" and "filter[q][reference_eq]" not in query:
                    super().do_GET()  # the orders pull
                    return
                with standin.lock:
                    standin.requests.append(("GET", self.path))
                headers = self._gate("GET", write=False)
                if headers is None:
                    return
                try:
                    found = standin._read(parts.path, query)
                except Refused as refused:
                    self._answer(refused.status, refused.answer, headers)
                    return
                if found is None:
                    found = 404, cl_error(404, "RECORD_NOT_FOUND", "The requested resource was not found.")
                self._answer(*found, headers)

        return Handler
