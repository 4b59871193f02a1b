"""`statebridge outbox list|retry|drop`: what waits to be delivered, what was parked and why."""

from __future__ import annotations

import pathlib
import typing as t

import click

from .connections import connections_option
from .options import settings, store_option
from .stores import in_store

if t.TYPE_CHECKING:
    from ..store import DeliveryRow

__all__ = ["outbox_group"]

_SHOWN = ("pending", "parked", "done", "dropped", "all")


@click.group("outbox")
def outbox_group() -> None:
    """The outbox: one delivery per (target, order), kept until the target has the order's latest version.

    \b
    Every change of an order (a pull, a webhook, a write through the DFC endpoint) enqueues a
    delivery to each target the connections file routes it to, in the same transaction that
    stores the change. `statebridge sync` pulls, then sends what is due. A delivery the target
    refuses for good (or after too many failures) is parked with its reason; it stays parked
    until you retry or drop it, or the order changes again.

    \b
    Examples:
      statebridge outbox list                      # what is pending or parked
      statebridge outbox list --state all --target hub
      statebridge outbox retry --target hub        # every parked delivery to hub, due now
      statebridge outbox retry 1001 1002           # those orders (ids or public ids), every target
      statebridge outbox drop --target acme-cl 1003
      statebridge outbox drain                     # send what is pending (statebridge.yaml's targets)
    """


def _line(row: DeliveryRow) -> str:
    version = f"v{row.wanted_version}"
    if row.delivered_version is not None and row.delivered_version != row.wanted_version:
        version += f" (v{row.delivered_version} delivered)"
    text = f"{row.target}\t{row.platform} {row.order_id}\t{row.public_id}\t{row.state}\t{version}"
    if row.state == "pending":
        text += f"\tdue {row.next_attempt_at[:19]}Z"
        if row.attempts:
            text += f", {row.attempts} failed"
    if row.remote_id:
        text += f"\tat target: {row.remote_id}"
    if row.reason and row.state in ("pending", "parked"):
        text += f"\t{row.reason}"
    return text


@outbox_group.command("list")
@click.option("--target", metavar="NAME", help="Only deliveries to this target.")
@click.option(
    "--state",
    type=click.Choice(_SHOWN),
    multiple=True,
    help="Only deliveries in this state; repeat. Default: pending and parked.",
)
@click.argument("orders", nargs=-1, metavar="[ORDER]...")
@store_option
def outbox_list(
    target: str | None, state: tuple[str, ...], orders: tuple[str, ...], store_url: str | None
) -> None:
    """List deliveries: target, order, public id, state, version, and the reason of the last failure."""
    states = None if "all" in state else (state or ("pending", "parked"))
    rows = in_store(
        settings(store=store_url),
        lambda store: store.deliveries(target=target, states=states, orders=orders or None),
        must_exist=True,
    )
    for row in rows:
        click.echo(_line(row))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    summary = ", ".join(f"{count} {name}" for name, count in sorted(counts.items())) or "nothing"
    click.echo(f"{summary} in the outbox", err=True)


def _scope(target: str | None, orders: tuple[str, ...], every: bool) -> None:
    if not (target or orders or every):
        msg = "name a --target, some ORDERs, or --all"
        raise click.UsageError(msg)


@outbox_group.command("retry")
@click.option("--target", metavar="NAME", help="Only deliveries to this target.")
@click.option("--all", "every", is_flag=True, help="Every parked or dropped delivery.")
@click.argument("orders", nargs=-1, metavar="[ORDER]...")
@store_option
def outbox_retry(target: str | None, every: bool, orders: tuple[str, ...], store_url: str | None) -> None:
    """Make parked (or dropped) deliveries pending again, due now, with a clean failure count.

    ORDER is an order id or the public id `outbox list` shows. The next `statebridge sync` (or
    `statebridge outbox drain`) sends them.
    """
    _scope(target, orders, every)
    count = in_store(
        settings(store=store_url),
        lambda store: store.retry(target=target, orders=orders or None),
        must_exist=True,
    )
    click.echo(f"{count} deliveries pending again", err=True)


@outbox_group.command("drop")
@click.option("--target", metavar="NAME", help="Only deliveries to this target.")
@click.option("--all", "every", is_flag=True, help="Every pending or parked delivery.")
@click.argument("orders", nargs=-1, metavar="[ORDER]...")
@store_option
def outbox_drop(target: str | None, every: bool, orders: tuple[str, ...], store_url: str | None) -> None:
    """Give up pending or parked deliveries: they are not sent, until the order changes again."""
    _scope(target, orders, every)
    count = in_store(
        settings(store=store_url),
        lambda store: store.drop(target=target, orders=orders or None),
        must_exist=True,
    )
    click.echo(f"{count} deliveries dropped", err=True)


@outbox_group.command("drain")
@click.option("--target", "targets", multiple=True, metavar="NAME", help="Only this target; repeat.")
@connections_option
@store_option
def outbox_drain(
    targets: tuple[str, ...], connections_file: pathlib.Path | None, store_url: str | None
) -> None:
    """Send every pending delivery to the connections file's targets (whatever enqueued it: a pull,
    a webhook, the DFC endpoint), each once; report what was parked and what waits."""
    from .runs import drain_run

    drain_run(connections_file, targets, settings(store=store_url))
