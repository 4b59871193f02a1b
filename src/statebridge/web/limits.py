"""Bounded request bodies: a size limit and a time limit, enforced before any route reads a body.

`BodyLimits` is an ASGI middleware in front of every route. For a request that carries a body:

- a `Content-Length` over `max_body_bytes` is answered **413** at once, from the headers alone:
  not a byte of the body is read;
- a body without one (chunked) is counted as it streams in and answered 413 as soon as it passes
  the limit, so at most `max_body_bytes` are ever held for a request;
- a body that has not wholly arrived within `body_timeout` seconds is answered **408** (uvicorn's
  `timeout_keep_alive` only covers the wait between requests, not a stalled body).

Both answers are `application/problem+json` naming the limit, and close the connection (the rest
of the body is never read). A body within the limits is handed to the app whole, as it arrived:
routes then read a bounded body, and the webhook signature is checked on at most that much.
"""

from __future__ import annotations

import asyncio
import logging
import typing as t

from .problems import problem_response

__all__ = ["DEFAULT_BODY_TIMEOUT", "DEFAULT_MAX_BODY_BYTES", "BodyLimits"]

log = logging.getLogger("statebridge.web")

#: 1 MiB: a DFC order or a platform's order webhook is a few KB to a few hundred KB.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
#: Seconds for a whole body to arrive (1 MiB in 30 s is 35 KB/s, slower than any real sender).
DEFAULT_BODY_TIMEOUT = 30.0

Scope = t.MutableMapping[str, t.Any]
Message = t.MutableMapping[str, t.Any]
Receive = t.Callable[[], t.Awaitable[Message]]
Send = t.Callable[[Message], t.Awaitable[None]]
App = t.Callable[[Scope, Receive, Send], t.Awaitable[None]]


class _TooLarge(Exception):
    pass


class _Gone(Exception):
    """The client disconnected before its body was complete: there is no one to answer."""


class BodyLimits:
    """ASGI middleware: refuse request bodies over `max_body_bytes` (413) or slower than
    `body_timeout` seconds (408), before the app sees them."""

    def __init__(
        self,
        app: App,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
    ) -> None:
        if max_body_bytes < 0 or body_timeout <= 0:
            msg = (
                f"body limits must be positive (max_body_bytes={max_body_bytes}, body_timeout={body_timeout})"
            )
            raise ValueError(msg)
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is None and b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)  # no body: nothing to bound
            return
        if length is not None and length.strip().isdigit() and int(length) > self.max_body_bytes:
            await self._too_large(scope, send)
            return
        try:
            async with asyncio.timeout(self.body_timeout):
                body = await self._read(receive)
        except _TooLarge:
            await self._too_large(scope, send)
            return
        except TimeoutError:
            await self._too_slow(scope, send)
            return
        except _Gone:
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes:
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Gone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise _TooLarge
            parts.append(chunk)
            if not message.get("more_body", False):
                return b"".join(parts)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        limit = self.max_body_bytes
        log.warning("%s %s refused (413): body over %d bytes", scope.get("method"), scope.get("path"), limit)
        response = problem_response(
            413,
            "Content Too Large",
            f"the request body is larger than this server's limit of {limit} bytes",
            headers={"Connection": "close"},
            limit=limit,
        )
        await response(scope, _no_body, send)

    async def _too_slow(self, scope: Scope, send: Send) -> None:
        seconds = self.body_timeout
        log.warning(
            "%s %s refused (408): body not received in %g s", scope.get("method"), scope.get("path"), seconds
        )
        response = problem_response(
            408,
            "Request Timeout",
            f"the request body did not arrive within {seconds:g} seconds",
            headers={"Connection": "close"},
            timeout=seconds,
        )
        await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the app the whole body first, then whatever the server says next."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
