"""Structured access logs: one JSON line per request on the `statebridge.access` logger.

Fields: method, path, query (redacted, below), status, duration in milliseconds, response bytes,
the client address and a request id (the caller's `X-Request-Id` when it sends a sane one, else a
new one, echoed back in the response). Headers are never logged, so no token can reach a log.

The query is logged redacted: `limit=3&after=abc123&access_token=***&***`. The paging parameters
`limit` and `after` keep their values when these look like paging values (digits; a cursor of
letters and digits), which tells which page a slow or failing request asked for; a credential
parameter (`query_tokens.CREDENTIAL_PARAMETERS`) keeps its name, to explain the 400 it got, never its
value; any other parameter is `***`, name and value, since a client may put anything there, a
token even as a bare name (`?eyJhbGciOi…`). A token in the query is refused anyway
(`query_tokens.py`); the redaction keeps whatever else a client sends out of the log.

The id is also left in the request's scope (`request_id(scope)`), so that handlers can name it in
the body of a 5xx answer. An exception that escapes the app is logged here as a 500 (Starlette's
last-resort handler answers it outside this middleware, adding the same id itself).
"""

from __future__ import annotations

import json
import logging
import re
import time
import typing as t
import uuid
from urllib.parse import parse_qsl

from .query_tokens import CREDENTIAL_PARAMETERS

__all__ = ["REQUEST_ID_HEADER", "AccessLogMiddleware", "redacted_query", "request_id"]

log = logging.getLogger("statebridge.access")

_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_PAGING = {"limit": re.compile(r"[0-9]{1,6}"), "after": re.compile(r"[A-Za-z0-9]{1,64}")}
_HIDDEN = "***"


def redacted_query(query: bytes) -> str:
    """`query` as the access log shows it: `limit=3&after=abc&session=***` (see the module docstring)."""
    if not query:
        return ""
    shown = []
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        paging = _PAGING.get(name)
        if paging is not None:
            shown.append(f"{name}={value if paging.fullmatch(value) else _HIDDEN}")
        elif name.strip().lower().replace("-", "_") in CREDENTIAL_PARAMETERS:
            shown.append(f"{name.strip()}={_HIDDEN}")
        else:
            shown.append(_HIDDEN)
    return "&".join(shown)


REQUEST_ID_HEADER = "X-Request-Id"
_SCOPE_KEY = "statebridge.request_id"

Scope = t.MutableMapping[str, t.Any]
Message = t.MutableMapping[str, t.Any]
Receive = t.Callable[[], t.Awaitable[Message]]
Send = t.Callable[[Message], t.Awaitable[None]]
App = t.Callable[[Scope, Receive, Send], t.Awaitable[None]]


class AccessLogMiddleware:
    """ASGI middleware that logs each HTTP request once it is answered."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        scope[_SCOPE_KEY] = request_id
        status = 500
        size = 0

        async def sending(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            client = scope.get("client")
            log.info(
                "%s",
                json.dumps(
                    {
                        "event": "access",
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "query": redacted_query(scope.get("query_string", b"")),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "bytes": size,
                        "client": client[0] if client else None,
                        "request_id": request_id,
                    },
                    separators=(",", ":"),
                ),
            )


def request_id(scope: t.Mapping[str, t.Any]) -> str | None:
    """The id the access log gave this request (None for a request it did not see)."""
    value = scope.get(_SCOPE_KEY)
    return value if isinstance(value, str) else None
