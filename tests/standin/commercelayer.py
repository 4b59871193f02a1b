"""A stand-in Commerce Layer on loopback: real HTTP, the platform's token endpoint, paths and manners.

- `POST /oauth/token` takes the JSON body `{"grant_type": "client_credentials", "client_id",
  "client_secret"}` and answers `{"access_token", "token_type": "bearer", "expires_in", …}`;
  `revoke()` makes every token issued so far answer 401 (an expired or revoked token).
- `GET /api/orders` wants `Accept: application/vnd.api+json` and a live bearer token; it reads
  `page[number]`, `page[size]` (at most 25, as the platform: more is a 400), `sort=updated_at` (any
  other sort is a 400, so a client that forgets it fails loudly), `include=line_items` and
  `filter[q][updated_at_gteq]`, and answers a JSON:API list with `meta.page_count` and `links.next`.
- A sliding window of `limit` requests per `interval` seconds, reported in `X-Ratelimit-Limit`,
  `X-Ratelimit-Interval` and `X-Ratelimit-Remaining`; past it, 429 with `Retry-After`. Requests
  that arrive before a 429's `Retry-After` is up are counted in `early_after_429`.
- `before_page(n)`, when set, runs before the n-th orders request is answered, so that a test can
  change orders in the middle of a pull, as a live shop does.

Times are written as Commerce Layer writes them: UTC with milliseconds and `Z`.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import http.server
import json
import threading
import time
import typing as t
from urllib.parse import parse_qs, urlencode, urlsplit

from .server import StandinHandler, StandinServer

CLIENT_ID = "cl_standin_client_id"
CLIENT_SECRET = "cl_standin_client_secret_for_tests"
STATES = [
    ("placed", "authorized", "unfulfilled"),
    ("approved", "paid", "in_progress"),
    ("approved", "paid", "fulfilled"),
    ("cancelled", "voided", "unfulfilled"),
    ("pending", "unpaid", "unfulfilled"),
]


def cl_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_order(index: int, updated_at: dt.datetime, *, state: int | None = None) -> dict[str, t.Any]:
    """One `orders` resource (numbered from 30001) and the id of its line item."""
    status, payment, fulfillment = STATES[(index if state is None else state) % len(STATES)]
    return {
        "id": f"ord{index:06d}",
        "type": "orders",
        "attributes": {
            "number": str(30000 + index),
            "status": status,
            "payment_status": payment,
            "fulfillment_status": fulfillment,
            "currency_code": "EUR",
            "total_amount_cents": 1250,
            "customer_email": f"buyer{index}@example.org",
            "created_at": cl_time(updated_at - dt.timedelta(hours=1)),
            "placed_at": cl_time(updated_at - dt.timedelta(minutes=30)) if status != "pending" else None,
            "updated_at": cl_time(updated_at),
        },
        "relationships": {"line_items": {"data": [{"type": "line_items", "id": f"li{index:06d}"}]}},
        "meta": {"mode": "live"},
    }


def make_line_item(index: int) -> dict[str, t.Any]:
    return {
        "id": f"li{index:06d}",
        "type": "line_items",
        "attributes": {
            "sku_code": f"SKU-{index % 7}",
            "name": "Rye flour 1kg",
            "quantity": 1 + index % 3,
            "currency_code": "EUR",
            "unit_amount_cents": 410,
            "total_amount_cents": 410 * (1 + index % 3),
            "item_type": "skus",
        },
    }


@dataclasses.dataclass
class Organization:
    """The orders the stand-in serves and how strict its window is."""

    count: int = 200
    start: dt.datetime = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
    #: orders sharing one `updated_at`, in a row (a bulk import), from this index on
    tie_from: int = 0
    tie_size: int = 0
    limit: int = 50
    interval: float = 10.0
    expires_in: int = 7200

    def __post_init__(self) -> None:
        self.orders: dict[int, dict[str, t.Any]] = {}
        for i in range(1, self.count + 1):
            if self.tie_size and self.tie_from <= i < self.tie_from + self.tie_size:
                when = self.start + dt.timedelta(seconds=7 * self.tie_from)
            else:
                when = self.start + dt.timedelta(seconds=7 * i, milliseconds=i % 1000)
            self.orders[i] = make_order(i, when)

    def touch(self, index: int, *, state: int = 3) -> None:
        """Change an order now: a newer `updated_at` than any, and another status."""
        newest = max(_parse(o["attributes"]["updated_at"]) for o in self.orders.values())
        self.orders[index] = make_order(index, newest + dt.timedelta(seconds=1), state=state)

    def rows(self, since: dt.datetime | None) -> list[dict[str, t.Any]]:
        rows = sorted(self.orders.values(), key=lambda o: (_parse(o["attributes"]["updated_at"]), o["id"]))
        return rows if since is None else [o for o in rows if _parse(o["attributes"]["updated_at"]) >= since]


def _parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


class StandinCommerceLayer(StandinServer):
    """Runs an `Organization` behind a threaded HTTP server on 127.0.0.1; use as a context manager."""

    def __init__(self, organization: Organization) -> None:
        self.organization = organization
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []
        self.tokens: set[str] = set()
        self.tokens_issued = 0
        self.throttled = 0
        self.early_after_429 = 0
        self.before_page: t.Callable[[int], None] | None = None
        self._window: collections.deque[float] = collections.deque()
        self._blocked_until = 0.0
        self._pages = 0
        super().__init__()

    @property
    def auth_url(self) -> str:
        return f"{self.base_url}/oauth/token"

    @property
    def over_limit(self) -> int:
        """Requests refused because the window was full (the only 429s this stand-in sends)."""
        with self.lock:
            return self.throttled

    def revoke(self) -> None:
        with self.lock:
            self.tokens.clear()

    def orders_requests(self) -> list[dict[str, list[str]]]:
        with self.lock:
            return [parse_qs(urlsplit(path).query) for method, path in self.requests if "/api/orders" in path]

    # -- behaviour ---------------------------------------------------------------------------------

    def _admit(self) -> tuple[bool, dict[str, str]]:
        """Book one request in the sliding window: (allowed, rate-limit headers)."""
        org = self.organization
        now = time.monotonic()
        with self.lock:
            if now < self._blocked_until:
                self.early_after_429 += 1
            while self._window and self._window[0] <= now - org.interval:
                self._window.popleft()
            if len(self._window) >= org.limit:
                wait = self._window[0] + org.interval - now
                self._blocked_until = now + wait
                self.throttled += 1
                return False, {"Retry-After": f"{wait:.3f}"}
            self._window.append(now)
            remaining = org.limit - len(self._window)
        return True, {
            "X-Ratelimit-Limit": str(org.limit),
            "X-Ratelimit-Interval": f"{org.interval:g}",
            "X-Ratelimit-Remaining": str(remaining),
        }

    def _token(self, body: bytes) -> tuple[int, dict[str, t.Any]]:
        try:
            form = json.loads(body)
        except ValueError:
            return 400, {"errors": [{"title": "invalid_request", "detail": "the body is not JSON"}]}
        if form.get("grant_type") != "client_credentials":
            return 400, {"errors": [{"title": "unsupported_grant_type"}]}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"errors": [{"title": "invalid_client", "detail": "Client authentication failed"}]}
        with self.lock:
            self.tokens_issued += 1
            token = f"standin-access-token-{self.tokens_issued}"
            self.tokens.add(token)
        return 200, {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.organization.expires_in,
            "scope": "market:all",
            "created_at": int(time.time()),
        }

    def _orders(self, query: dict[str, list[str]]) -> tuple[int, dict[str, t.Any]]:
        with self.lock:
            self._pages += 1
            number_of_request = self._pages
        if self.before_page is not None:
            self.before_page(number_of_request)
        if query.get("sort") != ["updated_at"]:
            return 400, {"errors": [{"title": "the stand-in expects sort=updated_at"}]}
        size_text, number_text = query.get("page[size]", ["10"])[0], query.get("page[number]", ["1"])[0]
        if not (size_text.isdigit() and number_text.isdigit() and int(size_text) and int(number_text)):
            return 400, {"errors": [{"title": "page[size] and page[number] must be whole numbers from 1"}]}
        size, number = int(size_text), int(number_text)
        if size > 25:
            return 400, {"errors": [{"title": "page[size] must be at most 25"}]}
        since_text = query.get("filter[q][updated_at_gteq]", [None])[0]
        since = _parse(since_text) if since_text else None
        with self.lock:
            rows = self.organization.rows(since)
        pages = max(1, -(-len(rows) // size))
        page = rows[(number - 1) * size : number * size]
        included = []
        if query.get("include") == ["line_items"]:
            included = [make_line_item(int(o["id"][3:])) for o in page]
        kept = {k: v[0] for k, v in query.items() if k != "page[number]"}
        links = {"first": f"{self.base_url}/api/orders?{urlencode({**kept, 'page[number]': 1})}"}
        if number < pages:
            links["next"] = f"{self.base_url}/api/orders?{urlencode({**kept, 'page[number]': number + 1})}"
        return 200, {
            "data": page,
            "included": included,
            "meta": {"record_count": len(rows), "page_count": pages},
            "links": links,
        }

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        standin = self

        class Handler(StandinHandler):
            def _admitted(self) -> dict[str, str] | None:
                allowed, headers = standin._admit()
                if not allowed:
                    self.send_json(429, {"errors": [{"title": "Too many requests"}]}, headers=headers)
                    return None
                return headers

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with standin.lock:
                    standin.requests.append(("POST", self.path))
                headers = self._admitted()
                if headers is None:
                    return
                if urlsplit(self.path).path != "/oauth/token":
                    self.send_json(404, {"errors": [{"title": "Not found"}]}, headers=headers)
                    return
                status, answer = standin._token(body)
                self.send_json(status, answer, headers=headers)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                with standin.lock:
                    standin.requests.append(("GET", self.path))
                headers = self._admitted()
                if headers is None:
                    return
                kind = "application/vnd.api+json"
                if parts.path != "/api/orders":
                    self.send_json(
                        404, {"errors": [{"title": "Not found"}]}, content_type=kind, headers=headers
                    )
                    return
                if self.headers.get("Accept") != kind:
                    self.send_json(
                        406, {"errors": [{"title": "Not acceptable"}]}, content_type=kind, headers=headers
                    )
                    return
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                with standin.lock:
                    valid = token in standin.tokens
                if not valid:
                    self.send_json(
                        401, {"errors": [{"title": "Invalid token"}]}, content_type=kind, headers=headers
                    )
                    return
                status, answer = standin._orders(parse_qs(parts.query))
                self.send_json(status, answer, content_type=kind, headers=headers)

        return Handler
