"""The inbox: webhook deliveries recorded as received, then applied to the orders.

`serve` with a broker verifies a delivery's signature, records it here in one short transaction and
answers at once; a worker applies it later (`apply_webhook`). A redelivery of a recorded event
(same platform and event id) records nothing. Applying stores the orders with the event id in one
transaction (`save_page(..., event=…)`), so an application killed before it was marked applied is
a duplicate the next time, never a second write. Rows still pending long after their message was
sent are the sweeper's to send again: a broker that lost its messages loses no delivery.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing as t

import orjson
import sqlalchemy as sa

from . import schema
from .base import StoreBase
from .records import now_text, utc_text

__all__ = ["Inbox", "InboxEntry"]


@dataclasses.dataclass(frozen=True)
class InboxEntry:
    """One recorded delivery."""

    id: int
    platform: str
    base_url: str
    topic: str
    event_id: str
    body: bytes
    #: The document the platform's handler read (None when the body was malformed: see `problem`).
    document: t.Any
    problem: str | None
    state: str
    attempts: int
    reason: str | None
    received_at: str
    enqueued_at: str | None
    applied_at: str | None

    @classmethod
    def of(cls, row: sa.Row[t.Any]) -> InboxEntry:
        values = dict(row._mapping)
        text = values.pop("document")
        values["document"] = None if text is None else orjson.loads(text)
        values["body"] = bytes(values["body"])
        return cls(**values)


class Inbox(StoreBase):
    """Record, find, apply and sweep webhook deliveries."""

    def record(
        self,
        platform: str,
        base_url: str,
        topic: str,
        event_id: str,
        body: bytes,
        document: t.Any,
        *,
        problem: str | None = None,
        enqueued: bool = False,
    ) -> int | None:
        """Record a delivery; its id, or None when this event was recorded before (a redelivery).

        `document` is the handler's reading of the body (JSON-serialisable), or None with `problem`
        for a malformed body (the application keeps it as a reject). `enqueued`: a message to apply
        it is about to be sent (the sweeper leaves it alone for a while)."""
        now = now_text()
        table = schema.inbox
        values = {
            "platform": platform,
            "base_url": base_url,
            "topic": topic,
            "event_id": event_id,
            "body": body,
            "document": None if document is None else orjson.dumps(document).decode(),
            "problem": problem,
            "state": "pending",
            "attempts": 0,
            "received_at": now,
            "enqueued_at": now if enqueued else None,
        }
        statement = (
            self._insert(table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["platform", "event_id"])
            .returning(table.c.id)
        )
        try:
            with self.engine.begin() as connection:
                inserted = connection.execute(statement).scalar()
        except sa.exc.SQLAlchemyError as exc:
            raise self._write_failed(exc) from None
        return None if inserted is None else int(inserted)

    def inbox_entry(self, entry_id: int) -> InboxEntry | None:
        table = schema.inbox
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(table).where(table.c.id == entry_id)).first()
        return None if row is None else InboxEntry.of(row)

    def inbox_entry_id(self, platform: str, event_id: str) -> int | None:
        """The id of the delivery of this event recorded before (`record` answered None), or None."""
        table = schema.inbox
        query = sa.select(table.c.id).where(table.c.platform == platform, table.c.event_id == event_id)
        with self.engine.connect() as connection:
            found = connection.execute(query).scalar()
        return None if found is None else int(found)

    def applied(self, entry_id: int) -> None:
        """The delivery's orders are stored (or it was a duplicate): nothing more to do for it."""
        self._update_entry(entry_id, state="applied", applied_at=now_text(), reason=None)

    def apply_failed(self, entry_id: int, reason: str) -> None:
        """An application failed (the store was down, a bug): it stays pending for another try."""
        table = schema.inbox
        self._update_entry(entry_id, attempts=table.c.attempts + 1, reason=reason)

    def enqueued(self, entry_ids: t.Collection[int]) -> None:
        """Messages to apply these were sent now."""
        if entry_ids:
            table = schema.inbox
            with self.engine.begin() as connection:
                connection.execute(
                    table.update().where(table.c.id.in_(list(entry_ids))).values(enqueued_at=now_text())
                )

    def unapplied(self, *, sent_before: dt.datetime | None = None, limit: int = 1000) -> list[int]:
        """Pending deliveries, oldest first; with `sent_before`, only those whose message was sent
        before then (or never): the ones a lost message left behind."""
        table = schema.inbox
        query = sa.select(table.c.id).where(table.c.state == "pending").order_by(table.c.id).limit(limit)
        if sent_before is not None:
            query = query.where(
                sa.or_(table.c.enqueued_at.is_(None), table.c.enqueued_at < utc_text(sent_before))
            )
        with self.engine.connect() as connection:
            return [int(value) for value in connection.execute(query).scalars()]

    def inbox_depth(self) -> int:
        """How many deliveries wait to be applied."""
        table = schema.inbox
        with self.engine.connect() as connection:
            query = sa.select(sa.func.count()).select_from(table).where(table.c.state == "pending")
            return int(connection.execute(query).scalar() or 0)

    def _update_entry(self, entry_id: int, **values: t.Any) -> None:
        table = schema.inbox
        try:
            with self.engine.begin() as connection:
                connection.execute(table.update().where(table.c.id == entry_id).values(**values))
        except sa.exc.SQLAlchemyError as exc:
            raise self._write_failed(exc) from None
