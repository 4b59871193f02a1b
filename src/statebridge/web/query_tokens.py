"""Refuse credentials in the query string: a token in a URL ends up in logs, proxies and histories.

RFC 6750 §2.3 lets a client send its bearer token as `?access_token=…`, and warns against it for
exactly that reason. statebridge answers any request whose query carries a parameter named like a
credential (`access_token`, `token`, `id_token`, `api_key`, `jwt`, … in any case, `-` or `_`,
percent-encoded or not) with a 400 `application/problem+json` that says to send the token in the
`Authorization` header, before any route, authentication or store sees it. The value is never
echoed, in the answer or anywhere else. The request is still logged by `AccessLogMiddleware`, with
its query redacted.
"""

from __future__ import annotations

import typing as t
from urllib.parse import parse_qsl

from ..errors import DEFAULT_CHALLENGE
from .problems import problem_response

__all__ = ["CREDENTIAL_PARAMETERS", "QueryTokenGuard", "credential_parameter"]

#: Query parameter names refused, compared lower-cased with `-` read as `_`.
CREDENTIAL_PARAMETERS = frozenset(
    {
        "access_token",
        "token",
        "id_token",
        "refresh_token",
        "auth_token",
        "api_key",
        "apikey",
        "key",
        "jwt",
        "bearer",
        "authorization",
        "client_secret",
        "secret",
        "password",
    }
)

Scope = t.MutableMapping[str, t.Any]
Message = t.MutableMapping[str, t.Any]
Receive = t.Callable[[], t.Awaitable[Message]]
Send = t.Callable[[Message], t.Awaitable[None]]
App = t.Callable[[Scope, Receive, Send], t.Awaitable[None]]


def credential_parameter(query: bytes) -> str | None:
    """The first parameter of `query` named like a credential (its canonical name), or None."""
    if not query:
        return None
    text = query.decode("latin-1")
    for name, _ in parse_qsl(text, keep_blank_values=True):
        canonical = name.strip().lower().replace("-", "_")
        if canonical in CREDENTIAL_PARAMETERS:
            return canonical
    return None


class QueryTokenGuard:
    """ASGI middleware: a 400 problem for any HTTP request with a credential in its query string."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = credential_parameter(scope.get("query_string", b"")) if scope["type"] == "http" else None
        if name is None:
            await self.app(scope, receive, send)
            return
        detail = (
            f"the query string carries a credential ({name}): send the token in the Authorization header "
            "(`Authorization: Bearer <token>`) instead. URLs are written to logs, so statebridge refuses "
            "tokens in them (RFC 6750 §2.3); the token may have been exposed and should be rotated"
        )
        challenge = f'{DEFAULT_CHALLENGE}, error="invalid_request", error_description="token in the query"'
        response = problem_response(
            400, "Credential in the query string", detail, headers={"WWW-Authenticate": challenge}
        )
        await response(scope, receive, send)
