"""A stand-in Shopify Admin GraphQL *write* API on loopback: draft orders, orders, their rules.

It answers `POST /admin/api/{version}/graphql.json` with the `X-Shopify-Access-Token` header (401
without it) for the operations the Shopify writer sends, told apart by their root field (the
stand-in does not parse GraphQL, and reads arguments from `variables` only): the mutations
`draftOrderCreate`, `draftOrderUpdate`, `draftOrderComplete`, `draftOrderDelete`, `orderCancel`,
and the queries `draftOrder(id:)`, `draftOrders(query: "tag:…")`, `order(id:)`. The rules it keeps
are in `shopify_drafts.Store`. A pull's operations (`StatebridgeOrders`, `StatebridgeOrderLines`)
are the reading stand-in's, answered from the store's orders, so the shop delivered to can be pulled.

Cost and throttling are the reading stand-in's (`shopify_graphql`): a leaky bucket reported in
`extensions.cost.throttleStatus` on every answer, `THROTTLED` when it cannot cover the query
(`Shop.steal` empties it before given request numbers). Tests can also ask for:

- `rate_limit(n, retry_after)`: the next n requests get HTTP 429 with `Retry-After`, unapplied;
- `fail_after_applying(n)`: the next n mutations are *applied*, then answered 502 (a target that
  accepts a mutation and fails before saying so).

`mutations` records every mutation that ran: its root field, variables and the user errors it
answered, in order.
"""

from __future__ import annotations

import dataclasses
import http.server
import json
import re
import threading
import time
import typing as t

from .server import StandinHandler
from .shopify_drafts import Store
from .shopify_graphql import TOKEN, Shop, StandinShopifyGraphQL, _Refusal

__all__ = ["TOKEN", "Mutation", "StandinShopifyAdmin", "Store"]

_ROOTS = (
    "draftOrderCreate",
    "draftOrderUpdate",
    "draftOrderComplete",
    "draftOrderDelete",
    "orderCancel",
    "draftOrders",
    "draftOrder",
    "order",
)
_MUTATIONS = frozenset(_ROOTS[:5])
#: The reading stand-in's operations (a pull), answered from the orders of the store.
_READS = frozenset({"StatebridgeOrders", "StatebridgeOrderLines"})
_TAG = re.compile(r"""^tag:(?:'([^']+)'|"([^"]+)"|(\S+))$""")
_CANCEL_REASONS = frozenset({"CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF"})


@dataclasses.dataclass(frozen=True)
class Mutation:
    """One mutation the stand-in ran."""

    name: str
    variables: dict[str, t.Any]
    user_errors: list[dict[str, t.Any]]


def _root(query: str) -> str:
    for name in _ROOTS:
        if re.search(rf"\b{name}\s*\(", query):
            return name
    raise _Refusal("the stand-in knows none of the fields this document asks for", "BAD_REQUEST")


def _first(variables: dict[str, t.Any], name: str) -> int:
    value = variables.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 250:
        raise _Refusal(f"${name} must be an integer from 1 to 250, not {value!r}", "BAD_REQUEST")
    return value


