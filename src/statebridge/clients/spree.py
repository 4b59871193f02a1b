"""Spree family client: Spree's v2 Platform API, Solidus's REST API and Open Food Network's API v0.

All three take `STATEBRIDGE_SPREE_TOKEN`; the `flavour` says which API the site speaks:

- `spree-v2` (Spree 4.x to 5.3, or 5.4+ with the `spree_legacy_api_v2` gem): `GET
  /api/v2/platform/orders` with `Authorization: Bearer`, `page`, `per_page`, `sort=updated_at`,
  `include=line_items,payments,shipments` and `filter[updated_at_gteq]` (Ransack; `updated_at` is
  ransackable there, platforms.md §A.7). The inclusive `_gteq` rather than `_gt`: `since` means
  "updated at or after", and the seek below needs the orders of the newest instant read again.
  Pages come oldest update first and are read by seeking, as the Commerce Layer client does: after
  each page the client asks again from page 1 with the filter at the newest `updated_at` it has read,
  so that an order updated during the pull (which moves to the end of the list and shifts every
  later order one place forward) cannot make an order slide onto a page already read and be
  skipped. A page is the last when `meta.total_pages` says so or when it is empty. `links.next` is
  not used: Spree always sends it, pointing at the last page when there is no next one.
- `solidus` (Solidus and Chord): `GET /api/orders` with `Authorization: Bearer`, `page`, `per_page`
  and `q[s]=id asc`. Solidus's orders are only ransackable on `completed_at created_at email number
  state payment_state shipment_state total store_id` and `id` (platforms.md §A.6): there is no
  `updated_at` filter or sort. Filtering on `completed_at` instead would miss every change to an
  order after it was placed (its payment, its shipment, a cancellation), which is what statebridge
  is for. So every Solidus pull reads every order, and `since` is not sent; the store's upsert keeps
  only what changed. Without a sort the order of Solidus's pages is the database's, which may differ
  from one request to the next; `id asc` is stable, and an order changing does not move in it. The
  list is Solidus's small order shape: no line items (one request per order would be needed).
- `ofn` (Open Food Network): `GET /api/v0/orders` with `X-Spree-Token`, `page` and `per_page` (OFN
  pages only when one of them is sent, and otherwise returns every order at once), `q[s]=id asc`
  and `q[updated_at_gteq]`. OFN's order JSON has no `updated_at` (platforms.md §E), so the store's
  cursor never moves for OFN and every pull reads from `--since` or from the start: pages in the
  stable `id` order cannot skip an order that changes during the pull, where `updated_at` order
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
import orjson

from ..errors import APIError, FatalAPIError, UsageError
from .base import ApiClient, Page, describe_request
from .credentials import require_secret

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
        self._token = require_secret(TOKEN_ENV, purpose=_PURPOSE[flavour])
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
            return self._spree_v2(since)
        if self.flavour == "solidus":
            if since is not None:
                log.info("Solidus cannot filter orders on updated_at: reading every order")
            return self._numbered("/api/orders", {"q[s]": "id asc"}, _solidus_more)
        params = {"q[s]": "id asc"}
        if since is not None:
            params["q[updated_at_gteq]"] = _api_time(since)
        return self._numbered("/api/v0/orders", params, _ofn_more)

    # -- sending -------------------------------------------------------------------------------------

    def _get(self, path: str, params: t.Mapping[str, t.Any]) -> tuple[httpx.Response, t.Any]:
        try:
            response = self.request("GET", path, params=params)
        except APIError as exc:
            raise _rewrap(exc, self._token) from None
        return response, _document(response)

    def _numbered(
        self, path: str, fixed: t.Mapping[str, str], more: t.Callable[[t.Any, int], bool]
    ) -> t.Iterator[Page]:
        for number in itertools.count(1):
            _, document = self._get(path, {"page": number, "per_page": self.page_size, **fixed})
            yield Page(document, f"page {number}")
            orders = document.get("orders") if isinstance(document, dict) else None
            if not isinstance(orders, list) or not orders or not more(document, number):
                return

    def _spree_v2(self, since: dt.datetime | None) -> t.Iterator[Page]:
        floor_text = _api_time(since) if since is not None else None
        floor = _parse_time(floor_text)
        number = 1
        for count in itertools.count(1):
            params: dict[str, t.Any] = {
                "page": number,
                "per_page": self.page_size,
                "sort": "updated_at",
                "include": "line_items,payments,shipments",
            }
            if floor_text is not None:
                params["filter[updated_at_gteq]"] = floor_text
            response, document = self._get("/api/v2/platform/orders", params)
            data = document.get("data") if isinstance(document, dict) else None
            stamps = _stamps(data)
            _check_order(stamps, floor, response)
            yield Page(document, f"page {count}")
            if not isinstance(data, list) or not data or not _v2_more(document, number):
                return
            if stamps and (floor is None or stamps[-1][2] > floor):
                _, floor_text, floor = stamps[-1]
                number = 1
            else:
                number += 1  # a whole page within one instant: step through that instant


_PURPOSE = {
    "spree-v2": "a Spree Platform API token (OAuth client credentials of an admin application)",
    "solidus": "a Solidus admin user's API key",
    "ofn": "an Open Food Network API key (an enterprise manager's or admin's)",
}


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


def _api_time(value: dt.datetime) -> str:
    """UTC with milliseconds, as Spree writes times; truncated, so the filter stays inclusive."""
    if value.tzinfo is None:
        msg = f"since must carry a UTC offset, not {value.isoformat()}"
        raise UsageError(msg)
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(value: t.Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _stamps(data: t.Any) -> list[tuple[int, str, dt.datetime]]:
    """(index, text, time) of every resource's `attributes.updated_at` that can be read."""
    if not isinstance(data, list):
        return []
    found = []
    for i, resource in enumerate(data):
        attributes = resource.get("attributes") if isinstance(resource, dict) else None
        text = attributes.get("updated_at") if isinstance(attributes, dict) else None
        when = _parse_time(text)
        if when is not None:
            found.append((i, t.cast(str, text), when))
    return found


