"""Platform tokens kept in the store, renewed under a row lock so that one process renews at a time.

Shopify rotates refresh tokens: each refresh answers a new refresh token and the one used stops
working (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens).
Two processes that each refreshed with the refresh token they read would leave one of them holding
a dead token, so `renew_token` runs the caller's renewal inside a transaction that holds a lock on
the (platform, shop, client id) row: the caller reads the row again under the lock and, when
another process already rotated it, uses the token that process stored instead of refreshing.

- PostgreSQL: the row is inserted empty if absent (`ON CONFLICT DO NOTHING`: a second inserter
  waits for the first one's commit), then read with `SELECT … FOR UPDATE`, which holds it until
  the transaction ends; other shops' rows are not blocked.
- SQLite: the transaction starts with `BEGIN IMMEDIATE`, SQLite's write lock on the whole file
  (other writers wait up to the store's busy time-out), as the migrations do.

The renewal's HTTP request runs while the lock is held: that is the point (a second process must
wait for the rotated token rather than spend the old one), and it costs other writers of a SQLite
store at most the token endpoint's time-out. Tokens are stored as given (the store is the
operator's database, like the orders in it) and never logged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import typing as t

import sqlalchemy as sa

from . import schema
from .base import StoreBase
from .records import now_text

__all__ = ["PlatformTokens", "Renewal", "StoredGrant"]


@dataclasses.dataclass(frozen=True)
class StoredGrant:
    """An access token and what renews it. `repr` shows no token."""

    access_token: str = dataclasses.field(repr=False)
    expires_at: float
    refresh_token: str | None = dataclasses.field(default=None, repr=False)
    refresh_expires_at: float | None = None
    origin: str | None = None


#: What `renew_token` runs under the lock: the stored grant (or None) in, the grant to keep out.
Renewal = t.Callable[[StoredGrant | None], StoredGrant]


class PlatformTokens(StoreBase):
    """`stored_token` and `renew_token`: the platforms' tokens, one row per app and shop."""

    def stored_token(self, platform: str, base_url: str, client_id: str) -> StoredGrant | None:
        """The grant stored for the app `client_id` on the shop at `base_url`, or None."""
        with self.engine.connect() as connection:
            row = connection.execute(_select(platform, base_url, client_id)).first()
        return _grant(row)

    def expiring_tokens(self, before: float) -> list[tuple[str, str]]:
        """(platform, base URL) of every stored access token that expires before `before` (Unix
        time) and can be renewed (it has a refresh token): the scheduler's to refresh ahead."""
        table = schema.platform_tokens
        query = (
            sa.select(table.c.platform, table.c.base_url)
            .where(
                table.c.access_token != "", table.c.expires_at < before, table.c.refresh_token.is_not(None)
            )
            .distinct()
        )
        with self.engine.connect() as connection:
            return [(str(platform), str(base_url)) for platform, base_url in connection.execute(query)]

    def renew_token(self, platform: str, base_url: str, client_id: str, renewal: Renewal) -> StoredGrant:
        """`renewal(stored grant or None)`, called under the row's lock; what it returns is stored
        (unless it is the grant it was given) and returned. When `renewal` raises, nothing changes."""
        key = {"platform": platform, "base_url": base_url, "client_id": client_id}
        table = schema.platform_tokens
        with self._row_locked() as connection:
            if connection.dialect.name == "postgresql":
                empty = {**key, "access_token": "", "expires_at": 0.0, "updated_at": now_text()}
                connection.execute(self._insert(table).values(**empty).on_conflict_do_nothing())
                row = connection.execute(_select(platform, base_url, client_id).with_for_update()).first()
            else:
                row = connection.execute(_select(platform, base_url, client_id)).first()
            current = _grant(row)
            renewed = renewal(current)
            if renewed is not current:
                values = {**dataclasses.asdict(renewed), "updated_at": now_text()}
                statement = self._insert(table).values(**key, **values)
                connection.execute(
                    statement.on_conflict_do_update(
                        index_elements=[table.c.platform, table.c.base_url, table.c.client_id], set_=values
                    )
                )
        return renewed

    @contextlib.contextmanager
    def _row_locked(self) -> t.Iterator[sa.Connection]:
        with self.engine.connect() as connection, connection.begin():
            if connection.dialect.name == "sqlite":
                # pysqlite emits no BEGIN for `begin()`; this one takes the write lock now.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            yield connection


def _select(platform: str, base_url: str, client_id: str) -> sa.Select[t.Any]:
    table = schema.platform_tokens
    return sa.select(table).where(
        table.c.platform == platform, table.c.base_url == base_url, table.c.client_id == client_id
    )


def _grant(row: sa.Row[t.Any] | None) -> StoredGrant | None:
    if row is None or not row.access_token:
        return None
    return StoredGrant(
        access_token=row.access_token,
        expires_at=float(row.expires_at),
        refresh_token=row.refresh_token,
        refresh_expires_at=None if row.refresh_expires_at is None else float(row.refresh_expires_at),
        origin=row.origin,
    )
