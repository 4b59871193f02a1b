"""Schema migrations: numbered steps, applied in order, each in its own transaction.

The version lives in `statebridge_schema`. Opening a store runs the steps it has not had, so an
old store file is brought up to date and a new one is created; a store newer than this statebridge
is refused rather than written to.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from ..errors import StoreError
from . import schema

__all__ = ["LATEST", "MIGRATIONS", "current_version", "migrate"]

Step = t.Callable[[sa.Connection], None]


def _v1_orders_and_cursors(connection: sa.Connection) -> None:
    schema.orders.create(connection)
    schema.cursors.create(connection)


def _v2_rejects_and_webhook_events(connection: sa.Connection) -> None:
    schema.rejects.create(connection)
    schema.webhook_events.create(connection)


MIGRATIONS: list[tuple[int, str, Step]] = [
    (1, "orders and cursors", _v1_orders_and_cursors),
    (2, "rejected orders and webhook events", _v2_rejects_and_webhook_events),
]
LATEST = MIGRATIONS[-1][0]


def current_version(connection: sa.Connection) -> int:
    if not sa.inspect(connection).has_table(schema.schema_version.name):
        return 0
    value = connection.execute(sa.select(schema.schema_version.c.version)).scalar()
    return int(value or 0)


def migrate(engine: sa.Engine) -> int:
    """Bring the store to `LATEST`; returns the version it was at."""
    with engine.begin() as connection:
        if not sa.inspect(connection).has_table(schema.schema_version.name):
            schema.schema_version.create(connection)
            connection.execute(schema.schema_version.insert().values(version=0))
        before = current_version(connection)
    if before > LATEST:
        msg = (
            f"the store is at schema version {before}, newer than this statebridge knows ({LATEST}); "
            "upgrade statebridge"
        )
        raise StoreError(msg)
    for version, _, step in MIGRATIONS:
        if version <= before:
            continue
        with engine.begin() as connection:
            step(connection)
            connection.execute(schema.schema_version.update().values(version=version))
    return before
