"""The scheduler's record of each source's pulls: when the next is due, the ticket of the one queued,
and how the last ended.

The scheduler claims due sources (`claim_due`): in one statement each gets a new ticket and is marked
queued, so a source with a message in flight is never claimed again. A worker runs a pull only for
the current ticket (`start_pull`); a message that arrives after its ticket ended (a duplicate sent
by the sweeper, or by the broker after a worker died) finds nothing to do. A pull ends with
`pull_succeeded` or `pull_failed`, which clear the ticket and set the next due time (the caller's
interval, or its backoff). Rows queued long ago are the sweeper's (`stale_pulls`): it sends their
ticket again, whose first message may have been lost with the broker's data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing as t

import sqlalchemy as sa

from . import schema
from .base import StoreBase
from .records import utc_text

__all__ = ["PullState", "Pulls"]


@dataclasses.dataclass(frozen=True)
class PullState:
    """One source's row."""

    source: str
    due_at: str
    ticket: int
    queued_at: str | None
    started_at: str | None
    last_success_at: str | None
    last_failure_at: str | None
    failures: int
    reason: str | None
    cursor_lag_seconds: float | None
    orders_stored: int
    rejected: int


class Pulls(StoreBase):
    """Plan, claim, start and end pulls."""

    def plan_pulls(self, sources: t.Iterable[str], now: dt.datetime) -> None:
        """Give every source without a row one, due now (a source's existing row is kept)."""
        table = schema.pulls
        rows = [{"source": name, "due_at": utc_text(now), "ticket": 0} for name in sources]
        if not rows:
            return
        with self.engine.begin() as connection:
            connection.execute(
                self._insert(table).values(rows).on_conflict_do_nothing(index_elements=["source"])
            )

    def claim_due(self, now: dt.datetime, sources: t.Collection[str] | None = None) -> list[tuple[str, int]]:
        """Mark every due source that has nothing queued as queued under a new ticket; those
        (source, ticket) pairs, for the caller to send."""
        table = schema.pulls
        condition = sa.and_(table.c.due_at <= utc_text(now), table.c.queued_at.is_(None))
        if sources is not None:
            condition = sa.and_(condition, table.c.source.in_(list(sources)))
        statement = (
            table.update()
            .where(condition)
            .values(ticket=table.c.ticket + 1, queued_at=utc_text(now), started_at=None)
            .returning(table.c.source, table.c.ticket)
        )
        with self.engine.begin() as connection:
            return sorted((str(source), int(ticket)) for source, ticket in connection.execute(statement))

    def stale_pulls(self, queued_before: dt.datetime) -> list[tuple[str, int]]:
        """Tickets queued before then and not ended: their message may be lost (or their worker
        killed); the caller sends them again (`requeued`)."""
        table = schema.pulls
        query = sa.select(table.c.source, table.c.ticket).where(
            table.c.queued_at.is_not(None), table.c.queued_at < utc_text(queued_before)
        )
        with self.engine.connect() as connection:
            return sorted((str(source), int(ticket)) for source, ticket in connection.execute(query))

    def requeued(self, source: str, ticket: int, now: dt.datetime) -> None:
        """The ticket's message was sent again now."""
        self._where_ticket(source, ticket, queued_at=utc_text(now))

    def start_pull(self, source: str, ticket: int, now: dt.datetime) -> bool:
        """Whether `ticket` is the source's queued one (then it is marked started): False means the
        message is stale and there is nothing to do."""
        return self._where_ticket(source, ticket, started_at=utc_text(now))

    def pull_succeeded(
        self,
        source: str,
        ticket: int,
        now: dt.datetime,
        *,
        next_due: dt.datetime,
        lag_seconds: float | None,
        stored: int,
        rejected: int,
    ) -> None:
        table = schema.pulls
        self._where_ticket(
            source,
            ticket,
            queued_at=None,
            started_at=None,
            due_at=utc_text(next_due),
            last_success_at=utc_text(now),
            failures=0,
            reason=None,
            cursor_lag_seconds=lag_seconds,
            orders_stored=table.c.orders_stored + stored,
            rejected=table.c.rejected + rejected,
        )

    def pull_failed(
        self, source: str, ticket: int, now: dt.datetime, *, reason: str, next_due: dt.datetime
    ) -> None:
        table = schema.pulls
        self._where_ticket(
            source,
            ticket,
            queued_at=None,
            started_at=None,
            due_at=utc_text(next_due),
            last_failure_at=utc_text(now),
            failures=table.c.failures + 1,
            reason=reason,
        )

    def pull_state(self, source: str) -> PullState | None:
        table = schema.pulls
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(table).where(table.c.source == source)).first()
        return None if row is None else PullState(**row._mapping)

    def pull_states(self) -> list[PullState]:
        table = schema.pulls
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(table).order_by(table.c.source)).all()
        return [PullState(**row._mapping) for row in rows]

    def _where_ticket(self, source: str, ticket: int, **values: t.Any) -> bool:
        table = schema.pulls
        condition = sa.and_(
            table.c.source == source, table.c.ticket == ticket, table.c.queued_at.is_not(None)
        )
        try:
            with self.engine.begin() as connection:
                return bool(connection.execute(table.update().where(condition).values(**values)).rowcount)
        except sa.exc.SQLAlchemyError as exc:
            raise self._write_failed(exc) from None
