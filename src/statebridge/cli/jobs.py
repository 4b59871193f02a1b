"""`statebridge pull`, `sync` and `export`: orders pulled from a platform's API into the store, and
out of it as DFC. The store, pull and sync bring sqlalchemy and httpx: imported when a command runs."""

from __future__ import annotations

import datetime as dt
import logging
import pathlib
import sys
import typing as t

import click

from .. import progress
from ..translate import FORMATS
from .connections import connections_option
from .exits import EXIT_SKIPPED, EXIT_USAGE, fail
from .options import client_kwargs, pull_source, pull_window, settings as settings_of, store_option, tables
from .stores import in_store

if t.TYPE_CHECKING:
    from ..pull import PageReport
    from ..settings import Settings
    from ..store import Store

__all__ = ["export_command", "pull_command", "sync_command"]

log = logging.getLogger("statebridge")


def _progress_printer() -> t.Callable[[PageReport], None]:
    interactive = progress.interactive()
    total = 0

    def show(page: PageReport) -> None:
        nonlocal total
        total += page.orders
        cursor = page.cursor.isoformat() if page.cursor else "none"
        text = f"page {page.number}: {page.orders} orders ({total} so far, {page.changed} new or changed"
        text += f", {page.rejected} rejected), cursor {cursor}" if page.rejected else f"), cursor {cursor}"
        if interactive:
            progress.show_line(text)
        else:
            log.info("%s", text)

    return show


def _routed(store: Store, settings: Settings) -> Store:
    """`store`, enqueueing what it stores along the connections file's routes when there is one
    (a `pull` is then a `sync` whose deliveries are left to `outbox drain`, `sync` or `serve`)."""
    from ..connections import connections_for
    from ..delivery.run import ConnectionRoutes

    connections = connections_for(settings, pathlib.Path.cwd())
    return store.with_routes(ConnectionRoutes(connections)) if connections else store


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="statebridge: %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)


@click.command("pull")
@pull_source("The platform's root, e.g. https://SHOP.myshopify.com.")
@pull_window(
    since_help="Pull orders updated since then (ISO 8601), instead of resuming from the stored cursor.",
    overlap_help="Seconds to re-read before the stored cursor (inclusive filters, clock skew).",
    page_size_help="Orders per request (default: the platform's "
    "maximum; lower it when a platform times out on large orders).",
)
def pull_command(
    platform: str,
    base_url: str,
    since: dt.datetime | None,
    overlap: float,
    page_size: int | None,
    store_url: str | None,
    **client_options: str | None,
) -> None:
    """Pull a platform's orders into the store, resuming where the last pull stopped.

    Credentials come from the environment: STATEBRIDGE_SHOPIFY_TOKEN,
    STATEBRIDGE_COMMERCELAYER_CLIENT_ID and _CLIENT_SECRET, STATEBRIDGE_SPREE_TOKEN,
    STATEBRIDGE_RELATUDE_TOKEN. Each page is stored with the cursor in one transaction, so a pull
    that is stopped can simply be run again.
    """
    _configure_logging()
    if since is not None and since.tzinfo is None:
        fail("--since needs an offset, e.g. 2026-05-01T00:00:00+00:00", EXIT_USAGE)
    from ..pull import pull

    options = client_kwargs(platform, client_options)
    settings = settings_of(store=store_url)
    report = in_store(
        settings,
        lambda store: pull(
            platform,
            base_url,
            _routed(store, settings),
            since=since,
            overlap=dt.timedelta(seconds=overlap),
            progress=_progress_printer(),
            page_size=page_size,
            client_options=options,
            settings=settings,
            tables=tables(settings),
        ),
    )
    progress.end_line()
    for problem in report.problems:
        click.echo(f"rejected: {problem}", err=True)
    cursor = report.cursor.isoformat() if report.cursor else "none"
    click.echo(
        f"pulled {report.orders} orders from {report.platform} {report.base_url} in {report.pages} pages: "
        f"{report.changed} new or changed, {len(report.problems)} rejected (kept in the store); "
        f"cursor {cursor}",
        err=True,
    )
    if report.problems:
        sys.exit(EXIT_SKIPPED)


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="jsonld",
    show_default=True,
    help="DFC output format, as for translate.",
)
@click.option("--platform", help="Export only the orders pulled from this platform.")
@store_option
def export_command(fmt: str, platform: str | None, store_url: str | None) -> None:
    """Write every stored order as DFC on stdout, named under the base URL it was pulled from."""
    from ..export import export

    count = in_store(
        settings_of(store=store_url),
        lambda store: export(store, sys.stdout.buffer, fmt=fmt, platform=platform),
        must_exist=True,
    )
    click.echo(f"exported {count} orders", err=True)


