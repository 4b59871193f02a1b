"""Schema migrations: numbered steps, applied in order, each in its own transaction.

The version lives in `statebridge_schema`. Opening a store runs the steps it has not had, so an
old store file is brought up to date and a new one is created; a store newer than this statebridge
is refused rather than written to.
"""

from __future__ import annotations

import hashlib
import typing as t

import sqlalchemy as sa

from ..errors import StoreError
from . import schema

__all__ = ["LATEST", "MIGRATIONS", "current_version", "migrate", "public_id"]

Step = t.Callable[[sa.Connection], None]


def _v1_orders_and_cursors(connection: sa.Connection) -> None:
    # The orders table as the first release made it, frozen here: later columns come from later steps.
    sa.Table(
        "orders",
        sa.MetaData(),
        sa.Column("platform", sa.String(40), primary_key=True),
        sa.Column("base_url", sa.String(500), primary_key=True),
        sa.Column("order_id", sa.String(500), primary_key=True),
        sa.Column("number", sa.String(200)),
        sa.Column("updated_at", sa.String(40)),
        sa.Column("order_status", sa.String(20)),
        sa.Column("payment_status", sa.String(20)),
        sa.Column("fulfilment_status", sa.String(20)),
        sa.Column("canonical", sa.Text, nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("stored_at", sa.String(40), nullable=False),
    ).create(connection)
    schema.cursors.create(connection)


def _v2_rejects_and_webhook_events(connection: sa.Connection) -> None:
    schema.rejects.create(connection)
    schema.webhook_events.create(connection)


def _v3_public_ids(connection: sa.Connection) -> None:
    """Give every order the id it is served under (`GET /api/dfc/Orders/{id}`), indexed."""
    if "public_id" not in {c["name"] for c in sa.inspect(connection).get_columns("orders")}:
        connection.execute(sa.text("ALTER TABLE orders ADD COLUMN public_id VARCHAR(40)"))
    rows = connection.execute(sa.text("SELECT platform, base_url, order_id FROM orders")).all()
    for row in rows:
        connection.execute(
            sa.text(
                "UPDATE orders SET public_id = :p WHERE platform = :a AND base_url = :b AND order_id = :c"
            ),
            {
                "p": public_id(row.platform, row.base_url, row.order_id),
                "a": row.platform,
                "b": row.base_url,
                "c": row.order_id,
            },
        )
    connection.execute(sa.text("CREATE UNIQUE INDEX IF NOT EXISTS orders_public_id ON orders (public_id)"))


def public_id(platform: str, base_url: str, order_id: str) -> str:
    """A short, stable, URL-safe id for an order key: the same key always gets the same id."""
    digest = hashlib.sha256(f"{platform}\n{base_url}\n{order_id}".encode()).hexdigest()
    return digest[:24]


def _v4_generation(connection: sa.Connection) -> None:
    """A counter every write of orders bumps, so that readers can cache what they render."""
    schema.generation.create(connection)
    connection.execute(schema.generation.insert().values(id=1, generation=0))


def _v5_clients_and_ownership(connection: sa.Connection) -> None:
    """Client principals, and who owns and who ordered each order; a version per order for If-Match.

    Idempotent: a column or table already there is left as it is.
    """
    columns = {c["name"] for c in sa.inspect(connection).get_columns("orders")}
    added = {
        "version": "INTEGER NOT NULL DEFAULT 1",
        "owner": "VARCHAR(100)",
        "buyer": "VARCHAR(500)",
    }
    for name, kind in added.items():
        if name not in columns:
            connection.execute(sa.text(f"ALTER TABLE orders ADD COLUMN {name} {kind}"))
    connection.execute(sa.text("CREATE INDEX IF NOT EXISTS orders_owner ON orders (owner)"))
    connection.execute(sa.text("CREATE INDEX IF NOT EXISTS orders_buyer ON orders (buyer)"))
    schema.clients.create(connection, checkfirst=True)


def _v6_idempotency_keys(connection: sa.Connection) -> None:
    """The `Idempotency-Key`s of POSTed orders, each with the order it created (`POST /api/dfc/Orders`).

    Idempotent, like every later step should be: the table and its index are created only if absent,
    so running the step again (a renumbered step, a store migrated by another branch) changes nothing.
    """
    schema.idempotency_keys.create(connection, checkfirst=True)
    for index in schema.idempotency_keys.indexes:
        index.create(connection, checkfirst=True)


MIGRATIONS: list[tuple[int, str, Step]] = [
    (1, "orders and cursors", _v1_orders_and_cursors),
    (2, "rejected orders and webhook events", _v2_rejects_and_webhook_events),
    (3, "public order ids", _v3_public_ids),
    (4, "store generation", _v4_generation),
    (5, "clients, order owners and buyers, order versions", _v5_clients_and_ownership),
    (6, "idempotency keys of POSTed orders", _v6_idempotency_keys),
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
