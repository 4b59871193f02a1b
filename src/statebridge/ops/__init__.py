"""Operations: what the work in flight looks like, read from the store at the time it is asked.

`take_snapshot` reads one `Snapshot` (`snapshot`); `exposition` turns it into Prometheus metrics for
`GET /metrics`, and `statebridge status` prints it for people (or as JSON for scripts).
"""

from __future__ import annotations

from .queues import QueueReading, read_queue_depths
from .snapshot import Snapshot, SourceState, TargetState, take_snapshot

__all__ = ["QueueReading", "Snapshot", "SourceState", "TargetState", "read_queue_depths", "take_snapshot"]