@click.command("sync")
@pull_source("The platform's root, as for pull (with PLATFORM).", required=False)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=pathlib.Path),
    help="With PLATFORM: write the pulled orders as one DFC JSON-LD document to this file.",
)
@click.option(
    "--target",
    metavar="URL",
    help="With PLATFORM: deliver the source's orders to this DFC Orders collection "
    "(bearer token from STATEBRIDGE_DFC_TOKEN when the server needs one).",
)
@click.option(
    "--method",
    type=click.Choice(["PUT", "POST"]),
    default="PUT",
    show_default=True,
    help="With --target: PUT each order to TARGET/{id} (POSTed when the server answers 404), or "
    "POST each new order to TARGET; later changes go to the IRI the server gave it.",
)
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="NAME",
    help="Without PLATFORM: pull only this source of the connections file; repeat. Default: all.",
)
@connections_option
@pull_window(since_help="As for pull.", overlap_help="As for pull.", page_size_help="As for pull.")
def sync_command(
    platform: str | None,
    base_url: str | None,
    output: pathlib.Path | None,
    target: str | None,
    method: str,
    sources: tuple[str, ...],
    connections_file: pathlib.Path | None,
    since: dt.datetime | None,
    overlap: float,
    page_size: int | None,
    store_url: str | None,
    **client_options: str | None,
) -> None:
    """Pull, then deliver every new or changed order to its targets through the outbox.

    Without PLATFORM, the connections file (statebridge.yaml) names the sources, the targets and
    the routes between them: each source is pulled, then each target it feeds gets every order
    it does not have in its latest version (platforms through their write APIs, DFC endpoints by
    POST/PUT). With PLATFORM and --base-url, that one source goes to one DFC endpoint (--target)
    or to a file (--output). Every delivery is recorded in the store's outbox: a sync that is
    killed is simply run again, and nothing is sent twice.

    \b
    Examples:
      statebridge sync                                   # every source of ./statebridge.yaml
      statebridge sync --source hodmedod --connections /etc/statebridge/statebridge.yaml
      statebridge sync shopify --base-url https://shop.myshopify.com --output orders.jsonld
      statebridge sync commercelayer --base-url https://acme.commercelayer.io \\
          --target https://hub.example.org/api/dfc/Enterprises/acme/Orders
    """
    _configure_logging()
    if platform is None:
        if base_url or output or target or client_options_given(client_options):
            fail("--base-url, --output, --target and client options go with PLATFORM", EXIT_USAGE)
        from .runs import sync_run

        window = {"since": since, "overlap": dt.timedelta(seconds=overlap), "page_size": page_size}
        sync_run(connections_file, sources, settings_of(store=store_url), window)
        return
    if base_url is None:
        fail("PLATFORM needs --base-url URL", EXIT_USAGE)
    if sources:
        fail("--source names a source of the connections file: give it without PLATFORM", EXIT_USAGE)
    if (output is None) == (target is None):
        fail("give exactly one of --output FILE or --target URL", EXIT_USAGE)
    from ..sync import sync

    options = client_kwargs(platform, client_options)
    settings = settings_of(store=store_url)
    report = in_store(
        settings,
        lambda store: sync(
            platform,
            base_url,
            store,
            output=output,
            target=target,
            method=method,
            since=since,
            overlap=dt.timedelta(seconds=overlap),
            progress=_progress_printer(),
            page_size=page_size,
            client_options=options,
            settings=settings,
            tables=tables(settings),
        ),
    )
    progress.end_line()
    for failure in report.failures:
        click.echo(f"not sent: order {failure.order}: {failure.reason}", err=True)
    where = str(output) if output is not None else target
    click.echo(
        f"pulled {report.pull.orders} orders, {report.sent} written to {where}"
        + (f", {len(report.failures)} refused" if report.failures else "")
        + (f"; {report.waiting} waiting to be retried (statebridge outbox list)" if report.waiting else ""),
        err=True,
    )
    if report.failures or report.pull.problems:
        sys.exit(EXIT_SKIPPED)


def client_options_given(given: t.Mapping[str, t.Any]) -> bool:
    """Whether any platform client option (`--api`, `--flavour`, …) was given."""
    return any(value is not None for value in given.values())
