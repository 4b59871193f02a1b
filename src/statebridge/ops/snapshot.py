"""One reading of the work in flight, taken from the store (and the broker, when there is one).

The store is the system of record: every process (`serve`, the scheduler, each worker) writes its
progress there, so a reading from any process, at scrape time, is the same truth. Nothing is kept
in memory between readings; `/metrics` and `statebridge status` each take a fresh `Snapshot`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing as t

from ..store import STATES
from .queues import QueueReading, read_queue_depths

if t.TYPE_CHECKING:
    import dramatiq

    from ..store import PullState, Store

__all__ = ["Snapshot", "SourceState", "TargetState", "take_snapshot"]


@dataclasses.dataclass(frozen=True)
class SourceState:
    """One source of the connections file, as the scheduler last recorded it."""

    source: str
    due_at: dt.datetime
    #: A pull's message is in flight (sent and not ended); `running`: a worker has started it.
    queued: bool
    running: bool
    last_success_at: dt.datetime | None
    last_failure_at: dt.datetime | None
    #: Seconds since the last successful pull ended (None: never succeeded).
    lag_seconds: float | None
    #: Seconds between the newest `updated_at` pulled and the end of the last successful pull.
    cursor_lag_seconds: float | None
    #: Failed pulls in a row (0 after a success), and why the last one failed.
    failures: int
    reason: str | None
    #: Since the source was first planned: orders new or newer, and payloads kept as rejects.
    orders_stored: int
    rejected: int

    @classmethod
    def of(cls, row: PullState, now: dt.datetime) -> SourceState:
        success = _moment(row.last_success_at)
        return cls(
            source=row.source,
            due_at=dt.datetime.fromisoformat(row.due_at),
            queued=row.queued_at is not None,
            running=row.started_at is not None,
            last_success_at=success,
            last_failure_at=_moment(row.last_failure_at),
            lag_seconds=None if success is None else max(0.0, (now - success).total_seconds()),
            cursor_lag_seconds=row.cursor_lag_seconds,
            failures=row.failures,
            reason=row.reason,
            orders_stored=row.orders_stored,
            rejected=row.rejected,
        )

    def overdue_seconds(self, now: dt.datetime) -> float:
        """How long the due pull has waited to end (0 before it is due): a stopped scheduler or no
        worker shows here first."""
        return max(0.0, (now - self.due_at).total_seconds())


@dataclasses.dataclass(frozen=True)
class TargetState:
    """The outbox of one target."""

    target: str
    #: Deliveries in each state (every one of `store.STATES`, 0 included).
    counts: t.Mapping[str, int]
    #: Seconds since the oldest pending change was enqueued (None: nothing pending).
    oldest_pending_seconds: float | None
    #: Failures in a row, summed over the pending and parked deliveries.
    failed_attempts: int
    #: Orders the target has acknowledged at least once (only grows).
    delivered: int


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """Everything `/metrics` and `statebridge status` show, read at `taken_at`."""

    taken_at: dt.datetime
    sources: tuple[SourceState, ...]
    #: Rejected payloads kept in the store, by platform.
    rejects: t.Mapping[str, int]
    inbox_depth: int
    #: Seconds since the oldest pending webhook delivery was received (None: none pending).
    inbox_oldest_seconds: float | None
    #: Failed applications, summed over the pending webhook deliveries.
    inbox_failed_attempts: int
    targets: tuple[TargetState, ...]
    #: The broker's queues (None: no broker was given).
    queues: QueueReading | None

    def as_json(self) -> dict[str, t.Any]:
        """A JSON-ready dict (times as ISO 8601 UTC text), for `statebridge status --json`."""
        return t.cast(dict[str, t.Any], _jsonable(dataclasses.asdict(self)))


def take_snapshot(
    store: Store, *, broker: dramatiq.Broker | None = None, now: dt.datetime | None = None
) -> Snapshot:
    """Read the snapshot at `now` (default: the clock). Raises what the store raises when it cannot
    be read (`StoreUnavailable`); a broker that cannot be read is reported in `queues`, never raised."""
    now = now or dt.datetime.now(dt.UTC)
    inbox = store.inbox_summary()
    return Snapshot(
        taken_at=now,
        sources=tuple(SourceState.of(row, now) for row in store.pull_states()),
        rejects=dict(sorted(store.reject_counts().items())),
        inbox_depth=inbox.pending,
        inbox_oldest_seconds=_age(inbox.oldest_pending_at, now),
        inbox_failed_attempts=inbox.failed_attempts,
        targets=_targets(store, now),
        queues=None if broker is None else read_queue_depths(broker),
    )


def _targets(store: Store, now: dt.datetime) -> tuple[TargetState, ...]:
    by_target: dict[str, dict[str, t.Any]] = {}
    for group in store.outbox_groups():
        entry = by_target.setdefault(
            group.target,
            {"counts": dict.fromkeys(STATES, 0), "oldest": None, "attempts": 0, "delivered": 0},
        )
        entry["counts"][group.state] = group.count
        entry["delivered"] += group.delivered
        if group.state in ("pending", "parked"):
            entry["attempts"] += group.failed_attempts
        if group.state == "pending":
            entry["oldest"] = _age(group.oldest_change_at, now)
    return tuple(
        TargetState(name, entry["counts"], entry["oldest"], entry["attempts"], entry["delivered"])
        for name, entry in sorted(by_target.items())
    )


def _moment(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def _age(moment: dt.datetime | None, now: dt.datetime) -> float | None:
    return None if moment is None else max(0.0, (now - moment).total_seconds())


def _jsonable(value: t.Any) -> t.Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value
