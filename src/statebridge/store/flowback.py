"""The store's side of changes flowing back from a target: the marked deliveries, and taking a
target's change into the DFC order in one transaction (see `delivery.flowback` for the rules)."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from . import schema
from .keyed_writes import KeyedWrites
from .outbox import DeliveryRow
from .records import now_text
from .rows import order_row

if t.TYPE_CHECKING:
    from ..model import Order
    from ..states import DFCStates
    from .records import StoredOrder

__all__ = ["FlowBack"]


class FlowBack(KeyedWrites):
    """`echoes`, `settle_echo` and `take_back`."""

    def echoes(self, limit: int = 100) -> list[DeliveryRow]:
        """Deliveries whose order at the target changed there (marked by `save_page`), oldest first.
        One query on an indexed column: cheap when nothing is marked, as after most pulls."""
        table = schema.deliveries
        query = (
            sa.select(table)
            .where(table.c.echo_version.is_not(None))
            .order_by(table.c.sequence, table.c.target, table.c.public_id)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [DeliveryRow.of(row) for row in connection.execute(query)]

    def settle_echo(self, row: DeliveryRow, held: DFCStates | None = None) -> None:
        """The mark of `row` is dealt with: clear it (unless a newer change marked it meanwhile), and
        record `held`, the states the target now holds, when given."""
        values: dict[str, t.Any] = {}
        if held is not None:
            values["delivered_states"] = held.model_dump_json()
        try:
            with self.engine.begin() as connection:
                self._settle(connection, row, values)
        except sa.exc.SQLAlchemyError as exc:
            raise self._write_failed(exc) from None

    def take_back(self, row: DeliveryRow, stored: StoredOrder, order: Order, held: DFCStates) -> int | None:
        """Write `order` (the DFC order `stored`, with the states the target changed) as a new version,
        enqueue it for its targets, and record that `row`'s target holds it already: all in one
        transaction. The new version, or None when the DFC order changed since `stored` was read
        (nothing is written; the mark stays, for the next round to read both again).

        The target's row is marked delivered at the new version only when it had every earlier
        version (state `done`): a change of ours still on its way there stays pending and goes out."""
        table = schema.deliveries
        row_now = order_row(stored.platform, stored.base_url, order, stored.raw, now_text())
        try:
            with self.engine.begin() as connection:
                current = connection.execute(
                    sa.select(table.c.state, table.c.wanted_version, table.c.delivered_version).where(
                        table.c.target == row.target, table.c.public_id == row.public_id
                    )
                ).first()
                if current is None:
                    return None  # the delivery is gone (its target left the connections file)
                written = self._overwrite(connection, row_now, stored.version)
                if written is None:
                    return None  # the order changed meanwhile: nothing was written
                version = int(written.version)
                self._enqueue(
                    connection,
                    stored.platform,
                    stored.base_url,
                    [(stored.public_id, order.id, version)],
                    "endpoint",
                )
                values: dict[str, t.Any] = {"delivered_states": held.model_dump_json()}
                if current.state == "done" and current.delivered_version == current.wanted_version:
                    values.update(
                        state="done", wanted_version=version, delivered_version=version, reason=None
                    )
                self._settle(connection, row, values)
                self._bump(connection)
        except sa.exc.SQLAlchemyError as exc:
            raise self._write_failed(exc) from None
        return version

    @staticmethod
    def _settle(connection: sa.Connection, row: DeliveryRow, values: dict[str, t.Any]) -> None:
        table = schema.deliveries
        where = (table.c.target == row.target, table.c.public_id == row.public_id)
        unchanged = table.c.echo_version == row.echo_version
        connection.execute(
            table.update()
            .where(*where)
            .values(
                **values,
                echo_version=sa.case((unchanged, None), else_=table.c.echo_version),
                echo_order=sa.case((unchanged, None), else_=table.c.echo_order),
                updated_at=now_text(),
            )
        )
