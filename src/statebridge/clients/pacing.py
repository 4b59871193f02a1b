"""How the platform clients share a shop's rate limit: the `Pacer` every request goes through.

A platform grants one budget per shop (Shopify: per app and store; Commerce Layer: per IP), but
each worker process only sees its own requests. A `Pacer` keeps the budget's state under a key
per budget (`ApiClient.pace_key`) and every request asks it first:

- `before_request(key, cost)` blocks until the request fits: not before any hold-off set for the
  key, and, once the platform has reported its budget, within it. The request is counted when it
  is *reserved*, before it is sent, so that N processes together stay inside the budget;
- `hold_off(key, seconds)` sets a not-before time for every request on the key (a `Retry-After`,
  a window used up);
- `reconcile(key, budget)` takes what the platform reported (a `Budget`: how big the bucket is,
  how fast it drains, how full it is now), so that the shared state follows the server's.

`LocalPacer` is one process's view: hold-offs only, each client pacing itself from the platform's
signals (the behaviour statebridge always had). `RedisPacer` keeps the
state in Redis for every process. `pacer_for(settings)` picks one; docs/pacing.md has the algorithm.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import typing as t

import redis

from ..settings import Settings

__all__ = ["KEY_PREFIX", "Budget", "LocalPacer", "Pacer", "RedisPacer", "pacer_for", "redis_url"]

log = logging.getLogger("statebridge.clients")

#: Every pacing key in Redis starts with this: `statebridge:pace:{platform}:{base_url}`.
KEY_PREFIX = "statebridge:pace"


@dataclasses.dataclass(frozen=True)
class Budget:
    """A platform's budget as a leaky bucket: `size` units, draining at `rate` units a second.

    `limit` is how full statebridge lets the bucket get (at most `size`: a margin for requests the
    model does not see), `used` how full the platform said it was just now (None: it did not say).
    Shopify REST: requests (`used/size` at 2/s); Shopify GraphQL: query points (`maximumAvailable`
    minus `currentlyAvailable`, at `restoreRate`); Commerce Layer: a sliding window folded into a
    bucket whose burst plus one window's drain stays within `X-Ratelimit-Limit`.
    """

    size: float
    rate: float
    limit: float
    used: float | None = None

    def usable(self) -> bool:
        return self.size > 0 and self.rate > 0 and 0 < self.limit <= self.size


class Pacer(t.Protocol):
    """Where a client's requests wait their turn; one per process, shared by its clients."""

    def before_request(self, key: str, cost: float = 1.0) -> None:
        """Block until a request of `cost` units fits the budget under `key`, and count it."""

    def hold_off(self, key: str, seconds: float) -> None:
        """No request under `key` for `seconds` from now (never shortens a wait already set)."""

    def reconcile(self, key: str, budget: Budget) -> None:
        """Follow what the platform reported about the budget under `key`."""


