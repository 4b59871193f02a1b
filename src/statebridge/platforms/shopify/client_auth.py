"""The access token of Shopify's Admin API clients: from a token source, renewed once after a 401.

A token that expired early or was replaced (Shopify keeps one expiring offline token per app and
shop) is answered 401 "Invalid API key or access token"; the client tells its source, which renews
once for every client sharing it, and the request is sent once more with the new token. A second
401, or a 401 with a token the source cannot renew (a static one), is the caller's `FatalAPIError`.
"""

from __future__ import annotations

import logging
import typing as t

import httpx

from ...clients.base import ApiClient
from ...clients.oauth_tokens import GrantStore, RenewingSource, TokenSource
from ...clients.shopify_auth import shopify_token_source
from ...errors import FatalAPIError
from ...settings import Settings

__all__ = ["HEADER", "ShopifyAuth", "token_source"]

log = logging.getLogger("statebridge.clients")

HEADER = "X-Shopify-Access-Token"


def token_source(
    base_url: str, settings: Settings, tokens: TokenSource | None, store: GrantStore | None
) -> TokenSource:
    """`tokens` when given, else the source the settings ask for (shared within the process)."""
    return tokens if tokens is not None else shopify_token_source(base_url, settings=settings, store=store)


class ShopifyAuth(ApiClient):
    """`headers()` carry the source's current token; `request` renews once after a 401."""

    tokens: TokenSource

    def headers(self) -> dict[str, str]:
        return {HEADER: self.tokens.token(), "Accept": "application/json"}

    def renew_credentials(self, ahead: float = 0.0) -> bool:
        if not isinstance(self.tokens, RenewingSource):
            return False
        self.tokens.renew_ahead(ahead)
        return True

    def request(self, method: str, path: str, **kwargs: t.Any) -> httpx.Response:
        given = dict(kwargs.pop("headers", None) or {})
        token = self.tokens.token()
        try:
            return super().request(method, path, headers={**given, HEADER: token}, **kwargs)
        except FatalAPIError as exc:
            if exc.status != 401:
                raise
            self.tokens.invalidate(token)
            renewed = self.tokens.token()
            if renewed == token:
                raise
            log.info("%s: 401 Unauthorized; sending it once more with a renewed access token", exc.request)
            return super().request(method, path, headers={**given, HEADER: renewed}, **kwargs)
