"""Webhooks in: Shopify, Commerce Layer and Spree push orders, statebridge verifies, dedupes and stores them.

One route per registered platform with a webhook (`POST /webhooks/<name>`); each platform's
signature, topic and source checks live in its folder (`platforms/<name>/webhook.py`), the pieces
they share in `delivery.py`, and the translation and storage of a delivery here.

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

**Inbox.** A delivery that passed steps 1-4's checks is first recorded in the inbox
(`store/inbox.py`: platform, base URL, topic, event id, raw body, the document read) in one short
transaction; a redelivery of a recorded event records nothing. Without a broker (the embedded
default) it is then applied here (`inbox.apply_entry`: step 5) and answered as above. With a
broker (`serve --broker`, `STATEBRIDGE_BROKER_URL`) a worker applies it: the answer is **202**
`{"status": "queued", "platform", "topic", "event", "entry": ID}` as soon as the entry is
recorded, a redelivery of a recorded event is 200 `duplicate` and sends nothing, and when the
broker cannot take the message the delivery is still recorded and answered 202 (one warning is
logged; the scheduler's sweeper sends the pending entry again).

**Bad payloads.** A body that is not JSON, or an order the tables cannot translate, arrives after
a valid signature: retrying cannot fix it. Its raw text is kept in the store's rejects with the
reason, and the answer is **200** `{"status": "rejected", "problems": […]}`. 200 rather than 202
because Shopify's delivery guide asks for 200 and some senders count only 200 as delivered; the
body says plainly that nothing was applied.

**Failures on our side** answer 503 with `Retry-After` when the store cannot be reached or written
now, else 500 (the one mapping of `faults.py`; the detail goes to the log, never the answer), so
the platform retries. The event id is written in the same transaction as the order (or the
reject), so a failed or crashed application leaves no trace of its event: the platform's retry
finds the inbox entry still pending and applies it, never taking it for a duplicate. A 5xx body
names the request id the access log records.

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

import logging
import time
import types
import typing as t

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..errors import MalformedInputError, StoreError
from ..inbox import Applied, apply_entry
from ..mapping import SHIPPED, Tables
from ..platforms import get_adapter, platforms
from ..platforms.base import Adapter
from ..settings import Settings
from ..store import Store
from ..work.queue import Work
from .access_log import request_id
from .delivery import Answer, Delivery, Headers, WebhookHandler, problem
from .faults import fault_for

__all__ = ["Answer", "WebhookReceiver", "WebhookSecrets", "problem"]

log = logging.getLogger("statebridge.web.webhooks")


class WebhookSecrets:
    """The shared secrets that sign deliveries, by platform name (`WebhookSecrets(shopify="…")`);
    a platform without one is "not configured" (answered 503).

    Values never appear in `repr`, logs or answers.
    """

    def __init__(self, **secrets: str | None) -> None:
        self._secrets: t.Mapping[str, str] = types.MappingProxyType(
            {name: value for name, value in secrets.items() if value is not None}
        )

    def get(self, platform: str) -> str | None:
        """The secret of `platform`'s deliveries, or None."""
        return self._secrets.get(platform)

    def __repr__(self) -> str:
        return f"WebhookSecrets(configured={sorted(self._secrets)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WebhookSecrets) and dict(self._secrets) == dict(other._secrets)

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookSecrets:
        """Each platform's secret from its variable (`STATEBRIDGE_SHOPIFY_WEBHOOK_SECRET`, …)."""
        return cls(
            **{
                name: (settings.value(handler.secret_env) or "").strip() or None
                for name, handler in _handlers().items()
            }
        )


def _handlers() -> dict[str, WebhookHandler]:
    """The webhook handler of every registered platform that has one, by platform name."""
    found: dict[str, WebhookHandler] = {}
    for described in platforms():
        handler = described.webhook_handler()
        if handler is not None:
            found[described.name] = handler
    return found


