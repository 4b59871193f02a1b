"""Waking the delivery workers instead of an in-process drain, when `serve` has a broker.

Without a broker, `serve` runs the outbox drain in a thread beside it (`delivery/background.py`)
and wakes it after each write that enqueued deliveries. With a broker the workers deliver: a
wake sends one `drain_target` message per target of the connections file (a drain of a target
with nothing due sends nothing, so naming every target costs a message, never a delivery).
A message the broker does not take is not retried here: the delivery is in the outbox, and the
scheduler sends every target's drain on its own schedule.
"""

from __future__ import annotations

import logging
import typing as t

from ..work.queue import Work

__all__ = ["QueuedDrain"]

log = logging.getLogger("statebridge.delivery")


class QueuedDrain:
    """`wake()` asks the workers to drain each of `targets` now."""

    def __init__(self, work: Work, targets: t.Iterable[str]) -> None:
        self.work = work
        self.targets = tuple(targets)

    def wake(self) -> None:
        for target in self.targets:
            try:
                self.work.drain(target)
            except Exception as exc:  # the broker is down: the outbox keeps the delivery
                log.warning(
                    "outbox: could not ask the workers to drain %s (%s); the scheduler will",
                    target,
                    type(exc).__name__,
                )
