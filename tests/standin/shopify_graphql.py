"""A stand-in Shopify Admin GraphQL server on loopback: real HTTP, the platform's path and manners.

It answers `POST /admin/api/{version}/graphql.json` (header `X-Shopify-Access-Token`) for the two
operations statebridge sends, without parsing GraphQL: `StatebridgeOrders` (`orders(first:, after:,
sortKey: UPDATED_AT, query: "updated_at:>='…'")`, oldest update first, inclusive) and
`StatebridgeOrderLines` (`order(id:) { lineItems(first:, after:) }`). An order node carries only
the top-level fields whose names the query text mentions, as GraphQL would.

Cost, as Shopify prices it (its published rules: an object 1, a scalar 0, a connection 2 plus
`first` times a node): the requested price is charged from a leaky bucket of `maximum` points that
refills at `restore_rate` per second, the unused part refunded after the query ran, and every answer
reports the bucket in `extensions.cost.throttleStatus`. A query priced above `max_query_cost` is
refused with `MAX_COST_EXCEEDED`; a query the bucket cannot cover gets `THROTTLED` (HTTP 200, or 429
with `throttle_http_status`). `steal` takes points from the bucket before given request numbers (the
same app busy elsewhere), to provoke a THROTTLED answer a well-paced client cannot foresee.

It records every request, and each request that came before the bucket reported in a THROTTLED
answer could cover the query again (`early_after_throttle`), which a well-behaved client never sends.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import http.server
import json
import re
import threading
import time
import typing as t

from .server import StandinHandler, StandinServer
from .shopify_oauth import OAuthIssuer

TOKEN = "shpat_standin_graphql_token_for_tests"
FINANCIAL = ["PENDING", "AUTHORIZED", "PARTIALLY_PAID", "PAID", "PARTIALLY_REFUNDED", "REFUNDED", "VOIDED"]
FULFILLMENT = ["UNFULFILLED", "FULFILLED", "PARTIALLY_FULFILLED", "ON_HOLD", "IN_PROGRESS"]
_FILTER = re.compile(r"updated_at:>='(?P<when>[0-9T:\-]+Z)'")
#: What the stand-in prices, in Shopify's objects: an order's own objects besides its line items
#: (the Order, currentTotalPriceSet and its shopMoney, customer), and one line item's.
_ORDER_OBJECTS = 4
_LINE_OBJECTS = 4


def _z(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_node(
    index: int, updated_at: dt.datetime, lines: int, *, financial: str | None = None
) -> dict[str, t.Any]:
    """A GraphQL order numbered from #1001 with `lines` line items, its statuses varied by index."""
    number = 1000 + index
    order_id = 5600000000 + index
    cancelled = index % 37 == 0
    created = updated_at - dt.timedelta(hours=1)
    return {
        "id": f"gid://shopify/Order/{order_id}",
        "legacyResourceId": str(order_id),
        "name": f"#{number}",
        "email": f"buyer{index}@example.org",
        "createdAt": _z(created),
        "updatedAt": _z(updated_at),
        "processedAt": _z(created),
        "cancelledAt": _z(updated_at) if cancelled else None,
        "cancelReason": "CUSTOMER" if cancelled else None,
        "closed": index % 5 == 0,
        "closedAt": _z(updated_at) if index % 5 == 0 else None,
        "test": False,
        "currencyCode": "EUR",
        "displayFinancialStatus": financial or FINANCIAL[index % len(FINANCIAL)],
        "displayFulfillmentStatus": FULFILLMENT[index % len(FULFILLMENT)],
        "currentTotalPriceSet": {"shopMoney": {"amount": f"{4.10 * lines:.2f}", "currencyCode": "EUR"}},
        "customer": None if index % 4 == 0 else {"id": f"gid://shopify/Customer/{7700000000 + index}"},
        "lineItems": [
            {
                "id": f"gid://shopify/LineItem/{13300000000 + index * 1000 + n}",
                "name": f"Rye flour 1kg ({n})",
                "title": "Rye flour 1kg",
                "sku": f"SKU-{index % 9}-{n}",
                "quantity": 1 + n % 3,
                "originalUnitPriceSet": {"shopMoney": {"amount": "4.10", "currencyCode": "EUR"}},
                "variant": {"id": f"gid://shopify/ProductVariant/{40000 + n}", "sku": f"SKU-{index % 9}-{n}"},
            }
            for n in range(lines)
        ],
    }