class WebhookReceiver:
    """The webhook endpoints over one store.

    `settings` gives the secrets and base URLs: one `Settings`, or a callable asked at each
    delivery (`Settings.from_env`: a variable set in-process takes effect without a restart).
    `secrets`, when given, win over the settings' secrets. `stored` is called after a delivery
    changed orders (what they enqueued for their targets can go now).

    Every delivery that passes its checks is recorded in the inbox (`store/inbox.py`). Without
    `work` (the embedded default) it is then applied here (`inbox.apply_entry`) and answered with
    what was stored. With `work` (serve with a broker) a worker applies it: the answer is 202
    `queued` with the entry's id, and the orders table is not touched here.
    """

    def __init__(
        self,
        store: Store,
        *,
        settings: Settings | t.Callable[[], Settings],
        secrets: WebhookSecrets | None = None,
        tables: Tables = SHIPPED,
        stored: t.Callable[[], None] | None = None,
        work: Work | None = None,
    ) -> None:
        self.store = store
        #: Where deliveries are sent to be applied by a worker; None: applied here, at once.
        self.work = work
        #: Called after a delivery changed orders (serve wakes its outbox drain).
        self._stored = stored
        #: The mapping tables deliveries are translated with.
        self.tables = tables
        self._secrets = secrets
        self._settings = settings

    def routes(self) -> list[Route]:
        """`POST /webhooks/<name>` for every registered platform with a webhook."""
        return [
            Route(f"/webhooks/{name}", self._endpoint(name, handler), methods=["POST"])
            for name, handler in _handlers().items()
        ]

    def settings(self) -> Settings:
        """The settings in force for this delivery."""
        return self._settings if isinstance(self._settings, Settings) else self._settings()

    def secrets(self, settings: Settings | None = None) -> WebhookSecrets:
        """The secrets given to the app, else those of `settings` (default: the settings in force)."""
        if self._secrets is not None:
            return self._secrets
        return WebhookSecrets.from_settings(settings if settings is not None else self.settings())

    def _endpoint(
        self, name: str, handler: WebhookHandler
    ) -> t.Callable[[Request], t.Awaitable[JSONResponse]]:
        async def endpoint(request: Request) -> JSONResponse:
            body = await request.body()
            answer = await run_in_threadpool(self.deliver, name, handler, request.headers.items(), body)
            return answer.response(request_id(request.scope))

        return endpoint

    def deliver(
        self,
        name: str,
        handler: WebhookHandler,
        header_items: t.Iterable[tuple[str, str]],
        body: bytes,
        *,
        now: float | None = None,
    ) -> Answer:
        """One delivery to platform `name`'s webhook (headers, raw body) to its answer."""
        settings = self.settings()  # asked once: the secret and the base URLs come from the same read
        delivery = Delivery(
            Headers(header_items),
            body,
            self.secrets(settings).get(name),
            time.time() if now is None else now,
            settings,
        )
        return handler.handle(delivery, self._ingest)

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
        """Record the delivery in the inbox, then apply it here (no `work`) or have a worker apply it."""
        where = f"{platform} webhook {topic} (event {event_id}) from {base_url}"
        malformed = document if isinstance(document, MalformedInputError) else None
        try:
            entry_id = self.store.record(
                platform,
                base_url,
                topic,
                event_id,
                body,
                None if malformed is not None else document,
                problem=None if malformed is None else malformed.reason,
                enqueued=self.work is not None,
            )
            if self.work is not None:
                return self._queued(where, platform, topic, event_id, entry_id)
            if entry_id is None:  # recorded before: applied (a duplicate), or its application failed
                entry_id = self.store.inbox_entry_id(platform, event_id)
                if entry_id is None:  # the row was deleted meanwhile: the event is long done
                    return Answer(200, {"status": "duplicate", "event": event_id})
            applied = apply_entry(self.store, entry_id, tables=self.tables, adapters=_adapter)
        except (StoreError, sa.exc.SQLAlchemyError) as exc:
            return _store_down(where, exc)  # nothing was applied: the platform's retry applies it
        except Exception:
            # A bug, not a bad payload: the traceback goes to the server log, the sender gets a
            # problem document and retries later; nothing was applied, so the retry is no duplicate.
            log.exception("%s: failed", where)
            detail = "statebridge could not handle this delivery; the server log has the details"
            return problem(500, "Internal error", detail)
        if applied.changed and self._stored is not None:
            self._stored()
        return _answer(applied)

    def _queued(self, where: str, platform: str, topic: str, event_id: str, entry_id: int | None) -> Answer:
        """Have a worker apply the recorded entry; 202 at once (200 duplicate for a redelivery)."""
        assert self.work is not None
        if entry_id is None:
            log.info("%s: duplicate, already received", where)
            return Answer(200, {"status": "duplicate", "event": event_id})
        try:
            self.work.apply(entry_id)
        except Exception as exc:  # the broker is down: the entry is recorded, the sweeper sends it
            log.warning(
                "%s: recorded as inbox entry %d, but the message to apply it was not sent (%s); "
                "the scheduler's sweeper sends it again",
                where,
                entry_id,
                type(exc).__name__,
            )
        else:
            log.info("%s: recorded as inbox entry %d, queued", where, entry_id)
        return Answer(
            202,
            {"status": "queued", "platform": platform, "topic": topic, "event": event_id, "entry": entry_id},
        )


def _adapter(name: str, *, tables: Tables | None = None) -> Adapter:
    """The platform's adapter, looked up in this module at each delivery (a test breaks it here)."""
    return get_adapter(name, tables=tables)


def _answer(applied: Applied) -> Answer:
    """The answer to a delivery applied here: 200, and what was stored (or why not)."""
    if applied.status == "duplicate":
        return Answer(200, {"status": "duplicate", "event": applied.event_id})
    return Answer(
        200,
        {
            "status": applied.status,
            "platform": applied.platform,
            "topic": applied.topic,
            "event": applied.event_id,
            "base_url": applied.base_url,
            "orders": [{"id": order_id, "number": number} for order_id, number in applied.orders],
            "changed": applied.changed,
            "problems": list(applied.problems),
        },
    )


def _store_down(where: str, exc: BaseException) -> Answer:
    """503 and `Retry-After` for an unavailable store, else 500; the detail is logged, not answered."""
    fault = fault_for(exc, where)
    return Answer(fault.status, fault.body(), True, fault.headers)
