"""Spree 5.3+ webhooks (`POST /webhooks/spree`): signature, timestamp, event and store.

`X-Spree-Webhook-Signature` is hex HMAC-SHA256 of `"{X-Spree-Webhook-Timestamp}.{raw body}"`; a
timestamp more than `TIMESTAMP_TOLERANCE` s from now is refused like a bad signature. The event is
`X-Spree-Webhook-Event` (else the body's `name`), its id the body's `id`; the base URL is
`STATEBRIDGE_SPREE_BASE_URL`, since a delivery does not name its store.
"""

from __future__ import annotations

import logging
import typing as t

from ...errors import MalformedInputError
from ...web.delivery import (
    Answer,
    Delivery,
    Ingest,
    bad_signature,
    body_key,
    event_key,
    ignored,
    missing_secret,
    parse,
    problem,
    signed_hex,
)

__all__ = ["BASE_URL_ENV", "EVENT_STATUS", "SECRET_ENV", "TIMESTAMP_TOLERANCE", "WEBHOOK", "SpreeWebhook"]

log = logging.getLogger("statebridge.web.webhooks")

SECRET_ENV = "STATEBRIDGE_SPREE_WEBHOOK_SECRET"
BASE_URL_ENV = "STATEBRIDGE_SPREE_BASE_URL"

#: How far X-Spree-Webhook-Timestamp may be from now, in seconds: the default tolerance of
#: Spree's own verifier (packages/sdk/src/webhooks.ts, docs/references/spree-webhooks.md).
TIMESTAMP_TOLERANCE = 300

#: The Spree 5.5+ `status` an `order.*` event implies, for a body (the Store API v3 order) that
#: has none. Names from spree/spree (docs/references/spree-webhooks.md): `order.placed` (and its
#: deprecated alias `order.completed`) is checkout completing, `order.canceled` the cancel
#: workflow, `order.resumed` a cancelled order resumed; approval, payment in full and
#: shipping/fulfilment/delivery happen only to a placed order. `order.created`, `order.updated`
#: say nothing of the status and are ignored when the body has none; `order.deleted` is not applied.
EVENT_STATUS = {
    "order.placed": "placed",
    "order.completed": "placed",
    "order.resumed": "placed",
    "order.approved": "placed",
    "order.paid": "placed",
    "order.shipped": "placed",
    "order.fulfilled": "placed",
    "order.delivered": "placed",
    "order.canceled": "canceled",
}


class SpreeWebhook:
    """One Spree 5.3+ delivery (headers, raw body) to its answer."""

    secret_env = SECRET_ENV
    #: Its name and the headers that sign a delivery, for the OpenAPI document (`web/openapi.py`).
    label = "Spree 5.3+"
    signature_headers = ("X-Spree-Webhook-Signature", "X-Spree-Webhook-Timestamp")

    def handle(self, delivery: Delivery, ingest: Ingest) -> Answer:
        headers, body, secret = delivery.headers, delivery.body, delivery.secret
        if secret is None:
            return missing_secret(SECRET_ENV, "Spree")
        signature = headers.first("X-Spree-Webhook-Signature")
        stamp = headers.first("X-Spree-Webhook-Timestamp")
        if signature is None or stamp is None or not signed_hex(secret, stamp[1], body, signature[1]):
            header = (
                "X-Spree-Webhook-Timestamp"
                if signature is not None and stamp is None
                else "X-Spree-Webhook-Signature"
            )
            return bad_signature("Spree", header, SECRET_ENV, signature is not None and stamp is not None)
        if not _fresh(stamp[1], delivery.now):
            detail = (
                f"the X-Spree-Webhook-Timestamp header is not within {TIMESTAMP_TOLERANCE} s of "
                "now: a replayed or delayed delivery is not accepted"
            )
            log.warning("Spree webhook refused (401): %s", detail)
            return problem(401, "Invalid webhook signature", detail)
        document = parse(body)
        envelope = document if isinstance(document, dict) else {}
        event_header = headers.first("X-Spree-Webhook-Event")
        name = envelope.get("name")
        event = event_header[1] if event_header else name if isinstance(name, str) else None
        if event is None:
            return problem(400, "Missing webhook event", "the X-Spree-Webhook-Event header is missing")
        if not event.startswith("order.") or event == "order.deleted":
            reason = (
                "a deleted order is not applied to the store; a pull reconciles it"
                if event == "order.deleted"
                else f"{event.split('.', 1)[0]} events are not orders; statebridge reads order.* events"
            )
            return ignored("Spree", event, reason)
        base_url = (delivery.settings.value(BASE_URL_ENV) or "").strip().rstrip("/")
        if not base_url:
            message = (
                f"set {BASE_URL_ENV} in the environment (the store's root, as given to pull "
                "spree --base-url): a Spree delivery does not say which store it comes from"
            )
            log.error("Spree webhook %s not stored: %s", event, message)
            return problem(503, "Spree base URL not configured", message)
        event_id = envelope.get("id")
        key = event_key(event_id) if isinstance(event_id, str) and event_id else body_key(body)
        order = _order(document, event)
        if order is None:
            reason = (
                f"the order in an {event} delivery has no status and the event does not say it; "
                "order.placed and order.canceled deliveries, or a pull, carry it"
            )
            return ignored("Spree", event, reason)
        return ingest("spree", base_url, event, key, body, order)


WEBHOOK = SpreeWebhook()


def _fresh(timestamp: str, now: float) -> bool:
    """Whether a Unix-seconds `timestamp` is within the tolerance of `now`."""
    return timestamp.isdigit() and abs(now - int(timestamp)) <= TIMESTAMP_TOLERANCE


def _order(document: t.Any | MalformedInputError, event: str) -> t.Any | MalformedInputError | None:
    """The order to read from a Spree delivery: `data`, with the status its event implies when
    the Store API v3 body has none (`status`, or the older `state`); None when neither says it.

    A body that is not `{…, "data": {…}}` is handed on as it is, to end up in the rejects."""
    if isinstance(document, MalformedInputError) or not isinstance(document, dict):
        return document
    data = document.get("data")
    if not isinstance(data, dict):
        return document
    if data.get("status") is not None or data.get("state") is not None:
        return data
    status = EVENT_STATUS.get(event)
    return None if status is None else {**data, "status": status}
