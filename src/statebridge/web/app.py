"""The statebridge web application: one Starlette app over one store.

The factory only assembles: the DFC Orders endpoint lives in `orders.py`, the webhooks in
`webhooks.py`, authentication in `auth.py`, the OpenAPI document in `openapi.py`. Any error that
escapes a route is answered as a 500 `application/problem+json` without a traceback; the traceback
goes to the server's log only. Every request is logged as one JSON line (`access_log.py`); one with
a token in its query string is refused with 400 before any route sees it (`query_tokens.py`).
"""

from __future__ import annotations

import logging
import os
import typing as t

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..store import Store
from .access_log import AccessLogMiddleware
from .auth import Authenticator
from .enterprises import Enterprise, load_enterprises
from .limits import DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY_BYTES, BodyLimits
from .openapi import openapi_route
from .orders import OrdersApi
from .query_tokens import QueryTokenGuard
from .webhooks import WebhookReceiver, WebhookSecrets, problem

__all__ = ["create_app"]

log = logging.getLogger("statebridge.web")


async def health(_request: Request) -> JSONResponse:
    """Liveness for load balancers and the tests' start-up wait."""
    return JSONResponse({"status": "ok"})


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.error("%s %s failed: %s", request.method, request.url.path, type(exc).__name__)
    detail = "statebridge could not handle the request; the server log has the details"
    return problem(500, "Internal error", detail).response()


def create_app(
    store: Store,
    *,
    secrets: WebhookSecrets | None = None,
    authenticator: Authenticator | None = None,
    enterprises: t.Mapping[str, Enterprise] | None = None,
    public_url: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
) -> Starlette:
    """The app over `store`: the DFC Orders endpoint, the webhooks, `/health` and `/openapi.json`.

    Unless given, the authenticator (`STATEBRIDGE_API_TOKENS`, `STATEBRIDGE_OIDC_*`), the enterprises
    (`STATEBRIDGE_ENTERPRISES`) and the public URL (`STATEBRIDGE_PUBLIC_URL`, else the request's own)
    come from the environment; a bad setting fails here, at start-up. With `secrets=None` the webhook
    secrets are read from the environment at each delivery.

    Every request body is bounded (`limits.py`): over `max_body_bytes` it is answered 413 before it
    is read, and one that has not arrived within `body_timeout` seconds is answered 408.
    """
    authenticator = authenticator or Authenticator.from_env()
    log.info("DFC endpoint authentication: %s", authenticator.describe())
    orders = OrdersApi(
        store,
        authenticator=authenticator,
        enterprises=load_enterprises() if enterprises is None else enterprises,
        public_url=public_url or os.environ.get("STATEBRIDGE_PUBLIC_URL") or None,
    )
    routes = [
        Route("/health", health, methods=["GET"]),
        openapi_route(),
        *orders.routes(),
        *WebhookReceiver(store, secrets=secrets).routes(),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={Exception: _internal_error},
        middleware=[
            Middleware(AccessLogMiddleware),
            Middleware(QueryTokenGuard),
            Middleware(BodyLimits, max_body_bytes=max_body_bytes, body_timeout=body_timeout),
        ],
    )
    app.state.store = store
    return app
