"""The one place that decides how the server answers a fault on its own side.

- The store cannot be reached or written now: `StoreUnavailable` (the store raises it for an
  outage, a lost connection, a read-only or full database) or any database error that means the
  same (`statebridge.store.faults.is_unavailable`). Answered **503** "Store unavailable" with
  `Retry-After` (`RETRY_AFTER_SECONDS`), so that clients and webhook senders try again.
- Any other store error, and any unexpected exception (a bug): **500** "Internal error".

Bodies are `application/problem+json` and never carry the store URL, SQL or a driver's text: those
go to the server log, one line per fault naming where it happened (the request's method, path and
id, or a webhook's delivery) and the detail (the store URL with its password hidden and the
driver's reason; for a bug, the exception type, its traceback being logged by the server). Every 5xx
body carries `request_id`, the id that the access log records and `X-Request-Id` echoes, so that a
caller's report leads to the server's log lines.
"""

from __future__ import annotations

import dataclasses
import logging
import typing as t

import orjson
import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import StoreError
from ..store.faults import is_unavailable, reason
from .access_log import REQUEST_ID_HEADER, request_id
from .problems import PROBLEM_JSON, problem_response

__all__ = [
    "INTERNAL_ERROR",
    "RETRY_AFTER_SECONDS",
    "STORE_UNAVAILABLE",
    "Fault",
    "fault_for",
    "identified",
    "internal_error",
    "store_fault",
    "where",
]

log = logging.getLogger("statebridge.web")

#: What a 503 for an unavailable store asks the client to wait before trying again.
RETRY_AFTER_SECONDS = 30


@dataclasses.dataclass(frozen=True)
class Fault:
    """A 5xx answer: status, title, a detail safe to show anyone, and its headers."""

    status: int
    title: str
    detail: str
    headers: t.Mapping[str, str] = dataclasses.field(default_factory=dict)

    def body(self, request_id: str | None = None) -> dict[str, t.Any]:
        """The problem details (RFC 9457), naming the request when its id is known."""
        body: dict[str, t.Any] = {
            "type": "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if request_id is not None:
            body["request_id"] = request_id
        return body

    def response(self, request: Request, *, echo_id: bool = False) -> JSONResponse:
        """The answer to `request`; `echo_id` adds `X-Request-Id` itself, for an answer sent from
        outside the access log middleware (Starlette's last-resort 500 handler)."""
        rid = request_id(request.scope)
        headers = dict(self.headers)
        if echo_id and rid is not None:
            headers[REQUEST_ID_HEADER] = rid
        extra = {} if rid is None else {"request_id": rid}
        return problem_response(self.status, self.title, self.detail, headers=headers, **extra)


STORE_UNAVAILABLE = Fault(
    503,
    "Store unavailable",
    "the order store cannot be reached or written now; nothing was changed, try again later",
    {"Retry-After": str(RETRY_AFTER_SECONDS)},
)
INTERNAL_ERROR = Fault(
    500, "Internal error", "statebridge could not handle the request; the server log has the details"
)


def fault_for(exc: BaseException, where: str) -> Fault:
    """The answer to `exc`, raised while handling `where`; logs the detail, once."""
    if isinstance(exc, StoreError | sa.exc.SQLAlchemyError) or is_unavailable(exc):
        log.error("%s: %s", where, _detail(exc))
        return STORE_UNAVAILABLE if is_unavailable(exc) else INTERNAL_ERROR
    log.error("%s failed: %s", where, type(exc).__name__)
    return INTERNAL_ERROR


def where(request: Request) -> str:
    """How a log line names a request: method, path and request id."""
    return f"{request.method} {request.url.path} (request {request_id(request.scope)})"


def identified(response: Response, rid: str | None) -> Response:
    """`response`, with `request_id` in its body when it is a 5xx problem document."""
    if rid is None or response.status_code < 500 or response.media_type != PROBLEM_JSON:
        return response
    body = orjson.loads(bytes(response.body))
    if not isinstance(body, dict):
        return response
    headers = {k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")}
    return JSONResponse(
        {**body, "request_id": rid}, response.status_code, headers=headers, media_type=PROBLEM_JSON
    )


async def store_fault(request: Request, exc: Exception) -> Response:
    """The app's handler for store and database errors (inside the access log middleware)."""
    return fault_for(exc, where(request)).response(request)


async def internal_error(request: Request, exc: Exception) -> Response:
    """The app's last-resort handler: Starlette runs it outside every middleware, so the request
    id header is added here; the traceback goes to the server's log, never to the client."""
    return fault_for(exc, where(request)).response(request, echo_id=True)


def _detail(exc: BaseException) -> str:
    if isinstance(exc, StoreError):
        return str(exc)  # names the store, password hidden, and the driver's reason
    return f"database error {type(exc).__name__}: {reason(exc)}"
