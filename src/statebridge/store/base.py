"""What every part of the `Store` shares: the open engine, the dialect's INSERT, the generation
counter bumped by every write of orders, and the error a failed write raises."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..errors import StoreError
from . import schema
from .engine import open_engine, refuse_missing_sqlite
from .faults import reason as _reason, redact as _redact

__all__ = ["StoreBase"]


class StoreBase:
    """The connection to the store's database; `Store` adds the reads and writes."""

    def __init__(self, url: str, *, must_exist: bool = False) -> None:
        """Open (and migrate) the store at `url`; with `must_exist`, a SQLite file that is not
        there is a `UsageError` ("no store at PATH") instead of a new, empty store.

        The caller resolves the URL: the command line takes `--store`, else `$STATEBRIDGE_STORE`
        (`STORE_ENV`), else `DEFAULT_STORE`."""
        self.url = url
        if must_exist:
            refuse_missing_sqlite(self.url)
        self.engine = open_engine(self.url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> t.Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _insert(self) -> t.Callable[[sa.Table], t.Any]:
        return postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert

    def _write_failed(self, exc: sa.exc.SQLAlchemyError) -> StoreError:
        """The `StoreError` of a write that `exc` stopped (raise it `from None`)."""
        return StoreError(f"cannot write to the store {_redact(self.url)}: {_reason(exc)}")

    @staticmethod
    def _bump(connection: sa.Connection) -> None:
        table = schema.generation
        connection.execute(table.update().where(table.c.id == 1).values(generation=table.c.generation + 1))

    def _reading(self) -> sa.Connection:
        """A connection for one read statement, in autocommit: a transaction around a single
        statement would cost PostgreSQL two more round trips (BEGIN before, ROLLBACK when the
        connection goes back to the pool), as many as the read itself; the endpoint makes one or
        two such reads per request (docs/performance.md, "The endpoint under a mixed load").
        Not for reads of more than one statement that must see one snapshot."""
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def generation(self) -> int:
        """A number that changes whenever orders are written, by this process or any other."""
        table = schema.generation
        with self._reading() as connection:
            return int(connection.execute(sa.select(table.c.generation).where(table.c.id == 1)).scalar() or 0)

    def ping(self) -> None:
        """Run a trivial query; raises `StoreUnavailable` when the store does not answer."""
        with self.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