def _check_order(
    stamps: list[tuple[int, str, dt.datetime]], floor: dt.datetime | None, response: httpx.Response
) -> None:
    """Refuse a page that is not oldest-first from the filter on: the cursor would be unsafe."""
    name = describe_request(response.request.method, response.request.url)
    previous: tuple[int, str, dt.datetime] | None = None
    for stamp in stamps:
        if floor is not None and stamp[2] < floor:
            msg = (
                f"data[{stamp[0]}] was updated at {stamp[1]}, before filter[updated_at_gteq]: the API "
                "ignored the filter (is updated_at ransackable on this site?), so pages cannot be "
                "trusted to come oldest first"
            )
            raise APIError(msg, request=name)
        if previous is not None and stamp[2] < previous[2]:
            msg = (
                f"data[{stamp[0]}] (updated at {stamp[1]}) comes after data[{previous[0]}] (updated at "
                f"{previous[1]}): the API ignored sort=updated_at, so pages cannot be trusted to come "
                "oldest first"
            )
            raise APIError(msg, request=name)
        previous = stamp


def _document(response: httpx.Response) -> t.Any:
    """The JSON body, or an `APIError` naming the request (a redirect, a login page, a proxy's HTML)."""
    name = describe_request(response.request.method, response.request.url)
    if response.is_redirect:
        target = describe_request("", response.headers.get("Location", "")).strip()
        msg = (
            f"{response.status_code} {response.reason_phrase} to {target}: use the site root it "
            "points to as --base-url"
        )
        raise FatalAPIError(msg, request=name, status=response.status_code)
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        kind = response.headers.get("Content-Type", "no Content-Type")
        msg = f"the answer is not JSON ({kind}): {_excerpt(response.text)}"
        raise FatalAPIError(msg, request=name, status=response.status_code) from None


def _excerpt(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _rewrap(exc: APIError, secret: str) -> APIError:
    """`exc` again with the token masked, should the site have echoed it in its answer."""
    text = str(exc)
    prefix = f"{exc.request}: "
    message = text[len(prefix) :] if text.startswith(prefix) else text
    return type(exc)(message.replace(secret, "***"), request=exc.request, status=exc.status)
