"""A client for a DFC server's Orders endpoint: where `statebridge sync --target` sends orders.

Each order goes as its own JSON-LD document (`Content-Type: application/ld+json`), as Open Food
Network sends orders to the FDC servers: `POST` to the Orders collection, or `PUT` to
`{collection}/{order id}`. A bearer token, when the endpoint needs one, comes from
`STATEBRIDGE_DFC_TOKEN`.
"""

from __future__ import annotations

import typing as t
from urllib.parse import quote

import orjson

from ..dfc import IriMinter, order_document
from ..errors import UsageError
from ..model import Order
from .base import ApiClient, Page
from .credentials import optional_secret

__all__ = ["TOKEN_ENV", "DfcEndpointClient"]

TOKEN_ENV = "STATEBRIDGE_DFC_TOKEN"


class DfcEndpointClient(ApiClient):
    """Sends orders to one DFC Orders collection URL."""

    platform = "dfc"

    def __init__(self, collection_url: str, *, method: str = "PUT", **kwargs: t.Any) -> None:
        if method not in ("POST", "PUT"):
            msg = f"orders are sent with POST or PUT, not {method!r}"
            raise UsageError(msg)
        if not collection_url.startswith(("http://", "https://")):
            msg = f"the DFC target must be an http(s) URL of an Orders collection, not {collection_url!r}"
            raise UsageError(msg)
        super().__init__(collection_url, **kwargs)
        self.method = method
        self._token = optional_secret(TOKEN_ENV)

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/ld+json", "Accept": "application/ld+json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def send(self, order: Order, minter: IriMinter) -> int:
        """Send one order; the HTTP status the server answered with."""
        body = orjson.dumps(order_document(order, minter))
        path = self.base_url if self.method == "POST" else f"{self.base_url}/{quote(order.id, safe='')}"
        response = self.request(self.method, path, content=body)
        return response.status_code

    def pages(self, since: t.Any | None) -> t.Iterator[Page]:
        msg = "a DFC endpoint is a target: statebridge sends orders to it, it does not pull from it"
        raise UsageError(msg)
