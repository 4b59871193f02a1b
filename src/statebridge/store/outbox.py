"""The outbox: one delivery per (target, order), written in the transaction that stores the change.

A change of an order (a pull's page, a webhook, a write through the endpoint) enqueues, in the same
transaction, a delivery to every target the `Router` names for the order's source. A delivery row
holds the order version the target should get (`wanted_version`) and the last one it acknowledged
(`delivered_version`); a newer change of the order raises `wanted_version` and makes the row
pending again, so deliveries are collapsed to the latest version and, one row per (target, order),
never reordered for one order. The row also keeps what the target knows of the order (`remote_id`,
`remote_detail`: the writer's `Link`), so that later changes go to the same order there.

States: `pending` (to send when `next_attempt_at` is due), `parked` (failed for good, or too often:
`reason` says why; `statebridge outbox retry` or a newer change makes it pending again), `done`,
`dropped` (an operator's `statebridge outbox drop`; a newer change makes it pending again).

Before a send starts, `begin_attempt` records `attempted_at` (committed), so that a run killed
during the send leaves a trace: the next attempt tells the writer that an earlier send may have
reached the target (`Delivery.attempted`), and the writer looks before it creates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import typing as t

import orjson
import sqlalchemy as sa

from . import schema
from .base import StoreBase
from .records import now_text, utc_text

if t.TYPE_CHECKING:
    from ..delivery.writer import Link
    from ..states import DFCStates

__all__ = ["NO_ROUTES", "STATES", "DeliveryRow", "Outbox", "Router"]

STATES = ("pending", "parked", "done", "dropped")


class Router(t.Protocol):
    """Which targets a changed order goes to (the connections file's routes)."""

    def targets(self, platform: str, base_url: str, via: str) -> tuple[str, ...]:
        """The targets of an order of `platform` at `base_url` that came `via` "source" (a pull or
        a webhook) or "endpoint" (written through the DFC endpoint)."""
        ...

    def writes_to(self, platform: str, base_url: str) -> tuple[str, ...]:
        """The targets whose endpoint is `platform` at `base_url`: an order pulled from there may be
        one statebridge delivered, whose changes flow back (`delivery.flowback`)."""
        ...


class _NoRoutes:
    def targets(self, platform: str, base_url: str, via: str) -> tuple[str, ...]:
        return ()

    def writes_to(self, platform: str, base_url: str) -> tuple[str, ...]:
        return ()


NO_ROUTES: Router = _NoRoutes()


@dataclasses.dataclass(frozen=True)
class DeliveryRow:
    """One row of the outbox."""

    target: str
    public_id: str
    platform: str
    base_url: str
    order_id: str
    state: str
    wanted_version: int
    delivered_version: int | None
    attempts: int
    next_attempt_at: str
    attempted_at: str | None
    reason: str | None
    remote_id: str | None
    remote_detail: t.Mapping[str, str]
    updated_at: str
    #: The id the target's own reader gives the order (`Link.detail["source_id"]`), once it has one.
    remote_order_id: str | None = None
    #: The DFC states the target last took (JSON of `DFCStates`), None before the first delivery.
    delivered_states: str | None = None
    #: Set when the target's order changed at the target: the version it was stored at, and its
    #: public id (`delivery.flowback` reconciles and clears both).
    echo_version: int | None = None
    echo_order: str | None = None

    @classmethod
    def of(cls, row: sa.Row[t.Any]) -> DeliveryRow:
        values = dict(row._mapping)
        values.pop("sequence", None)
        detail = values.pop("remote_detail")
        return cls(**values, remote_detail=orjson.loads(detail) if detail else {})


class Outbox(StoreBase):
    """Enqueueing deliveries with the writes of orders, and what the drain and operators do with them."""

    routes: Router = NO_ROUTES

    def with_routes(self, routes: Router) -> t.Self:
        """This store (same engine) enqueueing deliveries along `routes`."""
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.routes = routes
        return other

    # -- enqueueing (inside the writer's transaction) ----------------------------------------------

    def _enqueue(
        self,
        connection: sa.Connection,
        platform: str,
        base_url: str,
        changed: t.Iterable[tuple[str, str, int]],
        via: str,
    ) -> None:
        """A pending delivery to each routed target of each (public id, order id, version) changed."""
        targets = self.routes.targets(platform, base_url, via)
        if not targets:
            return
        now = now_text()
        table = schema.deliveries
        rows = [
            {
                "target": target,
                "public_id": public,
                "platform": platform,
                "base_url": base_url,
                "order_id": order_id,
                "state": "pending",
                "wanted_version": version,
                "attempts": 0,
                "next_attempt_at": now,
                "sequence": time.time_ns(),
                "updated_at": now,
            }
            for public, order_id, version in changed
            for target in targets
        ]
        if not rows:
            return
        statement = self._insert(table).values(rows)
        excluded = statement.excluded
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.target, table.c.public_id],
                set_={
                    "wanted_version": excluded.wanted_version,
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": excluded.next_attempt_at,
                    "reason": None,
                    "sequence": excluded.sequence,
                    "updated_at": excluded.updated_at,
                },
                where=excluded.wanted_version > table.c.wanted_version,
            )
        )

    def backfill(self, target: str, platform: str, base_url: str) -> int:
        """Enqueue for `target` every stored order of (platform, base_url) it does not have in its
        stored version: orders stored before the route existed, or changed by a writer that did not
        route them (a `pull` run without the connections file); how many. Running it again adds
        nothing."""
        orders, table = schema.orders, schema.deliveries
        now = now_text()
        missing = (
            sa.select(
                sa.literal(target),
                orders.c.public_id,
                orders.c.platform,
                orders.c.base_url,
                orders.c.order_id,
                sa.literal("pending"),
                orders.c.version,
                sa.literal(0),
                sa.literal(now),
                sa.literal(time.time_ns(), sa.BigInteger),
                sa.literal(now),
            )
            .where(orders.c.platform == platform, orders.c.base_url == base_url)
            .where(~sa.exists().where(table.c.target == target, table.c.public_id == orders.c.public_id))
        )
        columns = [
            "target", "public_id", "platform", "base_url", "order_id", "state",
            "wanted_version", "attempts", "next_attempt_at", "sequence", "updated_at",
        ]  # fmt: skip
        newer = (
            sa.select(orders.c.version)
            .where(orders.c.public_id == table.c.public_id)
            .where(orders.c.version > table.c.wanted_version)
            .scalar_subquery()
        )
        behind = (
            table.update()
            .where(table.c.target == target, table.c.platform == platform, table.c.base_url == base_url)
            .where(
                sa.exists().where(
                    orders.c.public_id == table.c.public_id, orders.c.version > table.c.wanted_version
                )
            )
            .values(
                wanted_version=newer,
                state="pending",
                attempts=0,
                reason=None,
                next_attempt_at=now,
                updated_at=now,
            )
        )
        try:
            with self.engine.begin() as connection:
                statement = table.insert().from_select(columns, missing).returning(table.c.public_id)
                added = len(connection.execute(statement).all())
                return added + int(connection.execute(behind).rowcount or 0)
        except sa.exc.SQLAlchemyError as exc:
            raise self._write_failed(exc) from None

    # -- the drain ---------------------------------------------------------------------------------

    def due(
        self,
        target: str,
        *,
        now: dt.datetime | None = None,
        limit: int = 100,
        any_time: bool = False,
        untouched_since: str | None = None,
    ) -> list[DeliveryRow]:
        """Pending deliveries to `target` whose time has come (every pending one with `any_time`),
        oldest change first; with `untouched_since` (UTC text), only rows not written since then
        (a drain passes its start, so that it tries each delivery once)."""
        table = schema.deliveries
        query = sa.select(table).where(table.c.target == target, table.c.state == "pending")
        if not any_time:
            query = query.where(table.c.next_attempt_at <= utc_text(now or dt.datetime.now(dt.UTC)))
        if untouched_since is not None:
            query = query.where(table.c.updated_at < untouched_since)
        query = query.order_by(table.c.sequence, table.c.public_id).limit(limit)
        with self.engine.connect() as connection:
            return [DeliveryRow.of(row) for row in connection.execute(query)]

    def next_due(self, target: str) -> dt.datetime | None:
        """When the earliest pending delivery to `target` is due (None when none is pending)."""
        table = schema.deliveries
        query = sa.select(sa.func.min(table.c.next_attempt_at)).where(
            table.c.target == target, table.c.state == "pending"
        )
        with self.engine.connect() as connection:
            value = connection.execute(query).scalar()
        return dt.datetime.fromisoformat(value) if value else None

    def begin_attempt(self, row: DeliveryRow) -> None:
        """Record, before a send, that one is under way (see the module docstring)."""
        self._update(row, attempted_at=now_text())

    def delivered(self, row: DeliveryRow, version: int, link: Link, states: DFCStates | None = None) -> None:
        """`version` (with DFC `states`) reached the target, which now knows the order as `link`. The
        row is done unless a newer version was enqueued meanwhile (then it stays pending, for that
        version). `link.detail["source_id"]`, the id a pull of the target stores the order under, is
        kept apart so that a pull can find the delivery its order came from."""
        table = schema.deliveries
        extra: dict[str, t.Any] = {}
        if link.detail.get("source_id"):
            extra["remote_order_id"] = link.detail["source_id"]
        if states is not None:
            extra["delivered_states"] = states.model_dump_json()
        self._update(
            row,
            delivered_version=version,
            state=sa.case((table.c.wanted_version <= version, "done"), else_="pending"),
            attempts=0,
            attempted_at=None,
            reason=None,
            remote_id=link.remote_id,
            remote_detail=orjson.dumps(dict(link.detail)).decode(),
            **extra,
        )

    def failed(self, row: DeliveryRow, reason: str, *, retry_at: dt.datetime | None) -> None:
        """A send failed: try again at `retry_at`, or park the delivery (None) with `reason`.
        `attempted_at` stays: a failed request may still have reached the target (a 5xx after the
        server acted, a lost answer), so every later attempt looks before it creates, until one
        succeeds."""
        table = schema.deliveries
        values: dict[str, t.Any] = {"attempts": table.c.attempts + 1, "reason": reason}
        if retry_at is None:
            values["state"] = "parked"
        else:
            values["next_attempt_at"] = utc_text(retry_at)
        self._update(row, **values)

    def _update(self, row: DeliveryRow, **values: t.Any) -> None:
        table = schema.deliveries
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    table.update()
                    .where(table.c.target == row.target, table.c.public_id == row.public_id)
                    .values(**values, updated_at=now_text())
                )
        except sa.exc.SQLAlchemyError as exc:
            raise self._write_failed(exc) from None

    # -- operators ---------------------------------------------------------------------------------

    def deliveries(
        self,
        *,
        target: str | None = None,
        states: t.Collection[str] | None = None,
        orders: t.Collection[str] | None = None,
    ) -> list[DeliveryRow]:
        """The outbox's rows (of `target`, in `states`, of `orders`: public ids or order ids)."""
        table = schema.deliveries
        query = sa.select(table).order_by(table.c.target, table.c.sequence, table.c.public_id)
        query = self._filtered(query, target, states, orders)
        with self._reading() as connection:
            return [DeliveryRow.of(row) for row in connection.execute(query)]

    def retry(self, *, target: str | None = None, orders: t.Collection[str] | None = None) -> int:
        """Parked (or dropped) deliveries back to pending, due now, with a clean count; how many."""
        return self._operate(("parked", "dropped"), {"state": "pending", "attempts": 0}, target, orders)

    def drop(self, *, target: str | None = None, orders: t.Collection[str] | None = None) -> int:
        """Pending or parked deliveries given up (until the order changes again); how many."""
        return self._operate(("pending", "parked"), {"state": "dropped"}, target, orders)

    def _operate(
        self,
        states: tuple[str, ...],
        values: dict[str, t.Any],
        target: str | None,
        orders: t.Collection[str] | None,
    ) -> int:
        table = schema.deliveries
        now = now_text()
        statement = self._filtered(table.update(), target, states, orders).values(
            **values, next_attempt_at=now, updated_at=now
        )
        try:
            with self.engine.begin() as connection:
                return int(connection.execute(statement).rowcount or 0)
        except sa.exc.SQLAlchemyError as exc:
            raise self._write_failed(exc) from None

    _Q = t.TypeVar("_Q", sa.Select[t.Any], sa.Update)

    @staticmethod
    def _filtered(
        query: _Q,
        target: str | None,
        states: t.Collection[str] | None,
        orders: t.Collection[str] | None,
    ) -> _Q:
        table = schema.deliveries
        if target is not None:
            query = query.where(table.c.target == target)
        if states is not None:
            query = query.where(table.c.state.in_(list(states)))
        if orders is not None:
            wanted = list(orders)
            query = query.where(sa.or_(table.c.public_id.in_(wanted), table.c.order_id.in_(wanted)))
        return query
