"""Writing one order through the API: `replace` (PUT, POST; optionally only at a version) and
`create_once` (a POST with an `Idempotency-Key`, written in one transaction with the key)."""

from __future__ import annotations

import datetime as dt
import typing as t

import sqlalchemy as sa

from ..errors import VersionConflict
from ..model import Order
from . import schema
from .outbox import Outbox
from .records import IdempotencyClaim, KeyedWrite, StoredOrder, now_text, utc_text
from .rows import order_row, written

__all__ = ["KEY_LIFETIME", "KeyedWrites"]

KEY_LIFETIME = dt.timedelta(hours=24)  # how long an Idempotency-Key names the order it created


class KeyedWrites(Outbox):
    """`replace` and `create_once`."""

    def replace(
        self,
        platform: str,
        base_url: str,
        order: Order,
        raw: t.Any,
        *,
        owner: str | None = None,
        expected_version: int | None = None,
    ) -> StoredOrder:
        """Write `order` whatever is stored (a PUT or POST through the API); the stored order.

        `owner` names the client that created it (kept when None); with `expected_version` the
        write happens only while the stored order is at that version, else `VersionConflict`: the
        check and the write are one statement, so of two writers based on one version one wins.
        """
        row = order_row(platform, base_url, order, raw, now_text())
        if owner is not None:
            row["owner"] = owner
        try:
            with self.engine.begin() as connection:
                result = self._overwrite(connection, row, expected_version)
                if result is None:
                    msg = (
                        f"order {order.label} changed since version {expected_version}; "
                        "read it again and retry"
                    )
                    raise VersionConflict(msg)
                self._enqueue(
                    connection, platform, base_url, [(row["public_id"], order.id, result.version)], "endpoint"
                )
                self._bump(connection)
        except sa.exc.SQLAlchemyError as exc:
            raise self._write_failed(exc) from None
        return written(platform, base_url, order, raw, row, result)

    def _overwrite(
        self, connection: sa.Connection, row: dict[str, t.Any], expected_version: int | None = None
    ) -> sa.Row[t.Any] | None:
        """Upsert `row`, bumping the order's version (the owner, once set, stays); None when
        `expected_version` is given and the stored order is at another."""
        table = schema.orders
        statement = self._insert(table).values(**row)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.platform, table.c.base_url, table.c.order_id],
            set_={
                **{
                    name: statement.excluded[name]
                    for name in row
                    if name not in ("platform", "base_url", "order_id", "owner")
                },
                "version": table.c.version + 1,
            },
            where=None if expected_version is None else table.c.version == expected_version,
        ).returning(table.c.version, table.c.owner)
        return connection.execute(statement).first()

    def create_once(
        self,
        platform: str,
        base_url: str,
        order: Order,
        raw: t.Any,
        claim: IdempotencyClaim,
        *,
        owner: str | None = None,
        now: dt.datetime | None = None,
    ) -> KeyedWrite:
        """Write `order` under `claim`'s key, unless an earlier request holds the key: then write
        nothing and say which order it created, and whether that request had the same fingerprint.

        The key and the order are written in one transaction. Concurrent requests with one key
        serialise on the key's row (PostgreSQL waits for the first transaction to end; SQLite has
        one writer at a time), so exactly one of them creates the order. A key older than
        `KEY_LIFETIME` is free again, and expired keys are deleted as new ones come in.
        """
        moment = now or dt.datetime.now(dt.UTC)
        created_at = utc_text(moment)
        expired = utc_text(moment - KEY_LIFETIME)
        row = order_row(platform, base_url, order, raw, created_at)
        if owner is not None:
            row["owner"] = owner
        keys = schema.idempotency_keys
        statement = self._insert(keys).values(
            scope=claim.scope,
            key=claim.key,
            fingerprint=claim.fingerprint,
            public_id=row["public_id"],
            created_at=created_at,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[keys.c.scope, keys.c.key],
            set_={name: statement.excluded[name] for name in ("fingerprint", "public_id", "created_at")},
            where=keys.c.created_at <= expired,
        ).returning(keys.c.key)
        try:
            with self.engine.begin() as connection:
                if connection.execute(statement).first() is None:
                    held = connection.execute(
                        sa.select(keys.c.public_id, keys.c.fingerprint).where(
                            keys.c.scope == claim.scope, keys.c.key == claim.key
                        )
                    ).one()
                    return KeyedWrite(False, held.public_id, held.fingerprint == claim.fingerprint)
                result = self._overwrite(connection, row)
                if result is not None:
                    self._enqueue(
                        connection,
                        platform,
                        base_url,
                        [(row["public_id"], order.id, result.version)],
                        "endpoint",
                    )
                self._bump(connection)
                connection.execute(keys.delete().where(keys.c.created_at <= expired))
        except sa.exc.SQLAlchemyError as exc:
            raise self._write_failed(exc) from None
        stored = written(platform, base_url, order, raw, row, result)
        return KeyedWrite(True, row["public_id"], True, stored)
