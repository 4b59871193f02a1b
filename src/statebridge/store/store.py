"""The order store: canonical orders with their raw payloads, and one cursor per source.

An embedded SQLite file by default (`sqlite:///statebridge.db`, or `$STATEBRIDGE_STORE`); a
`postgresql://…` URL selects PostgreSQL. Orders are keyed on (platform, base URL, order id) and an
incoming order replaces the stored one only when its `updated_at` is newer (for platforms that send
none, only when its payload differs), so replaying a page, or receiving a webhook twice, changes
nothing. `save_page` writes a page of orders and the cursor in
one transaction: a pull killed at any moment leaves a consistent store to resume from. A webhook
delivery's event id is recorded in that same transaction (`save_page(..., event=…)`), so a
delivery is either wholly stored or not at all, and a redelivery is a duplicate only of a
delivery that was stored. `create_once` writes an order POSTed with an `Idempotency-Key` in one
transaction with the key, so that a key never exists without its order nor an order without its
key, and a key sent again (by a retry, or by ten requests at once) names the order its first
request created.

Any method raises `StoreUnavailable` when the store cannot be reached or written now (down,
connection lost, read-only, full; see `faults`), whatever it was doing; pooled connections are
checked before use, so a database restart between two calls goes unnoticed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import pathlib
import sqlite3
import time
import typing as t

import orjson
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.dialects import postgresql, sqlite

from ..errors import StoreError, UsageError, VersionConflict
from ..model import Order
from . import faults, schema
from .faults import reason as _reason, redact as _redact
from .migrations import migrate, public_id

__all__ = [
    "DEFAULT_STORE",
    "KEY_LIFETIME",
    "STORE_ENV",
    "IdempotencyClaim",
    "KeyedWrite",
    "Seen",
    "Store",
    "StoredOrder",
    "buyer_iri",
    "utc_text",
]

log = logging.getLogger("statebridge.store")

STORE_ENV = "STATEBRIDGE_STORE"
DEFAULT_STORE = "sqlite:///statebridge.db"
KEY_LIFETIME = dt.timedelta(hours=24)  # how long an Idempotency-Key names the order it created


def utc_text(value: dt.datetime) -> str:
    """Fixed-width UTC ISO 8601, so that text order is time order."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _now() -> str:
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


def _engine_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    if url.startswith(("sqlite://", "postgresql+")):
        return url
    msg = f"store URL must start with sqlite:/// or postgresql://, not {url.split(':', 1)[0]!r}"
    raise UsageError(msg)


def _refuse_missing_sqlite(url: str) -> None:
    location = sa.engine.make_url(_engine_url(url))
    database = location.database
    if location.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return
    if database.startswith("file:") or pathlib.Path(database).exists():
        return
    msg = (
        f"no store at {database} ({_redact(url)}): give the --store (or ${STORE_ENV}) that `pull`, "
        "`sync` or `serve` filled, e.g. sqlite:///statebridge.db"
    )
    raise UsageError(msg)


