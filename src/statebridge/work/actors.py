"""The four actors, declared on a broker over one `Runtime` (runtime.py holds what they do).

Dramatiq acknowledges a message after its actor returns: a worker killed mid-message leaves it
unacknowledged, and the broker hands it to another worker (Redis: once the dead worker's heartbeat
is older than `heartbeat_timeout`); the scheduler's sweeper sends it again sooner if need be. An
actor that raises (the store down) is retried with Dramatiq's exponential backoff.
"""

from __future__ import annotations

import typing as t

import dramatiq

from .queue import ACTORS

if t.TYPE_CHECKING:
    from .runtime import Runtime

__all__ = ["TIME_LIMITS", "declare_actors"]

#: Milliseconds an actor may run before Dramatiq interrupts it (a large shop's first pull is long).
TIME_LIMITS = {
    "pull_connection": 3_600_000,
    "apply_webhook": 60_000,
    "drain_target": 1_800_000,
    "refresh_credential": 60_000,
}
#: Retries of a message whose actor raised, 1 s to 5 min apart; the sweeper covers the rest.
MAX_RETRIES = 10


def declare_actors(broker: dramatiq.Broker, runtime: Runtime) -> dict[str, dramatiq.Actor[t.Any, t.Any]]:
    """Declare every actor on `broker`, each calling the runtime's method of the same name."""
    declared: dict[str, dramatiq.Actor[t.Any, t.Any]] = {}
    for name, queue in ACTORS.items():
        declared[name] = dramatiq.actor(
            broker=broker,
            actor_name=name,
            queue_name=queue,
            max_retries=MAX_RETRIES,
            min_backoff=1_000,
            max_backoff=300_000,
            time_limit=TIME_LIMITS[name],
        )(getattr(runtime, name))
    return declared
