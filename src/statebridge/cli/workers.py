"""`statebridge worker` and `statebridge scheduler`: the connections file run by a fleet of workers.

Both need a broker (`--broker`, `$STATEBRIDGE_BROKER_URL`) and the store every process shares
(PostgreSQL for more than one machine). Without a broker, `statebridge sync` and `serve` do the
same work in-process.
"""

from __future__ import annotations

import os
import pathlib
import signal
import threading
import typing as t

import click

from ..settings import Settings
from .connections import connections_option
from .exits import EXIT_USAGE, fail, reported
from .options import DEFAULT_STORE, store_option
from .stores import open_store

if t.TYPE_CHECKING:
    from ..connections import Connections

__all__ = ["broker_option", "scheduler_command", "worker_command"]

_F = t.TypeVar("_F", bound=t.Callable[..., t.Any])

BROKER_ENV = "STATEBRIDGE_BROKER_URL"


def broker_option(function: _F) -> _F:
    """`--broker URL`, the `broker_url` parameter."""
    return click.option(
        "--broker",
        "broker_url",
        metavar="URL",
        help=f"redis://HOST:6379/0 (Redis) or amqp://USER:PASS@HOST:5672/ (RabbitMQ); default ${BROKER_ENV}.",
    )(function)


def _setup(
    broker_url: str | None, store_url: str | None, connections_file: pathlib.Path | None
) -> tuple[Settings, str, pathlib.Path, Connections]:
    """The settings, the broker's URL (reachable), the connections file and what it declares."""
    from ..connections import connections_for, find_connections
    from ..work.broker import open_broker, redacted

    chosen = Settings.from_env(store=store_url, broker_url=broker_url, connections=connections_file)
    if not chosen.broker_url:
        fail(
            f"no broker: give --broker redis://127.0.0.1:6379/0 (or set {BROKER_ENV}); without one, "
            "`statebridge sync` and `statebridge serve` do this work in-process",
            EXIT_USAGE,
        )
    with reported():
        broker = open_broker(chosen.broker_url)
    try:
        client = getattr(broker, "client", None)
        if client is not None:
            client.ping()
        else:
            broker.declare_queue("pulls")  # RabbitMQ: connects
    except Exception as exc:  # the broker's own errors (redis, pika) have no common base
        fail(
            f"cannot reach the broker at {redacted(chosen.broker_url)}: {exc or type(exc).__name__}",
            EXIT_USAGE,
        )
    finally:
        broker.close()
    with reported():
        path = find_connections(chosen, pathlib.Path.cwd())
        connections = connections_for(chosen, pathlib.Path.cwd())
    if path is None or not connections.source_endpoints:
        fail(
            "no sources to work on: declare them in statebridge.yaml (--connections FILE; see "
            "`statebridge connections check --help`)",
            EXIT_USAGE,
        )
    open_store(chosen).close()  # migrated once here, not raced by every worker
    return chosen, chosen.broker_url, path, connections


class _Stop(threading.Event):
    """Set by SIGTERM (a service manager: exit 0 once stopped) or SIGINT (Ctrl-C: exit 130)."""

    interrupted = False

    def install(self) -> _Stop:
        def handler(signum: int, frame: t.Any) -> None:
            self.interrupted = self.interrupted or signum == signal.SIGINT
            self.set()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)
        return self

    def exit(self) -> None:
        """End the command as the signal asks: Ctrl-C exits 130 with one line, as every command."""
        if self.interrupted:
            raise KeyboardInterrupt


@click.command("worker")
@click.option(
    "--processes", type=click.IntRange(1, 64), default=2, show_default=True, help="Worker processes."
)
@click.option(
    "--threads", type=click.IntRange(1, 64), default=4, show_default=True, help="Threads in each process."
)
@broker_option
@store_option
@connections_option
def worker_command(
    processes: int,
    threads: int,
    broker_url: str | None,
    store_url: str | None,
    connections_file: pathlib.Path | None,
) -> None:
    """Run workers: pull sources, apply webhooks, deliver to targets and renew tokens, as the
    scheduler and `statebridge serve --broker` ask.

    \b
    Each process runs Dramatiq's worker with THREADS threads over four queues: pulls (one pull at a
    time per shop, across every worker), webhooks (deliveries `serve` recorded), deliveries (one
    target's outbox at a time) and credentials. The store (PostgreSQL for more than one machine)
    says what is still to be done; the broker only carries the news. A process that dies is
    replaced; SIGTERM or Ctrl-C lets each finish the messages in hand, then stop.

    \b
    Examples:
      statebridge worker --broker redis://127.0.0.1:6379/0 --store postgresql://db/statebridge
      STATEBRIDGE_BROKER_URL=amqp://guest:guest@127.0.0.1:5672/ statebridge worker --processes 4
    """
    from ..web.server_logging import configure
    from ..work.fleet import WorkerConfig, run_fleet

    chosen, url, path, _ = _setup(broker_url, store_url, connections_file)
    configure()
    config = WorkerConfig(url, chosen.store or DEFAULT_STORE, path, chosen, dict(os.environ), threads)
    stopping = _Stop().install()
    run_fleet(config, processes, stopping=stopping)
    stopping.exit()


@click.command("scheduler")
@click.option(
    "--tick", type=click.FloatRange(0.05, 60), default=1.0, show_default=True, help="Seconds between looks."
)
@click.option(
    "--sweep-after",
    type=click.FloatRange(1, 86400),
    default=30.0,
    show_default=True,
    help="Seconds after which work still undone is sent again (a lost message, a killed worker).",
)
@broker_option
@store_option
@connections_option
def scheduler_command(
    tick: float,
    sweep_after: float,
    broker_url: str | None,
    store_url: str | None,
    connections_file: pathlib.Path | None,
) -> None:
    """Send each source's pull when due, and sweep what lost messages left undone.

    \b
    Run one on each of two machines for availability: only the holder of the store's leader lock
    (a PostgreSQL advisory lock, freed when its process dies) sends; the other takes over. A source
    is pulled every `schedule.pull_every_seconds` of the connections file (default 300), and after
    failed pulls waits `schedule.backoff_base_seconds` doubling up to `backoff_max_seconds`; it is
    never queued twice. Work still undone SWEEP_AFTER seconds after its message was sent (a pull, a
    recorded webhook, a due delivery) is sent again: a broker that lost its data loses nothing.

    \b
    Example:
      statebridge scheduler --broker redis://127.0.0.1:6379/0 --store postgresql://db/statebridge
    """
    from ..web.server_logging import configure
    from ..work.broker import open_broker
    from ..work.queue import BrokerWork
    from ..work.scheduler import Scheduler

    chosen, url, _, connections = _setup(broker_url, store_url, connections_file)
    configure()
    stopping = _Stop().install()
    broker = open_broker(url)
    store = open_store(chosen)
    scheduler = Scheduler(store, connections, BrokerWork(broker), tick=tick, sweep_after=sweep_after)

    def watch() -> None:
        stopping.wait()
        scheduler.stop()

    threading.Thread(target=watch, daemon=True).start()
    try:
        scheduler.run()
    finally:
        broker.close()
        store.close()
    stopping.exit()
