"""Draining the outbox: each due delivery sent to its target by the target's `Writer`, once.

Per target, in the order the changes were enqueued, one delivery at a time, while this process holds
the target's lock (`Store.exclusive`: a second drain leaves the target to the first). For each:

1. the order is read as it is now (a newer version than the one enqueued is simply sent instead:
   deliveries collapse to the latest version);
2. `begin_attempt` records that a send is under way, committed before anything is sent;
3. the writer delivers; its `Link` and the version sent are recorded, and the delivery is done
   unless the order changed meanwhile.

A failure is recorded with its reason. `DeliveryError` (the target cannot take the order as it is)
and `FatalAPIError` (a 4xx: the same request would fail again) park the delivery at once; any other
`APIError` (5xx, throttling, a dropped connection, after the client's own retries) is retried later
with exponential backoff, never sooner than the platform's last `Retry-After` asked, and parked after
`max_attempts` failures in a row. A kill -9 at any point
loses nothing: the row is still pending, and the send that may have happened is known to the next
attempt (`Delivery.attempted`), whose writer looks before it creates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
import typing as t

from ..dfc import IriMinter
from ..errors import APIError, DeliveryError, FatalAPIError
from ..store.records import utc_text
from .flowback import reconcile
from .writer import Delivery, Link, Writer, delivery_key

if t.TYPE_CHECKING:
    from ..mapping import Tables
    from ..store import DeliveryRow, Store

__all__ = ["Backoff", "DrainReport", "Problem", "drain"]

log = logging.getLogger("statebridge.delivery")


@dataclasses.dataclass(frozen=True)
class Backoff:
    """How often and how long a failing delivery is retried before it is parked."""

    max_attempts: int = 8
    base_delay: float = 1.0
    max_delay: float = 600.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """The wait after failure number `attempt` (1-based): exponential, with half of it jittered."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return ceiling / 2 + (rng or random.Random()).uniform(0, ceiling / 2)


@dataclasses.dataclass(frozen=True)
class Problem:
    """A delivery that failed: to which target, of which order (its label: number, else id), why."""

    target: str
    order: str
    reason: str

    def __str__(self) -> str:
        return f"order {self.order} to {self.target}: {self.reason}"


@dataclasses.dataclass
class DrainReport:
    """What a drain did, per delivery."""

    delivered: int = 0
    #: Deliveries that failed and will be tried again later.
    retrying: list[Problem] = dataclasses.field(default_factory=list)
    #: Deliveries parked by this drain.
    parked: list[Problem] = dataclasses.field(default_factory=list)
    #: Targets another process was draining (left to it).
    busy: list[str] = dataclasses.field(default_factory=list)
    #: Public ids of the orders that took a change made at a target (`flowback`).
    taken_back: list[str] = dataclasses.field(default_factory=list)


def drain(
    store: Store,
    writers: t.Mapping[str, Writer],
    *,
    backoff: Backoff | None = None,
    clock: t.Callable[[], dt.datetime] | None = None,
    rng: random.Random | None = None,
    progress: t.Callable[[str, DeliveryRow, str], None] | None = None,
    any_time: bool = False,
    tables: Tables | None = None,
) -> DrainReport:
    """Send every due delivery of every target in `writers` (target name -> its writer), each at most
    once per drain. With `any_time` (an operator's `sync` or `outbox drain`), every pending delivery
    is due, whatever its backoff said; the backoff paces unattended drains (serve, workers).

    First, changes the targets made to orders delivered there are taken back into the DFC orders
    (`flowback.reconcile`, translated with `tables`), so that what they enqueue goes out now."""
    report = DrainReport()
    report.taken_back = reconcile(store, tables)
    policy = backoff or Backoff()
    now = clock or (lambda: dt.datetime.now(dt.UTC))
    for target, writer in writers.items():
        with store.exclusive(target) as held:
            if not held:
                report.busy.append(target)
                log.info("%s: another process is delivering to it; left to that one", target)
                continue
            start = utc_text(now())
            while rows := store.due(target, now=now(), any_time=any_time, untouched_since=start):
                for row in rows:
                    outcome = _deliver_one(store, row, writer, policy, now, rng, report)
                    if progress is not None:
                        progress(target, row, outcome)
    return report


def _deliver_one(
    store: Store,
    row: DeliveryRow,
    writer: Writer,
    policy: Backoff,
    now: t.Callable[[], dt.datetime],
    rng: random.Random | None,
    report: DrainReport,
) -> str:
    """Send one delivery and record what happened; "delivered", "retrying" or "parked"."""
    stored = store.by_public_id(row.public_id)
    if stored is None:
        reason = f"the order ({row.public_id}) is no longer in the store"
        store.failed(row, reason, retry_at=None)
        report.parked.append(Problem(row.target, row.order_id, reason))
        return "parked"
    label = stored.order.label
    delivery = Delivery(
        target=row.target,
        key=delivery_key(row.platform, row.base_url, row.order_id, row.target),
        order=stored.order,
        minter=IriMinter.for_platform(row.platform, row.base_url),
        link=Link(row.remote_id, dict(row.remote_detail)) if row.remote_id else None,
        attempted=row.attempted_at is not None,
    )
    store.begin_attempt(row)
    try:
        link = writer.deliver(delivery)
    except (DeliveryError, FatalAPIError) as exc:
        reason = exc.reason if isinstance(exc, DeliveryError) else str(exc)
        store.failed(row, reason, retry_at=None)
        report.parked.append(Problem(row.target, label, reason))
        log.debug("order %s to %s: parked: %s", label, row.target, reason)
        return "parked"
    except APIError as exc:
        attempts = row.attempts + 1
        if attempts >= policy.max_attempts:
            reason = f"gave up after {attempts} failed attempts; last: {exc}"
            store.failed(row, reason, retry_at=None)
            report.parked.append(Problem(row.target, label, reason))
            log.debug("order %s to %s: parked: %s", label, row.target, reason)
            return "parked"
        wait = max(policy.delay(attempts, rng), exc.retry_after or 0.0)  # never sooner than asked
        store.failed(row, str(exc), retry_at=now() + dt.timedelta(seconds=wait))
        report.retrying.append(Problem(row.target, label, str(exc)))
        log.info(
            "order %s to %s: attempt %d failed (%s); next in %.0f s", label, row.target, attempts, exc, wait
        )
        return "retrying"
    store.delivered(row, stored.version, link, stored.order.states)
    report.delivered += 1
    return "delivered"
