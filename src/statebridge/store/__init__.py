"""The durable order store (SQLite by default, PostgreSQL by URL), with migrations."""

from __future__ import annotations

from .clients import Client, ClientRegistry, hash_token, new_token
from .migrations import LATEST, migrate
from .store import (
    DEFAULT_STORE,
    KEY_LIFETIME,
    NO_ROUTES,
    STATES,
    STORE_ENV,
    DeliveryRow,
    IdempotencyClaim,
    InboxEntry,
    KeyedWrite,
    PullState,
    Router,
    Seen,
    Store,
    StoredGrant,
    StoredOrder,
    buyer_iri,
    utc_text,
)

__all__ = [
    "DEFAULT_STORE",
    "KEY_LIFETIME",
    "LATEST",
    "NO_ROUTES",
    "STATES",
    "STORE_ENV",
    "Client",
    "ClientRegistry",
    "DeliveryRow",
    "IdempotencyClaim",
    "InboxEntry",
    "KeyedWrite",
    "PullState",
    "Router",
    "Seen",
    "Store",
    "StoredGrant",
    "StoredOrder",
    "buyer_iri",
    "hash_token",
    "migrate",
    "new_token",
    "utc_text",
]
