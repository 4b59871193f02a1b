"""A stand-in Shopify Admin REST server on loopback: real HTTP, the platform's paths and manners.

It serves `GET /admin/api/{version}/orders.json` like Shopify: `status=any`, `limit` (at most
250), inclusive `updated_at_min`, `order=updated_at asc`, cursor pages through `Link: <…>; rel="next"`
with an opaque `page_info` (and only `limit` beside it), the `X-Shopify-Access-Token` header, and a
leaky bucket reported in `X-Shopify-Shop-Api-Call-Limit` that answers 429 with `Retry-After` when
full. It can also fail on purpose: every `fail_every`-th request gets a 500, a 503 or a dropped
connection in turn, and every `throttle_every`-th a 429 whatever the bucket says (a burst from
another app sharing the shop's bucket).

It records every request, and every request that arrived before the time a 429's `Retry-After`
asked for (`early_after_429`), which a well-behaved client never sends, and every request refused
because the bucket was full (`over_limit`; the deliberate `throttle_every` 429s are not counted),
which clients that pace themselves, together, should not send: `Shop(bucket_size=10,
leak_per_second=2)` with the defaults `throttle_every=0, fail_every=0` is a small shop that never
misbehaves on purpose.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import http.server
import json
import socket
import threading
import time
import typing as t
from urllib.parse import parse_qs, urlencode, urlsplit

from .server import StandinHandler, StandinServer
from .shopify_oauth import OAuthIssuer

FINANCIAL = ["pending", "authorized", "partially_paid", "paid", "partially_refunded", "refunded", "voided"]
FULFILLMENT = [None, "fulfilled", "partial", "restocked"]
TOKEN = "shpat_standin_token_for_tests"


def make_order(index: int, updated_at: dt.datetime, *, financial: str | None = None) -> dict[str, t.Any]:
    """A REST order (webhook-shaped body) numbered from #1001, its statuses varied by index."""
    number = 1000 + index
    cancelled = index % 37 == 0
    closed = not cancelled and index % 5 == 0
    created = updated_at - dt.timedelta(hours=1)
    return {
        "id": 450789469 + index,
        "admin_graphql_api_id": f"gid://shopify/Order/{450789469 + index}",
        "name": f"#{number}",
        "order_number": number,
        "email": f"buyer{index}@example.com",
        "created_at": created.isoformat(),
        "updated_at": updated_at.isoformat(),
        "processed_at": created.isoformat(),
        "cancelled_at": updated_at.isoformat() if cancelled else None,
        "cancel_reason": "customer" if cancelled else None,
        "closed_at": updated_at.isoformat() if closed else None,
        "currency": "EUR",
        "financial_status": financial or FINANCIAL[index % len(FINANCIAL)],
        "fulfillment_status": FULFILLMENT[index % len(FULFILLMENT)],
        "test": False,
        "total_price": "12.50",
        "current_total_price": "12.50",
        "line_items": [
            {
                "id": 9000000 + index,
                "variant_id": 700 + index % 9,
                "sku": f"SKU-{index % 9}",
                "name": "Rye flour 1kg",
                "title": "Rye flour 1kg",
                "quantity": 1 + index % 3,
                "price": "4.10",
            }
        ],
    }


@dataclasses.dataclass
class Shop:
    """The orders the stand-in serves, and how it misbehaves."""

    count: int = 5000
    start: dt.datetime = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    bucket_size: int = 40
    leak_per_second: float = 2.0
    fail_every: int = 0
    throttle_every: int = 0
    retry_after: float | None = None
    #: The index of the first order (several shops with distinct order numbers: 1, 1001, ...).
    first: int = 1
    #: At most this many orders a page, whatever `limit` asks (Shopify's own cap is 250).
    page_cap: int = 250
    #: Seconds each page takes to answer (a slow shop: pulls last long enough to overlap).
    page_delay: float = 0.0

    def __post_init__(self) -> None:
        self.orders = {
            i: make_order(i, self.start + dt.timedelta(seconds=7 * i))
            for i in range(self.first, self.first + self.count)
        }

    def touch(self, index: int, *, financial: str) -> None:
        """Change an order later on, as a shop does (a newer `updated_at`)."""
        newest = max(dt.datetime.fromisoformat(o["updated_at"]) for o in self.orders.values())
        self.orders[index] = make_order(index, newest + dt.timedelta(seconds=1), financial=financial)

    def sorted_since(self, since: dt.datetime | None) -> list[dict[str, t.Any]]:
        rows = sorted(
            self.orders.values(), key=lambda o: (dt.datetime.fromisoformat(o["updated_at"]), o["id"])
        )
        if since is None:
            return rows
        return [o for o in rows if dt.datetime.fromisoformat(o["updated_at"]) >= since]


