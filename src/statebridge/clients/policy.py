"""How hard a client tries: attempts, backoff with jitter, and reading `Retry-After`.

Retries cover 429, 5xx and transport faults (connection refused or dropped, time-outs); a host
that does not resolve is not retried, a refused connection only briefly (`connect_attempts`); after a 5xx
or a fault once the request was sent, only requests that may be repeated are retried (idempotent
methods, or an `Idempotency-Key`: see `base.py`). The wait before attempt n is a random time in
[0, min(max_delay, base_delay * 2**n)] ("full jitter"), unless the platform said how long to wait
with `Retry-After`, which is always honoured in full.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import random

import httpx

__all__ = ["RetryPolicy", "retry_after_seconds"]


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """Attempts per request, backoff bounds and the time-out of every request."""

    max_attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 30.0
    timeout: float = 30.0
    #: A refused connection (nothing listens there, or not yet) is tried this many times in all,
    #: a couple of seconds at most: a wrong port or a server that is down does not heal in a minute.
    connect_attempts: int = 4
    connect_delay: float = 0.25

    def connect_backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """The wait after refused connection number `attempt` (1-based): 0.25, 0.5, 1 s at most."""
        return (rng or random).uniform(0, min(self.max_delay, self.connect_delay * 2 ** (attempt - 1)))

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """The wait after failed attempt number `attempt` (1-based), with full jitter."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return (rng or random).uniform(0, ceiling)


def retry_after_seconds(response: httpx.Response, *, now: dt.datetime | None = None) -> float | None:
    """`Retry-After` in seconds (a number, possibly fractional as Shopify sends, or an HTTP date)."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        current = now or dt.datetime.now(dt.UTC)
        seconds = (when - current).total_seconds()
    return max(0.0, seconds) if seconds == seconds else None  # NaN guard
