"""The statebridge web application: one Starlette app over one store.

The factory only assembles: the DFC Orders endpoint lives in `orders.py`, the webhooks in
`webhooks.py`, authentication in `auth/`, the OpenAPI document in `openapi.py`. An error that
escapes a route is answered by `faults.py`: 503 with `Retry-After` when the store cannot be reached
or written now, else a 500; both `application/problem+json` without a traceback, SQL or store URL
(those go to the server's log only), naming the request id. Every request is logged as one JSON
line (`access_log.py`); one with a token in its query string is refused with 400 before any route
sees it (`query_tokens.py`), and bodies are bounded in size and time (`limits.py`). `GET /health`
says whether the store answers a trivial query; `GET /metrics` is for Prometheus (`metrics.py`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pathlib
import typing as t

import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..connections import Connections, connections_for
from ..delivery.background import BackgroundDrain
from ..delivery.run import ConnectionRoutes, backoff_of
from ..delivery.targets import Writers
from ..errors import StoreError
from ..mapping import SHIPPED, Tables
from ..settings import Settings
from ..store import DEFAULT_STORE, Store
from ..store.faults import is_unavailable
from ..work.broker import open_broker
from ..work.queue import BrokerWork, Work
from .access_log import AccessLogMiddleware, request_id
from .auth import Authenticator
from .enterprises import Enterprise, load_enterprises
from .faults import fault_for, internal_error, store_fault, where
from .forwarding import Drain, Forwarding
from .limits import DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY_BYTES, BodyLimits
from .metrics import metrics_route
from .openapi import openapi_route
from .orders import OrdersApi
from .query_tokens import QueryTokenGuard
from .queued_drain import QueuedDrain
from .webhooks import WebhookReceiver, WebhookSecrets

__all__ = ["create_app"]

log = logging.getLogger("statebridge.web")


def _health(store: Store) -> t.Callable[[Request], t.Awaitable[Response]]:
    async def health(request: Request) -> Response:
        """200 when the store answers a trivial query, else 503 with `Retry-After`."""
        try:
            await run_in_threadpool(store.ping)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            fault = fault_for(exc, where(request))  # the detail is logged, never answered
            body = {"status": "unavailable", "store": "unavailable", "request_id": request_id(request.scope)}
            return JSONResponse(body, fault.status, headers=dict(fault.headers))
        return JSONResponse({"status": "ok", "store": "ok"})

    return health


def _lifespan(
    drain: BackgroundDrain | None, work: Work | None
) -> t.Callable[[Starlette], t.AsyncContextManager[None]]:
    """Start the background drain with the server, and stop it (the delivery in flight finished,
    the writers' connections closed) when the server stops; close the broker's connections then."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> t.AsyncIterator[None]:
        if drain is not None:
            drain.start()
        try:
            yield
        finally:
            if drain is not None:
                await run_in_threadpool(drain.stop)
                drain.writers_close()
            if isinstance(work, BrokerWork):
                work.broker.close()

    return lifespan


def create_app(
    store: Store | None = None,
    *,
    settings: Settings | None = None,
    secrets: WebhookSecrets | None = None,
    authenticator: Authenticator | None = None,
    enterprises: t.Mapping[str, Enterprise] | None = None,
    public_url: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
    connections: Connections | None = None,
    environ: t.Mapping[str, str] | None = None,
    work: Work | None = None,
) -> Starlette:
    """The app over `store`: the DFC Orders endpoint, the webhooks, `/health` and `/openapi.json`.

    Unless given, the authenticator (`STATEBRIDGE_API_TOKENS`, `STATEBRIDGE_OIDC_*`), the enterprises
    (`STATEBRIDGE_ENTERPRISES`), the public URL (`STATEBRIDGE_PUBLIC_URL`, else the request's own),
    the webhook secrets and base URLs, and the store (`STATEBRIDGE_STORE`, else `DEFAULT_STORE`)
    come from `settings`; a bad setting fails here, at start-up. Without `settings` (as under
    `uvicorn --factory statebridge.web:create_app`) they are read from the environment: once, here,
    except the webhook secrets and base URLs, which are then read at each delivery (a variable set
    in-process takes effect without a restart). Without `store`, the app opens the one the settings
    name and keeps it open for its lifetime (`app.state.store`).

    Every request body is bounded (`limits.py`): over `max_body_bytes` it is answered 413 before it
    is read, and one that has not arrived within `body_timeout` seconds is answered 408.

    `connections` (default: the settings' connections file, else `./statebridge.yaml` when there
    is one) makes the app a delivery gateway: what the endpoint and the webhooks store is enqueued
    for the targets the routes and `enterprise:` entries name, in the same transaction, and a
    background drain sends it (credentials read from `environ`, default the process environment,
    by the variable names the file gives). An enterprise a target declares is served like one of
    `STATEBRIDGE_ENTERPRISES`.

    `work` (default: a broker at the settings' `broker_url`, `STATEBRIDGE_BROKER_URL`, when set;
    else none) hands work to workers: a webhook is recorded in the inbox and answered 202 while a
    worker applies it, and the background drain does not run: a write that changed orders sends
    one `drain_target` message per target of the connections instead. Without it, everything is
    done in this process.
    """
    current = settings if settings is not None else Settings.from_env()
    if store is None:
        store = Store(current.store or DEFAULT_STORE)
    authenticator = authenticator or Authenticator.from_settings(current)
    tables = SHIPPED if current.mappings is None else Tables(current.mappings)
    log.info("DFC endpoint authentication: %s", authenticator.describe())
    if connections is None:
        connections = connections_for(current, pathlib.Path.cwd())
    served = dict(load_enterprises(current.enterprises) if enterprises is None else enterprises)
    opened = work is None and bool(current.broker_url)  # the app's own broker: closed when it stops
    if work is None and current.broker_url:
        work = BrokerWork(open_broker(current.broker_url))
    drain: BackgroundDrain | None = None
    wake: Drain | None = None
    if connections:
        store = store.with_routes(ConnectionRoutes(connections))
        for slug, (platform, base_url) in connections.enterprises().items():
            served[slug] = Enterprise(slug, platform, base_url.rstrip("/"))
        if work is not None:  # the workers deliver; writes wake them through the broker
            wake = QueuedDrain(work, connections.target_endpoints)
            log.info("workers deliver to %d target(s): %s", len(wake.targets), ", ".join(wake.targets))
        else:
            writers = Writers(
                connections.target_endpoints,
                settings=current,
                environ=os.environ if environ is None else environ,
                tables=tables,
            )
            drain = wake = BackgroundDrain(store, writers, backoff=backoff_of(connections), tables=tables)
            log.info("delivering to %d target(s): %s", len(writers), ", ".join(writers))
    orders = OrdersApi(
        store,
        authenticator=authenticator,
        enterprises=served,
        public_url=public_url or current.public_url or None,
        tables=tables,
        forwarding=Forwarding(store, wake),
    )
    routes = [
        Route("/health", _health(store), methods=["GET"]),
        metrics_route(store, current, work.broker if isinstance(work, BrokerWork) else None),
        openapi_route(),
        *orders.routes(),
        *WebhookReceiver(
            store,
            settings=settings or Settings.from_env,
            secrets=secrets,
            tables=tables,
            stored=wake.wake if wake is not None else None,
            work=work,
        ).routes(),
    ]
    app = Starlette(
        routes=routes,
        lifespan=_lifespan(drain, work if opened else None),
        exception_handlers={
            StoreError: store_fault,
            sa.exc.SQLAlchemyError: store_fault,
            Exception: internal_error,
        },
        middleware=[
            Middleware(AccessLogMiddleware),
            Middleware(QueryTokenGuard),
            Middleware(BodyLimits, max_body_bytes=max_body_bytes, body_timeout=body_timeout),
        ],
    )
    app.state.store = store
    app.state.drain = drain
    app.state.work = work
    return app
