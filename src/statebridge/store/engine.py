"""Opening the store's database: the URL (SQLite by default, PostgreSQL by URL), the SQLite
settings every connection gets, the fault mapping, and the migrations."""

from __future__ import annotations

import pathlib
import sqlite3
import time
import typing as t

import sqlalchemy as sa

from ..errors import StoreError, UsageError
from . import faults
from .faults import reason as _reason, redact as _redact
from .migrations import migrate

__all__ = ["DEFAULT_STORE", "STORE_ENV", "engine_url", "open_engine", "refuse_missing_sqlite"]

STORE_ENV = "STATEBRIDGE_STORE"
DEFAULT_STORE = "sqlite:///statebridge.db"


def engine_url(url: str) -> str:
    """The SQLAlchemy URL of a store URL (`postgresql://` selects psycopg); `UsageError` otherwise."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    if url.startswith(("sqlite://", "postgresql+")):
        return url
    msg = f"store URL must start with sqlite:/// or postgresql://, not {url.split(':', 1)[0]!r}"
    raise UsageError(msg)


def refuse_missing_sqlite(url: str) -> None:
    """`UsageError` ("no store at PATH") when `url` names a SQLite file that is not there."""
    location = sa.engine.make_url(engine_url(url))
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


def open_engine(url: str) -> sa.Engine:
    """The engine of the store at `url`, migrated; `StoreError` when it cannot be opened."""
    try:
        # pool_pre_ping: a pooled connection the server dropped (a restart) is replaced, unseen.
        engine = sa.create_engine(engine_url(url), pool_pre_ping=True, **_pool(url))
        faults.install(engine, url)
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        migrate(engine)
    except sa.exc.SQLAlchemyError as exc:
        msg = f"cannot open the store {_redact(url)}: {_reason(exc)}"
        raise StoreError(msg) from None
    return engine


#: PostgreSQL connections a store keeps open: as many as the threads Starlette's `run_in_threadpool`
#: runs store calls in at once (anyio's default limiter, 40 tokens), so that a busy endpoint neither
#: queues on the pool nor opens a connection per request. SQLAlchemy's default (5, and 10 more
#: closed again on their return) made 32 clients reconnect to PostgreSQL on most requests
#: (docs/performance.md, "The endpoint under a mixed load"). Connections are opened on demand: an
#: idle process holds only those it needed at once.
POSTGRES_POOL_SIZE = 40
POSTGRES_POOL_OVERFLOW = 10


def _pool(url: str) -> dict[str, int]:
    if sa.engine.make_url(engine_url(url)).get_backend_name() != "postgresql":
        return {}
    return {"pool_size": POSTGRES_POOL_SIZE, "max_overflow": POSTGRES_POOL_OVERFLOW}


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
