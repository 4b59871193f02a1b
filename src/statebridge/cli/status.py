"""`statebridge status`: the work in flight, read from the store (and the broker), for people or scripts."""

from __future__ import annotations

import datetime as dt
import typing as t

import click

from ..settings import Settings
from .exits import reported
from .options import store_option
from .stores import in_store

if t.TYPE_CHECKING:
    from ..ops import Snapshot, SourceState, TargetState

__all__ = ["status_command"]


@click.command("status")
@store_option
@click.option(
    "--broker",
    "broker_url",
    metavar="URL",
    help="redis://… or amqp://…: also show its queue depths (default: $STATEBRIDGE_BROKER_URL, else none).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout, for scripts.")
def status_command(store_url: str | None, broker_url: str | None, as_json: bool) -> None:
    """Show what is in flight: each source's pulls, each target's outbox, the webhook inbox, the queues.

    \b
    Per source (a line each): when its next pull is due (and whether one is queued or running),
    when its last pull succeeded, the lag (time since then) and the cursor lag (how far behind
    the newest order it read was), the failures in a row and the last failure's reason.
    Per target: deliveries pending (and how long the oldest has waited), parked, done, dropped;
    `statebridge outbox list` shows them one by one. Then the webhook deliveries not yet applied,
    the rejected payloads kept by platform, and, with a broker, the messages waiting per queue.

    \b
    The store is the system of record: every worker writes its progress there, so this shows the
    same truth whichever machine runs it, and what GET /metrics exports to Prometheus.

    \b
    Examples:
      statebridge status
      statebridge status --store postgresql://statebridge@db/statebridge --broker redis://redis:6379/0
      statebridge status --json | jq '.targets[] | select(.counts.parked > 0) | .target'
    """
    import orjson

    from ..ops import take_snapshot

    settings = Settings.from_env(store=store_url, broker_url=broker_url)
    broker = _broker(settings.broker_url)
    try:
        snapshot = in_store(settings, lambda store: take_snapshot(store, broker=broker), must_exist=True)
    finally:
        if broker is not None:
            broker.close()
    if as_json:
        click.echo(orjson.dumps(snapshot.as_json(), option=orjson.OPT_INDENT_2).decode())
        return
    for line in describe(snapshot):
        click.echo(line)


def _broker(url: str | None) -> t.Any:
    if url is None:
        return None
    from ..work.broker import open_broker

    with reported():  # a URL of an unknown kind: one line, naming the kinds there are
        return open_broker(url)


def describe(snapshot: Snapshot) -> t.Iterator[str]:
    """The human summary, a line per source and per target."""
    now = snapshot.taken_at
    yield (
        "sources:"
        if snapshot.sources
        else "sources: none planned yet (the scheduler plans the connections file's)"
    )
    for source in snapshot.sources:
        yield "  " + _source_line(source, now)
    yield "targets:" if snapshot.targets else "targets: nothing in the outbox"
    for target in snapshot.targets:
        yield "  " + _target_line(target)
    inbox = f"inbox: {snapshot.inbox_depth} pending"
    if snapshot.inbox_oldest_seconds is not None:
        inbox += f" (oldest {duration(snapshot.inbox_oldest_seconds)})"
    if snapshot.inbox_failed_attempts:
        inbox += f", {snapshot.inbox_failed_attempts} failed attempts"
    yield inbox
    rejects = ", ".join(f"{platform} {count}" for platform, count in snapshot.rejects.items())
    yield f"rejects: {rejects or 'none'}"
    yield _queues_line(snapshot)


def _source_line(source: SourceState, now: dt.datetime) -> str:
    wait = (source.due_at - now).total_seconds()
    due = (
        f"due in {duration(wait)}" if wait >= 1 else f"due {duration(-wait)} ago" if wait <= -1 else "due now"
    )
    if source.running:
        due += " (running)"
    elif source.queued:
        due += " (queued)"
    parts = [source.source, due]
    if source.last_success_at is None:
        parts.append("never succeeded")
    else:
        parts.append(f"last success {_moment(source.last_success_at)}")
        parts.append(f"lag {duration(source.lag_seconds or 0.0)}")
    if source.cursor_lag_seconds is not None:
        parts.append(f"cursor lag {duration(source.cursor_lag_seconds)}")
    parts.append(f"failures {source.failures}")
    parts.append(f"stored {source.orders_stored}, rejected {source.rejected}")
    if source.failures and source.reason:
        parts.append(f"last failure {_moment(source.last_failure_at)}: {source.reason}")
    return "  ".join(parts)


def _target_line(target: TargetState) -> str:
    pending = f"pending {target.counts.get('pending', 0)}"
    if target.oldest_pending_seconds is not None:
        pending += f" (oldest {duration(target.oldest_pending_seconds)})"
    parts = [target.target, pending]
    parts.extend(f"{state} {count}" for state, count in target.counts.items() if state != "pending")
    if target.failed_attempts:
        parts.append(f"failed attempts {target.failed_attempts}")
    return "  ".join(parts)


def _queues_line(snapshot: Snapshot) -> str:
    if snapshot.queues is None:
        return "queues: no broker (--broker or STATEBRIDGE_BROKER_URL)"
    if snapshot.queues.depths is None:
        return f"queues: the broker did not answer ({snapshot.queues.error})"
    return "queues: " + ", ".join(f"{queue} {depth}" for queue, depth in snapshot.queues.depths.items())


def _moment(moment: dt.datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def duration(seconds: float) -> str:
    """`seconds` in the two largest units: 42s, 4m 05s, 3h 02m, 2d 05h."""
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"
