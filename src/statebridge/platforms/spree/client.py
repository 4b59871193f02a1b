"""Spree family client: Spree's v2 Platform API, Solidus's REST API and Open Food Network's API v0.

All three take `STATEBRIDGE_SPREE_TOKEN`; the `flavour` says which API the site speaks:

- `spree-v2` (Spree 4.x to 5.3, or 5.4+ with the `spree_legacy_api_v2` gem): `GET
  /api/v2/platform/orders` with `Authorization: Bearer`, `page`, `per_page`, `sort=updated_at`,
  `include=line_items,payments,shipments` and `filter[updated_at_gteq]` (Ransack; `updated_at` is
  ransackable there, docs/references/spree-family.md#spree-api-v2). The inclusive `_gteq` rather
  than `_gt`: `since` means "updated at or after", and the seek below needs the orders of the
  newest instant read again.
  Pages come oldest update first and are read by seeking, as the Commerce Layer client does
  (clients/keyset.py): after each page the client asks again from page 1 with the filter at the
  newest `updated_at` it has read, so that an order updated during the pull (which moves to the end
  of the list and shifts every later order one place forward) cannot make an order slide onto a page
  already read and be skipped. A page is the last when `meta.total_pages` says so or when it is
  empty. `links.next` is not used: Spree always sends it, pointing at the last page when there is no
  next one.
- `solidus` (Solidus and Chord): `GET /api/orders` with `Authorization: Bearer`, `page`, `per_page`
  and `q[s]=id asc`. Solidus's orders are only ransackable on `completed_at created_at email number
  state payment_state shipment_state total store_id` and `id`
  (docs/references/spree-family.md#solidus-rest-order-json): there is no `updated_at` filter or
  sort. Filtering on `completed_at` instead would miss every change to an order after it was placed
  (its payment, its shipment, a cancellation), which is what statebridge is for. So every Solidus
  pull reads every order, and `since` is not sent; the store's upsert keeps only what changed.
  Without a sort the order of Solidus's pages is the database's, which may differ from one request
  to the next; `id asc` is stable, and an order changing does not move in it. The list is Solidus's
  small order shape: no line items (one request per order would be needed).
- `ofn` (Open Food Network): `GET /api/v0/orders` with `X-Spree-Token`, `page` and `per_page` (OFN
  pages only when one of them is sent, and otherwise returns every order at once), `q[s]=id asc`
  and `q[updated_at_gteq]`. OFN's order JSON has no `updated_at` (docs/references/ofn.md#order-json),
  so the store's cursor never moves for OFN and every pull reads from `--since` or from the start:
  pages in the stable `id` order cannot skip an order that changes during the pull, where `updated_at` order
  would (and the oldest-first rule, which protects the cursor, has no cursor to protect here). A page
  is the last when `pagination.pages` says so, or when there is no `pagination` (OFN ignored the
  page), or when it is empty.

Spree sites have no platform rate-limit headers; a 429 from a proxy or `Rack::Attack` is handled by
`ApiClient.request` (its `Retry-After`, else backoff).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import typing as t

import httpx

from ...clients.base import ApiClient, Page, json_document, mask_secrets
from ...clients.credentials import require_secret
from ...clients.keyset import UpdatedAtKeyset, api_time
from ...errors import APIError, UsageError

__all__ = ["DEFAULT_PAGE_SIZE", "FLAVOURS", "SpreeClient"]

log = logging.getLogger("statebridge.clients")

TOKEN_ENV = "STATEBRIDGE_SPREE_TOKEN"
FLAVOURS = ("spree-v2", "solidus", "ofn")
#: Spree answers a `per_page` above its `api_v2_per_page_limit` (500 by default, often lowered) with
#: its default of 25, not with the limit; 100 is within every limit seen and keeps requests few.
DEFAULT_PAGE_SIZE = 100
JSONAPI = "application/vnd.api+json"


class SpreeClient(ApiClient):
    """Pages of a Spree-family site's orders, in the shape its API sends (the adapter reads all three)."""

    platform = "spree"

    def __init__(
        self,
        base_url: str,
        *,
        flavour: str = "spree-v2",
        page_size: int = DEFAULT_PAGE_SIZE,
        **kwargs: t.Any,
    ) -> None:
        if flavour not in FLAVOURS:
            msg = f"unknown Spree flavour {flavour!r} (valid: {', '.join(FLAVOURS)})"
            raise UsageError(msg)
        if page_size < 1:
            msg = f"page size must be at least 1, not {page_size}"
            raise UsageError(msg)
        self._token = require_secret(TOKEN_ENV, purpose=_PURPOSE[flavour], settings=kwargs.get("settings"))
        super().__init__(base_url, **kwargs)
        self.flavour = flavour
        self.page_size = page_size

    def headers(self) -> dict[str, str]:
        if self.flavour == "ofn":
            return {"X-Spree-Token": self._token, "Accept": "application/json"}
        accept = JSONAPI if self.flavour == "spree-v2" else "application/json"
        return {"Authorization": f"Bearer {self._token}", "Accept": accept}

    def pages(self, since: dt.datetime | None) -> t.Iterator[Page]:
        if self.flavour == "spree-v2":
            return _V2_KEYSET.pages(since, self.page_size, lambda params: self._get(_V2_ORDERS, params))
        if self.flavour == "solidus":
            if since is not None:
                log.info("Solidus cannot filter orders on updated_at: reading every order")
            return self._numbered("/api/orders", {"q[s]": "id asc"}, _solidus_more)
        params = {"q[s]": "id asc"}
        if since is not None:
            params["q[updated_at_gteq]"] = api_time(since)
        return self._numbered("/api/v0/orders", params, _ofn_more)

    # -- sending -------------------------------------------------------------------------------------

    def _get(self, path: str, params: t.Mapping[str, t.Any]) -> tuple[httpx.Response, t.Any]:
        try:
            response = self.request("GET", path, params=params)
        except APIError as exc:
            raise mask_secrets(exc, [self._token]) from None
        return response, json_document(response, redirect_advice=_REDIRECT_ADVICE)

    def _numbered(
        self, path: str, fixed: t.Mapping[str, str], more: t.Callable[[t.Any, int], bool]
    ) -> t.Iterator[Page]:
        for number in itertools.count(1):
            _, document = self._get(path, {"page": number, "per_page": self.page_size, **fixed})
            yield Page(document, f"page {number}")
            orders = document.get("orders") if isinstance(document, dict) else None
            if not isinstance(orders, list) or not orders or not more(document, number):
                return


