"""A client for a DFC server's Orders endpoint: where `statebridge sync --target` sends orders.

Each order goes as its own JSON-LD document (`Content-Type: application/ld+json`), named by its own
IRI (`@id`, e.g. `https://shop/api/dfc/Orders/1001`), as Open Food Network sends orders to the FDC
servers: `POST` to the Orders collection, or `PUT` to `{collection}/{order id}`. A bearer token,
when the endpoint needs one, comes from `STATEBRIDGE_DFC_TOKEN`.

**A POST never creates an order twice** where the server honours `Idempotency-Key`
(draft-ietf-httpapi-idempotency-key-header; `statebridge serve` does): every POST carries a key
derived from the order's identity (`idempotency_key`: platform, base URL, order id), so a retry, or
the next sync, sends the same key and the server answers with the order it created first.

Whether a POST is retried *within a run* after a 5xx or a dropped connection depends on
`honours_idempotency_key`. Off (the default: nothing says that an arbitrary server honours the key),
the POST is sent once and the failure reported; the order stays in the store and the next sync sends
it again with the same key, so a server that ignores the key gets at most one POST per order per
run. On, the POST is retried with its key like any idempotent request. A PUT is idempotent and
retried either way.
"""

from __future__ import annotations

import hashlib
import typing as t
from urllib.parse import quote

import orjson

from ..dfc import IriMinter, order_document
from ..errors import RequestFailedError, UsageError
from ..model import Order
from .base import IDEMPOTENCY_KEY, ApiClient, Page, reason
from .credentials import optional_secret

__all__ = ["TOKEN_ENV", "DfcEndpointClient", "idempotency_key"]

TOKEN_ENV = "STATEBRIDGE_DFC_TOKEN"


def idempotency_key(order: Order, minter: IriMinter) -> str:
    """The `Idempotency-Key` of `order`: the same for every send of the same order (by any run, from
    any machine), different for any other order: SHA-256 of its platform, base and id, in hex."""
    identity = f"{order.platform}\n{minter.base}\n{order.id}"
    return hashlib.sha256(identity.encode()).hexdigest()


class DfcEndpointClient(ApiClient):
    """Sends orders to one DFC Orders collection URL (see the module docstring on retries)."""

    platform = "dfc"

    def __init__(
        self,
        collection_url: str,
        *,
        method: str = "PUT",
        honours_idempotency_key: bool = False,
        **kwargs: t.Any,
    ) -> None:
        if method not in ("POST", "PUT"):
            msg = f"orders are sent with POST or PUT, not {method!r}"
            raise UsageError(msg)
        if not collection_url.startswith(("http://", "https://")):
            msg = f"the DFC target must be an http(s) URL of an Orders collection, not {collection_url!r}"
            raise UsageError(msg)
        super().__init__(collection_url, **kwargs)
        self.method = method
        self.honours_idempotency_key = honours_idempotency_key
        self._token = optional_secret(TOKEN_ENV, settings=self.settings)

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/ld+json", "Accept": "application/ld+json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def send(self, order: Order, minter: IriMinter) -> int:
        """Send one order; the HTTP status the server answered with."""
        body = orjson.dumps(order_document(order, minter))
        if self.method == "PUT":
            return self.request(
                "PUT", f"{self.base_url}/{quote(order.id, safe='')}", content=body
            ).status_code
        try:
            response = self.request(
                "POST",
                self.base_url,
                content=body,
                headers={IDEMPOTENCY_KEY: f'"{idempotency_key(order, minter)}"'},
                repeatable=self.honours_idempotency_key,
            )
        except RequestFailedError as exc:
            msg = f"{reason(exc)}; the next sync sends it again with the same {IDEMPOTENCY_KEY}"
            raise RequestFailedError(msg, request=exc.request, status=exc.status) from None
        return response.status_code

    def pages(self, since: t.Any | None) -> t.Iterator[Page]:
        msg = "a DFC endpoint is a target: statebridge sends orders to it, it does not pull from it"
        raise UsageError(msg)
