"""Applying a recorded webhook delivery (an inbox entry, `store/inbox.py`) to the orders.

`serve` verifies a delivery and records it in the inbox; then either it applies it at once (no
broker: the embedded default, answering as the webhook always has) or a worker does
(`apply_webhook`). Both call `apply_entry`, so a delivery is translated and stored the same way
wherever it is applied.

The entry's document goes through the platform's adapter and mapping tables exactly as a pulled
page does, and is upserted with `Store.save_page` together with the delivery's event id, in one
transaction (docs in `web/webhooks.py`, step 5). Then the entry is marked applied, in a second
transaction. Killed between the two, the entry stays pending and the next application finds the
event id recorded: `save_page` writes nothing, the answer is a duplicate, and the entry ends
applied. So applying an entry any number of times writes its orders at most once.

A body that was not JSON was recorded with the reason (`problem`) and no document; applying it
keeps the raw body in the rejects, as before the inbox. A failure (the store is down, a bug) is
counted on the entry (`apply_failed`, when the store takes it) and raised: the entry stays pending
for the worker's retry, the platform's redelivery, or the scheduler's sweeper.
"""

from __future__ import annotations

import dataclasses
import logging
import typing as t

from .errors import InboxEntryMissing, MalformedInputError, StatebridgeError
from .mapping import Tables
from .model import Order
from .pipeline import outcomes, partition
from .platforms import get_adapter
from .reading import Document

if t.TYPE_CHECKING:
    from .platforms.base import Adapter
    from .store import InboxEntry, Store

__all__ = ["AdapterLookup", "Applied", "apply_entry"]

log = logging.getLogger("statebridge.inbox")

#: How long a failure's reason kept on the entry may be (it is for `inbox` listings, not a log).
_REASON_MAX = 500


class AdapterLookup(t.Protocol):
    """`platforms.get_adapter`'s shape: a fresh adapter of a platform, translating with `tables`."""

    def __call__(self, name: str, *, tables: Tables | None = None) -> Adapter: ...


@dataclasses.dataclass(frozen=True)
class Applied:
    """What applying an entry did: what the webhook's HTTP answer says, and what a worker logs."""

    entry_id: int
    #: `stored` (orders read), `rejected` (none read: see `problems`), `duplicate` (the event was
    #: stored before: nothing written).
    status: t.Literal["stored", "rejected", "duplicate"]
    platform: str
    base_url: str
    topic: str
    event_id: str
    #: (id, number) of each order read from the delivery.
    orders: tuple[tuple[str, str | None], ...] = ()
    #: How many of them were new or newer than what the store had (0 for a duplicate); each was
    #: enqueued for its targets in the same transaction, so a drain has something to send.
    changed: int = 0
    #: Why some or all of the delivery was kept as rejected.
    problems: tuple[str, ...] = ()


def apply_entry(
    store: Store, entry_id: int, *, tables: Tables, adapters: AdapterLookup = get_adapter
) -> Applied:
    """Apply inbox entry `entry_id`: translate its document with `tables`, store its orders (or
    rejects) with its event id in one transaction, then mark it applied.

    Idempotent: an applied entry, or one whose orders were stored but which was not marked
    (killed between), is answered `duplicate`, writes nothing, and ends applied. A failure is
    counted on the entry with its reason (when the store still takes a write) and raised, the
    entry left pending: `StoreError`/`SQLAlchemyError` when the store is down (worth retrying),
    anything else is a bug. `InboxEntryMissing` when the store has no such entry. `adapters`
    finds a platform's adapter (default `platforms.get_adapter`)."""
    entry = store.inbox_entry(entry_id)
    if entry is None:
        msg = f"inbox entry {entry_id} is not in this store: the message was sent for another store"
        raise InboxEntryMissing(msg)
    where = f"{entry.platform} webhook {entry.topic} (event {entry.event_id}) from {entry.base_url}"
    if entry.state == "applied":
        log.info("%s: duplicate, already applied (inbox entry %d)", where, entry_id)
        return _duplicate(entry)
    try:
        items, rejects = _translate(entry, tables, adapters)
        changed = store.save_page(
            entry.platform, entry.base_url, items, rejects=rejects, event=(entry.platform, entry.event_id)
        )
    except Exception as exc:
        _count_failure(store, entry_id, where, exc)
        raise
    store.applied(entry_id)
    if changed is None:
        log.info("%s: duplicate, already received", where)
        return _duplicate(entry)
    problems = tuple(reason for _, reason, _ in rejects)
    if problems:
        log.warning("%s: kept as rejected: %s", where, "; ".join(problems))
    log.info("%s: %d order(s) read, %d new or newer", where, len(items), changed)
    return Applied(
        entry_id,
        "stored" if items else "rejected",
        entry.platform,
        entry.base_url,
        entry.topic,
        entry.event_id,
        tuple((order.id, order.number) for order, _ in items),
        changed,
        problems,
    )


def _duplicate(entry: InboxEntry) -> Applied:
    return Applied(entry.id, "duplicate", entry.platform, entry.base_url, entry.topic, entry.event_id)


def _count_failure(store: Store, entry_id: int, where: str, exc: BaseException) -> None:
    """Keep why an application failed on the entry; a store that refuses even that is left to the
    caller's error (the one that matters)."""
    # A store's errors name it without its password (`StoreBase._write_failed`); a driver's or a
    # bug's text is kept to its type, which may be all a log would show of it without a secret.
    reason = str(exc) if isinstance(exc, StatebridgeError) else f"{type(exc).__name__} (see the log)"
    try:
        store.apply_failed(entry_id, reason[:_REASON_MAX])
    except Exception as failed:  # the store is down: the original error is raised all the same
        log.debug("%s: could not count the failure on inbox entry %d: %s", where, entry_id, failed)


def _raw_text(body: bytes) -> str:
    """The body as text, kept verbatim (undecodable bytes replaced) for a reject row."""
    return body.decode("utf-8", errors="replace")


def _translate(
    entry: InboxEntry, tables: Tables, adapters: AdapterLookup
) -> tuple[list[tuple[Order, t.Any]], list[tuple[str | None, str, t.Any]]]:
    """The orders of one delivery, read as `pull` reads a page, and the reasons it held some back.

    A malformed body was recorded with the reason only; the handlers read bodies whole, so the
    reject's position is `body`, as `web.delivery.parse` names it."""
    if entry.problem is not None:
        malformed = MalformedInputError(
            entry.problem or "the webhook body could not be read", position="body"
        )
        return [], [(malformed.position, str(malformed), _raw_text(entry.body))]
    document = entry.document
    adapter = adapters(entry.platform, tables=tables)
    return partition(outcomes(adapter, [Document(None, document)]), document)
