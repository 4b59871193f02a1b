"""The Commerce Layer Core API requests the writer needs: find, read, create, trigger.

Every request carries the bearer token of `CommerceLayerClient` (one new token and one more try on
a 401, as for reads), `Accept` and, with a body, `Content-Type: application/vnd.api+json`
(docs/references/commercelayer-writes.md#jsonapi-writes).

Which requests may be sent twice is decided here, not guessed by the retry loop:

- `POST /api/orders` and `POST /api/line_items` create a resource each time they arrive, and Commerce
  Layer takes no `Idempotency-Key`: after a 5xx or a dropped connection they are *not* sent again.
  The writer finds what such a request may have created by `reference` on its next delivery.
- An order trigger (`PATCH /api/orders/{id}` with `_place: true`, ...) is declared repeatable:
  Commerce Layer documents order status changes as idempotent ("it's possible to place or cancel an
  order multiple times", docs/references/commercelayer-writes.md#triggers).

A refused request (4xx other than 429) stays a `FatalAPIError` whose `body` holds Commerce Layer's
JSON:API `errors`; `refusal_details` reads them.
"""

from __future__ import annotations

import logging
import typing as t

import httpx
import orjson

from ...clients.base import json_document, mask_secrets, reason
from ...errors import APIError, FatalAPIError
from .client import JSONAPI, CommerceLayerClient

__all__ = ["CommerceLayerWriteClient", "refusal_details"]

log = logging.getLogger("statebridge.clients")

Resource = dict[str, t.Any]


class CommerceLayerWriteClient(CommerceLayerClient):
    """`CommerceLayerClient` plus the writes of one order: JSON:API resources in, resources out."""

    # -- reading -------------------------------------------------------------------------------------

    def find_order(self, reference: str) -> Resource | None:
        """The order whose `reference` is `reference` (what statebridge set at create), or None."""
        document = self._json("GET", "/api/orders", params={"filter[q][reference_eq]": reference})
        found = document.get("data") if isinstance(document, dict) else None
        if not isinstance(found, list) or not found:
            return None
        if len(found) > 1:
            log.warning("%d Commerce Layer orders have reference %s; using the first", len(found), reference)
        first = found[0]
        return first if isinstance(first, dict) else None

    def order(self, order_id: str) -> tuple[Resource, list[Resource]]:
        """The order `order_id` and its line items (`include=line_items`)."""
        document = self._json("GET", f"/api/orders/{order_id}", params={"include": "line_items"})
        data = document.get("data") if isinstance(document, dict) else None
        if not isinstance(data, dict):
            msg = "the answer has no order under `data`"
            raise FatalAPIError(msg, request=f"GET {self.base_url}/api/orders/{order_id}")
        included = document.get("included") or []
        items = [i for i in included if isinstance(i, dict) and i.get("type") == "line_items"]
        return data, items

    def market_id(self, market: str) -> str:
        """The id of market `market`: `code:CODE` is looked up by its code, anything else is an id."""
        if not market.startswith("code:"):
            return market
        code = market.removeprefix("code:")
        document = self._json("GET", "/api/markets", params={"filter[q][code_eq]": code})
        found = document.get("data") if isinstance(document, dict) else None
        if isinstance(found, list) and found and isinstance(found[0], dict) and found[0].get("id"):
            return str(found[0]["id"])
        msg = f"no market has code {code!r}: check the target's market option"
        raise FatalAPIError(msg, request=f"GET {self.base_url}/api/markets", status=404)

    # -- writing -------------------------------------------------------------------------------------

    def create(self, kind: str, attributes: Resource, relationships: Resource) -> Resource:
        """`POST /api/{kind}`: the created resource. Never sent twice (see the module docstring)."""
        body = {"data": {"type": kind, "attributes": attributes, "relationships": relationships}}
        document = self._json("POST", f"/api/{kind}", body=body, repeatable=False)
        return _data(document, f"POST {self.base_url}/api/{kind}")

    def trigger(self, order_id: str, name: str) -> Resource:
        """`PATCH /api/orders/{id}` with the trigger attribute `name` (`_place`): the order after it."""
        body = {"data": {"type": "orders", "id": order_id, "attributes": {name: True}}}
        document = self._json("PATCH", f"/api/orders/{order_id}", body=body, repeatable=True)
        return _data(document, f"PATCH {self.base_url}/api/orders/{order_id}")

    # -- sending -------------------------------------------------------------------------------------

    def _json(
        self,
        method: str,
        path: str,
        *,
        params: t.Mapping[str, str] | None = None,
        body: t.Any = None,
        repeatable: bool | None = None,
    ) -> t.Any:
        response = self._authorized(method, path, params=params, body=body, repeatable=repeatable)
        return json_document(response, redirect_advice="use the URL it points to")

    def _authorized(
        self,
        method: str,
        path: str,
        *,
        params: t.Mapping[str, str] | None,
        body: t.Any,
        repeatable: bool | None,
    ) -> httpx.Response:
        """One request with the bearer token; on a 401, one new token and one more try.

        A 401 means the request was not acted on, so sending it again is safe for any method.
        """
        content = None if body is None else orjson.dumps(body)
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.access_token()}"}
            if content is not None:
                headers["Content-Type"] = JSONAPI
            try:
                return self.request(
                    method, path, params=params, content=content, headers=headers, repeatable=repeatable
                )
            except FatalAPIError as exc:
                if exc.status == 401 and attempt == 1:
                    log.info(
                        "%s: 401 Unauthorized; fetching a new access token, trying once more", exc.request
                    )
                    self._token = None
                    continue
                raise _masked(exc, self._secrets()) from None
            except APIError as exc:
                raise _masked(exc, self._secrets()) from None
        msg = "the 401 retry loop ended without an answer"
        raise AssertionError(msg)  # pragma: no cover - the loop returns or raises


def _masked(exc: APIError, secrets: tuple[str, ...]) -> APIError:
    """`exc` with secrets masked, keeping the refused answer's body."""
    masked = mask_secrets(exc, secrets, reason(exc))
    masked.body = exc.body
    return masked


def _data(document: t.Any, request: str) -> Resource:
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict) or not data.get("id"):
        msg = "the answer has no resource with an id under `data`"
        raise FatalAPIError(msg, request=request)
    return data


def refusal_details(exc: APIError) -> list[str]:
    """Commerce Layer's JSON:API `errors` in a refused answer, one line each: the field (from
    `source.pointer`, `/data/attributes/quantity` -> `quantity`), its `detail` (else `title`) and
    `code`; [] when the answer carries none."""
    try:
        document = orjson.loads(exc.body or b"")
    except orjson.JSONDecodeError:
        return []
    errors = document.get("errors") if isinstance(document, dict) else None
    lines = []
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            continue
        source = error.get("source")
        pointer = source.get("pointer") if isinstance(source, dict) else None
        field = str(pointer).rsplit("/", 1)[-1] if pointer else None
        text = str(error.get("detail") or error.get("title") or "refused")
        code = error.get("code")
        line = f"field {field} ({pointer}): {text}" if field else text
        lines.append(f"{line} [{code}]" if code else line)
    return lines
