"""The durable order store (SQLite by default, PostgreSQL by URL), with migrations."""

from __future__ import annotations

from .migrations import LATEST, migrate
from .store import DEFAULT_STORE, STORE_ENV, Store, StoredOrder, utc_text

__all__ = ["DEFAULT_STORE", "LATEST", "STORE_ENV", "Store", "StoredOrder", "migrate", "utc_text"]