class LocalPacer:
    """One process's pacing: per-key not-before times, in memory, with this process's clock.

    `reconcile` does nothing: each client turns the platform's signals into hold-offs itself
    (`observe` hooks), as it always has. Thread-safe; `clock` and `sleep` are injectable for tests.
    """

    def __init__(
        self,
        *,
        clock: t.Callable[[], float] = time.monotonic,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._not_before: dict[str, float] = {}

    def before_request(self, key: str, cost: float = 1.0) -> None:
        with self._lock:
            delay = self._not_before.get(key, 0.0) - self._clock()
        if delay > 0:
            self._sleep(delay)

    def hold_off(self, key: str, seconds: float) -> None:
        with self._lock:
            now = self._clock()
            self._not_before[key] = max(self._not_before.get(key, 0.0), now + seconds)
            # forget keys whose hold-off is over, so that a long-lived process holds nothing stale
            for stale in [k for k, until in self._not_before.items() if until < now]:
                del self._not_before[stale]

    def reconcile(self, key: str, budget: Budget) -> None:
        return None


# -- Redis: the same state for every process ---------------------------------------------------------

#: Redis' own clock, so that every process measures time alike (scripts may call TIME since Redis 5).
_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local function keep(tat, nb)
  local last = math.max(tonumber(tat) or 0, tonumber(nb) or 0, now)
  redis.call('EXPIRE', KEYS[1], math.ceil(last - now + tonumber(ARGV[#ARGV])))
end
"""
#: GCRA: `tat` is when the bucket will be empty. A request of `cost` is booked at once (`tat` moves
#: on by cost/rate) and may leave once the bucket, draining until then, holds no more than `limit`
#: with it; ARGV: cost, linger. Answers the seconds to wait. Before the platform has reported its
#: budget, requests are not held but counted (`free`), for the first report to book.
_RESERVE = (
    _NOW
    + """
local h = redis.call('HMGET', KEYS[1], 'tat', 'rate', 'limit', 'nb')
local tat = tonumber(h[1]) or 0
local rate = tonumber(h[2])
local limit = tonumber(h[3])
local start = math.max(now, tonumber(h[4]) or 0)
local at = start
if rate and limit and rate > 0 and limit > 0 then
  local due = math.max(tat, start) + math.min(tonumber(ARGV[1]), limit) / rate
  at = math.max(start, due - limit / rate)
  tat = due
  redis.call('HSET', KEYS[1], 'tat', string.format('%.6f', tat))
else
  redis.call('HINCRBYFLOAT', KEYS[1], 'free', ARGV[1])
end
keep(tat, h[4])
return string.format('%.6f', at - now)
"""
)
#: A not-before time for every request on the key; ARGV: seconds, linger.
_HOLD = (
    _NOW
    + """
local h = redis.call('HMGET', KEYS[1], 'tat', 'nb')
local nb = math.max(tonumber(h[2]) or 0, now + tonumber(ARGV[1]))
redis.call('HSET', KEYS[1], 'nb', string.format('%.6f', nb))
keep(h[1], nb)
return 1
"""
)
#: The platform's report: the bucket's rate and limit, and (ARGV[3], '' when unknown) how full it
#: is, which moves `tat` later when the server counted more than the model; ARGV: rate, limit, used,
#: linger. The first report also books the requests sent before it (`free`): some may not have
#: reached the server when it answered.
_RECONCILE = (
    _NOW
    + """
local rate = tonumber(ARGV[1])
local h = redis.call('HMGET', KEYS[1], 'tat', 'nb', 'rate', 'free')
local tat = tonumber(h[1]) or 0
local used = tonumber(ARGV[3])
if not tonumber(h[3]) then
  used = math.max(used or 0, tonumber(h[4]) or 0)
  redis.call('HDEL', KEYS[1], 'free')
end
redis.call('HSET', KEYS[1], 'rate', ARGV[1], 'limit', ARGV[2])
if used then
  tat = math.max(tat, now + used / rate)
  redis.call('HSET', KEYS[1], 'tat', string.format('%.6f', tat))
end
keep(tat, h[2])
return 1
"""
)


class RedisPacer:
    """The pacing state of every process in Redis at `url`, one hash per key, changed only by Lua
    scripts (atomic: no two processes book the same room in the bucket).

    Each hash (`{prefix}:{key}`) holds the bucket's `rate` and `limit` as last reported, `tat` (GCRA's
    theoretical arrival time: when the bucket would be empty) and `nb` (not before); times are Redis'
    own clock. A hash expires `linger` seconds after the last time it matters, so Redis holds nothing
    stale. When Redis cannot be reached, the pacer logs one warning and paces this process alone
    (`LocalPacer`) for `retry_after` seconds before it tries Redis again: a pull never fails over it.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = KEY_PREFIX,
        linger: float = 60.0,
        retry_after: float = 30.0,
        sleep: t.Callable[[float], None] = time.sleep,
        clock: t.Callable[[], float] = time.monotonic,
    ) -> None:
        self.prefix = prefix
        self.linger = linger
        self.retry_after = retry_after
        self._sleep = sleep
        self._clock = clock
        self._redis = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=1.0)
        self._reserve = self._redis.register_script(_RESERVE)
        self._hold = self._redis.register_script(_HOLD)
        self._reconcile = self._redis.register_script(_RECONCILE)
        #: Pacing of this process alone, while Redis cannot be reached.
        self.local = LocalPacer(clock=clock, sleep=sleep)
        self._down_until: float | None = None
        self._where = url.split("@")[-1]  # host, port and database; never the password

    def close(self) -> None:
        self._redis.close()

    def key(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def before_request(self, key: str, cost: float = 1.0) -> None:
        answer = self._run(self._reserve, key, cost)
        if answer is None:
            self.local.before_request(key, cost)
            return
        delay = float(answer)
        if delay > 0:
            self._sleep(delay)

    def hold_off(self, key: str, seconds: float) -> None:
        if self._run(self._hold, key, seconds) is None:
            self.local.hold_off(key, seconds)

    def reconcile(self, key: str, budget: Budget) -> None:
        if budget.usable():
            used = "" if budget.used is None else f"{max(0.0, budget.used):.6f}"
            self._run(self._reconcile, key, f"{budget.rate:.6f}", f"{budget.limit:.6f}", used)

    def _run(self, script: t.Any, key: str, *args: float | str) -> t.Any:
        """The script's answer, or None while Redis is out of reach (the first failure is logged)."""
        if self._down_until is not None and self._clock() < self._down_until:
            return None
        try:
            answer = script(keys=[self.key(key)], args=[*args, self.linger])
        except redis.RedisError as exc:
            if self._down_until is None:
                log.warning(
                    "shared rate limits: Redis at %s cannot be reached (%s); each process paces itself "
                    "until it can",
                    self._where,
                    type(exc).__name__,
                )
            self._down_until = self._clock() + self.retry_after
            return None
        if self._down_until is not None:
            log.info("shared rate limits: Redis at %s is back", self._where)
            self._down_until = None
        return answer.decode() if isinstance(answer, bytes) else answer


_PROCESS_PACER = LocalPacer()
_REDIS_PACERS: dict[str, Pacer] = {}
_REDIS_LOCK = threading.Lock()


def redis_url(settings: Settings) -> str | None:
    """Where shared pacing state lives: `redis_url`, else `broker_url` when it is Redis, else None."""
    if settings.redis_url:
        return settings.redis_url
    broker = settings.broker_url
    if broker and broker.split("://", 1)[0].lower() in ("redis", "rediss"):
        return broker
    return None


def pacer_for(
    settings: Settings,
    *,
    clock: t.Callable[[], float] = time.monotonic,
    sleep: t.Callable[[float], None] = time.sleep,
) -> Pacer:
    """The pacer `settings` ask for: one `RedisPacer` per Redis URL per process (see `redis_url`),
    else the process-wide `LocalPacer` (a `LocalPacer` of its own for a caller with its own
    `clock` or `sleep`: a test's simulated time)."""
    url = redis_url(settings)
    if url is None:
        if clock is time.monotonic and sleep is time.sleep:
            return _PROCESS_PACER
        return LocalPacer(clock=clock, sleep=sleep)
    with _REDIS_LOCK:
        pacer = _REDIS_PACERS.get(url)
        if pacer is None:
            pacer = _REDIS_PACERS[url] = RedisPacer(url)
        return pacer
