"""The durable order store (SQLite by default, PostgreSQL by URL), with migrations."""

from __future__ import annotations

from .migrations import LATEST, migrate
from .store import (
    DEFAULT_STORE,
    KEY_LIFETIME,
    STORE_ENV,
    IdempotencyClaim,
    KeyedWrite,
    Store,
    StoredOrder,
    utc_text,
)

__all__ = [
    "DEFAULT_STORE",
    "KEY_LIFETIME",
    "LATEST",
    "STORE_ENV",
    "IdempotencyClaim",
    "KeyedWrite",
    "Store",
    "StoredOrder",
    "migrate",
    "utc_text",
]
