"""The snapshot as Prometheus metrics, read afresh at every scrape.

Names follow https://prometheus.io/docs/practices/naming/: the `statebridge_` prefix, the unit in
the name (`_seconds`, `_timestamp_seconds`), `_total` only for counters. Counters are the store's
running totals, which only grow: the pulls' orders stored and rejects, and the orders each target
has acknowledged at least once. Everything else is a gauge of the state now.

Ages with nothing to age (no pending delivery) are 0; a source that never succeeded has no
`statebridge_pull_lag_seconds` nor last-success sample (alert on `statebridge_pull_overdue_seconds`
and `statebridge_pull_failures`, which every planned source has).
"""

from __future__ import annotations

import typing as t

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from .snapshot import Snapshot

__all__ = ["SnapshotCollector", "registry_of"]


class SnapshotCollector(Collector):
    """Collects `read()` at each scrape; what `read` raises (the store is down) reaches the caller
    of `generate_latest`, which answers it (`/metrics`: 503)."""

    def __init__(self, read: t.Callable[[], Snapshot]) -> None:
        self.read = read

    def describe(self) -> t.Iterable[Metric]:
        return ()  # nothing is read when the collector is registered

    def collect(self) -> t.Iterable[Metric]:
        snapshot = self.read()
        yield from _pulls(snapshot)
        yield from _outbox(snapshot)
        yield from _inbox(snapshot)
        yield from _queues(snapshot)


def registry_of(read: t.Callable[[], Snapshot]) -> CollectorRegistry:
    """A registry of its own (not the process-wide default) holding only the snapshot's metrics."""
    registry = CollectorRegistry()
    registry.register(SnapshotCollector(read))
    return registry


def _gauge(name: str, documentation: str, labels: t.Sequence[str] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=list(labels))


def _pulls(snapshot: Snapshot) -> t.Iterator[Metric]:
    now = snapshot.taken_at
    due = _gauge("statebridge_pull_due_timestamp_seconds", "When the source's next pull is due.", ["source"])
    overdue = _gauge(
        "statebridge_pull_overdue_seconds",
        "How long the source's due pull has waited to end (0 before it is due).",
        ["source"],
    )
    queued = _gauge(
        "statebridge_pull_queued", "1 while a pull of the source is queued or running.", ["source"]
    )
    running = _gauge("statebridge_pull_running", "1 while a worker runs a pull of the source.", ["source"])
    success = _gauge(
        "statebridge_pull_last_success_timestamp_seconds",
        "When the source's last successful pull ended.",
        ["source"],
    )
    failure = _gauge(
        "statebridge_pull_last_failure_timestamp_seconds", "When the source's last pull failed.", ["source"]
    )
    lag = _gauge(
        "statebridge_pull_lag_seconds", "Seconds since the source's last successful pull ended.", ["source"]
    )
    cursor_lag = _gauge(
        "statebridge_pull_cursor_lag_seconds",
        "At the last successful pull: its end minus the newest updated_at it read.",
        ["source"],
    )
    failures = _gauge("statebridge_pull_failures", "Failed pulls of the source in a row.", ["source"])
    stored = CounterMetricFamily(
        "statebridge_pull_orders_stored", "Orders the source's pulls stored new or newer.", labels=["source"]
    )
    rejected = CounterMetricFamily(
        "statebridge_pull_rejected", "Payloads the source's pulls kept as rejects.", labels=["source"]
    )
    for source in snapshot.sources:
        label = [source.source]
        due.add_metric(label, source.due_at.timestamp())
        overdue.add_metric(label, source.overdue_seconds(now))
        queued.add_metric(label, float(source.queued))
        running.add_metric(label, float(source.running))
        if source.last_success_at is not None:
            success.add_metric(label, source.last_success_at.timestamp())
        if source.last_failure_at is not None:
            failure.add_metric(label, source.last_failure_at.timestamp())
        if source.lag_seconds is not None:
            lag.add_metric(label, source.lag_seconds)
        if source.cursor_lag_seconds is not None:
            cursor_lag.add_metric(label, source.cursor_lag_seconds)
        failures.add_metric(label, source.failures)
        stored.add_metric(label, source.orders_stored)
        rejected.add_metric(label, source.rejected)
    rejects = _gauge("statebridge_rejects", "Rejected payloads kept in the store, by platform.", ["platform"])
    for platform, count in snapshot.rejects.items():
        rejects.add_metric([platform], count)
    yield from (due, overdue, queued, running, success, failure, lag, cursor_lag, failures, stored, rejected)
    yield rejects


def _outbox(snapshot: Snapshot) -> t.Iterator[Metric]:
    deliveries = _gauge(
        "statebridge_outbox_deliveries",
        "Deliveries (one per target and order) by state: pending, parked (failed), done, dropped.",
        ["target", "state"],
    )
    oldest = _gauge(
        "statebridge_outbox_oldest_pending_age_seconds",
        "Seconds since the oldest pending change to the target was enqueued (0: none pending).",
        ["target"],
    )
    attempts = _gauge(
        "statebridge_outbox_failed_attempts",
        "Failed attempts in a row, summed over the target's pending and parked deliveries.",
        ["target"],
    )
    delivered = CounterMetricFamily(
        "statebridge_outbox_delivered_orders",
        "Orders the target has acknowledged at least once.",
        labels=["target"],
    )
    for target in snapshot.targets:
        for state, count in target.counts.items():
            deliveries.add_metric([target.target, state], count)
        oldest.add_metric([target.target], target.oldest_pending_seconds or 0.0)
        attempts.add_metric([target.target], target.failed_attempts)
        delivered.add_metric([target.target], target.delivered)
    yield from (deliveries, oldest, attempts, delivered)


def _inbox(snapshot: Snapshot) -> t.Iterator[Metric]:
    yield GaugeMetricFamily(
        "statebridge_inbox_depth",
        "Webhook deliveries recorded and not yet applied.",
        value=snapshot.inbox_depth,
    )
    yield GaugeMetricFamily(
        "statebridge_inbox_oldest_pending_age_seconds",
        "Seconds since the oldest webhook delivery not yet applied was received (0: none).",
        value=snapshot.inbox_oldest_seconds or 0.0,
    )
    yield GaugeMetricFamily(
        "statebridge_inbox_failed_attempts",
        "Failed applications, summed over the webhook deliveries not yet applied.",
        value=snapshot.inbox_failed_attempts,
    )


def _queues(snapshot: Snapshot) -> t.Iterator[Metric]:
    if snapshot.queues is None:
        return  # no broker configured: no broker metrics
    depths = snapshot.queues.depths
    yield GaugeMetricFamily(
        "statebridge_broker_up",
        "1 when the broker answered the queue depths.",
        value=float(depths is not None),
    )
    depth = _gauge("statebridge_queue_depth", "Messages waiting (ready or delayed) in the queue.", ["queue"])
    for queue, count in (depths or {}).items():
        depth.add_metric([queue], count)
    yield depth
