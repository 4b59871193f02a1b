"""Commerce Layer Core API client: `GET {base}/api/orders` as JSON:API pages, with a client-credentials token.

Token: `POST {auth_url}` (by default `https://auth.commercelayer.io/oauth/token`,
docs/references/commercelayer.md#auth-and-rate-limits)
with the JSON body `{"grant_type": "client_credentials", "client_id", "client_secret"}`, the id and
secret from `STATEBRIDGE_COMMERCELAYER_CLIENT_ID` / `_CLIENT_SECRET`. The token request goes through
the same retries, time-out and pacing as every other request. The token is kept until shortly
before its `expires_in` runs out (a margin of a tenth of its life, at most a minute, measured from
before the request left), and an orders request answered 401 fetches a new one and is sent once
more: a token revoked or expired early costs one request, not the pull. A failed token request
names the auth URL and the two variables, never the secret or a token.

Orders: `GET {base}/api/orders` with `Accept: application/vnd.api+json`, `page[size]` (25, the
platform's maximum), `sort=updated_at` (oldest first, so the store's cursor never passes an order
not yet stored), `include=line_items` and `filter[q][updated_at_gteq]` (inclusive, milliseconds, UTC).
A page is the last when `meta.page_count` says so (or, without a `meta`, when `links.next` is
absent), or when it is empty.

Pages seek on `updated_at` instead of counting `page[number]` 1, 2, 3… (clients/keyset.py says
why): after each page the client asks again from page 1 with `filter[q][updated_at_gteq]` set to the
newest `updated_at` it has read (the exact text Commerce Layer sent), and moves to `page[number]` + 1
only when a whole page shares one instant. Every page is checked to be in `updated_at` order and at
or after the filter; a server that ignores either is an `APIError`, since the cursor would otherwise
be unsafe.

Pacing: Commerce Layer counts requests per IP in a sliding window and reports `X-Ratelimit-Limit`,
`X-Ratelimit-Interval` (seconds) and `X-Ratelimit-Remaining`, with no reset time
(docs/references/commercelayer.md#auth-and-rate-limits). When `Remaining` falls to `low_water` of
the limit, requests are spaced `interval / limit` apart (the average the window allows); when it
reaches 0, the client waits a whole interval for the window to slide. A 429 is handled by
`ApiClient.request` (its `Retry-After`, else backoff).

Shared pacing (clients/pacing.py): the window is counted per IP, not per organization
(https://docs.commercelayer.io/core/rate-limits: "applied per IP", reads and writes, live and test
counted apart), so every Commerce Layer client of a deployment shares one key,
`commercelayer:per-ip`, whichever organization it reads, assuming the workers leave by one address.
A sliding window of `limit` requests per `interval` holds at most the burst of a bucket plus what
the bucket drains in one interval, so the bucket is a quarter of the limit, draining the other three
quarters over an interval: no window ever sees more than `limit`.
"""

from __future__ import annotations

import datetime as dt
import logging
import typing as t

import httpx
import orjson

from ...clients.base import ApiClient, Page, describe_request, json_document, mask_secrets, reason
from ...clients.credentials import require_secret
from ...clients.keyset import UpdatedAtKeyset
from ...clients.pacing import Budget
from ...errors import APIError, FatalAPIError, UsageError

__all__ = ["DEFAULT_AUTH_URL", "MAX_PAGE_SIZE", "CommerceLayerClient"]

log = logging.getLogger("statebridge.clients")

DEFAULT_AUTH_URL = "https://auth.commercelayer.io/oauth/token"
CLIENT_ID_ENV = "STATEBRIDGE_COMMERCELAYER_CLIENT_ID"
CLIENT_SECRET_ENV = "STATEBRIDGE_COMMERCELAYER_CLIENT_SECRET"
MAX_PAGE_SIZE = 25
JSONAPI = "application/vnd.api+json"
#: The pacer's key: Commerce Layer counts requests per IP, whichever organization they go to.
PACE_KEY = "commercelayer:per-ip"
#: The part of the window's limit a shared bucket may hold at once (the rest drains over an interval).
BURST = 0.25
#: Token lifetime assumed when the auth answer has no usable `expires_in` (a 401 still refreshes).
FALLBACK_LIFETIME = 300.0


