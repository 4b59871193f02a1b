"""Orders written through the endpoint go on to the enterprise's platform, through the outbox.

The store enqueues a delivery of each order written for an enterprise that the connections file
makes a target (`enterprise:`), in the write's transaction. Here the background drain is woken so
that it goes out at once, and each answer says where the order stands at each target:

    Statebridge-Delivery: acme-shop=pending

(`pending` until the platform has it, then `done`; `parked` with the reason in `statebridge outbox
list` when the platform refused it). A GET says the same, so a hub can follow an order there.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from ..store import Store, StoredOrder

__all__ = ["DELIVERY_HEADER", "Drain", "Forwarding"]

DELIVERY_HEADER = "Statebridge-Delivery"


class Drain(t.Protocol):
    """What sends the outbox: the in-process `BackgroundDrain`, or `QueuedDrain` (the workers)."""

    def wake(self) -> None: ...


class Forwarding:
    """Wakes the drain after a write and reports an order's deliveries in a header."""

    def __init__(self, store: Store, drain: Drain | None = None) -> None:
        self.store = store
        self.drain = drain

    def status(self, stored: StoredOrder) -> dict[str, str]:
        """`{DELIVERY_HEADER: "target=state, …"}` for an order with deliveries, else `{}`."""
        if self.drain is None:
            return {}
        rows = self.store.deliveries(orders=[stored.public_id])
        if not rows:
            return {}
        return {DELIVERY_HEADER: ", ".join(f"{row.target}={row.state}" for row in rows)}

    def written(self, stored: StoredOrder) -> dict[str, str]:
        """After a write of `stored`: send what it enqueued now; its delivery header."""
        headers = self.status(stored)
        if headers and self.drain is not None:
            self.drain.wake()
        return headers
