"""The broker a URL names: Redis (`redis://…`, the default kind), RabbitMQ (`amqp://…`), or
Dramatiq's in-memory stub (`stub:`) for tests and single-process runs."""

from __future__ import annotations

import typing as t
import urllib.parse

import dramatiq
from dramatiq.brokers.stub import StubBroker

from ..errors import ConfigurationError

__all__ = ["SCHEMES", "open_broker", "queue_depths", "redacted"]

#: The URL schemes `open_broker` takes.
SCHEMES = ("redis", "rediss", "amqp", "amqps", "stub")


def redacted(url: str) -> str:
    """`url` without its password, for messages and logs."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def open_broker(url: str, *, middleware: list[dramatiq.Middleware] | None = None) -> dramatiq.Broker:
    """The broker at `url`; a `ConfigurationError` naming the URL (without its password) and the
    schemes taken when the scheme is none of them. Nothing is connected yet for Redis (the first
    command connects); RabbitMQ connects when a queue is declared."""
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme in ("redis", "rediss"):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url, middleware=middleware)  # type: ignore[no-untyped-call]
    if scheme in ("amqp", "amqps"):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=url, middleware=middleware)
    if scheme == "stub":
        return StubBroker(middleware=middleware)
    msg = (
        f"broker URL {redacted(url)!r}: scheme {scheme or '(none)'!r} is not one of "
        f"{', '.join(SCHEMES)} (redis://127.0.0.1:6379/0, amqp://guest:guest@127.0.0.1:5672/)"
    )
    raise ConfigurationError(msg)


def queue_depths(broker: dramatiq.Broker, queues: t.Iterable[str]) -> dict[str, int]:
    """Messages waiting (ready or delayed) in each queue, as far as the broker tells."""
    depths: dict[str, int] = {}
    for queue in queues:
        if isinstance(broker, StubBroker):
            depths[queue] = broker.queues[queue].qsize() if queue in broker.queues else 0
            depths[queue] += broker.queues[f"{queue}.DQ"].qsize() if f"{queue}.DQ" in broker.queues else 0
        elif type(broker).__name__ == "RedisBroker":
            client = t.cast(t.Any, broker).client
            depths[queue] = int(client.llen(f"dramatiq:{queue}")) + int(client.llen(f"dramatiq:{queue}.DQ"))
        elif type(broker).__name__ == "RabbitmqBroker":
            ready, delayed, _ = t.cast(t.Any, broker).get_queue_message_counts(queue)
            depths[queue] = int(ready) + int(delayed)
    return depths
