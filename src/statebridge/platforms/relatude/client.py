"""Relatude client: statebridge's Relatude export shape (docs/relatude-export.md), read page by page.

Relatude has no public order API, so a site serves the export shape itself, at a URL of its
choosing: that URL is the `--base-url` (the client builds no path under it). The client asks for
`?page=1`, `?page=2`, … (keeping any query the URL already has, such as a site's own key, which
messages mask) until a page has no orders: `{"Orders": []}`, an empty JSON list, `<Orders />`, or
an empty body. `STATEBRIDGE_RELATUDE_TOKEN`, when set, is sent as `Authorization: Bearer`.

`since`: the export shape has no time of last change, so the store's cursor cannot move for
Relatude, and statebridge cannot filter on the site's behalf. When a `since` is given (`pull
--since`), it is sent as `?since=` (UTC, ISO 8601), which the export documents as "only the orders
created or changed at or after this time"; without one, every pull reads the whole export and the
store keeps what changed.

Pages are JSON (`{"Orders": [...]}` or a list of orders) or the XML twin, parsed as the adapter
reads files (the body's first character decides). Two guards keep a broken export from looping or
lying: a page whose bytes equal the page before it (an export that ignores `page`) stops the pull
with an `APIError`, and so does an answer that is not the export shape's JSON or XML.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import typing as t
import xml.etree.ElementTree as ET

import httpx

from ...clients.base import ApiClient, Page, describe_request, mask_secrets, refuse_redirect
from ...clients.credentials import optional_secret
from ...errors import APIError, FatalAPIError, MalformedInputError, UsageError
from ...reading import read_documents

__all__ = ["RelatudeClient"]

TOKEN_ENV = "STATEBRIDGE_RELATUDE_TOKEN"


class RelatudeClient(ApiClient):
    """Pages of a Relatude site's order export, from its export URL."""

    platform = "relatude"

    def __init__(self, base_url: str, *, page_size: int | None = None, **kwargs: t.Any) -> None:
        if page_size is not None and page_size < 1:
            msg = f"page size must be at least 1, not {page_size}"
            raise UsageError(msg)
        super().__init__(base_url, **kwargs)
        self.page_size = page_size
        self._token = optional_secret(TOKEN_ENV, settings=self.settings)

    def headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json, application/xml;q=0.9"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def page_url(self, number: int, since: dt.datetime | None) -> str:
        """The export URL with `page` (and `since`, `per_page`) set, its own query kept."""
        params: dict[str, str | int] = {"page": number}
        if since is not None:
            params["since"] = _utc(since)
        if self.page_size is not None:
            params["per_page"] = self.page_size
        return str(httpx.URL(self.base_url).copy_merge_params(params))

    def pages(self, since: dt.datetime | None) -> t.Iterator[Page]:
        if since is not None:
            _utc(since)  # refuse a naive time before the first request
        previous: bytes | None = None
        for number in itertools.count(1):
            try:
                response = self.request("GET", self.page_url(number, since))
            except APIError as exc:
                raise mask_secrets(exc, [self._token]) from None
            name = describe_request("GET", response.request.url)
            if previous is not None and response.content == previous:
                msg = (
                    f"page {number} holds the same orders as page {number - 1}: the export ignores "
                    "?page= (docs/relatude-export.md)"
                )
                raise APIError(msg, request=name)
            previous = response.content
            document = _document(response, name)
            if _empty(document):
                return
            yield Page(document, f"page {number}")
            if not _pageable(document):
                return  # not the export shape: the adapter reports it, and there is no next page


def _utc(value: dt.datetime) -> str:
    if value.tzinfo is None:
        msg = f"since must carry a UTC offset, not {value.isoformat()}"
        raise UsageError(msg)
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _document(response: httpx.Response, name: str) -> t.Any:
    """The page as the adapter reads a file: a JSON value, an XML element, or None for no body."""
    refuse_redirect(response, name, "use the URL it points to")
    if not response.content.strip(b" \t\r\n\xef\xbb\xbf"):
        return None
    values = []
    for document in read_documents(io.BytesIO(response.content)):
        if isinstance(document, MalformedInputError):
            kind = response.headers.get("Content-Type", "no Content-Type")
            msg = f"the answer is not the export's JSON or XML ({kind}): {document}"
            raise FatalAPIError(msg, request=name, status=response.status_code)
        if document.position is None:
            return document.value
        values.append(document.value)
    return values  # NDJSON: one order per line


def _empty(document: t.Any) -> bool:
    if document is None:
        return True
    if isinstance(document, dict) and "Orders" in document:
        orders = document["Orders"]
        return isinstance(orders, list) and not orders
    if isinstance(document, list):
        return not document
    if isinstance(document, ET.Element):
        return _local(document.tag) == "Orders" and not any(
            _local(child.tag) == "Order" for child in document
        )
    return False


def _pageable(document: t.Any) -> bool:
    """Whether the page is one of the export's shapes, so that a next page can follow."""
    if isinstance(document, dict):
        return isinstance(document.get("Orders"), list) or "OrderStatus" in document
    if isinstance(document, ET.Element):
        return _local(document.tag) in ("Orders", "Order")
    return isinstance(document, list)


def _local(tag: t.Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
