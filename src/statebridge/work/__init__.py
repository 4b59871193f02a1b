"""Work on a message broker: the actors workers run, the scheduler that feeds them, and the
`Work` queue that `serve` and the scheduler send to. PostgreSQL (or SQLite) stays the record of
what is to be done; the broker only carries the news, and losing it loses nothing."""

from __future__ import annotations

from .broker import open_broker, queue_depths
from .queue import QUEUES, BrokerWork, Work

__all__ = ["QUEUES", "BrokerWork", "Work", "open_broker", "queue_depths"]
