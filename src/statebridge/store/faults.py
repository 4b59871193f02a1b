"""Which database errors mean "the store cannot be reached or written now", and how they are raised.

A store that is down, unreachable, read-only, full or locked is not a bug in statebridge nor in the
request: trying again later can succeed. `install(engine, url)` hooks the engine's `handle_error`
event so that every such error, raised anywhere (opening, migrating, reading, writing, committing),
surfaces as one `StoreUnavailable` naming the store (password hidden) and the driver's reason.
Every other database error (a constraint, SQL the database rejects) is left as SQLAlchemy raised it.

Unavailable means: the connection failed or was lost (the server restarted, a proxy went away), any
DBAPI `OperationalError` (PostgreSQL: no connection, disk full, too many connections, shut down,
lock or statement time-outs; SQLite: "database or disk is full", "attempt to write a readonly
database", "database is locked", "unable to open database file", I/O errors), a PostgreSQL
read-only transaction (`25006`, a replica or `default_transaction_read_only`), and SQLAlchemy's
own pool time-out. A dead pooled connection found by the engine's `pool_pre_ping` is not an error:
the pool replaces it before use, so a PostgreSQL restart costs no request.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..errors import StoreUnavailable

__all__ = ["install", "is_unavailable", "reason", "redact", "unavailable"]

#: PostgreSQL SQLSTATEs that mean "not now", beyond the DBAPI's OperationalError class.
_POSTGRES_UNAVAILABLE = frozenset({"25006"})  # read_only_sql_transaction


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the store cannot be reached or written now (so: retry later)."""
    if isinstance(exc, StoreUnavailable | sa.exc.TimeoutError | sa.exc.DisconnectionError):
        return True
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc, sa.exc.OperationalError):
        return True
    return getattr(exc.orig, "sqlstate", None) in _POSTGRES_UNAVAILABLE


def redact(url: str) -> str:
    """A store URL without its password."""
    head, sep, tail = url.partition("://")
    if "@" in tail:
        credentials, _, host = tail.rpartition("@")
        user = credentials.split(":", 1)[0]
        return f"{head}{sep}{user}:***@{host}"
    return url


def reason(exc: BaseException) -> str:
    """The driver's own first line for a database error (no SQL, no parameters)."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def unavailable(url: str, exc: BaseException) -> StoreUnavailable:
    """The `StoreUnavailable` for `exc` on the store at `url`."""
    return StoreUnavailable(f"the store {redact(url)} is unavailable: {reason(exc)}")


def install(engine: sa.Engine, url: str) -> None:
    """Make `engine` raise `StoreUnavailable` for every error that means the store is unavailable."""

    def translate(context: sa.engine.ExceptionContext) -> None:
        if context.is_pre_ping:
            return  # the pool replaces the dead connection itself
        if not isinstance(context.original_exception, Exception):
            # Ctrl-C (or SystemExit) while a statement runs: SQLAlchemy counts it as a disconnect,
            # but it is the user stopping the program, which must stay an interruption (exit 130).
            return
        error: BaseException = context.sqlalchemy_exception or context.original_exception
        if context.is_disconnect or is_unavailable(error):
            raise unavailable(url, error)

    sa.event.listen(engine, "handle_error", translate)
