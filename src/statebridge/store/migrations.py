"""Schema migrations: numbered steps, applied in order, each in its own locked transaction.

The version lives in `statebridge_schema`. Opening a store runs the steps it has not had, so an
old store file is brought up to date and a new one is created; a store newer than this statebridge
is refused rather than written to. A store already at `LATEST` is recognised by one read, without
taking any lock.

**One migrator at a time.** Several processes may open the same new store at once (`serve` and
`pull` started together, parallel `export`s). Every step, the creation of the version table
included, runs in its own transaction that first takes the store's migration lock, then reads the
version again under it, runs the step only if the version is still below the step's number, and
raises the version in the same transaction with an UPDATE that cannot lower it
(`… SET version = N WHERE version < N`). A step therefore runs once, in order, whichever process
gets there first; the others wait for the lock, see the new version and skip it.

- PostgreSQL: `pg_advisory_xact_lock` on a fixed key, a transaction-level advisory lock (per
  database), released by the commit or rollback, or by the server if the opener dies: it can
  never be left held. PostgreSQL DDL is transactional, so a step and its version commit together.
- SQLite: the transaction is opened with `BEGIN IMMEDIATE`, emitted here on the migration
  connection only, which takes the database's write lock at once (other openers wait up to the
  store's `busy_timeout`). pysqlite by default begins a transaction only before
  INSERT/UPDATE/DELETE, which would leave a step's CREATE TABLE outside any transaction and the
  version read unlocked. SQLite's own lock was chosen over a lock file beside the database: it
  covers every process that opens the file, needs no second file or platform-specific `fcntl`,
  and it makes the step's DDL part of the transaction, so a step killed half-way leaves nothing.

**Writing a step.** Append `(N, "what it adds", function)` to `MIGRATIONS`, N one more than the
last. The function receives the connection inside the locked transaction, and:

- does not commit, begin or roll back, nor open another connection (its work must commit with
  the version, under the lock);
- is idempotent, so that it also repairs a store an older statebridge left half-migrated: create
  tables with `table.create(connection, checkfirst=True)` and indexes with `CREATE … IF NOT
  EXISTS`, add a column only when `sa.inspect(connection)` does not list it, insert a seed row
  only when it is absent, and rewrite data so that running it twice leaves what once does;
- defines the tables it creates as they are at its version (a frozen `sa.Table`, as step 1
  does), or uses `schema` only for tables no later step changes;
- works on both SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
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
    ).create(connection, checkfirst=True)
    schema.cursors.create(connection, checkfirst=True)


def _v2_rejects_and_webhook_events(connection: sa.Connection) -> None:
    schema.rejects.create(connection, checkfirst=True)
    schema.webhook_events.create(connection, checkfirst=True)


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
    table = schema.generation
    table.create(connection, checkfirst=True)
    if connection.execute(sa.select(table.c.id).where(table.c.id == 1)).first() is None:
        connection.execute(table.insert().values(id=1, generation=0))


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


def _v7_deliveries(connection: sa.Connection) -> None:
    """The outbox: one delivery per (target, order), with what the target knows of the order.

    Idempotent: the table and its indexes are created only if absent."""
    schema.deliveries.create(connection, checkfirst=True)
    for index in schema.deliveries.indexes:
        index.create(connection, checkfirst=True)


def _v8_platform_tokens(connection: sa.Connection) -> None:
    """The platforms' access and (rotated) refresh tokens, one row per (platform, shop, client id).

    Self-contained and idempotent (the table is created only if absent), so that it can be
    renumbered when the steps of parallel branches are merged.
    """
    schema.platform_tokens.create(connection, checkfirst=True)


def _v9_inbox(connection: sa.Connection) -> None:
    """The inbox: webhook deliveries recorded as received, applied by a worker (or at once).

    Self-contained and idempotent, like every step since 7."""
    schema.inbox.create(connection, checkfirst=True)
    for index in schema.inbox.indexes:
        index.create(connection, checkfirst=True)


def _v10_pulls(connection: sa.Connection) -> None:
    """The scheduler's state of each source's pulls: when due, the ticket queued, the last outcome."""
    schema.pulls.create(connection, checkfirst=True)


MIGRATIONS: list[tuple[int, str, Step]] = [
    (1, "orders and cursors", _v1_orders_and_cursors),
    (2, "rejected orders and webhook events", _v2_rejects_and_webhook_events),
    (3, "public order ids", _v3_public_ids),
    (4, "store generation", _v4_generation),
    (5, "clients, order owners and buyers, order versions", _v5_clients_and_ownership),
    (6, "idempotency keys of POSTed orders", _v6_idempotency_keys),
    (7, "the outbox of deliveries to targets", _v7_deliveries),
    (8, "platform access and refresh tokens", _v8_platform_tokens),
    (9, "the inbox of webhook deliveries", _v9_inbox),
    (10, "the scheduler's pull state", _v10_pulls),
]
LATEST = MIGRATIONS[-1][0]


#: The PostgreSQL advisory lock key that serialises migrations ("Statebri" in ASCII).
MIGRATION_LOCK_KEY = 0x5374617465627269


def current_version(connection: sa.Connection) -> int:
    """The store's schema version (0 for a database without statebridge's tables)."""
    if not sa.inspect(connection).has_table(schema.schema_version.name):
        return 0
    value = connection.execute(sa.select(sa.func.max(schema.schema_version.c.version))).scalar()
    return int(value or 0)


@contextlib.contextmanager
def _locked(engine: sa.Engine) -> t.Iterator[sa.Connection]:
    """A connection in a transaction that holds the store's migration lock until it ends."""
    with engine.connect() as connection, connection.begin():
        if connection.dialect.name == "sqlite":
            # pysqlite emits no BEGIN for `begin()`; ours takes the write lock now, and its commit
            # or rollback goes through the driver as usual.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        yield connection


def _version_table(connection: sa.Connection) -> None:
    schema.schema_version.create(connection, checkfirst=True)
    if connection.execute(sa.select(schema.schema_version.c.version)).first() is None:
        connection.execute(schema.schema_version.insert().values(version=0))


def _refuse_newer(version: int) -> None:
    if version > LATEST:
        msg = (
            f"the store is at schema version {version}, newer than this statebridge knows ({LATEST}); "
            "upgrade statebridge"
        )
        raise StoreError(msg)


def migrate(engine: sa.Engine) -> int:
    """Bring the store to `LATEST`, one locked step at a time; returns the version it was at."""
    with engine.connect() as connection:
        before = current_version(connection)
    _refuse_newer(before)
    if before == LATEST:
        return before
    with _locked(engine) as connection:
        _version_table(connection)
    table = schema.schema_version
    for version, _, step in MIGRATIONS:
        with _locked(engine) as connection:
            now = current_version(connection)
            _refuse_newer(now)
            if now >= version:
                continue
            step(connection)
            connection.execute(table.update().where(table.c.version < version).values(version=version))
    return before
