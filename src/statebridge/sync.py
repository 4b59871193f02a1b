"""`statebridge sync`: pull a platform's orders, then deliver what changed through the outbox.

The pull is the incremental, resumable pull of `pull.py`, into a store that enqueues, in the
transaction of each page, a delivery of every new or changed order to each target (`store.outbox`).
Then the outbox is drained (`delivery.drain`). Orders of the source stored before the target was
named (an earlier `pull`, a run killed before its drain) are enqueued too (`Store.backfill`), so
every order of the source reaches the target, whenever it was pulled, and each exactly once per
version: a second sync sends only what changed since, a killed one resumes where it stopped.

`output` instead writes the orders this pull brought as one DFC JSON-LD document to a file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
import tempfile
import typing as t

from .clients import ApiClient
from .delivery.dfc_writer import DfcWriter
from .delivery.drain import Backoff, DrainReport, Problem, drain
from .delivery.writer import Writer
from .dfc import IriMinter, write_document
from .errors import UsageError
from .mapping import Tables
from .model import Order
from .platforms import get_adapter
from .pull import DEFAULT_OVERLAP, PageReport, PullReport, pull
from .settings import Settings
from .store import Store

__all__ = ["SyncReport", "TargetRoutes", "sync"]


@dataclasses.dataclass
class SyncReport:
    """The pull, and what was handed on."""

    pull: PullReport
    sent: int = 0
    drained: DrainReport = dataclasses.field(default_factory=DrainReport)
    #: Deliveries still pending after the drain (to be retried by a later sync or `outbox drain`).
    waiting: int = 0

    @property
    def failures(self) -> list[Problem]:
        """Every delivery this sync parked or left to retry."""
        return [*self.drained.parked, *self.drained.retrying]


@dataclasses.dataclass(frozen=True)
class TargetRoutes:
    """Routes of one source to targets: what `sync PLATFORM --target URL` declares on the command line."""

    platform: str
    base_url: str
    names: tuple[str, ...]

    def targets(self, platform: str, base_url: str, via: str) -> tuple[str, ...]:
        if via == "source" and (platform, base_url) == (self.platform, self.base_url):
            return self.names
        return ()

    def writes_to(self, platform: str, base_url: str) -> tuple[str, ...]:
        """None: a target given on the command line is a DFC endpoint, not a platform to pull."""
        return ()


def sync(
    platform: str,
    base_url: str,
    store: Store,
    *,
    output: pathlib.Path | None = None,
    target: str | None = None,
    method: str = "PUT",
    since: dt.datetime | None = None,
    overlap: dt.timedelta = DEFAULT_OVERLAP,
    client: ApiClient | None = None,
    writer: Writer | None = None,
    backoff: Backoff | None = None,
    progress: t.Callable[[PageReport], None] | None = None,
    page_size: int | None = None,
    client_options: t.Mapping[str, t.Any] | None = None,
    settings: Settings | None = None,
    tables: Tables | None = None,
) -> SyncReport:
    """Pull, then write the pulled orders to `output`, or deliver every new or changed order of the
    source to the DFC endpoint `target` (its Orders collection URL; `writer` instead for another
    target). Exactly one of them."""
    if (output is None) == (target is None and writer is None):
        msg = "give exactly one of an output file or a DFC target URL"
        raise UsageError(msg)
    name = get_adapter(platform, tables=tables).name
    base = base_url.rstrip("/")
    target_name = target or "target"  # a target given by URL is named by it in the outbox
    own = writer is None and target is not None
    sink = writer or (DfcWriter(target, method=method, settings=settings) if target else None)
    try:
        routed = store.with_routes(TargetRoutes(name, base, (target_name,))) if sink else store
        pulled = pull(
            platform,
            base_url,
            routed,
            since=since,
            overlap=overlap,
            client=client,
            progress=progress,
            page_size=page_size,
            client_options=client_options,
            settings=settings,
            tables=tables,
        )
        report = SyncReport(pulled)
        if sink is None:
            assert output is not None
            minter = IriMinter.for_platform(name, pulled.base_url)
            orders = (s.order for s in store.orders_by_id(name, pulled.base_url, pulled.pulled_ids))
            report.sent = _write(orders, minter, output)
            return report
        store.backfill(target_name, name, pulled.base_url)
        report.drained = drain(store, {target_name: sink}, backoff=backoff, any_time=True, tables=tables)
        report.sent = report.drained.delivered
        report.waiting = len(store.deliveries(target=target_name, states=("pending",)))
    finally:
        if own and sink is not None:
            sink.close()
    return report


def _write(orders: t.Iterable[Order], minter: IriMinter, output: pathlib.Path) -> int:
    """Write atomically: a reader of `output` never sees half a document."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "wb", dir=output.parent, prefix=f".{output.name}.", delete=False
    ) as handle:
        partial = pathlib.Path(handle.name)
        try:
            count = write_document(orders, minter, t.cast(t.BinaryIO, handle))
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    partial.replace(output)
    return count
