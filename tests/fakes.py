"""Fakes shared by the client tests."""

from __future__ import annotations

import typing as t

import httpx


class FakeTime:
    """A clock that moves only when the client sleeps on it (or a test moves `now`), recording sleeps.

    Clients take `sleep=` and `clock=`, so pacing, backoff and `Retry-After` are tested without
    waiting. `digits`, when given, rounds each recorded sleep (never the clock itself), so that a test
    can compare sleeps computed from rates with exact numbers.
    """

    def __init__(self, *, digits: int | None = None) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._digits = digits

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds if self._digits is None else round(seconds, self._digits))
        self.now += seconds


class ThrottledOnce:
    """A respx side effect: a 429 with `Retry-After`, then 200 with `body` as JSON, on every later request.

    `sent_at` holds the `FakeTime` at which each request arrived, so a test can check that the
    client waited the whole `Retry-After` before it asked again.
    """

    def __init__(self, time: FakeTime, retry_after: str, body: t.Any) -> None:
        self.time = time
        self.retry_after = retry_after
        self.body = body
        self.sent_at: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent_at.append(self.time.now)
        if len(self.sent_at) == 1:
            return httpx.Response(429, headers={"Retry-After": self.retry_after})
        return httpx.Response(200, json=self.body)
