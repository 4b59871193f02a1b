"""`statebridge serve`: the HTTP endpoints over the store."""

from __future__ import annotations

import pathlib
import typing as t

import click

from .connections import connections_option
from .exits import EXIT_USAGE, reported
from .options import settings as settings_of, store_option
from .stores import open_store

__all__ = ["serve_command"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on."
)
@store_option
@click.option(
    "--max-body-bytes",
    type=click.IntRange(0),
    envvar="STATEBRIDGE_MAX_BODY_BYTES",
    metavar="BYTES",
    help="Largest request body accepted; a larger one is answered 413 before it is read "
    "(default: $STATEBRIDGE_MAX_BODY_BYTES, else 1048576, 1 MiB).",
)
@click.option(
    "--body-timeout",
    type=click.FloatRange(0, min_open=True),
    envvar="STATEBRIDGE_BODY_TIMEOUT",
    metavar="SECONDS",
    help="Time for a request body to arrive; a slower one is answered 408 "
    "(default: $STATEBRIDGE_BODY_TIMEOUT, else 30).",
)
@connections_option
@click.option(
    "--broker",
    "broker_url",
    metavar="URL",
    help="Message broker of the workers (redis://HOST:6379/0, amqp://USER:PASSWORD@HOST:5672/): "
    "webhooks are recorded and answered 202 at once, and workers apply them and "
    "deliver to the targets (default: $STATEBRIDGE_BROKER_URL, else none: all of it is done "
    "in this process).",
)
def serve_command(
    host: str,
    port: int,
    store_url: str | None,
    max_body_bytes: int | None,
    body_timeout: float | None,
    connections_file: pathlib.Path | None,
    broker_url: str | None,
) -> None:
    """Serve the HTTP endpoints over the store: the DFC Orders endpoint, platform webhooks in, GET /health.

    \b
    GET|POST            /api/dfc/[Enterprises/SLUG/]Orders       Authorization: Bearer TOKEN
    GET|PUT|DELETE      /api/dfc/[Enterprises/SLUG/]Orders/{id}  PUT/DELETE honour If-Match
    POST /webhooks/shopify        X-Shopify-Hmac-Sha256, secret STATEBRIDGE_SHOPIFY_WEBHOOK_SECRET
    POST /webhooks/commercelayer  X-CommerceLayer-Signature, secret STATEBRIDGE_COMMERCELAYER_WEBHOOK_SECRET
    POST /webhooks/spree          X-Spree-Webhook-Signature, secret STATEBRIDGE_SPREE_WEBHOOK_SECRET
    GET  /health
    GET  /metrics                 Prometheus; STATEBRIDGE_METRICS_TOKEN to require a bearer token

    Operators: STATEBRIDGE_API_TOKENS; clients: `statebridge clients add` (each sees only its own
    orders) or OIDC (STATEBRIDGE_OIDC_ISSUER, _AUDIENCE, _JWKS_URL, _CLIENT_CLAIM). Enterprises:
    STATEBRIDGE_ENTERPRISES. With no token, issuer or client configured the endpoint is open.
    STATEBRIDGE_PUBLIC_URL: the root order IRIs are minted under. STATEBRIDGE_COMMERCELAYER_BASE_URL,
    STATEBRIDGE_SPREE_BASE_URL: the shop a webhook belongs to when the delivery does not say.

    With a connections file (--connections, STATEBRIDGE_CONNECTIONS, ./statebridge.yaml), what the
    endpoint and the webhooks store goes on to the targets its routes and `enterprise:` entries
    name, delivered in the background through the outbox (`statebridge outbox list`).

    With a broker (--broker, STATEBRIDGE_BROKER_URL) serve only verifies and records each webhook
    in the inbox and answers 202 {"status": "queued"}; workers apply it to the orders and deliver
    to the targets. Without one (the default) serve applies webhooks itself and answers with what
    was stored.

    Each request is logged on stderr as one JSON line, its query string redacted; a request with a
    token in its query string (?access_token=…) is refused with 400: send it as a bearer token.
    Bodies over --max-body-bytes are refused with 413 before being read, slow ones with 408.
    """
    import uvicorn

    from ..web import create_app, server_logging

    server_logging.configure()
    settings = settings_of(store=store_url)
    if connections_file is not None:
        settings = settings.model_copy(update={"connections": connections_file})
    if broker_url is not None:
        settings = settings.model_copy(update={"broker_url": broker_url})
    with open_store(settings) as store:
        limits: dict[str, t.Any] = {"max_body_bytes": max_body_bytes, "body_timeout": body_timeout}
        with reported(code=EXIT_USAGE):  # a bad STATEBRIDGE_ENTERPRISES, OIDC, token, connections or broker
            app = create_app(
                store,
                settings=settings,
                **{name: value for name, value in limits.items() if value is not None},
            )
        config = uvicorn.Config(
            app, host=host, port=port, server_header=False, **server_logging.UVICORN_OPTIONS
        )
        # Server.run, not uvicorn.run: after its graceful shutdown it raises the Ctrl-C it caught
        # (uvicorn.run swallows it), so that `serve` stopped by Ctrl-C exits 130 like every command.
        uvicorn.Server(config).run()