class Store:
    """Orders, cursors, rejected payloads and webhook event ids, in one database."""

    def __init__(self, url: str, *, must_exist: bool = False) -> None:
        """Open (and migrate) the store at `url`; with `must_exist`, a SQLite file that is not
        there is a `UsageError` ("no store at PATH") instead of a new, empty store.

        The caller resolves the URL: the command line takes `--store`, else `$STATEBRIDGE_STORE`
        (`STORE_ENV`), else `DEFAULT_STORE`."""
        self.url = url
        if must_exist:
            _refuse_missing_sqlite(self.url)
        try:
            # pool_pre_ping: a pooled connection the server dropped (a restart) is replaced, unseen.
            self.engine = sa.create_engine(_engine_url(self.url), pool_pre_ping=True)
            faults.install(self.engine, self.url)
            if self.engine.dialect.name == "sqlite":
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            migrate(self.engine)
        except sa.exc.SQLAlchemyError as exc:
            msg = f"cannot open the store {_redact(self.url)}: {_reason(exc)}"
            raise StoreError(msg) from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> t.Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _insert(self) -> t.Callable[[sa.Table], t.Any]:
        return postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert

    # -- writing -----------------------------------------------------------------------------------

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

        With `event` (source, event id), a webhook delivery: the event id is recorded in the same
        transaction, first. If it was recorded before (a redelivery), nothing at all is written and
        the answer is None. A crash at any point leaves either the event and its orders, or neither,
        so a platform's retry after a crash is stored, never mistaken for a duplicate. Two
        deliveries of one event at once: on PostgreSQL the second INSERT waits on the first's
        unique-index entry and then finds it (ON CONFLICT DO NOTHING, never an error); on SQLite
        the writers take turns. Either way exactly one of them writes.
        """
        now = _now()
        rows = [self._row(platform, base_url, order, raw, now) for order, raw in items]
        try:
            with self.engine.begin() as connection:
                if event is not None and not self._record_event(connection, *event, now):
                    return None  # a redelivery: the conflict wrote nothing, and nothing else is written
                changed = 0
                for row in rows:
                    changed += self._upsert(connection, row)
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
            msg = f"cannot write to the store {_redact(self.url)}: {_reason(exc)}"
            raise StoreError(msg) from None
        return changed

    @staticmethod
    def _row(platform: str, base_url: str, order: Order, raw: t.Any, now: str) -> dict[str, t.Any]:
        states = order.states
        return {
            "platform": platform,
            "base_url": base_url,
            "order_id": order.id,
            "number": order.number,
            "updated_at": utc_text(order.updated_at) if order.updated_at else None,
            "order_status": states.order.value if states.order else None,
            "payment_status": states.payment.value if states.payment else None,
            "fulfilment_status": states.fulfilment.value if states.fulfilment else None,
            "canonical": order.model_dump_json(),
            "raw": orjson.dumps(raw).decode(),
            "stored_at": now,
            "public_id": public_id(platform, base_url, order.id),
            "buyer": buyer_iri(order),
        }

    def _upsert(self, connection: sa.Connection, row: dict[str, t.Any]) -> int:
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
        ).returning(table.c.order_id)
        return len(connection.execute(statement).all())

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

    # -- reading -----------------------------------------------------------------------------------

    def cursor(self, platform: str, base_url: str) -> dt.datetime | None:
        table = schema.cursors
        with self.engine.connect() as connection:
            value = connection.execute(
                sa.select(table.c.cursor).where(table.c.platform == platform, table.c.base_url == base_url)
            ).scalar()
        return dt.datetime.fromisoformat(value) if value else None

    def count(self, platform: str | None = None) -> int:
        table = schema.orders
        query = sa.select(sa.func.count()).select_from(table)
        if platform is not None:
            query = query.where(table.c.platform == platform)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    def orders(self, *, platform: str | None = None, batch: int = 500) -> t.Iterator[StoredOrder]:
        """Every stored order, in key order, read in batches so memory stays flat."""
        table = schema.orders
        last: tuple[str, str, str] | None = None
        while True:
            query = sa.select(
                table.c.platform, table.c.base_url, table.c.order_id, table.c.canonical, table.c.raw
            )
            if platform is not None:
                query = query.where(table.c.platform == platform)
            if last is not None:
                query = query.where(sa.tuple_(table.c.platform, table.c.base_url, table.c.order_id) > last)
            query = query.order_by(table.c.platform, table.c.base_url, table.c.order_id).limit(batch)
            with self.engine.connect() as connection:
                rows = connection.execute(query).all()
            if not rows:
                return
            for row in rows:
                order = _readable(row.platform, row.base_url, row.order_id, row.canonical)
                if order is not None:
                    yield StoredOrder(row.platform, row.base_url, order, orjson.loads(row.raw))
            last = (rows[-1].platform, rows[-1].base_url, rows[-1].order_id)

    def orders_by_id(
        self, platform: str, base_url: str, order_ids: t.Sequence[str], *, batch: int = 500
    ) -> t.Iterator[StoredOrder]:
        """The stored orders among `order_ids` of one source, in the order of `order_ids`."""
        table = schema.orders
        for start in range(0, len(order_ids), batch):
            chunk = list(dict.fromkeys(order_ids[start : start + batch]))
            query = sa.select(table.c.order_id, table.c.canonical, table.c.raw).where(
                table.c.platform == platform, table.c.base_url == base_url, table.c.order_id.in_(chunk)
            )
            with self.engine.connect() as connection:
                found = {row.order_id: row for row in connection.execute(query)}
            for order_id in chunk:
                row = found.get(order_id)
                order = None if row is None else _readable(platform, base_url, order_id, row.canonical)
                if row is not None and order is not None:
                    yield StoredOrder(platform, base_url, order, orjson.loads(row.raw))

    def by_public_id(self, public: str) -> StoredOrder | None:
        """The order served under `public`, or None."""
        table = schema.orders
        query = sa.select(table).where(table.c.public_id == public)
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else _stored(row)

    def page(
        self,
        *,
        after: str | None = None,
        limit: int = 100,
        sources: t.Sequence[tuple[str, str]] | None = None,
        seen: Seen | None = None,
    ) -> list[StoredOrder]:
        """Up to `limit` orders in public-id order after `after` (keyset paging), optionally only
        those from `sources` (platform, base URL) pairs and only those `seen` by one client.

        A stored order that can no longer be read is left out (see `_readable`) and the page is
        filled from the rows after it, so that paging goes on around it.
        """
        table = schema.orders
        found: list[StoredOrder] = []
        while len(found) < limit:
            wanted = limit - len(found)
            query = sa.select(table).order_by(table.c.public_id).limit(wanted)
            if after is not None:
                query = query.where(table.c.public_id > after)
            if sources is not None:
                query = query.where(
                    sa.or_(*(sa.and_(table.c.platform == p, table.c.base_url == b) for p, b in sources))
                )
            if seen is not None:
                query = query.where(seen.clause())
            with self.engine.connect() as connection:
                rows = connection.execute(query).all()
            found.extend(stored for stored in map(_stored, rows) if stored is not None)
            if len(rows) < wanted:
                break
            after = rows[-1].public_id
        return found

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
        row = self._row(platform, base_url, order, raw, _now())
        if owner is not None:
            row["owner"] = owner
        try:
            with self.engine.begin() as connection:
                written = self._overwrite(connection, row, expected_version)
                if written is None:
                    msg = (
                        f"order {order.label} changed since version {expected_version}; "
                        "read it again and retry"
                    )
                    raise VersionConflict(msg)
                self._bump(connection)
        except sa.exc.SQLAlchemyError as exc:
            msg = f"cannot write to the store {_redact(self.url)}: {_reason(exc)}"
            raise StoreError(msg) from None
        return _written(platform, base_url, order, raw, row, written)

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
        row = self._row(platform, base_url, order, raw, created_at)
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
                written = self._overwrite(connection, row)
                self._bump(connection)
                connection.execute(keys.delete().where(keys.c.created_at <= expired))
        except sa.exc.SQLAlchemyError as exc:
            msg = f"cannot write to the store {_redact(self.url)}: {_reason(exc)}"
            raise StoreError(msg) from None
        stored = _written(platform, base_url, order, raw, row, written)
        return KeyedWrite(True, row["public_id"], True, stored)

    @staticmethod
    def _bump(connection: sa.Connection) -> None:
        table = schema.generation
        connection.execute(table.update().where(table.c.id == 1).values(generation=table.c.generation + 1))

    def generation(self) -> int:
        """A number that changes whenever orders are written, by this process or any other."""
        table = schema.generation
        with self.engine.connect() as connection:
            return int(connection.execute(sa.select(table.c.generation).where(table.c.id == 1)).scalar() or 0)

    def ping(self) -> None:
        """Run a trivial query; raises `StoreUnavailable` when the store does not answer."""
        with self.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    def rejected(self) -> list[dict[str, t.Any]]:
        table = schema.rejects
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(sa.select(table).order_by(table.c.id))]


def _written(
    platform: str,
    base_url: str,
    order: Order,
    raw: t.Any,
    row: dict[str, t.Any],
    written: sa.Row[t.Any] | None,
) -> StoredOrder:
    """The order just written, with the version and owner the store gave it."""
    return StoredOrder(
        platform,
        base_url,
        order,
        raw,
        row["public_id"],
        version=int(written.version) if written is not None else 1,
        owner=written.owner if written is not None else row.get("owner"),
        buyer=row["buyer"],
    )


def _stored(row: sa.Row[t.Any]) -> StoredOrder | None:
    order = _readable(row.platform, row.base_url, row.order_id, row.canonical)
    if order is None:
        return None
    return StoredOrder(
        row.platform,
        row.base_url,
        order,
        orjson.loads(row.raw),
        row.public_id,
        version=int(row.version),
        owner=row.owner,
        buyer=row.buyer,
    )


def _readable(platform: str, base_url: str, order_id: str, canonical: str) -> Order | None:
    """The stored order, or None, with a warning naming it, when it no longer validates.

    An order stored by an older statebridge can hold what the model now refuses (an amount of
    `1E+999999999`, from before amounts were bounded). Serving it would fail on every request
    that reaches it, so it is left out of every read instead; the row stays as it was, for an
    operator to fix or for a newer version from the platform to replace.
    """
    try:
        return Order.model_validate_json(canonical)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        log.warning(
            "stored %s order %s from %s is left out: it cannot be read (field %s: %s)",
            platform,
            order_id,
            base_url,
            where,
            first["msg"],
        )
        return None


_SQLITE_BUSY_SECONDS = 10


def _sqlite_pragmas(dbapi_connection: t.Any, _record: t.Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_SECONDS * 1000}")
    _write_ahead_log(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _write_ahead_log(cursor: t.Any) -> None:
    """Put the file in WAL mode (it stays so). While another process switches the same new file,
    SQLite answers "database is locked" at once, without waiting `busy_timeout`: wait here instead."""
    deadline = time.monotonic() + _SQLITE_BUSY_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
