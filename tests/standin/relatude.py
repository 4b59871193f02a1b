"""A stand-in Relatude site on loopback serving statebridge's export shape (docs/relatude-export.md).

`GET {PATH}` answers `{"Orders": [...]}` page by page, as the export contract asks of a site:

- `Authorization: Bearer <token>` is checked and anything else answered `401`;
- `page` (whole number from 1, required) and `per_page` (whole number from 1, capped at `cap`)
  are checked, a `400` otherwise; a page past the end is empty (`{"Orders": []}`), never the last
  page again;
- `since` (ISO 8601 with an offset) keeps the orders placed at or after it, a `400` if unreadable;
- orders keep their creation order from one request to the next.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.server
import threading
import typing as t
from urllib.parse import parse_qs, urlsplit

from .server import StandinHandler, StandinServer

TOKEN = "relatude_standin_token_for_tests"
PATH = "/api/statebridge/orders"


@dataclasses.dataclass
class Export:
    """The orders the export serves (records in the export shape), oldest first, and its page size."""

    orders: list[dict[str, t.Any]]
    token: str = TOKEN
    page_size: int = 50
    cap: int = 500


def _whole(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() and int(text) >= 1 else None


class StandinRelatude(StandinServer):
    """Runs an `Export` behind a threaded HTTP server on 127.0.0.1; use as a context manager."""

    def __init__(self, export: Export) -> None:
        self.export = export
        self.lock = threading.Lock()
        self.requests: list[dict[str, list[str]]] = []
        super().__init__()

    @property
    def export_url(self) -> str:
        return f"{self.base_url}{PATH}"

    def answer(self, query: dict[str, list[str]], authorization: str | None) -> tuple[int, t.Any]:
        with self.lock:
            self.requests.append(query)
        if authorization != f"Bearer {self.export.token}":
            return 401, {"Message": "Authorization has been denied for this request."}
        one = {k: v[0] for k, v in query.items()}
        number = _whole(one.get("page"))
        size = _whole(one.get("per_page", str(self.export.page_size)))
        if number is None or size is None:
            return 400, {"Message": "page and per_page must be whole numbers from 1"}
        rows = self.export.orders
        if "since" in one:
            try:
                since = dt.datetime.fromisoformat(one["since"])
            except ValueError:
                since = None
            if since is None or since.tzinfo is None:
                return 400, {"Message": f"since must be ISO 8601 with an offset, not {one['since']!r}"}
            rows = [o for o in rows if dt.datetime.fromisoformat(o["DateOrdered"]) >= since]
        size = min(size, self.export.cap)
        return 200, {"Orders": rows[(number - 1) * size : number * size]}

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        standin = self

        class Handler(StandinHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != PATH:
                    self.send_json(
                        404, {"Message": "No HTTP resource was found that matches the request URI."}
                    )
                    return
                authorization = self.headers.get("Authorization")
                self.send_json(*standin.answer(parse_qs(parts.query), authorization))

        return Handler
