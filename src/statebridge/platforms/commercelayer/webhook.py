"""Commerce Layer webhooks (`POST /webhooks/commercelayer`): signature, topic and organisation.

base64 HMAC-SHA256 of the raw body in `X-CommerceLayer-Signature`; only `orders.*` topics are read
(`orders.destroy` is not applied); no event id is sent, so the key is the body's digest; the
row's base URL is the origin of the order's `links.self`, else `STATEBRIDGE_COMMERCELAYER_BASE_URL`.
"""

from __future__ import annotations

import logging
import typing as t
from urllib.parse import urlsplit

from ...web.delivery import (
    Answer,
    Delivery,
    Ingest,
    bad_signature,
    body_key,
    ignored,
    missing_secret,
    parse,
    problem,
    signed,
)

__all__ = ["BASE_URL_ENV", "NOT_APPLIED_TOPICS", "SECRET_ENV", "WEBHOOK", "CommerceLayerWebhook"]

log = logging.getLogger("statebridge.web.webhooks")

SECRET_ENV = "STATEBRIDGE_COMMERCELAYER_WEBHOOK_SECRET"
BASE_URL_ENV = "STATEBRIDGE_COMMERCELAYER_BASE_URL"

#: Commerce Layer `orders.*` topics not applied to the store.
NOT_APPLIED_TOPICS = frozenset({"orders.destroy"})


class CommerceLayerWebhook:
    """One Commerce Layer delivery (headers, raw body) to its answer."""

    secret_env = SECRET_ENV
    #: Its name and the headers that sign a delivery, for the OpenAPI document (`web/openapi.py`).
    label = "Commerce Layer"
    signature_headers = ("X-CommerceLayer-Signature",)

    def handle(self, delivery: Delivery, ingest: Ingest) -> Answer:
        headers, body, secret = delivery.headers, delivery.body, delivery.secret
        if secret is None:
            return missing_secret(SECRET_ENV, "Commerce Layer")
        signature = headers.first("X-CommerceLayer-Signature")
        if signature is None or not signed(secret, body, signature[1]):
            return bad_signature(
                "Commerce Layer", "X-CommerceLayer-Signature", SECRET_ENV, signature is not None
            )
        topic_header = headers.first("X-CommerceLayer-Topic")
        if topic_header is None:
            return problem(400, "Missing webhook topic", "the X-CommerceLayer-Topic header is missing")
        topic = topic_header[1]
        if not topic.startswith("orders.") or topic in NOT_APPLIED_TOPICS:
            reason = (
                "a deleted order is not applied to the store; a pull reconciles it"
                if topic in NOT_APPLIED_TOPICS
                else f"{topic.split('.', 1)[0]} resources are not orders; statebridge reads orders.* topics"
            )
            return ignored("Commerce Layer", topic, reason)
        document = parse(body)
        base_url = _base_url(document, delivery.settings.value(BASE_URL_ENV))
        if base_url is None:
            message = (
                f"set {BASE_URL_ENV} in the environment (https://ORG.commercelayer.io, as "
                "given to pull --base-url): the order's links.self is not an absolute URL, so it "
                "does not say which organisation it belongs to"
            )
            log.error("Commerce Layer webhook %s not stored: %s", topic, message)
            return problem(503, "Commerce Layer base URL not configured", message)
        return ingest("commercelayer", base_url, topic, body_key(body), body, document)


WEBHOOK = CommerceLayerWebhook()


def _base_url(document: t.Any, configured: str | None) -> str | None:
    """The organisation's root: `links.self`'s origin, else `$STATEBRIDGE_COMMERCELAYER_BASE_URL`."""
    data = document.get("data") if isinstance(document, dict) else None
    links = data.get("links") if isinstance(data, dict) else None
    link = links.get("self") if isinstance(links, dict) else None
    if isinstance(link, str):
        parts = urlsplit(link)
        host = parts.netloc.rpartition("@")[2]  # never carry user info into a key
        if parts.scheme in ("http", "https") and host:
            return f"{parts.scheme}://{host}"
    return (configured or "").strip().rstrip("/") or None
