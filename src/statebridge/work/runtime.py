"""What a worker does for each message: the bodies of the four actors, over one store.

Every body starts from the store, not from the message: the message names a row, and the row says
whether anything is left to do. A message sent twice, delivered again after its worker was killed,
or sent by the sweeper after a broker lost the first one, therefore does its work at most once:

- `pull_connection(source, ticket)`: under the shop's lock (one pull per shop at a time, across
  every worker; PostgreSQL advisory lock, released when its holder dies), and only if `ticket` is
  still the source's queued one. Pages are stored with their cursor and enqueued deliveries in one
  transaction each, so a pull killed mid-way resumes from its cursor and stores nothing twice. The
  outcome sets the next due time: the schedule's interval, or its backoff after a failure.
- `apply_webhook(entry_id)`: the inbox entry's orders stored with its event id (`inbox.apply_entry`).
- `drain_target(target)`: the outbox drain of one target under its lock; when another worker holds
  it, the message comes back a second later rather than being lost behind the holder's last look.
- `refresh_credential(source)`: renews a source's expiring token, once between all workers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import os
import typing as t

from ..connections.model import url_key
from ..delivery.drain import drain
from ..delivery.run import ConnectionRoutes, backoff_of
from ..delivery.targets import Writers
from ..errors import ConfigurationError, InboxEntryMissing, StatebridgeError
from ..inbox import apply_entry
from ..mapping import SHIPPED
from ..pull import open_client, pull

if t.TYPE_CHECKING:
    from ..connections import Connections
    from ..mapping import Tables
    from ..settings import Settings
    from ..store import Store
    from .queue import Work

__all__ = ["Runtime"]

log = logging.getLogger("statebridge.work")

#: Renew a token that expires within this many seconds (the scheduler asks 10 minutes ahead).
REFRESH_AHEAD = 900.0

#: How long a drain message waits before it comes back when another worker holds the target.
BUSY_RETRY_SECONDS = 1.0


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclasses.dataclass
class Runtime:
    """A worker's context: the store, the connections file, the settings and where to send work."""

    store: Store
    connections: Connections
    settings: Settings
    environ: t.Mapping[str, str]
    work: Work
    tables: Tables | None = None
    clock: t.Callable[[], dt.datetime] = _utcnow

    # -- pulls ---------------------------------------------------------------------------------------

    def pull_connection(self, source: str, ticket: int) -> None:
        if source not in self.connections.source_endpoints:
            log.warning("pull of %s: no such source in the connections file any more; dropped", source)
            return
        endpoint = self.connections.source(source)
        shop = f"{endpoint.platform} {url_key(endpoint.base_url)}"
        with self.store.holding("pull", shop) as mine:
            if not mine:
                log.info("pull of %s: %s is being pulled by another worker; left to it", source, shop)
                return
            started = self.clock()
            if not self.store.start_pull(source, ticket, started):
                log.info("pull of %s: ticket %d is done already", source, ticket)
                return
            log.info("pull of %s: ticket %d started in process %d", source, ticket, os.getpid())
            self._pull(source, ticket, started)

    def _pull(self, source: str, ticket: int, started: dt.datetime) -> None:
        endpoint = self.connections.source(source)
        schedule = self.connections.schedule
        routed = self.store.with_routes(ConnectionRoutes(self.connections))
        try:
            report = pull(
                endpoint.platform,
                endpoint.base_url,
                routed,
                client_options=dict(endpoint.options),
                settings=endpoint.settings(self.settings, self.environ),
                tables=self.tables,
            )
            targets = self.connections.routes.get(source, ())
            backfilled = sum(
                self.store.backfill(target, endpoint.platform, report.base_url) for target in targets
            )
        except Exception as exc:  # every failure ends the ticket; the schedule's backoff paces the next
            if not isinstance(exc, StatebridgeError):
                log.exception("pull of %s: failed", source)
            reason = (
                str(exc) if isinstance(exc, StatebridgeError) else f"internal error: {type(exc).__name__}"
            )
            state = self.store.pull_state(source)
            failures = (state.failures if state is not None else 0) + 1
            ended = self.clock()
            delay = dt.timedelta(seconds=schedule.backoff(failures))
            self.store.pull_failed(source, ticket, ended, reason=reason, next_due=ended + delay)
            log.warning("pull of %s failed (%d in a row), next in %s: %s", source, failures, delay, reason)
            return
        ended = self.clock()
        lag = None if report.cursor is None else max(0.0, (ended - report.cursor).total_seconds())
        self.store.pull_succeeded(
            source,
            ticket,
            ended,
            next_due=started + dt.timedelta(seconds=schedule.pull_every_seconds),
            lag_seconds=lag,
            stored=report.changed,
            rejected=len(report.problems),
        )
        log.info("pull of %s: %d order(s), %d new or newer", source, report.orders, report.changed)
        if not (report.changed or backfilled):
            return  # nothing new to deliver; what earlier runs left waiting is the sweeper's
        for target in targets:
            self._send(functools.partial(self.work.drain, target), f"drain of {target}")

    # -- webhooks ------------------------------------------------------------------------------------

    def apply_webhook(self, entry_id: int) -> None:
        routes = ConnectionRoutes(self.connections)
        try:  # an entry applied before comes back a duplicate, having written nothing
            applied = apply_entry(self.store.with_routes(routes), entry_id, tables=self.tables or SHIPPED)
        except InboxEntryMissing as exc:
            log.warning("%s; dropped", exc)
            return
        if applied.changed:
            for target in routes.targets(applied.platform, applied.base_url, "source"):
                self._send(functools.partial(self.work.drain, target), f"drain of {target}")

    # -- deliveries ----------------------------------------------------------------------------------

    def drain_target(self, target: str) -> None:
        if target not in self.connections.target_endpoints:
            log.warning("drain of %s: no such target in the connections file any more; dropped", target)
            return
        chosen = {target: self.connections.target(target)}
        routed = self.store.with_routes(ConnectionRoutes(self.connections))
        try:
            with Writers(chosen, settings=self.settings, environ=self.environ, tables=self.tables) as writers:
                report = drain(routed, writers, backoff=backoff_of(self.connections), tables=self.tables)
        except ConfigurationError as exc:  # no retry mends it: the deliveries wait for the operator
            log.error("drain of %s: %s; its deliveries wait until this is fixed", target, exc)
            return
        if target in report.busy:
            self._send(
                functools.partial(self.work.drain, target, delay=BUSY_RETRY_SECONDS), f"drain of {target}"
            )

    # -- credentials ---------------------------------------------------------------------------------

    def refresh_credential(self, source: str) -> None:
        if source not in self.connections.source_endpoints:
            return
        endpoint = self.connections.source(source)
        with self.store.holding("credential", f"{endpoint.platform} {url_key(endpoint.base_url)}") as mine:
            if not mine:
                return  # another worker renews it now
            settings = endpoint.settings(self.settings, self.environ)
            with open_client(
                endpoint.platform, endpoint.base_url, self.store, endpoint.options, settings
            ) as client:
                if client.renew_credentials(ahead=REFRESH_AHEAD):
                    log.info("credentials of %s: fresh", source)

    # -- shared --------------------------------------------------------------------------------------

    def _send(self, send: t.Callable[[], None], what: str) -> None:
        """Send a message; a broker that cannot take it now is logged, not raised: the store holds
        what is to be done, and the scheduler's sweeper sends it again."""
        try:
            send()
        except Exception as exc:  # the broker's own errors (redis, pika) have no common base
            log.warning("%s: could not be queued (%s); the sweeper will send it", what, type(exc).__name__)
