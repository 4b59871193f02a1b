"""The broker's queue depths, read so that a broker that is down is a finding, not a failure.

`/metrics` and `statebridge status` still answer from the store when the broker cannot be reached:
the reading says so (`error`), and `/metrics` exports `statebridge_broker_up 0` instead of depths.
"""

from __future__ import annotations

import contextlib
import dataclasses
import typing as t

import dramatiq

from ..work.broker import queue_depths
from ..work.queue import QUEUES

__all__ = ["QueueReading", "read_queue_depths"]


@dataclasses.dataclass(frozen=True)
class QueueReading:
    """Messages waiting (ready or delayed) per queue, or why the broker could not tell."""

    depths: t.Mapping[str, int] | None
    error: str | None = None


def read_queue_depths(broker: dramatiq.Broker, queues: t.Iterable[str] = QUEUES) -> QueueReading:
    """The depth of each of `queues` (default: statebridge's four), or the broker's error."""
    try:
        return QueueReading(dict(queue_depths(broker, queues)))
    except _broker_errors() as exc:
        text = str(exc).strip().splitlines()
        return QueueReading(None, f"{type(exc).__name__}: {text[0] if text else 'no detail'}"[:300])


def _broker_errors() -> tuple[type[BaseException], ...]:
    """What a broker that is down, unreachable or refusing raises (the clients are imported only
    when installed: each broker kind brings its own)."""
    errors: list[type[BaseException]] = [OSError, dramatiq.errors.DramatiqError]
    with contextlib.suppress(ImportError):
        import redis

        errors.append(redis.exceptions.RedisError)
    with contextlib.suppress(ImportError):
        import pika  # type: ignore[import-untyped]

        errors.append(pika.exceptions.AMQPError)
    return tuple(errors)
