"""Keyset paging over `updated_at` for JSON:API order lists (Commerce Layer, Spree's v2 Platform API).

Both APIs list orders with `sort=updated_at` (oldest first, so the store's cursor never passes an
order not yet stored), an inclusive `…updated_at_gteq` filter (UTC with milliseconds) and numbered
pages; they differ only in the names of the page parameters, the filter's name, what is included
and how the last page is told (`UpdatedAtKeyset` takes those).

Why pages are not simply numbered 1, 2, 3…: with `sort=updated_at`, an order updated during the
pull leaves its place and moves to the end of the list. When it had been on a page already read,
every later order moves one place forward, and the order at the boundary of the next page slides
onto the page just read: it is never seen, and the stored cursor then passes it, so later pulls miss
it too (the overlap only re-reads a few minutes). So the pages seek instead: after each page, the
next request asks again from page 1 with the filter set to the newest `updated_at` read (the exact
text the platform sent). Whatever moved, nothing not yet read can be below that value, so nothing is
skipped; the orders sharing that exact instant are read twice, which the store's upsert makes
harmless. Only when a whole page shares one `updated_at` (a bulk import) does it move to the next
page number within that instant.

Why out-of-order pages are refused: the seek, and the cursor the store keeps, are only safe when
the server really filters and sorts. A server that ignores the filter (Spree when `updated_at` is
not ransackable) or the sort would hand over orders in its own order, and the cursor would pass
orders not yet read. So every page is checked to be in `updated_at` order and at or after the
filter, and a page that is not is an `APIError` naming the request, before it is handed on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import typing as t

import httpx

from ..errors import APIError, UsageError
from .base import Page, describe_request

__all__ = ["UpdatedAtKeyset", "api_time"]

#: Sends one request with these query parameters: the response and its parsed JSON document.
Fetch = t.Callable[[dict[str, t.Any]], tuple[httpx.Response, t.Any]]


class _Stamp(t.NamedTuple):
    """A resource's `attributes.updated_at`: where it is in `data`, as sent, and as a time."""

    at: int
    text: str
    when: dt.datetime


@dataclasses.dataclass(frozen=True)
class UpdatedAtKeyset:
    """How one JSON:API order list is paged oldest update first, by seeking on `updated_at`."""

    #: The query parameters of the page number and the page size (`page[number]`, `page[size]`).
    number_param: str
    size_param: str
    #: The inclusive filter on `updated_at` (`filter[q][updated_at_gteq]`), also named in messages.
    filter_param: str
    #: What `include=` asks for alongside the orders.
    include: str
    #: Whether a page follows page `number` of the same query, from the page's document.
    more: t.Callable[[t.Mapping[str, t.Any], int], bool]
    #: Said after "the API ignored the filter" (a likely cause on this platform), with a leading space.
    filter_hint: str = ""

    def pages(self, since: dt.datetime | None, page_size: int, fetch: Fetch) -> t.Iterator[Page]:
        """Every page of orders updated at or after `since` (all when None), oldest first."""
        floor_text = api_time(since) if since is not None else None
        floor = _parse_time(floor_text)
        number = 1
        for count in itertools.count(1):
            params: dict[str, t.Any] = {
                self.number_param: number,
                self.size_param: page_size,
                "sort": "updated_at",
                "include": self.include,
            }
            if floor_text is not None:
                params[self.filter_param] = floor_text
            response, document = fetch(params)
            data = document.get("data") if isinstance(document, dict) else None
            stamps = _stamps(data)
            self._check_order(stamps, floor, response)
            yield Page(document, f"page {count}")
            if not isinstance(data, list) or not data or not self.more(document, number):
                return
            if stamps and (floor is None or stamps[-1].when > floor):
                floor_text, floor = stamps[-1].text, stamps[-1].when
                number = 1
            else:
                number += 1  # a whole page within one instant: step through that instant

    def _check_order(self, stamps: list[_Stamp], floor: dt.datetime | None, response: httpx.Response) -> None:
        """Refuse a page that is not oldest-first from the filter on: the cursor would be unsafe."""
        name = describe_request(response.request.method, response.request.url)
        previous: _Stamp | None = None
        for stamp in stamps:
            if floor is not None and stamp.when < floor:
                msg = (
                    f"data[{stamp.at}] was updated at {stamp.text}, before {self.filter_param}: the API "
                    f"ignored the filter{self.filter_hint}, so pages cannot be trusted to come oldest first"
                )
                raise APIError(msg, request=name)
            if previous is not None and stamp.when < previous.when:
                msg = (
                    f"data[{stamp.at}] (updated at {stamp.text}) comes after data[{previous.at}] "
                    f"(updated at {previous.text}): the API ignored sort=updated_at, so pages cannot be "
                    "trusted to come oldest first"
                )
                raise APIError(msg, request=name)
            previous = stamp


def api_time(value: dt.datetime) -> str:
    """UTC with milliseconds, as both platforms write times; truncated, so the filter stays inclusive."""
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


def _stamps(data: t.Any) -> list[_Stamp]:
    """The `attributes.updated_at` of every resource in `data` that can be read."""
    if not isinstance(data, list):
        return []
    found = []
    for i, resource in enumerate(data):
        attributes = resource.get("attributes") if isinstance(resource, dict) else None
        text = attributes.get("updated_at") if isinstance(attributes, dict) else None
        when = _parse_time(text)
        if when is not None:
            found.append(_Stamp(i, t.cast(str, text), when))
    return found
