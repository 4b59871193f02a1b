"""Writing what a pull or a webhook delivery brings: a page of orders, its rejects, the source's
cursor and the delivery's event id, in one transaction."""

from __future__ import annotations

import datetime as dt
import typing as t

import orjson
import sqlalchemy as sa

from ..model import Order
from . import schema
from .outbox import Outbox
from .records import now_text, utc_text
from .rows import order_row

__all__ = ["PageWrites"]


class PageWrites(Outbox):
    """`save_page`, and the cursors, rejects and webhook event ids it writes."""

    @t.overload
    def save_page(
        self,
        platform: str,
        base_url: str,
        items: t.Sequence[tuple[Order, t.Any]],
        *,
        cursor: dt.datetime | None = None,
        rejects: t.Sequence[tuple[str | None, str, t.Any]] = (),
        event: None = None,
    ) -> int: ...

    @t.overload
    def save_page(
        self,
        platform: str,
        base_url: str,
        items: t.Sequence[tuple[Order, t.Any]],
        *,
        cursor: dt.datetime | None = None,
        rejects: t.Sequence[tuple[str | None, str, t.Any]] = (),
        event: tuple[str, str],
    ) -> int | None: ...

    def save_page(
        self,
        platform: str,
        base_url: str,
        items: t.Sequence[tuple[Order, t.Any]],
        *,
        cursor: dt.datetime | None = None,
        rejects: t.Sequence[tuple[str | None, str, t.Any]] = (),
        event: tuple[str, str] | None = None,
    ) -> int | None:
        """Upsert `items` (order, raw payload), keep `rejects`, and move the cursor, atomically.

        Returns how many orders were new or newer than what was stored. The cursor only moves forward.
        Each of those is enqueued, in the same transaction, for every target `routes` names (outbox).

        With `event` (source, event id), a webhook delivery: the event id is recorded in the same
        transaction, first. If it was recorded before (a redelivery), nothing at all is written and
        the answer is None. A crash at any point leaves either the event and its orders, or neither,
        so a platform's retry after a crash is stored, never mistaken for a duplicate. Two
        deliveries of one event at once: on PostgreSQL the second INSERT waits on the first's
        unique-index entry and then finds it (ON CONFLICT DO NOTHING, never an error); on SQLite
        the writers take turns. Either way exactly one of them writes.
        """
        now = now_text()
        rows = [order_row(platform, base_url, order, raw, now) for order, raw in items]
        try:
            with self.engine.begin() as connection:
                if event is not None and not self._record_event(connection, *event, now):
                    return None  # a redelivery: the conflict wrote nothing, and nothing else is written
                changes: list[tuple[str, str, int]] = []
                for row in rows:
                    changes.extend(self._upsert(connection, row))
                changed = len(changes)
                self._enqueue(connection, platform, base_url, changes, "source")
                self._mark_echoes(connection, platform, base_url, changes)
                for position, problem, raw in rejects:
                    connection.execute(
                        schema.rejects.insert().values(
                            platform=platform,
                            base_url=base_url,
                            position=position,
                            problem=problem,
                            raw=orjson.dumps(raw).decode(),
                            stored_at=now,
                        )
                    )
                if cursor is not None:
                    self._advance(connection, platform, base_url, utc_text(cursor), now)
                if changed:
                    self._bump(connection)
        except sa.exc.SQLAlchemyError as exc:
            raise self._write_failed(exc) from None
        return changed

    def _upsert(self, connection: sa.Connection, row: dict[str, t.Any]) -> list[tuple[str, str, int]]:
        """Write `row` if it is newer; the (public id, order id, version) it wrote, or nothing."""
        table = schema.orders
        statement = self._insert(table).values(**row)
        excluded = statement.excluded
        # Newer wins. Where the platform sends no updated_at (OFN, Relatude), a payload that differs
        # from the stored one is the newer news; an identical one changes nothing.
        newer = sa.or_(
            sa.and_(excluded.updated_at.is_not(None), table.c.updated_at.is_(None)),
            excluded.updated_at > table.c.updated_at,
            sa.and_(excluded.updated_at.is_(None), table.c.updated_at.is_(None), excluded.raw != table.c.raw),
        )
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.platform, table.c.base_url, table.c.order_id],
            set_={
                **{name: excluded[name] for name in row if name not in ("platform", "base_url", "order_id")},
                "version": table.c.version + 1,
            },
            where=newer,
        ).returning(table.c.public_id, table.c.order_id, table.c.version)
        return [(found.public_id, found.order_id, found.version) for found in connection.execute(statement)]

    def _mark_echoes(
        self, connection: sa.Connection, platform: str, base_url: str, changes: list[tuple[str, str, int]]
    ) -> None:
        """Mark the deliveries whose order at the target is one of `changes` (the platform changed an
        order statebridge delivered there): in the page's transaction, so a kill cannot lose the
        news; `delivery.flowback` reconciles them. One UPDATE per changed order, and none at all
        when no target writes to this platform and base URL."""
        targets = list(self.routes.writes_to(platform, base_url)) if changes else []
        if not targets:
            return
        table = schema.deliveries
        for public, order_id, version in changes:
            connection.execute(
                table.update()
                .where(table.c.target.in_(targets), table.c.remote_order_id == order_id)
                .values(echo_version=version, echo_order=public)
            )

    def _advance(
        self, connection: sa.Connection, platform: str, base_url: str, cursor: str, now: str
    ) -> None:
        table = schema.cursors
        statement = self._insert(table).values(
            platform=platform, base_url=base_url, cursor=cursor, stored_at=now
        )
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.platform, table.c.base_url],
            set_={"cursor": statement.excluded.cursor, "stored_at": statement.excluded.stored_at},
            where=statement.excluded.cursor > table.c.cursor,
        )
        connection.execute(statement)

    def _record_event(self, connection: sa.Connection, source: str, event_id: str, now: str) -> bool:
        """Record a webhook event id in `connection`'s transaction; False when it was seen before."""
        table = schema.webhook_events
        statement = self._insert(table).values(source=source, event_id=event_id, received_at=now)
        inserted = connection.execute(statement.on_conflict_do_nothing().returning(table.c.event_id)).all()
        return bool(inserted)

    def cursor(self, platform: str, base_url: str) -> dt.datetime | None:
        table = schema.cursors
        with self.engine.connect() as connection:
            value = connection.execute(
                sa.select(table.c.cursor).where(table.c.platform == platform, table.c.base_url == base_url)
            ).scalar()
        return dt.datetime.fromisoformat(value) if value else None

    def rejected(self) -> list[dict[str, t.Any]]:
        table = schema.rejects
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(sa.select(table).order_by(table.c.id))]
