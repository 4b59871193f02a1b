"""A stand-in Spree-family site on loopback: Spree's v2 Platform API, Solidus's and OFN's order lists.

Each API as the `SpreeClient` flavour that reads it meets it:

- `GET /api/v2/platform/orders` (Spree v2 Platform API): `Authorization: Bearer` (else 401 as
  Doorkeeper answers), `sort=updated_at` (any other sort is a 400 here, so a client that forgets it
  fails loudly), `filter[updated_at_gteq]`, `page` and `per_page` (a `per_page` above 500 gets
  Spree's default of 25, as Spree does), `include=line_items`; a JSON:API list with
  `meta.total_pages` and a `links.next` that Spree always sends, pointing at the last page when
  there is no next one.
- `GET /api/orders` (Solidus): `Authorization: Bearer`; `q[s]=id asc` (else newest first);
  `updated_at` is not ransackable there, so a `q[updated_at_*]` is silently ignored; `pages`.
- `GET /api/v0/orders` (Open Food Network): `X-Spree-Token`; pages only when `page` or `per_page`
  is sent (otherwise every order at once, `pagination: null`); `q[updated_at_gteq]`; the orders
  carry no `updated_at`.

`page` and `per_page` must be whole numbers from 1 (a 400 otherwise). `before_page(n)`, when set,
runs before the n-th request is answered, so that a test can change orders during a pull.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.server
import random
import threading
import typing as t
from urllib.parse import parse_qs, urlsplit

from .server import StandinHandler, StandinServer

TOKEN = "spree_standin_token_for_tests"
START = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
Status = dict[str, str | None]
STATES: list[Status] = [
    {"state": "complete", "payment_state": "paid", "shipment_state": "shipped"},
    {"state": "complete", "payment_state": "balance_due", "shipment_state": "pending"},
    {"state": "canceled", "payment_state": "void", "shipment_state": "canceled"},
    {"state": "complete", "payment_state": "paid", "shipment_state": "ready"},
]
PRODUCTS = [
    ("VEG-CARROT-BUNCH", "Carrots, bunch", "3.50"),
    ("EGG-FR-12", "Free-range eggs, dozen", "6.20"),
    ("FLOUR-WM-1KG", "Stone-ground wholemeal flour 1kg", "4.75"),
    ("HONEY-500", "Wildflower honey 500g", "8.90"),
    ("APPLE-KG", "Apples, 1kg", "2.80"),
]


def spree_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclasses.dataclass
class Site:
    """The orders the stand-in serves: `statuses` cycled over them, lines seeded by `seed`."""

    count: int = 180
    statuses: list[Status] = dataclasses.field(default_factory=lambda: list(STATES))
    token: str = TOKEN
    seed: int | None = None

    def __post_init__(self) -> None:
        self.orders = {i: START + dt.timedelta(seconds=5 * i) for i in range(1, self.count + 1)}
        self.state = {i: i % len(self.statuses) for i in self.orders}
        rng = random.Random(self.seed)
        self.lines: dict[int, list[tuple[int, int]]] = {
            i: [(1 + i % 3, 0)]
            if self.seed is None
            else [(rng.randint(1, 4), rng.randrange(len(PRODUCTS))) for _ in range(rng.randint(1, 3))]
            for i in self.orders
        }

    def touch(self, index: int, state: int) -> None:
        self.orders[index] = max(self.orders.values()) + dt.timedelta(seconds=1)
        self.state[index] = state

    def _price(self, product: int) -> str:
        return "4.10" if self.seed is None else PRODUCTS[product][2]

    def _total(self, i: int) -> str:
        return f"{sum(q * float(self._price(p)) for q, p in self.lines[i]):.2f}"

    def flat(self, i: int) -> dict[str, t.Any]:
        """Solidus's small order shape (no line items)."""
        record: dict[str, t.Any] = {"id": i, "number": f"R{100000 + i}"}
        for key, value in self.statuses[self.state[i]].items():
            if value is not None or key in ("payment_state", "shipment_state"):
                record[key] = value  # no `state` (or `status`) key at all where the status is null
        record.update(
            currency="EUR",
            total=self._total(i),
            email=f"buyer{i}@example.org",
            created_at=spree_time(START),
            updated_at=spree_time(self.orders[i]),
            completed_at=spree_time(START),
        )
        return record

    def ofn(self, i: int) -> dict[str, t.Any]:
        record = self.flat(i)
        del record["updated_at"], record["currency"]  # OFN's list has no updated_at
        return {**record, "created_at": "May 01, 2026", "completed_at_utc_iso8601": "2026-05-01T08:00:00Z"}

    def v2(self, i: int) -> tuple[dict[str, t.Any], list[dict[str, t.Any]]]:
        attributes = self.flat(i)
        del attributes["id"]
        lines = [
            {
                "id": str(5000 + 10 * i + n),
                "type": "line_item",
                "attributes": {
                    "quantity": quantity,
                    "price": self._price(product),
                    **(
                        {}
                        if self.seed is None
                        else {"sku": PRODUCTS[product][0], "name": PRODUCTS[product][1]}
                    ),
                },
            }
            for n, (quantity, product) in enumerate(self.lines[i])
        ]
        if self.seed is None:
            lines[0]["id"] = str(5000 + i)
        order = {
            "id": str(i),
            "type": "order",
            "attributes": attributes,
            "relationships": {"line_items": {"data": [{"type": "line_item", "id": x["id"]} for x in lines]}},
        }
        return order, lines


