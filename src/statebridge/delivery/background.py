"""A drain that runs beside `statebridge serve`: what the endpoint and the webhooks enqueue goes out
within about a second, without a separate process.

One thread drains every target, then waits until `wake()` (called after a write) or `interval`
seconds; a failing target does not stop the others, and a store that cannot be reached is tried
again at the next round. Stopping waits for the delivery in flight, so a server that is shut down
never leaves a send half-recorded (one killed is covered by the outbox, see `drain`).
"""

from __future__ import annotations

import logging
import threading
import typing as t

from ..errors import StatebridgeError
from .drain import Backoff, drain

if t.TYPE_CHECKING:
    from ..mapping import Tables
    from ..store import Store
    from .writer import Writer

__all__ = ["BackgroundDrain"]

log = logging.getLogger("statebridge.delivery")


class BackgroundDrain:
    """Drains `writers`' targets from `store` in a thread, every `interval` seconds or when woken."""

    def __init__(
        self,
        store: Store,
        writers: t.Mapping[str, Writer],
        *,
        backoff: Backoff | None = None,
        interval: float = 1.0,
        tables: Tables | None = None,
    ) -> None:
        self.store = store
        self.tables = tables
        self.writers = writers
        self.backoff = backoff
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._starting = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="statebridge-outbox", daemon=True)
        #: Deliveries made since start (for logs and tests).
        self.delivered = 0

    def start(self) -> None:
        """Start draining (once; a drain without targets never starts)."""
        with self._starting:
            if self.writers and not self._thread.is_alive() and not self._stop.is_set():
                self._thread.start()

    def wake(self) -> None:
        """Drain now (something was enqueued); starts the drain if it was not running."""
        self.start()
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def writers_close(self) -> None:
        """Close the writers' connections (after `stop`)."""
        close = getattr(self.writers, "close", None)
        if close is not None:
            close()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                report = drain(self.store, self.writers, backoff=self.backoff, tables=self.tables)
            except StatebridgeError as exc:
                log.warning("outbox: %s; trying again in %.0f s", exc, self.interval)
            except Exception:  # a bug must not end deliveries for the server's lifetime
                log.exception("outbox: unexpected failure; trying again in %.0f s", self.interval)
            else:
                self.delivered += report.delivered
                for problem in report.parked:
                    log.warning("outbox: parked %s", problem)
            self._wake.wait(self.interval)