class CommerceLayerClient(ApiClient):
    """Pages of Commerce Layer JSON:API order lists, oldest update first, with line items included."""

    platform = "commercelayer"

    def __init__(
        self,
        base_url: str,
        *,
        auth_url: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        low_water: float = 0.2,
        **kwargs: t.Any,
    ) -> None:
        if page_size < 1:
            msg = f"page size must be at least 1, not {page_size}"
            raise UsageError(msg)
        if page_size > MAX_PAGE_SIZE:
            log.info(
                "Commerce Layer serves at most %d orders a page; asking for %d", MAX_PAGE_SIZE, MAX_PAGE_SIZE
            )
        # credentials first: a missing one fails before a connection pool is opened
        settings = kwargs.get("settings")
        self._client_id = require_secret(
            CLIENT_ID_ENV, purpose="the client id of a Commerce Layer integration", settings=settings
        )
        self._client_secret = require_secret(
            CLIENT_SECRET_ENV, purpose="the client secret of a Commerce Layer integration", settings=settings
        )
        super().__init__(base_url, **kwargs)
        self.page_size = min(page_size, MAX_PAGE_SIZE)
        self.auth_url = auth_url or DEFAULT_AUTH_URL
        self.low_water = low_water
        self._token: str | None = None
        self._token_until = 0.0
        self.tokens_fetched = 0

    # -- hooks -------------------------------------------------------------------------------------

    @property
    def pace_key(self) -> str:
        return PACE_KEY

    def headers(self) -> dict[str, str]:
        # The bearer token is added per request (see `_get`), so that the token request never
        # carries a stale one and `headers()` never has to fetch.
        return {"Accept": JSONAPI}

    def observe(self, response: httpx.Response) -> None:
        limit = _header_number(response, "X-Ratelimit-Limit")
        interval = _header_number(response, "X-Ratelimit-Interval")
        remaining = _header_number(response, "X-Ratelimit-Remaining")
        if limit is None or interval is None or remaining is None or limit <= 0 or interval <= 0:
            return
        budget = Budget(size=limit * BURST, rate=limit * (1 - BURST) / interval, limit=limit * BURST)
        self.pacer.reconcile(self.pace_key, budget)
        if remaining <= 0:
            self.hold_off(interval)  # the window is used up: wait for it to slide past
        elif remaining <= limit * self.low_water:
            self.hold_off(interval / limit)  # nearly used up: go no faster than the window allows

    # -- the token -----------------------------------------------------------------------------------

    def access_token(self) -> str:
        """The cached token while it has time left, else a new one."""
        if self._token is not None and self._clock() < self._token_until:
            return self._token
        return self._fetch_token()

    def _fetch_token(self) -> str:
        self._token = None
        started = self._clock()
        body = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        what = f"cannot get a Commerce Layer access token with {CLIENT_ID_ENV} and {CLIENT_SECRET_ENV}"
        try:
            # A client-credentials grant changes nothing but mints a token: asking again is harmless.
            response = self.request(
                "POST", self.auth_url, json=body, headers={"Accept": "application/json"}, repeatable=True
            )
        except APIError as exc:
            raise mask_secrets(exc, self._secrets(), f"{what}: {reason(exc)}") from None
        name = describe_request("POST", response.request.url)
        try:
            answer = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            answer = None
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            msg = f"{what}: the answer ({response.status_code}) has no access_token"
            raise FatalAPIError(msg, request=name, status=response.status_code)
        lifetime = answer.get("expires_in") if isinstance(answer, dict) else None
        seconds = (
            float(lifetime)
            if isinstance(lifetime, int | float) and not isinstance(lifetime, bool) and lifetime > 0
            else FALLBACK_LIFETIME
        )
        self._token = token
        self._token_until = started + seconds - min(60.0, seconds / 10)
        self.tokens_fetched += 1
        return token

    def _secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self._client_secret, self._token) if s)

    # -- orders --------------------------------------------------------------------------------------

    def _get(self, path: str, params: t.Mapping[str, t.Any]) -> httpx.Response:
        """GET with the bearer token; on a 401, one new token and one more try.

        Only a 401 to the GET itself renews the token: a refused token request is final.
        """
        token = self.access_token()  # outside the try: a refused token request is not retried
        try:
            return self._send_get(path, params, token)
        except FatalAPIError as exc:
            if exc.status != 401:
                raise
            log.info("%s: 401 Unauthorized; fetching a new access token and trying once more", exc.request)
            self._token = None
        return self._send_get(path, params, self.access_token(), unauthorized_hint=_STILL_UNAUTHORIZED)

    def _send_get(
        self, path: str, params: t.Mapping[str, t.Any], token: str, *, unauthorized_hint: str = ""
    ) -> httpx.Response:
        """One GET with `token`; a failure with secrets masked, and `unauthorized_hint` after a 401."""
        try:
            return self.request("GET", path, params=params, headers={"Authorization": f"Bearer {token}"})
        except APIError as exc:
            unauthorized = isinstance(exc, FatalAPIError) and exc.status == 401
            message = reason(exc) + (unauthorized_hint if unauthorized else "")
            raise mask_secrets(exc, self._secrets(), message) from None

    def _orders_page(self, params: dict[str, t.Any]) -> tuple[httpx.Response, t.Any]:
        response = self._get("/api/orders", params)
        return response, json_document(response, redirect_advice="use the URL it points to")

    def pages(self, since: dt.datetime | None) -> t.Iterator[Page]:
        return _KEYSET.pages(since, self.page_size, self._orders_page)


_STILL_UNAUTHORIZED = (
    " (even with a new access token: check that the integration's role may read orders "
    "and that --base-url is the organization the credentials belong to)"
)


# -- helpers ----------------------------------------------------------------------------------------


def _header_number(response: httpx.Response, name: str) -> float | None:
    value = response.headers.get(name)
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if number == number else None


def _more(document: t.Mapping[str, t.Any], number: int) -> bool:
    """Whether a page follows page `number` of the same query."""
    meta = document.get("meta")
    pages = meta.get("page_count") if isinstance(meta, dict) else None
    if isinstance(pages, int) and not isinstance(pages, bool):
        return number < pages
    links = document.get("links")
    return bool(links.get("next")) if isinstance(links, dict) else False


_KEYSET = UpdatedAtKeyset(
    number_param="page[number]",
    size_param="page[size]",
    filter_param="filter[q][updated_at_gteq]",
    include="line_items",
    more=_more,
)
