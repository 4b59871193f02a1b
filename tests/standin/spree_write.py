"""A stand-in Spree-family store to write to: Spree's v2 Platform API or Solidus's REST API.

What the real APIs enforce, in their shapes (docs/spree-writer.md names the source files):

- auth: `Authorization: Bearer` (else 401 `{"error": …}`);
- search: Spree `GET /api/v2/platform/orders?filter[number_eq]=` and `…/variants?filter[sku_eq]=`
  (JSON:API lists); Solidus `GET /api/orders?q[number_eq]=` and `/api/variants?q[sku_eq]=`;
- create: Spree `POST /api/v2/platform/orders` `{"order": {…, "line_items_attributes": […],
  "private_metadata": {…}}}`, Solidus `POST /api/orders` `{"order": {…, "line_items": […]}}`; 201;
  a taken `number` or an unknown `variant_id` is a 422 `{"error", "errors"}`;
- events, with the checkout state machine cart -> address -> delivery -> payment -> confirm ->
  complete (`next` one step, `advance` as far as it goes, `complete` only from confirm, `cancel` only
  from complete, Spree's `approve` on a placed order): Spree `PATCH
  /api/v2/platform/orders/:number/EVENT`, Solidus `PUT /api/checkouts/:number/next|advance|complete`
  and `PUT /api/orders/:number/cancel|empty`. Neither has a `resume` route (404). A refused event is
  a 422 in the API's shape. Leaving `cart` needs a line item, leaving `address` an email.

Switches for tests: `throttle(n, retry_after)` answers the next `n` requests 429 with `Retry-After`;
`fail_after_apply(n)` applies the next `n` writes and answers them 500 (accept-then-fail). Every
write that was applied is in `writes` (method, path, body).

    python -m tests.standin.spree_write --flavour solidus
"""

from __future__ import annotations

import argparse
import dataclasses
import http.server
import json
import threading
import typing as t
from urllib.parse import parse_qs, urlsplit

from .server import StandinHandler, StandinServer

TOKEN = "spree_write_standin_token"
STEPS = ("cart", "address", "delivery", "payment", "confirm", "complete")
VARIANTS = {"VEG-CARROT-BUNCH": 101, "EGG-FR-12": 102, "FLOUR-WM-1KG": 103}
SPREE = "/api/v2/platform"


@dataclasses.dataclass
class Write:
    method: str
    path: str
    body: t.Any


