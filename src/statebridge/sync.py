"""`statebridge sync`: pull a platform's orders, then hand the pulled ones on as DFC.

The pull is the incremental, resumable pull of `pull.py`. What it brought is then written as one
DFC JSON-LD document to a file, or sent order by order to a DFC server's Orders endpoint (POST to
the collection, or PUT to `collection/{id}`). An order the server refuses is reported and the others
still go; nothing pulled is lost, since every order is in the store, and a later `statebridge export`
or sync can send it again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
import tempfile
import typing as t

from .clients import ApiClient
from .clients.dfc_endpoint import DfcEndpointClient
from .dfc import IriMinter, write_document
from .errors import APIError, UsageError
from .mapping import Tables
from .model import Order
from .platforms import get_adapter
from .pull import DEFAULT_OVERLAP, PageReport, PullReport, pull
from .settings import Settings
from .store import Store

__all__ = ["SyncReport", "sync"]


@dataclasses.dataclass
class SyncReport:
    """The pull, and what was handed on."""

    pull: PullReport
    sent: int = 0
    failures: list[str] = dataclasses.field(default_factory=list)


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
    target_client: DfcEndpointClient | None = None,
    progress: t.Callable[[PageReport], None] | None = None,
    page_size: int | None = None,
    client_options: t.Mapping[str, t.Any] | None = None,
    settings: Settings | None = None,
    tables: Tables | None = None,
) -> SyncReport:
    """Pull, then write the pulled orders to `output` or send them to `target` (exactly one).

    Credentials come from `settings` (default: the environment's), status mappings from `tables`
    (default: the shipped ones)."""
    if (output is None) == (target is None and target_client is None):
        msg = "give exactly one of an output file or a DFC target URL"
        raise UsageError(msg)
    name = get_adapter(platform).name
    endpoint = target_client or (
        DfcEndpointClient(target, method=method, settings=settings) if target else None
    )
    try:
        pulled = pull(
            platform,
            base_url,
            store,
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
        minter = IriMinter.for_platform(name, pulled.base_url)
        orders = (s.order for s in store.orders_by_id(name, pulled.base_url, pulled.pulled_ids))
        if output is not None:
            report.sent = _write(orders, minter, output)
        elif endpoint is not None:
            _send(orders, minter, endpoint, report)
    finally:
        if endpoint is not None and target_client is None:
            endpoint.close()
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


def _send(
    orders: t.Iterable[Order], minter: IriMinter, endpoint: DfcEndpointClient, report: SyncReport
) -> None:
    for order in orders:
        try:
            endpoint.send(order, minter)
        except APIError as exc:
            report.failures.append(f"order {order.label}: {exc}")
        else:
            report.sent += 1
