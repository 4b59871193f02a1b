"""The order store: canonical orders with their raw payloads, and one cursor per source.

An embedded SQLite file by default (`sqlite:///statebridge.db`, or `$STATEBRIDGE_STORE`); a
`postgresql://…` URL selects PostgreSQL. Orders are keyed on (platform, base URL, order id) and an
incoming order replaces the stored one only when its `updated_at` is newer (for platforms that send
none, only when its payload differs), so replaying a page, or receiving a webhook twice, changes
nothing. `save_page` writes a page of orders and the cursor in
one transaction: a pull killed at any moment leaves a consistent store to resume from. A webhook
delivery's event id is recorded in that same transaction (`save_page(..., event=…)`), so a
delivery is either wholly stored or not at all, and a redelivery is a duplicate only of a
delivery that was stored. `create_once` writes an order POSTed with an `Idempotency-Key` in one
transaction with the key, so that a key never exists without its order nor an order without its
key, and a key sent again (by a retry, or by ten requests at once) names the order its first
request created.

Any method raises `StoreUnavailable` when the store cannot be reached or written now (down,
connection lost, read-only, full; see `faults`), whatever it was doing; pooled connections are
checked before use, so a database restart between two calls goes unnoticed.

`Store` is put together from one part per job: opening the database (`engine`, `base`), pages
from pulls and webhooks with their cursors, rejects and event ids (`page_writes`), single orders
written through the API (`keyed_writes`), the outbox of deliveries that both enqueue in their
transaction (`outbox`), reads (`reads`), and the platforms' tokens (`tokens`); rows and records in
`rows` and `records`.
"""

from __future__ import annotations

from .engine import DEFAULT_STORE, STORE_ENV
from .flowback import FlowBack
from .inbox import Inbox, InboxEntry
from .keyed_writes import KEY_LIFETIME
from .locks import TargetLocks
from .ops_reads import InboxSummary, OpsReads, OutboxGroup
from .outbox import NO_ROUTES, STATES, DeliveryRow, Router
from .page_writes import PageWrites
from .pulls import Pulls, PullState
from .reads import OrderReads
from .records import IdempotencyClaim, KeyedWrite, Seen, StoredOrder, buyer_iri, utc_text
from .tokens import PlatformTokens, StoredGrant

__all__ = [
    "DEFAULT_STORE",
    "KEY_LIFETIME",
    "NO_ROUTES",
    "STATES",
    "STORE_ENV",
    "DeliveryRow",
    "IdempotencyClaim",
    "InboxEntry",
    "InboxSummary",
    "KeyedWrite",
    "OutboxGroup",
    "PullState",
    "Router",
    "Seen",
    "Store",
    "StoredGrant",
    "StoredOrder",
    "buyer_iri",
    "utc_text",
]


class Store(PageWrites, FlowBack, OrderReads, TargetLocks, PlatformTokens, Inbox, Pulls, OpsReads):
    """Orders, cursors, rejected payloads, webhook event ids, the outbox, platform tokens, the inbox
    of webhook deliveries and the scheduler's pull state, in one database; with the operators'
    aggregates over them (`ops_reads`)."""
