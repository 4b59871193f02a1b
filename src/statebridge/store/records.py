"""What the store hands out and takes in: stored orders, who sees them, idempotency claims."""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing as t

import sqlalchemy as sa

from ..model import Order
from . import schema

__all__ = ["IdempotencyClaim", "KeyedWrite", "Seen", "StoredOrder", "buyer_iri", "now_text", "utc_text"]


def utc_text(value: dt.datetime) -> str:
    """Fixed-width UTC ISO 8601, so that text order is time order."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def now_text() -> str:
    """Now, as `utc_text`."""
    return utc_text(dt.datetime.now(dt.UTC))


@dataclasses.dataclass(frozen=True)
class StoredOrder:
    """One stored order: its source, the canonical order and the platform's payload."""

    platform: str
    base_url: str
    order: Order
    raw: t.Any
    public_id: str = ""
    version: int = 1
    owner: str | None = None
    buyer: str | None = None


@dataclasses.dataclass(frozen=True)
class Seen:
    """Which orders a client principal sees: those it created (`owner`) or ordered (`buyer`)."""

    owner: str
    buyer: str | None = None

    def holds(self, stored: StoredOrder) -> bool:
        return stored.owner == self.owner or (self.buyer is not None and stored.buyer == self.buyer)

    def clause(self) -> sa.ColumnElement[bool]:
        table = schema.orders
        if self.buyer is None:
            return table.c.owner == self.owner
        return sa.or_(table.c.owner == self.owner, table.c.buyer == self.buyer)


def buyer_iri(order: Order) -> str | None:
    """The buyer's IRI when the order names one (a DFC `orderedBy`), else None."""
    identifier = order.buyer.id if order.buyer is not None else None
    if identifier and identifier.startswith(("http://", "https://")):
        return identifier
    return None


@dataclasses.dataclass(frozen=True)
class IdempotencyClaim:
    """An `Idempotency-Key` as the store keeps it: who sent it (`scope`), the key, and the
    fingerprint of the request that carried it."""

    scope: str
    key: str
    fingerprint: str


@dataclasses.dataclass(frozen=True)
class KeyedWrite:
    """What `create_once` did: `created` the order now (`stored` is it), or found the key in use by
    an earlier request for the order `public_id`, which had the same fingerprint or not
    (`same_request`)."""

    created: bool
    public_id: str
    same_request: bool
    stored: StoredOrder | None = None
