"""Shopify Admin REST client: `GET /admin/api/{version}/orders.json`, paged by the `Link` header.

The first request asks for every status (`status=any`: the default is `open` only), 250 orders a
page, `updated_at_min` (inclusive) and `order=updated_at asc`, so that pages come oldest first and a
stored cursor never passes an order not yet seen. Later pages follow `Link: <…>; rel="next"` as
given (Shopify allows only `limit` and `page_info` there).

Pacing: `X-Shopify-Shop-Api-Call-Limit: used/size` is Shopify's leaky bucket. When the bucket is
more than `headroom` full, the client waits for it to drain to that level at the store's restore
rate (2 requests/s on standard plans) before it sends again, so that a 429 is the exception.
The bucket is also reported to the pacer (clients/pacing.py): with a shared one, every process
books its requests in one bucket per shop, filled to one request below that level.
"""

from __future__ import annotations

import datetime as dt
import typing as t

import httpx

from ...clients.base import Page
from ...clients.oauth_tokens import GrantStore, TokenSource
from ...clients.pacing import Budget
from ...clients.shopify_auth import TOKEN_ENV
from ...settings import or_environment
from .client_auth import ShopifyAuth, token_source

__all__ = ["TOKEN_ENV", "ShopifyRestClient"]

DEFAULT_API_VERSION = "2026-10"
VERSION_ENV = "STATEBRIDGE_SHOPIFY_API_VERSION"


class ShopifyRestClient(ShopifyAuth):
    """Pages of `{"orders": [...]}` from a shop's Admin REST API.

    The access token comes from `tokens`, else from the source the settings ask for (a static
    token, client credentials, or a rotating refresh token kept in `store`: clients/shopify_auth.py).
    """

    platform = "shopify"

    def __init__(
        self,
        base_url: str,
        *,
        api_version: str | None = None,
        page_size: int = 250,
        restore_rate: float = 2.0,
        headroom: float = 0.8,
        tokens: TokenSource | None = None,
        store: GrantStore | None = None,
        **kwargs: t.Any,
    ) -> None:
        settings = or_environment(kwargs.pop("settings", None))
        # checked before the HTTP client exists, so that a refusal leaves nothing open
        self.tokens = token_source(base_url.rstrip("/"), settings, tokens, store)
        super().__init__(base_url, settings=settings, **kwargs)
        self.api_version = api_version or self.settings.value(VERSION_ENV) or DEFAULT_API_VERSION
        self.page_size = page_size
        self.restore_rate = restore_rate
        self.headroom = headroom

    def observe(self, response: httpx.Response) -> None:
        header = response.headers.get("X-Shopify-Shop-Api-Call-Limit")
        if not header:
            return
        try:
            used, size = (float(part) for part in header.split("/", 1))
        except ValueError:
            return
        allowed = size * self.headroom
        # one below `allowed`: the shared bucket, not the hold-off below, should pace the processes
        budget = Budget(size=size, rate=self.restore_rate, limit=max(1.0, allowed - 1), used=used)
        self.pacer.reconcile(self.pace_key, budget)
        if used >= allowed:
            self.hold_off((used - allowed + 1) / self.restore_rate)

    def pages(self, since: dt.datetime | None) -> t.Iterator[Page]:
        params: dict[str, t.Any] | None = {
            "status": "any",
            "limit": self.page_size,
            "order": "updated_at asc",
        }
        if since is not None and params is not None:
            params["updated_at_min"] = since.isoformat()
        url: str | None = f"/admin/api/{self.api_version}/orders.json"
        number = 0
        while url is not None:
            number += 1
            response = self.request("GET", url, params=params)
            yield Page(response.json(), f"page {number}")
            params = None  # the next link carries its own query, as Shopify requires
            next_link = response.links.get("next")
            url = next_link.get("url") if next_link else None
