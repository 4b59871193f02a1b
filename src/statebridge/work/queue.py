"""What `serve` and the scheduler ask workers to do, as broker messages.

Each kind of work has its own queue, so that a burst of webhooks never holds back the pulls:

- `pulls`: `pull_connection(source, ticket)` pulls one source (one pull at a time per shop);
- `webhooks`: `apply_webhook(entry_id)` applies one recorded delivery to the orders;
- `deliveries`: `drain_target(target)` sends one target's due deliveries;
- `credentials`: `refresh_credential(source)` renews one source's token (one renewal at a time).

A message names the row it is about; the row (in the store) says whether there is still anything
to do. Sending twice is therefore harmless, and the scheduler's sweeper sends again whatever a lost
message left undone.
"""

from __future__ import annotations

import typing as t

import dramatiq

__all__ = ["ACTORS", "QUEUES", "BrokerWork", "Work"]

#: actor name -> queue name.
ACTORS: dict[str, str] = {
    "pull_connection": "pulls",
    "apply_webhook": "webhooks",
    "drain_target": "deliveries",
    "refresh_credential": "credentials",
}
QUEUES: tuple[str, ...] = tuple(dict.fromkeys(ACTORS.values()))


class Work(t.Protocol):
    """Where work is sent."""

    def pull(self, source: str, ticket: int) -> None: ...

    def apply(self, entry_id: int) -> None: ...

    def drain(self, target: str, *, delay: float = 0.0) -> None: ...

    def refresh(self, source: str) -> None: ...


class BrokerWork:
    """`Work` as Dramatiq messages on `broker` (the actors need not be declared on the sender's side)."""

    def __init__(self, broker: dramatiq.Broker) -> None:
        self.broker = broker
        for queue in QUEUES:
            broker.declare_queue(queue)

    def _send(self, actor: str, *args: t.Any, delay: float = 0.0) -> None:
        message: dramatiq.Message[t.Any] = dramatiq.Message(
            queue_name=ACTORS[actor], actor_name=actor, args=args, kwargs={}, options={}
        )
        self.broker.enqueue(message, delay=int(delay * 1000) or None)

    def pull(self, source: str, ticket: int) -> None:
        self._send("pull_connection", source, ticket)

    def apply(self, entry_id: int) -> None:
        self._send("apply_webhook", entry_id)

    def drain(self, target: str, *, delay: float = 0.0) -> None:
        self._send("drain_target", target, delay=delay)

    def refresh(self, source: str) -> None:
        self._send("refresh_credential", source)
