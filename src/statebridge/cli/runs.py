"""The connections file's runs on the command line: `sync` without a PLATFORM, and `outbox drain`."""

from __future__ import annotations

import os
import pathlib
import sys
import typing as t

import click

from .. import progress
from ..settings import Settings
from .exits import EXIT_SKIPPED, EXIT_USAGE, fail, reported
from .options import tables
from .stores import in_store

if t.TYPE_CHECKING:
    from ..connections import Connections
    from ..delivery.run import RunReport
    from ..mapping import Tables
    from ..pull import PageReport
    from ..store import Store

__all__ = ["drain_run", "sync_run"]


def _connections(chosen: Settings) -> Connections:
    from ..connections import connections_for
    from .exits import reported

    with reported():
        connections = connections_for(chosen, pathlib.Path.cwd())
    if not connections:
        fail(
            "no connections file: give PLATFORM --base-url URL with --target or --output, or declare "
            "sources and targets in statebridge.yaml (--connections FILE; see "
            "`statebridge connections check --help`)",
            EXIT_USAGE,
        )
    return connections


def _show_page(name: str, page: PageReport) -> None:
    text = f"{name}: page {page.number}: {page.orders} orders ({page.changed} new or changed)"
    if progress.interactive():
        progress.show_line(text)
    else:
        click.echo(f"statebridge: {text}", err=True)


def _report(report: RunReport) -> None:
    progress.end_line()
    for pulled in report.pulls:
        for rejected in pulled.problems:
            click.echo(f"rejected: {rejected}", err=True)
        click.echo(
            f"pulled {pulled.orders} orders from {pulled.platform} {pulled.base_url}: "
            f"{pulled.changed} new or changed, {len(pulled.problems)} rejected",
            err=True,
        )
    drained = report.drained
    for problem in drained.parked:
        click.echo(f"parked: {problem}", err=True)
    for problem in drained.retrying:
        click.echo(f"not sent: {problem}", err=True)
    for target in drained.busy:
        click.echo(f"busy: another process is delivering to {target}; left to it", err=True)
    waiting = sum(report.waiting.values())
    click.echo(
        f"delivered {drained.delivered}, parked {len(drained.parked)}, "
        f"{waiting} waiting to be retried" + (" (statebridge outbox list)" if waiting else ""),
        err=True,
    )
    if drained.parked or drained.retrying or any(pulled.problems for pulled in report.pulls):
        sys.exit(EXIT_SKIPPED)


def _run(
    connections_file: pathlib.Path | None,
    chosen: Settings,
    action: t.Callable[[Connections, Store, Settings, Tables], RunReport],
    *,
    named: t.Callable[[Connections], object] = lambda connections: None,
) -> None:
    """Load the connections, check the names the command line gave (`named`: a usage error, exit
    2), run `action` on the store, and report it as every run does."""
    with_file = chosen.model_copy(update={"connections": connections_file or chosen.connections})
    connections = _connections(with_file)
    with reported(code=EXIT_USAGE):
        named(connections)
    _report(in_store(with_file, lambda store: action(connections, store, with_file, tables(with_file))))


def sync_run(
    connections_file: pathlib.Path | None,
    sources: tuple[str, ...],
    chosen: Settings,
    window: t.Mapping[str, t.Any] | None = None,
) -> None:
    """`statebridge sync [--source NAME]…`: pull the sources, then deliver to their targets."""
    from ..delivery.run import sync_connections

    _run(
        connections_file,
        chosen,
        lambda connections, store, settings, chosen_tables: sync_connections(
            connections,
            store,
            settings=settings,
            environ=os.environ,
            sources=sources or None,
            tables=chosen_tables,
            progress=_show_page,
            window=window,
        ),
        named=lambda connections: [connections.source(name) for name in sources],
    )


def drain_run(connections_file: pathlib.Path | None, targets: tuple[str, ...], chosen: Settings) -> None:
    """`statebridge outbox drain [--target NAME]…`: send what is pending."""
    from ..delivery.run import drain_connections

    _run(
        connections_file,
        chosen,
        lambda connections, store, settings, chosen_tables: drain_connections(
            connections,
            store,
            settings=settings,
            environ=os.environ,
            targets=targets or None,
            tables=chosen_tables,
        ),
        named=lambda connections: [connections.target(name) for name in targets],
    )
