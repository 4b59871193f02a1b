"""Incremental pull: a platform's orders into the store, page by page, resumable at any point.

A pull starts from the stored cursor (the newest `updated_at` already pulled) minus an overlap
window, because the platforms' `updated_at` filters are inclusive and their clocks and ours
differ. Each page is translated and written together with the new cursor in one transaction, so a
pull killed at any moment and started again loses nothing (the cursor never passes an order not
yet stored) and duplicates nothing (orders are upserted on their key, newer `updated_at` wins).

Orders that cannot be translated (a status the tables do not know) are not lost either: their raw
payload is kept in the store's `rejects` with the reason, and the pull goes on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing as t

from .clients import ApiClient, Page, client_for
from .mapping import Tables
from .pipeline import outcomes, partition
from .platforms import Adapter, get_adapter
from .position import Position
from .reading import Document
from .settings import Settings
from .store import Store

__all__ = ["DEFAULT_OVERLAP", "PageReport", "PullReport", "pull"]

DEFAULT_OVERLAP = dt.timedelta(minutes=5)


@dataclasses.dataclass(frozen=True)
class PageReport:
    """What one page brought: for progress output."""

    number: int
    orders: int
    changed: int
    rejected: int
    cursor: dt.datetime | None


@dataclasses.dataclass
class PullReport:
    """What a whole pull did."""

    platform: str
    base_url: str
    started_from: dt.datetime | None = None
    pages: int = 0
    orders: int = 0
    changed: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)
    cursor: dt.datetime | None = None
    pulled_ids: list[str] = dataclasses.field(default_factory=list)


def open_client(
    platform: str,
    base_url: str,
    store: Store,
    client_options: t.Mapping[str, t.Any] | None = None,
    settings: Settings | None = None,
) -> ApiClient:
    """The platform's API client for the shop at `base_url`, with its credentials from `settings`."""
    options = {**(client_options or {}), **({"settings": settings} if settings is not None else {})}
    if get_adapter(platform).name == "shopify":  # rotating refresh tokens live in the store
        options.setdefault("store", store)
    return client_for(platform, base_url, **options)


def pull(
    platform: str,
    base_url: str,
    store: Store,
    *,
    since: dt.datetime | None = None,
    overlap: dt.timedelta = DEFAULT_OVERLAP,
    client: ApiClient | None = None,
    progress: t.Callable[[PageReport], None] | None = None,
    page_size: int | None = None,
    client_options: t.Mapping[str, t.Any] | None = None,
    settings: Settings | None = None,
    tables: Tables | None = None,
) -> PullReport:
    """Pull every order updated since the cursor (or `since`) into `store`, translated with
    `tables` (default: the shipped mapping tables).

    `client_options` go to the platform's client (`api`, `auth_url`, `flavour`, …) when `client` is
    not given, with its credentials from `settings` (default: the environment's).
    """
    adapter = get_adapter(platform, tables=tables)
    name = adapter.name
    base_url = base_url.rstrip("/")
    cursor = store.cursor(name, base_url)
    start = since if since is not None else (cursor - overlap if cursor is not None else None)
    report = PullReport(name, base_url, started_from=start, cursor=cursor)
    owned = client is None
    options = {**(client_options or {}), **({"page_size": page_size} if page_size else {})}
    api = client or open_client(platform, base_url, store, options, settings)
    try:
        for number, page in enumerate(api.pages(start), start=1):
            report.pages = number
            _save(page, number, adapter, store, report, progress)
    finally:
        if owned:
            api.close()
    return report


def _save(
    page: Page,
    number: int,
    adapter: Adapter,
    store: Store,
    report: PullReport,
    progress: t.Callable[[PageReport], None] | None,
) -> None:
    documents = [Document(Position.of(page.position), page.document)]
    items, rejects = partition(outcomes(adapter, documents), page.document)
    report.problems.extend(reason for _, reason, _ in rejects)
    newest = max((o.updated_at for o, _ in items if o.updated_at is not None), default=None)
    if newest is not None and (report.cursor is None or newest > report.cursor):
        report.cursor = newest
    changed = store.save_page(report.platform, report.base_url, items, cursor=report.cursor, rejects=rejects)
    report.orders += len(items)
    report.changed += changed
    report.pulled_ids.extend(order.id for order, _ in items)
    if progress is not None:
        progress(PageReport(number, len(items), changed, len(rejects), report.cursor))