class StandinSpreeWrite(StandinServer):
    """One store: its orders by number, its variants by SKU, and what was written to it."""

    def __init__(self, flavour: str = "spree-v2", *, token: str = TOKEN) -> None:
        if flavour not in ("spree-v2", "solidus"):
            raise ValueError(f"no write stand-in for flavour {flavour!r}")
        self.flavour = flavour
        self.token = token
        self.orders: dict[str, dict[str, t.Any]] = {}
        self.variants = dict(VARIANTS)
        self.writes: list[Write] = []
        self.requests = 0
        self._throttled = 0
        self._retry_after = "2"
        self._failing = 0
        self.lock = threading.Lock()
        super().__init__()

    # -- switches -----------------------------------------------------------------------------------

    def throttle(self, count: int = 1, retry_after: str = "2") -> None:
        """Answer the next `count` requests 429 with `Retry-After: retry_after`."""
        self._throttled, self._retry_after = count, retry_after

    def fail_after_apply(self, count: int = 1) -> None:
        """Apply the next `count` writes, then answer each 500 as if the store fell over after acting."""
        self._failing = count

    def events(self) -> list[str]:
        """The state events applied, as `EVENT NUMBER`."""
        return [
            f"{w.path.rsplit('/', 1)[1]} {w.path.rsplit('/', 2)[1]}" for w in self.writes if w.body is None
        ]

    # -- answering ----------------------------------------------------------------------------------

    def answer(
        self, method: str, path: str, query: dict[str, str], headers: t.Any, body: t.Any
    ) -> tuple[int, t.Any, dict[str, str]]:
        with self.lock:
            self.requests += 1
            if self._throttled:
                self._throttled -= 1
                return 429, {"error": "Too many requests"}, {"Retry-After": self._retry_after}
            if headers.get("Authorization") != f"Bearer {self.token}":
                message = (
                    "The access token is invalid"
                    if self.flavour == "spree-v2"
                    else "You are not authorized to perform that action."
                )
                return 401, {"error": message}, {}
            status, answer = self._route(method, path, query, body)
            if method != "GET" and status < 300:
                self.writes.append(Write(method, path, body))
                if self._failing:
                    self._failing -= 1
                    return 500, {"error": "Internal Server Error"}, {}
            return status, answer, {}

    def _route(self, method: str, path: str, query: dict[str, str], body: t.Any) -> tuple[int, t.Any]:
        spree = self.flavour == "spree-v2"
        orders, variants = (
            (f"{SPREE}/orders", f"{SPREE}/variants") if spree else ("/api/orders", "/api/variants")
        )
        if method == "GET" and path == orders:
            number = query.get("filter[number_eq]" if spree else "q[number_eq]")
            found = [o for o in self.orders.values() if number is None or o["number"] == number]
            return 200, self._list(found)
        if method == "GET" and path == variants:
            sku = query.get("filter[sku_eq]" if spree else "q[sku_eq]")
            ids = [i for s, i in self.variants.items() if sku is None or s == sku]
            if spree:
                return 200, {"data": [{"id": str(i), "type": "variant", "attributes": {}} for i in ids]}
            return 200, {"variants": [{"id": i} for i in ids], "count": len(ids)}
        if method == "POST" and path == orders:
            return self._create(body)
        parts = path.strip("/").split("/")
        event_method = "PATCH" if spree else "PUT"
        if method == event_method and len(parts) >= 2 and parts[-2] in self.orders:
            prefix = "/".join(parts[:-2])
            event = parts[-1]
            allowed = _spree_events() if spree else _solidus_events(prefix)
            if (prefix == f"{SPREE.strip('/')}/orders" if spree else True) and event in allowed:
                return self._event(self.orders[parts[-2]], event)
        return 404, {"error": "The resource you were looking for could not be found."}

    def _list(self, found: list[dict[str, t.Any]]) -> t.Any:
        if self.flavour == "spree-v2":
            return {"data": [self._jsonapi(o) for o in found], "meta": {"count": len(found)}}
        return {"orders": [self._flat(o) for o in found], "count": len(found), "current_page": 1, "pages": 1}

    def _one(self, order: dict[str, t.Any]) -> t.Any:
        return {"data": self._jsonapi(order)} if self.flavour == "spree-v2" else self._flat(order)

    def _flat(self, order: dict[str, t.Any]) -> dict[str, t.Any]:
        return {k: v for k, v in order.items() if k != "private_metadata"}

    def _jsonapi(self, order: dict[str, t.Any]) -> dict[str, t.Any]:
        attributes = {k: v for k, v in order.items() if k not in ("id", "line_items")}
        return {"id": str(order["id"]), "type": "order", "attributes": attributes}

    def _refuse(self, message: str, errors: dict[str, list[str]]) -> tuple[int, t.Any]:
        if self.flavour == "spree-v2":
            return 422, {"error": message, "errors": errors}
        return 422, {
            "error": "The order could not be transitioned. Please fix the errors and try again.",
            "errors": errors,
        }

    def _create(self, body: t.Any) -> tuple[int, t.Any]:
        order = body.get("order") if isinstance(body, dict) else None
        if not isinstance(order, dict):
            return 422, {"error": "param is missing or the value is empty: order"}
        number = order.get("number") or f"R{100000000 + len(self.orders) + 1}"
        if number in self.orders:
            return 422, {
                "error": "Number has already been taken",
                "errors": {"number": ["has already been taken"]},
            }
        lines = order.get("line_items_attributes" if self.flavour == "spree-v2" else "line_items") or []
        known = {str(i) for i in self.variants.values()}
        for line in lines:
            if str(line.get("variant_id")) not in known:
                return 422, {"error": "Variant must exist", "errors": {"line_items.variant": ["must exist"]}}
        record = {
            "id": len(self.orders) + 1,
            "number": number,
            "state": "cart",
            "email": order.get("email"),
            "currency": order.get("currency") or "EUR",
            "payment_state": None,
            "shipment_state": None,
            "completed_at": None,
            "private_metadata": order.get("private_metadata") or {},
            "line_items": [
                {"id": 900 + n, "variant_id": int(line["variant_id"]), "quantity": line.get("quantity", 1)}
                for n, line in enumerate(lines)
            ],
        }
        self.orders[number] = record
        return 201, self._one(record)

    def _event(self, order: dict[str, t.Any], event: str) -> tuple[int, t.Any]:
        state = order["state"]
        if event == "next":
            blocked = _blocked(order)
            if state not in STEPS[:-2] or blocked:
                reason = blocked or f'cannot transition via "next" from {state}'
                return self._refuse(reason, {"state": [reason]})
            order["state"] = STEPS[STEPS.index(state) + 1]
        elif event == "advance":
            while order["state"] in STEPS[:-2] and not _blocked(order):
                order["state"] = STEPS[STEPS.index(order["state"]) + 1]
        elif event == "complete":
            if state != "confirm":
                reason = f'cannot transition via "complete" from {state}'
                return self._refuse(reason, {"state": [reason]})
            order.update(state="complete", payment_state="balance_due", shipment_state="pending")
            order["completed_at"] = "2026-05-01T08:00:00.000Z"
        elif event == "cancel":
            if state != "complete":
                reason = f'cannot transition via "cancel" from {state}'
                return self._refuse(reason, {"state": [reason]})
            order.update(state="canceled", payment_state="void", shipment_state="canceled")
        elif event == "approve":
            if state != "complete":
                return self._refuse("Order is not complete", {"state": ["is not complete"]})
            order["approved_at"] = "2026-05-01T08:00:00.000Z"
        elif event == "empty":
            if state == "complete":
                return self._refuse("Order is complete", {"state": ["is complete"]})
            order["line_items"] = []
        return 200, self._one(order)

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        standin = self

        class Handler(StandinHandler):
            def _any(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    self.send_json(400, {"error": "the body is not JSON"})
                    return
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                status, answer, headers = standin.answer(self.command, parts.path, query, self.headers, body)
                self.send_json(status, answer, headers=headers)

            do_GET = do_POST = do_PATCH = do_PUT = _any

        return Handler


def _blocked(order: dict[str, t.Any]) -> str | None:
    """Why the order cannot leave its checkout step, as Spree's validations word it; None when it can."""
    if order["state"] == "cart" and not order["line_items"]:
        return "There are no items for this order. Please add an item to the order to continue."
    if order["state"] == "address" and not order["email"]:
        return "Email can't be blank"
    return None


def _spree_events() -> frozenset[str]:
    return frozenset({"next", "advance", "complete", "approve", "cancel", "empty"})


def _solidus_events(prefix: str) -> frozenset[str]:
    if prefix == "api/checkouts":
        return frozenset({"next", "advance", "complete"})
    return frozenset({"cancel", "empty"}) if prefix == "api/orders" else frozenset()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.standin.spree_write")
    parser.add_argument("--flavour", choices=("spree-v2", "solidus"), default="spree-v2")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    standin = StandinSpreeWrite(args.flavour)
    standin.listen_on(args.port)
    with standin:
        print(
            f"spree write stand-in ({args.flavour}) listening on {standin.base_url}; "
            f"STATEBRIDGE_SPREE_TOKEN={TOKEN}; SKUs: {', '.join(VARIANTS)}",
            flush=True,
        )
        threading.Event().wait()
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:
        raise SystemExit(130) from None
