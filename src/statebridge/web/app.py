"""The statebridge web application: one Starlette app over one store.

The factory only assembles: the webhook routes live in `webhooks.py` (and the DFC endpoints of
`statebridge serve` are added beside them). Any error that escapes a route is answered as a 500
`application/problem+json` without a traceback; the traceback goes to the server's log only.
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..store import Store
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


def create_app(store: Store, *, secrets: WebhookSecrets | None = None) -> Starlette:
    """The app: `GET /health` and the webhook endpoints over `store`.

    With `secrets=None` the webhook secrets are read from the environment at each delivery.
    """
    routes = [Route("/health", health, methods=["GET"]), *WebhookReceiver(store, secrets=secrets).routes()]
    app = Starlette(routes=routes, exception_handlers={Exception: _internal_error})
    app.state.store = store
    return app
