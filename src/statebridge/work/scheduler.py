"""`statebridge scheduler`: one leader at a time sends the work that is due.

Any number of schedulers may run (one per machine, say); the one holding the store's leader lock
(a PostgreSQL session advisory lock, released when its process dies; `flock` on SQLite) works,
the others wait to take over. Each tick the leader:

1. gives every source of the connections file a row in `pulls` (due now when new), and claims
   the due ones that have nothing queued: each gets a new ticket, marked queued in the same
   statement, then one `pull_connection` message. A source is never queued twice, and a failed
   pull is due again only after the schedule's backoff (`runtime.py` sets it).
2. sweeps: a ticket queued more than `sweep_after` seconds ago and not ended (its message lost in
   a broker flush, or its worker killed -9) is sent again; so is every inbox entry still pending
   that long after its message; and every target with a due delivery gets a `drain_target`
   message (at most one per `sweep_after`), and every source whose stored token expires within
   `REFRESH_AHEAD` a `refresh_credential` one. The store says what is to be done, so a broker that
   lost everything loses nothing; a duplicate message finds nothing left to do.

A message the broker refuses (down) is logged, and the next sweep sends it again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import threading
import typing as t

from ..connections.model import url_key

if t.TYPE_CHECKING:
    from ..connections import Connections
    from ..store import Store
    from .queue import Work

__all__ = ["DEFAULT_SWEEP_AFTER", "DEFAULT_TICK", "Scheduler", "TickReport"]

log = logging.getLogger("statebridge.scheduler")

DEFAULT_TICK = 1.0
DEFAULT_SWEEP_AFTER = 30.0
#: Seconds before a stored access token expires that a worker is asked to renew it, so that no
#: pull waits for a renewal (nor renews it in every worker at once).
REFRESH_AHEAD = 600.0


@dataclasses.dataclass
class TickReport:
    """What one tick sent."""

    pulls: list[str] = dataclasses.field(default_factory=list)
    swept_pulls: list[str] = dataclasses.field(default_factory=list)
    inbox: list[int] = dataclasses.field(default_factory=list)
    drains: list[str] = dataclasses.field(default_factory=list)
    refreshes: list[str] = dataclasses.field(default_factory=list)
    refused: int = 0


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Scheduler:
    """Sends due pulls and sweeps lost work, as the leader among schedulers of one store."""

    def __init__(
        self,
        store: Store,
        connections: Connections,
        work: Work,
        *,
        tick: float = DEFAULT_TICK,
        sweep_after: float = DEFAULT_SWEEP_AFTER,
        clock: t.Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.store = store
        self.connections = connections
        self.work = work
        self.tick_seconds = tick
        self.sweep_after = dt.timedelta(seconds=sweep_after)
        self.clock = clock
        self.stopping = threading.Event()
        self.leading = threading.Event()
        self._drain_sent: dict[str, dt.datetime] = {}
        self._refresh_sent: dict[str, dt.datetime] = {}
        self._planned = False

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        """Lead when the lock is free, tick until stopped; wait for the lock otherwise."""
        while not self.stopping.is_set():
            with self.store.holding("scheduler", "leader") as leader:
                if leader:
                    self.leading.set()
                    log.info("scheduler: leading")
                    try:
                        while not self.stopping.is_set():
                            self.tick()
                            self.stopping.wait(self.tick_seconds)
                    finally:
                        self.leading.clear()
                    return
            self.stopping.wait(self.tick_seconds)

    def tick(self) -> TickReport:
        """Send what is due now, and sweep what a lost message left undone."""
        now = self.clock()
        report = TickReport()
        sources = list(self.connections.source_endpoints)
        if not self._planned:  # the sources are this process's for its life: their rows once
            self.store.plan_pulls(sources, now)
            self._planned = True
        for source, ticket in self.store.claim_due(now, sources):
            if self._sent(functools.partial(self.work.pull, source, ticket), report):
                report.pulls.append(source)
        stale_before = now - self.sweep_after
        for source, ticket in self.store.stale_pulls(stale_before):
            if source not in self.connections.source_endpoints:
                continue
            self.store.requeued(source, ticket, now)
            if self._sent(functools.partial(self.work.pull, source, ticket), report):
                report.swept_pulls.append(source)
        entries = self.store.unapplied(sent_before=stale_before)
        sent = [entry for entry in entries if self._sent(functools.partial(self.work.apply, entry), report)]
        self.store.enqueued(sent)
        report.inbox = sent
        for target in self.connections.target_endpoints:
            due = self.store.next_due(target)
            last = self._drain_sent.get(target)
            if due is None or due > now or (last is not None and last > stale_before):
                continue
            if self._sent(functools.partial(self.work.drain, target), report):
                self._drain_sent[target] = now
                report.drains.append(target)
        self._refresh(now, stale_before, report)
        if report.pulls or report.swept_pulls or report.inbox or report.drains:
            log.info(
                "scheduler: %d pull(s) due, %d pull(s), %d webhook(s) swept, drains sent to %s",
                len(report.pulls),
                len(report.swept_pulls),
                len(report.inbox),
                ", ".join(report.drains) or "none",
            )
        return report

    def _refresh(self, now: dt.datetime, stale_before: dt.datetime, report: TickReport) -> None:
        """Ask for the renewal of tokens about to expire (once per `sweep_after` per source)."""
        expiring = set(self.store.expiring_tokens(now.timestamp() + REFRESH_AHEAD))
        if not expiring:
            return
        expiring = {(platform, url_key(base_url)) for platform, base_url in expiring}
        for name, source in self.connections.source_endpoints.items():
            last = self._refresh_sent.get(name)
            if source.key not in expiring or (last is not None and last > stale_before):
                continue
            if self._sent(functools.partial(self.work.refresh, name), report):
                self._refresh_sent[name] = now
                report.refreshes.append(name)

    def _sent(self, send: t.Callable[[], None], report: TickReport) -> bool:
        try:
            send()
        except Exception as exc:  # the broker's own errors (redis, pika) have no common base
            report.refused += 1
            log.warning(
                "scheduler: the broker refused a message (%s); the next sweep sends it", type(exc).__name__
            )
            return False
        return True