_PURPOSE = {
    "spree-v2": "a Spree Platform API token (OAuth client credentials of an admin application)",
    "solidus": "a Solidus admin user's API key",
    "ofn": "an Open Food Network API key (an enterprise manager's or admin's)",
}


_V2_ORDERS = "/api/v2/platform/orders"
_REDIRECT_ADVICE = "use the site root it points to as --base-url"


# -- helpers ----------------------------------------------------------------------------------------


def _v2_more(document: t.Mapping[str, t.Any], number: int) -> bool:
    meta = document.get("meta")
    pages = meta.get("total_pages") if isinstance(meta, dict) else None
    return isinstance(pages, int) and not isinstance(pages, bool) and number < pages


def _solidus_more(document: t.Any, number: int) -> bool:
    pages = document.get("pages")
    return isinstance(pages, int) and not isinstance(pages, bool) and number < pages


def _ofn_more(document: t.Any, number: int) -> bool:
    pagination = document.get("pagination")
    pages = pagination.get("pages") if isinstance(pagination, dict) else None
    return isinstance(pages, int) and not isinstance(pages, bool) and number < pages


_V2_KEYSET = UpdatedAtKeyset(
    number_param="page",
    size_param="per_page",
    filter_param="filter[updated_at_gteq]",
    include="line_items,payments,shipments",
    more=_v2_more,
    filter_hint=" (is updated_at ransackable on this site?)",
)
