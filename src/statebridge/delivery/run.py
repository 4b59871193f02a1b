"""Runs of the connections file: `statebridge sync` (pull every source, then drain every target it
feeds) and `statebridge outbox drain` (send what the outbox holds, whoever enqueued it)."""

from __future__ import annotations

import dataclasses
import typing as t

from ..connections.model import url_key
from ..pull import PageReport, PullReport, pull
from .drain import Backoff, DrainReport, drain
from .targets import Writers

if t.TYPE_CHECKING:
    from ..connections import Connections
    from ..mapping import Tables
    from ..settings import Settings
    from ..store import Store

__all__ = ["ConnectionRoutes", "RunReport", "backoff_of", "drain_connections", "sync_connections"]


@dataclasses.dataclass(frozen=True)
class ConnectionRoutes:
    """The store's `Router` over a connections file: the names of the targets of an order."""

    connections: Connections

    def targets(self, platform: str, base_url: str, via: str) -> tuple[str, ...]:
        chosen = self.connections.targets(platform, base_url, "endpoint" if via == "endpoint" else "source")
        return tuple(endpoint.name for endpoint in chosen)

    def writes_to(self, platform: str, base_url: str) -> tuple[str, ...]:
        key = (platform, url_key(base_url))
        return tuple(name for name, target in self.connections.target_endpoints.items() if target.key == key)


def backoff_of(connections: Connections) -> Backoff:
    """The connections file's `delivery:` policy as the drain's backoff."""
    policy = connections.delivery
    return Backoff(policy.max_attempts, policy.base_delay_seconds, policy.max_delay_seconds)


@dataclasses.dataclass
class RunReport:
    """What a run of the connections file did: each source's pull, then the drain."""

    pulls: list[PullReport] = dataclasses.field(default_factory=list)
    drained: DrainReport = dataclasses.field(default_factory=DrainReport)
    #: Deliveries still pending after the run, by target.
    waiting: dict[str, int] = dataclasses.field(default_factory=dict)


def sync_connections(
    connections: Connections,
    store: Store,
    *,
    settings: Settings,
    environ: t.Mapping[str, str],
    sources: t.Sequence[str] | None = None,
    tables: Tables | None = None,
    progress: t.Callable[[str, PageReport], None] | None = None,
    window: t.Mapping[str, t.Any] | None = None,
) -> RunReport:
    """Pull each source (all, or those named), then deliver to every target they feed.

    Each source is pulled with its own credentials and options into a store that enqueues, in each
    page's transaction, a delivery to the targets the routes name; orders of the source stored
    before a route existed are enqueued too (`Store.backfill`). The drain then sends every pending
    delivery of those targets, each once, whatever its backoff (an operator asked for the run).
    `window` holds `pull`'s `since`, `overlap` and `page_size` for every source.
    """
    routed = store.with_routes(ConnectionRoutes(connections))
    names = list(sources) if sources else list(connections.routes)
    report = RunReport()
    targets: dict[str, None] = {}
    for name in names:
        source = connections.source(name)
        shown = None if progress is None else (lambda page, name=name: progress(name, page))
        pulled = pull(
            source.platform,
            source.base_url,
            routed,
            progress=shown,
            client_options=dict(source.options),
            settings=source.settings(settings, environ),
            tables=tables,
            **(window or {}),
        )
        report.pulls.append(pulled)
        for target in connections.routes.get(name, ()):
            store.backfill(target, source.platform, pulled.base_url)
            targets[target] = None
    report.drained, report.waiting = _drain(connections, store, list(targets), settings, environ, tables)
    return report


def drain_connections(
    connections: Connections,
    store: Store,
    *,
    settings: Settings,
    environ: t.Mapping[str, str],
    targets: t.Sequence[str] | None = None,
    tables: Tables | None = None,
) -> RunReport:
    """Send every pending delivery to the targets (all, or those named), whatever enqueued it."""
    names = list(targets) if targets else list(connections.target_endpoints)
    for name in names:
        connections.target(name)  # an unknown name fails before anything is sent
    report = RunReport()
    report.drained, report.waiting = _drain(connections, store, names, settings, environ, tables)
    return report


def _drain(
    connections: Connections,
    store: Store,
    names: list[str],
    settings: Settings,
    environ: t.Mapping[str, str],
    tables: Tables | None,
) -> tuple[DrainReport, dict[str, int]]:
    chosen = {name: connections.target(name) for name in names}
    routed = store.with_routes(ConnectionRoutes(connections))  # changes taken back go to their targets
    with Writers(chosen, settings=settings, environ=environ, tables=tables) as writers:
        drained = drain(routed, writers, backoff=backoff_of(connections), any_time=True, tables=tables)
    waiting = {name: len(store.deliveries(target=name, states=("pending",))) for name in names}
    return drained, {name: count for name, count in waiting.items() if count}
