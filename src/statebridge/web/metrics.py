"""`GET /metrics`: the store's reading of the work in flight, in Prometheus' text format.

Read from the store at each scrape (`ops.take_snapshot`), so whichever `serve` process Prometheus
scrapes, it sees what every worker and scheduler recorded. With a broker (`STATEBRIDGE_BROKER_URL`),
the queue depths too; a broker that does not answer is `statebridge_broker_up 0`, not a failed scrape.
A store that cannot be read is answered like every store fault (`faults.py`): 503 problem details
with `Retry-After`, no traceback.

Access: the metrics name sources, targets and platforms, and carry no order data nor secret. They
are open by default, as Prometheus usually scrapes over a private network; set
`STATEBRIDGE_METRICS_TOKEN` to require `Authorization: Bearer TOKEN` (Prometheus' scrape config:
`authorization: {credentials: TOKEN}`). The DFC endpoint's API tokens are not accepted here: a
scraper's credential should open nothing else.
"""

from __future__ import annotations

import hmac
import typing as t

import dramatiq
from prometheus_client import generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..ops import take_snapshot
from ..ops.exposition import registry_of
from ..work.broker import open_broker
from .problems import problem_response

if t.TYPE_CHECKING:
    from ..settings import Settings
    from ..store import Store

__all__ = ["CONTENT_TYPE", "metrics_route"]

#: Prometheus' text format 0.0.4, which every Prometheus version reads (newer clients announce
#: 1.0.0, which differs only for metric names outside [a-zA-Z0-9_:], and statebridge has none).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def metrics_route(store: Store, settings: Settings, broker: dramatiq.Broker | None = None) -> Route:
    """The `/metrics` route over `store`, with the queues of `broker`, else of the settings' broker
    when there is one (a broker URL of an unknown kind fails here, at start-up)."""
    if broker is None and settings.broker_url:
        broker = open_broker(settings.broker_url)
    registry = registry_of(lambda: take_snapshot(store, broker=broker))
    token = settings.metrics_token.get_secret_value().encode() if settings.metrics_token else None

    async def metrics(request: Request) -> Response:
        if token is not None and not _bearer_matches(request, token):
            return problem_response(
                401,
                "Unauthorized",
                "/metrics needs Authorization: Bearer with the token STATEBRIDGE_METRICS_TOKEN sets",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        body = await run_in_threadpool(generate_latest, registry)
        return Response(body, headers={"Content-Type": CONTENT_TYPE})

    return Route("/metrics", metrics, methods=["GET"])


def _bearer_matches(request: Request, token: bytes) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token)
