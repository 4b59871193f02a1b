"""`statebridge worker`: N worker processes, each running Dramatiq's worker with M threads.

The parent starts the processes (spawned, so nothing of its own state leaks into them), restarts one
that dies (a crash, the OOM killer, kill -9) after a short pause, and on SIGTERM or Ctrl-C asks
each to stop: a process stops taking messages, lets its threads finish the ones in hand (Dramatiq
acknowledges a message only after its actor returns), and exits. Children ignore SIGINT, so that a
Ctrl-C at a terminal reaches them once, through the parent.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import multiprocessing.process
import pathlib
import signal
import threading
import time

from ..settings import Settings

__all__ = ["WorkerConfig", "run_fleet", "worker_main"]

log = logging.getLogger("statebridge.worker")

#: Seconds a stopping worker may take to finish the messages in hand.
STOP_TIMEOUT = 30.0
#: Seconds between a worker's death and its replacement.
RESTART_PAUSE = 1.0


@dataclasses.dataclass(frozen=True)
class WorkerConfig:
    """What a worker process needs (picklable: it crosses to a spawned process)."""

    broker_url: str
    store_url: str
    connections: pathlib.Path
    settings: Settings
    environ: dict[str, str]
    threads: int = 4


def worker_main(config: WorkerConfig, number: int) -> None:
    """One worker process: declare the actors over the store, run until SIGTERM."""
    import dramatiq

    from ..connections import load_connections
    from ..mapping import SHIPPED, Tables
    from ..store import Store
    from ..web.server_logging import configure
    from .actors import declare_actors
    from .broker import open_broker
    from .queue import QUEUES, BrokerWork
    from .runtime import Runtime

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    configure()
    logging.getLogger("dramatiq").setLevel(logging.WARNING)
    broker = open_broker(config.broker_url)
    store = Store(config.store_url)
    tables = SHIPPED if config.settings.mappings is None else Tables(config.settings.mappings)
    runtime = Runtime(
        store,
        load_connections(config.connections),
        config.settings,
        config.environ,
        BrokerWork(broker),
        tables,
    )
    declare_actors(broker, runtime)
    worker = dramatiq.Worker(broker, worker_threads=config.threads, queues=set(QUEUES))
    worker.start()
    log.info("worker %d: ready (%d threads)", number, config.threads)
    stop.wait()
    worker.stop(timeout=int(STOP_TIMEOUT * 1000))
    broker.close()
    store.close()


def run_fleet(config: WorkerConfig, processes: int, *, stopping: threading.Event | None = None) -> int:
    """Run `processes` workers until `stopping` is set (the CLI sets it on SIGTERM and Ctrl-C);
    a worker that dies is replaced. Returns when every worker has stopped."""
    context = multiprocessing.get_context("spawn")
    stopping = stopping or threading.Event()
    running: dict[int, multiprocessing.process.BaseProcess] = {}

    def start(number: int) -> None:
        process = context.Process(
            target=worker_main, args=(config, number), name=f"statebridge-worker-{number}"
        )
        process.start()
        running[number] = process
        log.info("worker %d: started (pid %s)", number, process.pid)

    for number in range(1, processes + 1):
        start(number)
    while not stopping.wait(0.2):
        for number, process in list(running.items()):
            if process.exitcode is not None:
                log.warning(
                    "worker %d (pid %s) died (%s); starting another", number, process.pid, _ended(process)
                )
                time.sleep(RESTART_PAUSE)
                start(number)
    for process in running.values():
        if process.exitcode is None:
            process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT + 5
    for number, process in running.items():
        process.join(max(0.0, deadline - time.monotonic()))
        if process.exitcode is None:
            log.warning("worker %d (pid %s) did not stop in time; killed", number, process.pid)
            process.kill()
            process.join()
    return 0


def _ended(process: multiprocessing.process.BaseProcess) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"exit status {code}"
