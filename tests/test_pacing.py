"""Shared pacing (clients/pacing.py): `RedisPacer` against the real Redis on 127.0.0.1:6379, its
fallback when Redis is out of reach, and which pacer `pacer_for` picks."""

from __future__ import annotations

import logging
import typing as t
import uuid

import pytest
import redis

from statebridge.clients.pacing import Budget, LocalPacer, RedisPacer, pacer_for
from statebridge.platforms.shopify.client_rest import ShopifyRestClient
from statebridge.settings import Settings

from .standin.shopify import TOKEN, Shop, StandinShopify

REDIS_URL = "redis://127.0.0.1:6379/0"


class Sleeps:
    """A `sleep` that records what it was asked to wait and does not wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def prefix() -> t.Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards (and only they)."""
    name = f"statebridge-test:pace:{uuid.uuid4().hex}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)
    client.close()


def pacer(prefix: str, sleep: Sleeps, **kwargs: t.Any) -> RedisPacer:
    return RedisPacer(REDIS_URL, prefix=prefix, sleep=sleep, **kwargs)


def test_two_pacers_book_one_bucket(prefix: str) -> None:
    """Requests booked through one connection leave less room for another: the state is Redis'."""
    first_sleeps, second_sleeps = Sleeps(), Sleeps()
    first, second = pacer(prefix, first_sleeps), pacer(prefix, second_sleeps)
    first.reconcile("shop", Budget(size=10, rate=2, limit=4))
    for _ in range(4):
        first.before_request("shop")
    assert first_sleeps.waits == []  # four fit the limit of four
    second.before_request("shop")
    second.before_request("shop")
    # the fifth waits for one request to drain (1/2 s), the sixth for two; both are booked already
    assert len(second_sleeps.waits) == 2
    assert 0.4 < second_sleeps.waits[0] <= 0.5
    assert 0.9 < second_sleeps.waits[1] <= 1.0


def test_a_cost_takes_its_share_of_the_bucket(prefix: str) -> None:
    sleeps = Sleeps()
    points = pacer(prefix, sleeps)
    points.reconcile("graphql", Budget(size=1000, rate=50, limit=1000))
    points.before_request("graphql", 800)
    points.before_request("graphql", 400)  # 200 points short: 4 s at 50 a second
    assert len(sleeps.waits) == 1
    assert 3.9 < sleeps.waits[0] <= 4.0


def test_the_servers_report_moves_the_bucket_later(prefix: str) -> None:
    """A report of a fuller bucket than booked (other requests the model missed) is believed."""
    sleeps = Sleeps()
    shared = pacer(prefix, sleeps)
    shared.reconcile("shop", Budget(size=10, rate=2, limit=8, used=8))
    shared.before_request("shop")
    assert len(sleeps.waits) == 1
    assert 0.4 < sleeps.waits[0] <= 0.5


def test_requests_before_the_first_report_are_booked_by_it(prefix: str) -> None:
    sleeps = Sleeps()
    shared = pacer(prefix, sleeps)
    for _ in range(6):
        shared.before_request("shop")  # nothing known yet: not held
    assert sleeps.waits == []
    shared.reconcile("shop", Budget(size=10, rate=2, limit=6, used=1))  # 5 had not arrived yet
    shared.before_request("shop")
    assert len(sleeps.waits) == 1
    assert 0.4 < sleeps.waits[0] <= 0.5


def test_a_hold_off_holds_every_process(prefix: str) -> None:
    first_sleeps, second_sleeps = Sleeps(), Sleeps()
    first, second = pacer(prefix, first_sleeps), pacer(prefix, second_sleeps)
    first.hold_off("shop", 3.0)
    first.hold_off("shop", 1.0)  # never shortens
    second.before_request("shop")
    second.before_request("other shop")
    assert len(second_sleeps.waits) == 1
    assert 2.9 < second_sleeps.waits[0] <= 3.0


def test_keys_are_named_per_shop_and_expire(prefix: str) -> None:
    shared = pacer(prefix, Sleeps(), linger=5.0)
    shared.reconcile("shopify:https://a.example", Budget(size=10, rate=2, limit=8, used=3))
    shared.hold_off("shopify:https://a.example", 2.0)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = sorted(k.decode() for k in client.scan_iter(f"{prefix}:*"))
        assert keys == [f"{prefix}:shopify:https://a.example"]
        ttl = client.ttl(keys[0])
        assert 0 < ttl <= 8  # linger plus the 2 s hold-off (1.5 s of bucket), rounded up
    finally:
        client.close()


def test_an_unreachable_redis_paces_locally_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    sleeps = Sleeps()
    gone = RedisPacer("redis://127.0.0.1:1/0", sleep=sleeps)
    with caplog.at_level(logging.WARNING, logger="statebridge.clients"):
        gone.reconcile("shop", Budget(size=10, rate=2, limit=8, used=3))
        gone.hold_off("shop", 2.0)
        gone.before_request("shop")
        gone.before_request("shop")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "127.0.0.1:1/0" in warnings[0].getMessage()
    assert "each process paces itself" in warnings[0].getMessage()
    # the hold-off still holds, in this process
    assert len(sleeps.waits) == 2
    assert 1.9 < sleeps.waits[0] <= 2.0


def test_an_unreachable_redis_does_not_fail_a_pull(caplog: pytest.LogCaptureFixture) -> None:
    """The client a worker builds from settings naming a Redis that is down still pulls."""

    settings = Settings(shopify_token=TOKEN, redis_url="redis://127.0.0.1:1/0")
    with (
        StandinShopify(Shop(count=30)) as shop,
        ShopifyRestClient(shop.base_url, page_size=10, settings=settings) as client,
    ):
        assert isinstance(client.pacer, RedisPacer)
        pages = list(client.pages(None))
    assert len(pages) == 3


def test_pacer_for_picks_redis_when_settings_name_one() -> None:
    redis_pacer = pacer_for(Settings(redis_url="redis://127.0.0.1:6379/3"))
    assert isinstance(redis_pacer, RedisPacer)
    assert pacer_for(Settings(redis_url="redis://127.0.0.1:6379/3")) is redis_pacer  # one per URL
    from_broker = pacer_for(Settings(broker_url="redis://127.0.0.1:6379/4"))
    assert isinstance(from_broker, RedisPacer)
    assert from_broker is not redis_pacer
    local = pacer_for(Settings(broker_url="amqp://guest:guest@127.0.0.1:5672/"))
    assert isinstance(local, LocalPacer)
    assert pacer_for(Settings()) is local  # process-wide
    # the Redis URL wins over a Redis broker
    both = Settings(redis_url="redis://127.0.0.1:6379/3", broker_url="redis://127.0.0.1:6379/4")
    assert pacer_for(both) is redis_pacer


def test_a_client_takes_the_pacer_it_is_given() -> None:
    given = LocalPacer()
    settings = Settings(shopify_token="shpat_x", redis_url="redis://127.0.0.1:6379/3")
    with ShopifyRestClient("https://a.example", settings=settings, pacer=given) as client:
        assert client.pacer is given
        assert client.pace_key == "shopify:https://a.example"
    with ShopifyRestClient("https://a.example", settings=settings) as client:
        assert isinstance(client.pacer, RedisPacer)