class StandinShopifyAdmin(StandinShopifyGraphQL):
    """Runs a `Store` behind the Admin GraphQL API on 127.0.0.1; use as a context manager."""

    def __init__(
        self, store: Store | None = None, shop: Shop | None = None, *, version: str = "2026-10"
    ) -> None:
        self.store = store or Store()
        self.mutations: list[Mutation] = []
        self._switches = threading.Lock()
        self._rate_limited = 0
        self._retry_after = "1.0"
        self._failing = 0
        super().__init__(shop or Shop(count=0), version=version)

    # -- switches ----------------------------------------------------------------------------------

    def rate_limit(self, count: int, retry_after: str = "1.0") -> None:
        """Answer the next `count` requests 429 with `Retry-After: retry_after`, without applying them."""
        with self._switches:
            self._rate_limited, self._retry_after = count, retry_after

    def fail_after_applying(self, count: int) -> None:
        """Apply the next `count` mutations, then answer each with a 502 (queries are answered)."""
        with self._switches:
            self._failing = count

    def _take(self, switch: str) -> bool:
        with self._switches:
            left = getattr(self, switch)
            if left > 0:
                setattr(self, switch, left - 1)
            return bool(left > 0)

    def applied(self, name: str) -> list[Mutation]:
        """The mutations `name` that ran without user errors."""
        with self.lock:
            return [m for m in self.mutations if m.name == name and not m.user_errors]

    # -- answering ---------------------------------------------------------------------------------

    def _draft_node(self, draft: dict[str, t.Any], query: str, lines: int) -> dict[str, t.Any]:
        node = {key: draft[key] for key in draft if key != "lineItems" and re.search(rf"\b{key}\b", query)}
        if draft["order"] is not None:
            order = draft["order"]
            node["order"] = {key: order[key] for key in ("id", "cancelledAt", "displayFinancialStatus")}
        items = [
            {
                "id": item["id"],
                "quantity": item["quantity"],
                "custom": item["custom"],
                "title": item["title"],
                "variant": item["variant"],
                "originalUnitPriceSet": {"shopMoney": {"amount": item["price"], "currencyCode": "GBP"}},
            }
            for item in draft["lineItems"]
        ]
        node["lineItems"] = {"pageInfo": {"hasNextPage": len(items) > lines}, "nodes": items[:lines]}
        return node

    def _run(self, root: str, query: str, variables: dict[str, t.Any]) -> dict[str, t.Any]:
        store = self.store
        if root == "draftOrders":
            search = variables.get("search", variables.get("query"))
            match = _TAG.fullmatch(search) if isinstance(search, str) else None
            if match is None:
                raise _Refusal(
                    f"the stand-in searches draft orders by tag:… only, not {search!r}", "BAD_REQUEST"
                )
            found = store.tagged(next(group for group in match.groups() if group))
            return {"draftOrders": {"nodes": [{"id": d["id"], "status": d["status"]} for d in found]}}
        if root == "draftOrder":
            draft = store.drafts.get(str(variables.get("id")))
            lines = _first(variables, "lines")
            return {"draftOrder": None if draft is None else self._draft_node(draft, query, lines)}
        if root == "order":
            order = store.orders.get(str(variables.get("id")))
            return {"order": None if order is None else {k: v for k, v in order.items() if k != "lineItems"}}
        if root == "orderCancel":
            if variables.get("reason") not in _CANCEL_REASONS or not isinstance(
                variables.get("restock"), bool
            ):
                raise _Refusal(
                    "orderCancel needs reason: OrderCancelReason! and restock: Boolean!", "BAD_REQUEST"
                )
            job, errors = store.cancel(variables.get("orderId"), restock=variables["restock"])
            self._record(root, variables, errors)
            return {"orderCancel": {"job": job, "orderCancelUserErrors": errors}}
        if root == "draftOrderDelete":
            deleted, errors = store.delete(variables.get("input"))
            self._record(root, variables, errors)
            return {"draftOrderDelete": {"deletedId": deleted, "userErrors": errors}}
        lines = _first(variables, "lines")
        if root == "draftOrderCreate":
            draft, errors = store.create(variables.get("input"))
        elif root == "draftOrderUpdate":
            draft, errors = store.update(variables.get("id"), variables.get("input"))
        else:
            draft, errors = store.complete(variables.get("id"))
        self._record(root, variables, errors)
        node = None if draft is None else self._draft_node(draft, query, lines)
        return {root: {"draftOrder": node, "userErrors": errors}}

    def _record(self, name: str, variables: dict[str, t.Any], errors: list[dict[str, t.Any]]) -> None:
        with self.lock:
            self.mutations.append(Mutation(name, json.loads(json.dumps(variables)), list(errors)))

    @staticmethod
    def _cost(root: str, variables: dict[str, t.Any]) -> int:
        """Shopify's published pricing, roughly: 10 a mutation, an object 1, a connection 2 + first x node."""
        lines = variables.get("lines") if isinstance(variables.get("lines"), int) else 0
        draft = 1 + 1 + 2 + 2 * lines
        return {
            "draftOrders": 7,
            "draftOrder": draft,
            "order": 1,
            "draftOrderDelete": 10,
            "orderCancel": 11,
        }.get(root, 10 + draft)

    def answer(self, body: dict[str, t.Any]) -> tuple[int, dict[str, t.Any]]:
        if body.get("operationName") in _READS:  # a pull of the shop: its own orders, as read
            with self.lock:
                self.shop.orders = dict(enumerate(self.store.as_read(), start=1))
            return StandinShopifyGraphQL.answer(self, body)
        query, variables = body.get("query"), body.get("variables") or {}
        with self.lock:
            self.requests.append((time.monotonic(), str(body.get("operationName")), dict(variables)))
        try:
            if not isinstance(query, str) or not isinstance(variables, dict):
                raise _Refusal("expected a query string and a variables object", "BAD_REQUEST")
            root = _root(query)
            if root in _MUTATIONS and not query.lstrip().startswith("mutation"):
                raise _Refusal(f"{root} is a mutation: send it in a mutation document", "BAD_REQUEST")
            requested = self._cost(root, variables)
            refused = self._charge(requested)
            if refused is not None:
                error = {"message": "Throttled", "extensions": {"code": "THROTTLED"}}
                return self.shop.throttle_http_status, {"errors": [error], "extensions": {"cost": refused}}
            data = self._run(root, query, variables)
        except _Refusal as refusal:
            return 200, {"errors": [refusal.error]}
        return 200, {"data": data, "extensions": {"cost": self._refund(requested, requested)}}

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        standin = self

        class Handler(StandinHandler):
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != f"/admin/api/{standin.version}/graphql.json":
                    self.send_json(404, {"errors": "Not Found"})
                    return
                if self.headers.get("X-Shopify-Access-Token") != TOKEN:
                    self.send_json(
                        401, {"errors": "[API] Invalid API key or access token (unrecognized login)"}
                    )
                    return
                if standin._take("_rate_limited"):
                    body = {"errors": "Exceeded 2 calls per second for api client. Reduce request rates."}
                    self.send_json(429, body, headers={"Retry-After": standin._retry_after})
                    return
                try:
                    body = json.loads(raw)
                except ValueError:
                    self.send_json(400, {"errors": "the body is not JSON"})
                    return
                body = body if isinstance(body, dict) else {}
                status, answer = standin.answer(body)
                query = body.get("query")
                mutation = isinstance(query, str) and query.lstrip().startswith("mutation")
                if mutation and standin._take("_failing"):
                    self.send_body(
                        502, b"<html><body>502 Bad Gateway</body></html>", content_type="text/html"
                    )
                    return
                self.send_json(status, answer)

        return Handler