def _token(state: dict[str, t.Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()


def _untoken(value: str) -> dict[str, t.Any]:
    state = json.loads(base64.urlsafe_b64decode(value))
    if not isinstance(state, dict):
        raise ValueError(value)
    return state


@dataclasses.dataclass
class Shop:
    """The orders the stand-in serves, its bucket, and how it misbehaves."""

    count: int = 200
    start: dt.datetime = dt.datetime(2026, 5, 1, 6, 0, tzinfo=dt.UTC)
    big_every: int = 23
    big_lines: int = 45
    maximum: float = 1000.0
    restore_rate: float = 20000.0
    max_query_cost: int = 1000
    throttle_http_status: int = 200
    steal: dict[int, float] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        self.orders = {
            i: self._make(i, self.start + dt.timedelta(seconds=7 * i)) for i in range(1, self.count + 1)
        }

    def _make(self, index: int, updated_at: dt.datetime, financial: str | None = None) -> dict[str, t.Any]:
        lines = self.big_lines if index % self.big_every == 0 else 1 + index % 3
        return make_node(index, updated_at, lines, financial=financial)

    def touch(self, index: int, *, financial: str) -> None:
        """Change an order later on, as a shop does (a newer `updatedAt`)."""
        newest = max(dt.datetime.fromisoformat(o["updatedAt"]) for o in self.orders.values())
        self.orders[index] = self._make(index, newest + dt.timedelta(seconds=1), financial)

    def sorted_since(self, since: dt.datetime | None) -> list[dict[str, t.Any]]:
        rows = sorted(self.orders.values(), key=lambda o: (o["updatedAt"], o["id"]))
        if since is None:
            return rows
        return [o for o in rows if dt.datetime.fromisoformat(o["updatedAt"]) >= since]

    def by_gid(self, gid: str) -> dict[str, t.Any] | None:
        return next((o for o in self.orders.values() if o["id"] == gid), None)


class _Refusal(Exception):
    def __init__(self, message: str, code: str, **extensions: t.Any) -> None:
        super().__init__(message)
        self.error = {"message": message, "extensions": {"code": code, **extensions}}


class StandinShopifyGraphQL(StandinServer):
    """Runs `Shop` behind a threaded HTTP server on 127.0.0.1; use as a context manager."""

    def __init__(self, shop: Shop, *, version: str = "2026-10", oauth: OAuthIssuer | None = None) -> None:
        self.shop = shop
        self.version = version
        #: With an issuer, the shop serves its token endpoint and accepts only the tokens it issued.
        self.oauth = oauth
        self.unauthorized = 0
        self.lock = threading.Lock()
        #: (arrival, operationName, variables) of every request that got past the token check.
        self.requests: list[tuple[float, str, dict[str, t.Any]]] = []
        self.throttled = 0
        self.too_costly = 0
        self.early_after_throttle = 0
        self._available = shop.maximum
        self._refilled_at = time.monotonic()
        self._covered_at = 0.0
        super().__init__(poll_interval=0.05)

    @property
    def over_limit(self) -> int:
        """Queries refused because the bucket could not cover them (all THROTTLED answers: the
        stand-in throttles on purpose only through `steal`, which leave it empty)."""
        with self.lock:
            return self.throttled

    def authorised(self, token: str | None) -> bool:
        """Whether a request carrying `token` is let in (counting the refusals)."""
        accepted = self.oauth.accepts(token) if self.oauth is not None else token == TOKEN
        if not accepted:
            with self.lock:
                self.unauthorized += 1
        return accepted

    def operations(self, name: str) -> list[dict[str, t.Any]]:
        """The variables of every request of one operation, in order."""
        with self.lock:
            return [variables for _, operation, variables in self.requests if operation == name]

    # -- cost --------------------------------------------------------------------------------------

    def _status(self) -> dict[str, float]:
        return {
            "maximumAvailable": self.shop.maximum,
            "currentlyAvailable": round(self._available, 3),
            "restoreRate": self.shop.restore_rate,
        }

    def _charge(self, requested: int) -> dict[str, t.Any] | None:
        """Take `requested` points from the bucket; the THROTTLED cost report when it cannot."""
        now = time.monotonic()
        with self.lock:
            number = len(self.requests)
            if now < self._covered_at:
                self.early_after_throttle += 1
            self._available = min(
                self.shop.maximum, self._available + (now - self._refilled_at) * self.shop.restore_rate
            )
            self._refilled_at = now
            self._available = max(0.0, self._available - self.shop.steal.get(number, 0.0))
            if requested > self._available:
                self.throttled += 1
                self._covered_at = now + (requested - self._available) / self.shop.restore_rate
                return {
                    "requestedQueryCost": requested,
                    "actualQueryCost": None,
                    "throttleStatus": self._status(),
                }
            self._available -= requested
            return None

    def _refund(self, requested: int, actual: int) -> dict[str, t.Any]:
        with self.lock:
            self._available = min(self.shop.maximum, self._available + requested - actual)
            return {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": self._status(),
            }

    # -- operations --------------------------------------------------------------------------------

    def _orders(
        self, query: str, variables: dict[str, t.Any]
    ) -> tuple[int, t.Callable[[], tuple[t.Any, int]]]:
        if "sortKey: UPDATED_AT" not in query:
            raise _Refusal("the stand-in serves orders sorted by UPDATED_AT only", "BAD_REQUEST")
        first, lines = _first(variables, "first"), _first(variables, "lines")
        search = variables.get("query")
        since = None
        if search is not None:
            match = _FILTER.fullmatch(search) if isinstance(search, str) else None
            if match is None:
                raise _Refusal(
                    f"the stand-in understands only updated_at:>='…Z', not {search!r}", "BAD_REQUEST"
                )
            since = dt.datetime.fromisoformat(match.group("when"))
        offset = 0
        if variables.get("after") is not None:
            state = _untoken(variables["after"])
            if state.get("query") != search:
                raise _Refusal("the cursor belongs to another search", "BAD_REQUEST")
            offset = int(state["offset"])
        requested = 2 + first * (_ORDER_OBJECTS + 2 + lines * _LINE_OBJECTS)

        def run() -> tuple[t.Any, int]:
            rows = self.shop.sorted_since(since)
            page = rows[offset : offset + first]
            nodes = [self._node(row, query, lines) for row in page]
            actual = 2 + sum(
                _ORDER_OBJECTS
                - (row["customer"] is None)
                + 2
                + min(lines, len(row["lineItems"])) * _LINE_OBJECTS
                for row in page
            )
            more = offset + first < len(rows)
            end = _token({"query": search, "offset": offset + len(page)}) if page else None
            data = {"orders": {"pageInfo": {"hasNextPage": more, "endCursor": end}, "nodes": nodes}}
            return data, actual

        return requested, run

    def _node(self, row: dict[str, t.Any], query: str, lines: int) -> dict[str, t.Any]:
        node = {key: value for key, value in row.items() if re.search(rf"\b{key}\b", query)}
        if "lineItems" in node:
            node["lineItems"] = _line_page(row["lineItems"], 0, lines)
        return node

    def _lines(self, variables: dict[str, t.Any]) -> tuple[int, t.Callable[[], tuple[t.Any, int]]]:
        first = _first(variables, "first")
        offset = int(_untoken(variables["after"])["offset"]) if variables.get("after") else 0
        requested = 1 + 2 + first * _LINE_OBJECTS

        def run() -> tuple[t.Any, int]:
            row = self.shop.by_gid(str(variables.get("id")))
            if row is None:
                return {"order": None}, 1
            connection = _line_page(row["lineItems"], offset, first)
            return {"order": {"lineItems": connection}}, 3 + len(connection["nodes"]) * _LINE_OBJECTS

        return requested, run

    def answer(self, body: dict[str, t.Any]) -> tuple[int, dict[str, t.Any]]:
        """(HTTP status, JSON body) for one GraphQL request body."""
        query, variables = body.get("query"), body.get("variables") or {}
        operation = body.get("operationName")
        with self.lock:
            self.requests.append((time.monotonic(), str(operation), dict(variables)))
        try:
            if not isinstance(query, str) or not isinstance(variables, dict):
                raise _Refusal("expected a query string and a variables object", "BAD_REQUEST")
            if operation == "StatebridgeOrders":
                requested, run = self._orders(query, variables)
            elif operation == "StatebridgeOrderLines":
                requested, run = self._lines(variables)
            else:
                raise _Refusal(f"the stand-in does not know the operation {operation!r}", "BAD_REQUEST")
            if requested > self.shop.max_query_cost:
                with self.lock:
                    self.too_costly += 1
                raise _Refusal(
                    f"Query cost is {requested}, which exceeds the single query max cost limit "
                    f"({self.shop.max_query_cost}).",
                    "MAX_COST_EXCEEDED",
                    cost=requested,
                    maxCost=self.shop.max_query_cost,
                )
        except _Refusal as refusal:
            return 200, {"errors": [refusal.error]}
        refused = self._charge(requested)
        if refused is not None:
            error = {"message": "Throttled", "extensions": {"code": "THROTTLED"}}
            return self.shop.throttle_http_status, {"errors": [error], "extensions": {"cost": refused}}
        data, actual = run()
        return 200, {"data": data, "extensions": {"cost": self._refund(requested, actual)}}

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        standin = self

        class Handler(StandinHandler):
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed ACK each

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if standin.oauth is not None and self.path == "/admin/oauth/access_token":
                    self.send_json(*standin.oauth.answer(raw, self.headers.get("Content-Type") or ""))
                    return
                if self.path != f"/admin/api/{standin.version}/graphql.json":
                    self.send_json(404, {"errors": "Not Found"})
                    return
                if not standin.authorised(self.headers.get("X-Shopify-Access-Token")):
                    self.send_json(
                        401, {"errors": "[API] Invalid API key or access token (unrecognized login)"}
                    )
                    return
                try:
                    body = json.loads(raw)
                except ValueError:
                    self.send_json(400, {"errors": "the body is not JSON"})
                    return
                status, answer = standin.answer(body if isinstance(body, dict) else {})
                self.send_json(status, answer)

        return Handler


def _first(variables: dict[str, t.Any], name: str) -> int:
    value = variables.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 250:
        raise _Refusal(f"${name} must be an integer from 1 to 250, not {value!r}", "BAD_REQUEST")
    return value


def _line_page(items: list[dict[str, t.Any]], offset: int, first: int) -> dict[str, t.Any]:
    page = items[offset : offset + first]
    end = _token({"offset": offset + len(page)}) if page else None
    return {"pageInfo": {"hasNextPage": offset + first < len(items), "endCursor": end}, "nodes": page}
