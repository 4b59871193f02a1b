"""The connections file (`statebridge.yaml`): the sources statebridge pulls orders from, the
targets it delivers them to, the routes between them and the delivery policy.

`load_connections(path)` reads one and reports every problem at once (`ConnectionsError`);
`find_connections(settings, cwd)` says which file a run uses. See docs/connections.md.
"""

from __future__ import annotations

from .load import (
    CONNECTIONS_ENV,
    DEFAULT_FILE,
    connections_for,
    find_connections,
    load_connections,
    parse_connections,
)
from .model import DEFAULT_METHOD, Connections, DeliveryPolicy, Endpoint, SchedulePolicy, Via, url_key

__all__ = [
    "CONNECTIONS_ENV",
    "DEFAULT_FILE",
    "DEFAULT_METHOD",
    "Connections",
    "DeliveryPolicy",
    "Endpoint",
    "SchedulePolicy",
    "Via",
    "connections_for",
    "find_connections",
    "load_connections",
    "parse_connections",
    "url_key",
]