class StandinShopify(StandinServer):
    """Runs `Shop` behind a threaded HTTP server on 127.0.0.1; use as a context manager."""

    def __init__(self, shop: Shop, *, version: str = "2026-10", oauth: OAuthIssuer | None = None) -> None:
        self.shop = shop
        self.version = version
        #: With an issuer, the shop serves its token endpoint and accepts only the tokens it issued.
        self.oauth = oauth
        self.unauthorized = 0
        self.lock = threading.Lock()
        self.requests: list[tuple[float, str, int]] = []
        self.early_after_429 = 0
        self.throttled = 0
        #: Requests refused because the bucket was full (not the deliberate `throttle_every` ones).
        self.over_limit = 0
        self.failed = 0
        self._blocked_until = 0.0
        self._level = 0.0
        self._leaked_at = time.monotonic()
        self._served = 0
        #: (pull, time) of every page served: a pull is the chain of pages from a first request.
        self.pages: list[tuple[int, float]] = []
        self._chains = 0
        super().__init__()

    def overlapping_pulls(self) -> list[tuple[int, int]]:
        """Pairs of pulls (chains of pages) of this shop whose first-to-last page times overlap."""
        spans: dict[int, list[float]] = {}
        with self.lock:
            for chain, at in self.pages:
                span = spans.setdefault(chain, [at, at])
                span[0], span[1] = min(span[0], at), max(span[1], at)
        ordered = sorted(spans.items(), key=lambda item: item[1][0])
        return [
            (a, b)
            for i, (a, (_, end)) in enumerate(ordered)
            for b, (begin, _) in ordered[i + 1 :]
            if begin < end
        ]

    @property
    def pages_served(self) -> int:
        with self.lock:
            return self._served

    # -- behaviour ---------------------------------------------------------------------------------

    def _admit(self) -> tuple[str, float | None]:
        """Book one request: ('ok'|'throttle'|'fail-500'|'fail-503'|'drop', retry-after)."""
        now = time.monotonic()
        with self.lock:
            if now < self._blocked_until:
                self.early_after_429 += 1
            number = len(self.requests) + 1
            self._level = max(0.0, self._level - (now - self._leaked_at) * self.shop.leak_per_second)
            self._leaked_at = now
            if self.shop.fail_every and number % self.shop.fail_every == 0:
                kind = ("fail-500", "fail-503", "drop")[(number // self.shop.fail_every) % 3]
                self.failed += 1
                return kind, None
            burst = bool(self.shop.throttle_every) and number % self.shop.throttle_every == 0
            if burst or self._level + 1 > self.shop.bucket_size:
                wait = (
                    self.shop.retry_after
                    or (self._level + 1 - self.shop.bucket_size) / self.shop.leak_per_second
                )
                self._blocked_until = now + wait
                self.throttled += 1
                self.over_limit += not burst
                return "throttle", wait
            self._level += 1
            return "ok", None

    def _page(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        if "page_info" in query:
            extra = set(query) - {"page_info", "limit"}
            if extra:
                return (
                    400,
                    {},
                    json.dumps(
                        {"errors": f"{sorted(extra)[0]} cannot be passed when page_info is present"}
                    ).encode(),
                )
            state = json.loads(base64.urlsafe_b64decode(query["page_info"][0]))
            since = dt.datetime.fromisoformat(state["since"]) if state["since"] else None
            offset = state["offset"]
            chain = int(state.get("chain", 0))
        else:
            if query.get("status") != ["any"] or query.get("order") != ["updated_at asc"]:
                return 400, {}, b'{"errors": "the stand-in expects status=any and order=updated_at asc"}'
            since = (
                dt.datetime.fromisoformat(query["updated_at_min"][0]) if "updated_at_min" in query else None
            )
            offset = 0
            with self.lock:
                self._chains += 1
                chain = self._chains
        text = query.get("limit", ["50"])[0]
        if not text.isdigit() or int(text) < 1:
            return (
                400,
                {},
                json.dumps({"errors": {"limit": f"expected an integer from 1, got {text!r}"}}).encode(),
            )
        limit = min(int(text), 250, self.shop.page_cap)
        rows = self.shop.sorted_since(since)
        page = rows[offset : offset + limit]
        headers = {}
        if offset + limit < len(rows):
            token = base64.urlsafe_b64encode(
                json.dumps(
                    {"since": since.isoformat() if since else None, "offset": offset + limit, "chain": chain}
                ).encode()
            ).decode()
            query = urlencode({"limit": limit, "page_info": token})
            url = f"{self.base_url}/admin/api/{self.version}/orders.json?{query}"
            headers["Link"] = f'<{url}>; rel="next"'
        if self.shop.page_delay:
            time.sleep(self.shop.page_delay)
        with self.lock:
            self._served += 1
            self.pages.append((chain, time.monotonic()))
        return 200, headers, json.dumps({"orders": page}).encode()

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        standin = self

        class Handler(StandinHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if standin.oauth is None or urlsplit(self.path).path != "/admin/oauth/access_token":
                    self.send_body(404, b'{"errors": "Not Found"}')
                    return
                status, answer = standin.oauth.answer(raw, self.headers.get("Content-Type") or "")
                self.send_json(status, answer)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                kind, wait = standin._admit()
                with standin.lock:
                    standin.requests.append((time.monotonic(), self.path, 0))
                if kind == "drop":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if kind.startswith("fail"):
                    self.send_body(int(kind[-3:]), b'{"errors": "Internal Server Error"}')
                    return
                token = self.headers.get("X-Shopify-Access-Token")
                if not (standin.oauth.accepts(token) if standin.oauth is not None else token == TOKEN):
                    with standin.lock:
                        standin.unauthorized += 1
                    self.send_body(401, b'{"errors": "[API] Invalid API key or access token"}')
                    return
                if kind == "throttle":
                    self.send_body(
                        429,
                        b'{"errors": "Exceeded 2 calls per second"}',
                        headers={"Retry-After": f"{wait:.3f}"},
                    )
                    return
                if parts.path != f"/admin/api/{standin.version}/orders.json":
                    self.send_body(404, b'{"errors": "Not Found"}')
                    return
                status, headers, body = standin._page(parse_qs(parts.query))
                with standin.lock:
                    level = standin._level
                headers["X-Shopify-Shop-Api-Call-Limit"] = f"{round(level)}/{standin.shop.bucket_size}"
                self.send_body(status, body, headers=headers)

        return Handler
