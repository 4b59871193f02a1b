"""What operators read of the work in flight: aggregates over the outbox, the inbox and the rejects.

Each read is one SQL aggregate (COUNT, MIN, SUM with GROUP BY), so a scrape costs a few index or
table scans inside the database and only a handful of rows reach Python, however many orders,
deliveries or webhook deliveries the store holds. The pulls table has one row per source and is read
whole (`Pulls.pull_states`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from . import schema
from .base import StoreBase

__all__ = ["InboxSummary", "OpsReads", "OutboxGroup"]


@dataclasses.dataclass(frozen=True)
class InboxSummary:
    """The webhook deliveries waiting to be applied."""

    pending: int
    #: When the oldest pending delivery was received (None: nothing pending).
    oldest_pending_at: dt.datetime | None
    #: Failed applications, summed over the pending deliveries.
    failed_attempts: int


@dataclasses.dataclass(frozen=True)
class OutboxGroup:
    """The deliveries to one target in one state."""

    target: str
    state: str
    count: int
    #: When the oldest change among them was enqueued (the rows' `sequence`, nanoseconds since the
    #: epoch at enqueue time); None for an empty group.
    oldest_change_at: dt.datetime | None
    #: Failures in a row, summed over the rows (reset by a success, a retry or a newer change).
    failed_attempts: int
    #: Rows the target has acknowledged at least once (`delivered_version` set): rows are never
    #: deleted nor their delivered version cleared, so over all states this only grows.
    delivered: int


class OpsReads(StoreBase):
    """Aggregates for `statebridge status` and `/metrics`."""

    def reject_counts(self) -> dict[str, int]:
        """Rejected payloads kept in the store, by platform."""
        table = schema.rejects
        query = sa.select(table.c.platform, sa.func.count()).group_by(table.c.platform)
        with self.engine.connect() as connection:
            return {str(platform): int(count) for platform, count in connection.execute(query)}

    def inbox_summary(self) -> InboxSummary:
        table = schema.inbox
        query = sa.select(
            sa.func.count(),
            sa.func.min(table.c.received_at),
            sa.func.coalesce(sa.func.sum(table.c.attempts), 0),
        ).where(table.c.state == "pending")
        with self.engine.connect() as connection:
            count, oldest, attempts = connection.execute(query).one()
        return InboxSummary(
            int(count or 0), dt.datetime.fromisoformat(oldest) if oldest else None, int(attempts or 0)
        )

    def outbox_groups(self) -> list[OutboxGroup]:
        """One group per (target, state) that has rows, sorted by target then state."""
        table = schema.deliveries
        query = (
            sa.select(
                table.c.target,
                table.c.state,
                sa.func.count(),
                sa.func.min(table.c.sequence),
                sa.func.coalesce(sa.func.sum(table.c.attempts), 0),
                sa.func.count(table.c.delivered_version),
            )
            .group_by(table.c.target, table.c.state)
            .order_by(table.c.target, table.c.state)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            OutboxGroup(
                target=str(target),
                state=str(state),
                count=int(count),
                oldest_change_at=_from_ns(oldest),
                failed_attempts=int(attempts or 0),
                delivered=int(delivered or 0),
            )
            for target, state, count, oldest, attempts, delivered in rows
        ]


def _from_ns(value: int | None) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.fromtimestamp(int(value) / 1e9, dt.UTC)