def _whole(one: dict[str, str], name: str, default: int) -> int | None:
    """`one[name]` as a whole number from 1, `default` when absent, None when it is not one."""
    text = one.get(name)
    if text is None:
        return default
    return int(text) if text.isdigit() and int(text) >= 1 else None


class StandinSpree(StandinServer):
    """Spree v2 Platform, Solidus and OFN v0 order lists, with each API's own paging quirks."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.lock = threading.Lock()
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.before_page: t.Callable[[int], None] | None = None
        super().__init__()

    def answer(self, path: str, query: dict[str, list[str]], headers: t.Any) -> tuple[int, t.Any]:
        with self.lock:
            self.requests.append((path, query))
            number_of_request = len(self.requests)
        if self.before_page is not None:
            self.before_page(number_of_request)
        one = {k: v[0] for k, v in query.items()}
        site = self.site
        if path == "/api/v0/orders":
            if headers.get("X-Spree-Token") != site.token:
                return 401, {"error": "You are not authorized to perform that action."}
        elif headers.get("Authorization") != f"Bearer {site.token}":
            return 401, {"error": "The access token is invalid"}
        size, number = _whole(one, "per_page", 25), _whole(one, "page", 1)
        if size is None or number is None:
            return 400, {"error": "page and per_page must be whole numbers from 1"}
        if path == "/api/v0/orders":
            ids = sorted(site.orders)
            if "q[updated_at_gteq]" in one:
                floor = dt.datetime.fromisoformat(one["q[updated_at_gteq]"])
                ids = [i for i in ids if site.orders[i] >= floor]
            if "page" not in one and "per_page" not in one:
                return 200, {"orders": [site.ofn(i) for i in ids], "pagination": None}
            chunk = ids[(number - 1) * size : number * size]
            pages = -(-len(ids) // size)
            return 200, {
                "orders": [site.ofn(i) for i in chunk],
                "pagination": {"pages": pages, "page": number},
            }
        if path == "/api/orders":  # Solidus: q[updated_at_*] is not ransackable and silently ignored
            ids = (
                sorted(site.orders) if one.get("q[s]") == "id asc" else sorted(site.orders, key=lambda i: -i)
            )
            pages = -(-len(ids) // size)
            chunk = ids[(number - 1) * size : number * size]
            return 200, {
                "orders": [site.flat(i) for i in chunk],
                "count": len(chunk),
                "current_page": number,
                "pages": pages,
            }
        if path == "/api/v2/platform/orders":
            if one.get("sort") != "updated_at":
                return 400, {"error": "the stand-in expects sort=updated_at"}
            ids = sorted(site.orders, key=lambda i: (site.orders[i], i))
            if "filter[updated_at_gteq]" in one:
                floor = dt.datetime.fromisoformat(one["filter[updated_at_gteq]"])
                ids = [i for i in ids if site.orders[i] >= floor]
            size = size if size <= 500 else 25
            pages = -(-len(ids) // size)
            resources = [site.v2(i) for i in ids[(number - 1) * size : number * size]]
            return 200, {
                "data": [order for order, _ in resources],
                "included": [line for _, lines in resources for line in lines],
                "meta": {"count": len(resources), "total_count": len(ids), "total_pages": pages},
                "links": {"next": f"{self.base_url}{path}?page={min(number + 1, pages)}"},
            }
        return 404, {"error": "not found"}

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        standin = self

        class Handler(StandinHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                self.send_json(*standin.answer(parts.path, parse_qs(parts.query), self.headers))

        return Handler
