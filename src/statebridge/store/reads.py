"""Reading orders: counts, every order in batches, orders by id or public id, and keyset pages.

A stored order that can no longer be read is left out of every read (`rows.readable`)."""

from __future__ import annotations

import typing as t

import orjson
import sqlalchemy as sa

from . import schema
from .base import StoreBase
from .records import Seen, StoredOrder
from .rows import readable, stored

__all__ = ["OrderReads"]


class OrderReads(StoreBase):
    """`count`, `orders`, `orders_by_id`, `by_public_id`, `by_public_ids`, `page` and `page_versions`."""

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
                order = readable(row.platform, row.base_url, row.order_id, row.canonical)
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
                order = None if row is None else readable(platform, base_url, order_id, row.canonical)
                if row is not None and order is not None:
                    yield StoredOrder(platform, base_url, order, orjson.loads(row.raw))

    def by_public_id(self, public: str) -> StoredOrder | None:
        """The order served under `public`, or None."""
        table = schema.orders
        query = sa.select(table).where(table.c.public_id == public)
        with self._reading() as connection:
            row = connection.execute(query).first()
        return None if row is None else stored(row)

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

        A stored order that can no longer be read is left out (see `rows.readable`) and the page is
        filled from the rows after it, so that paging goes on around it.
        """
        table = schema.orders
        found: list[StoredOrder] = []
        while len(found) < limit:
            wanted = limit - len(found)
            query = _paged(sa.select(table), after, wanted, sources, seen)
            with self._reading() as connection:
                rows = connection.execute(query).all()
            found.extend(item for item in map(stored, rows) if item is not None)
            if len(rows) < wanted:
                break
            after = rows[-1].public_id
        return found

    def page_versions(
        self,
        *,
        after: str | None = None,
        limit: int = 100,
        sources: t.Sequence[tuple[str, str]] | None = None,
        seen: Seen | None = None,
    ) -> list[tuple[str, int]]:
        """The public id and version of each row `page` would read, without reading the orders: a
        reader that keeps what it made of an order's version reads only the orders it lacks
        (`by_public_ids`). Rows that can no longer be read are included: `by_public_ids` leaves
        them out, and then the page is `page`'s to fill."""
        table = schema.orders
        query = _paged(sa.select(table.c.public_id, table.c.version), after, limit, sources, seen)
        with self._reading() as connection:
            return [(row.public_id, int(row.version)) for row in connection.execute(query)]

    def by_public_ids(self, publics: t.Sequence[str]) -> dict[str, StoredOrder]:
        """The readable orders among those served under `publics`, by public id."""
        if not publics:
            return {}
        table = schema.orders
        query = sa.select(table).where(table.c.public_id.in_(list(publics)))
        with self._reading() as connection:
            rows = connection.execute(query).all()
        return {item.public_id: item for item in map(stored, rows) if item is not None}


def _paged(
    query: sa.Select[t.Any],
    after: str | None,
    limit: int,
    sources: t.Sequence[tuple[str, str]] | None,
    seen: Seen | None,
) -> sa.Select[t.Any]:
    """`query` over the orders as one keyset page: in public-id order, after `after`, at most
    `limit`, only those of `sources` and `seen` (when given)."""
    table = schema.orders
    query = query.order_by(table.c.public_id).limit(limit)
    if after is not None:
        query = query.where(table.c.public_id > after)
    if sources is not None:
        query = query.where(
            sa.or_(*(sa.and_(table.c.platform == p, table.c.base_url == b) for p, b in sources))
        )
    if seen is not None:
        query = query.where(seen.clause())
    return query
