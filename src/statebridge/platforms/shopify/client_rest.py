"""Shopify Admin REST client: `GET /admin/api/{version}/orders.json`, paged by the `Link` header.

The first request asks for every status (`status=any`: the default is `open` only), 250 orders a
page, `updated_at_min` (inclusive) and `order=updated_at asc`, so that pages come oldest first and a
stored cursor never passes an order not yet seen. Later pages follow `Link: <…>; rel="next"` as
given (Shopify allows only `limit` and `page_info` there).

Pacing: `X-Shopify-Shop-Api-Call-Limit: used/size` is Shopify's leaky bucket. When the bucket is
more than `headroom` full, the client waits for it to drain to that level at the store's restore
rate (2 requests/s on standard plans) before it sends again, so that a 429 is the exception.
"""

from __future__ import annotations

import datetime as dt
import typing as t

import httpx

from ...clients.base import ApiClient, Page
from ...clients.credentials import require_secret

__all__ = ["ShopifyRestClient"]

DEFAULT_API_VERSION = "2026-10"
TOKEN_ENV = "STATEBRIDGE_SHOPIFY_TOKEN"
VERSION_ENV = "STATEBRIDGE_SHOPIFY_API_VERSION"


class ShopifyRestClient(ApiClient):
    """Pages of `{"orders": [...]}` from a shop's Admin REST API."""

    platform = "shopify"

    def __init__(
        self,
        base_url: str,
        *,
        api_version: str | None = None,
        page_size: int = 250,
        restore_rate: float = 2.0,
        headroom: float = 0.8,
        **kwargs: t.Any,
    ) -> None:
        super().__init__(base_url, **kwargs)
        self.api_version = api_version or self.settings.value(VERSION_ENV) or DEFAULT_API_VERSION
        self.page_size = page_size
        self.restore_rate = restore_rate
        self.headroom = headroom
        self._token = require_secret(
            TOKEN_ENV, purpose="the Admin API access token of the shop", settings=self.settings
        )

    def headers(self) -> dict[str, str]:
        return {"X-Shopify-Access-Token": self._token, "Accept": "application/json"}

    def observe(self, response: httpx.Response) -> None:
        header = response.headers.get("X-Shopify-Shop-Api-Call-Limit")
        if not header:
            return
        try:
            used, size = (float(part) for part in header.split("/", 1))
        except ValueError:
            return
        allowed = size * self.headroom
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
