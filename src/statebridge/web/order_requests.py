"""What the Orders routes share about a request and its answers: the problem raised deep inside a
handler and how it is answered, and the checks of paging, preconditions, keys and buyers."""

from __future__ import annotations

import re
import typing as t

from starlette.requests import Request
from starlette.responses import Response

from ..errors import StatebridgeError, StoreError, VersionConflict
from ..model import Order
from ..store import StoredOrder, buyer_iri
from . import idempotency
from .access import Access
from .access_log import request_id
from .faults import identified
from .negotiation import OFFERED
from .problems import problem_response
from .representation import etag_matches, order_etag
from .scope import Scope

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "Handler",
    "Problem",
    "check_buyer",
    "guarded",
    "idempotency_key",
    "loss_header",
    "paging",
    "precondition",
    "source",
]

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
_CURSOR = re.compile(r"[A-Za-z0-9]{1,64}")


class Problem(Exception):
    """An error answer, raised from deep inside a handler."""

    def __init__(self, response: Response) -> None:
        self.response = response


Handler = t.Callable[[Request], t.Awaitable[Response]]


def guarded(handlers: t.Mapping[str, Handler]) -> Handler:
    """Dispatch on the method (HEAD as GET), answering every `Problem` as its problem details.

    Store errors are not the caller's: they go on to the app's one fault mapping (`faults.py`),
    503 when the store is unavailable, else 500; never a 400 carrying the store's URL.
    """

    async def endpoint(request: Request) -> Response:
        handler = handlers["GET"] if request.method == "HEAD" else handlers[request.method]
        try:
            return await handler(request)
        except Problem as problem:
            return identified(problem.response, request_id(request.scope))
        except VersionConflict:
            return problem_response(
                412,
                "Precondition Failed",
                "the order changed since the ETag given in If-Match; GET it again and retry",
            )
        except StoreError:
            raise
        except StatebridgeError as exc:
            return problem_response(400, "Bad request", str(exc))

    return endpoint


def check_buyer(access: Access, order: Order) -> None:
    """A client bound to a buyer orders as that buyer: an order naming another is refused (422)."""
    client = access.client
    if client is None or client.buyer is None:
        return
    named = buyer_iri(order)
    if named is not None and named != client.buyer:
        raise Problem(
            problem_response(
                422,
                "Order for another buyer",
                f"dfc-b:orderedBy is {named}, but client {client.name} orders as {client.buyer}",
            )
        )


def precondition(request: Request, existing: StoredOrder, scope: Scope) -> int | None:
    """The version a conditional write must find (`If-Match`), None without the header; 412 when the
    ETag given is not the order's current one in any representation."""
    header = request.headers.get("if-match")
    if header is None:
        return None
    current = [order_etag(existing, scope, media) for media in OFFERED]
    if not any(etag_matches(header, etag) for etag in current):
        raise Problem(
            problem_response(
                412,
                "Precondition Failed",
                "the order changed since the ETag given in If-Match; GET it again and retry",
            )
        )
    return existing.version


def idempotency_key(request: Request) -> str | None:
    try:
        return idempotency.parse_key(request.headers.get(idempotency.HEADER))
    except ValueError as exc:
        raise Problem(problem_response(400, "Bad Idempotency-Key", str(exc))) from None


def source(scope: Scope) -> tuple[str, str]:
    if scope.enterprise is None:
        return "dfc", scope.base
    return scope.enterprise.platform, scope.enterprise.base_url


def paging(request: Request) -> tuple[int, str | None]:
    text = request.query_params.get("limit", str(DEFAULT_LIMIT))
    try:
        limit = int(text)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise Problem(
            problem_response(
                400, "Bad limit", f"limit must be a whole number from 1 to {MAX_LIMIT}, not {text!r}"
            )
        )
    after = request.query_params.get("after")
    if after is not None and not _CURSOR.fullmatch(after):
        raise Problem(problem_response(400, "Bad cursor", "after must be the cursor of a `next` link"))
    return limit, after


def loss_header(losses: list[str]) -> dict[str, str]:
    return {"Statebridge-Lossy": "; ".join(losses)} if losses else {}
