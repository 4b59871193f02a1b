"""`/metrics` and the snapshot behind it (SQLite and PostgreSQL): rows written through the Store API
read back as exact values in Prometheus' text format, served by a real uvicorn; queue depths from
the stub broker and the real Redis; a broker that is down is `statebridge_broker_up 0`; a store that
is down is a 503 problem; `STATEBRIDGE_METRICS_TOKEN` closes the endpoint."""

from __future__ import annotations

import contextlib
import datetime as dt
import typing as t
import uuid
from urllib.parse import urlsplit

import dramatiq
import httpx
import pytest
from dramatiq.brokers.stub import StubBroker
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from statebridge.ops import read_queue_depths, take_snapshot
from statebridge.ops.exposition import registry_of
from statebridge.settings import Settings
from statebridge.store import Store
from statebridge.web import create_app
from statebridge.web.auth import Authenticator
from statebridge.work.broker import open_broker
from statebridge.work.queue import QUEUES, BrokerWork

from .ops_rows import T0, fill, oldest_pending_change
from .serving import running
from .tcp_proxy import TcpProxy

REDIS = "redis://127.0.0.1:6379/15"
NOW = T0 + dt.timedelta(hours=2)  # after every row written (the run takes less than an hour)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    """Every sample of an exposition, keyed by (name, labels)."""
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def one(found: Samples, name: str, **labels: str) -> float:
    return found[(name, frozenset(labels.items()))]


def named(found: Samples, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {labels: value for (each, labels), value in found.items() if each == name}


def exposition(store: Store, broker: dramatiq.Broker | None = None) -> Samples:
    registry = registry_of(lambda: take_snapshot(store, broker=broker, now=NOW))
    return samples(generate_latest(registry).decode())


@contextlib.contextmanager
def served(store: Store, **settings: t.Any) -> t.Iterator[httpx.Client]:
    app = create_app(
        store, settings=Settings(**settings), authenticator=Authenticator.from_env({}), enterprises={}
    )
    with running(app, name="uvicorn-metrics") as url, httpx.Client(base_url=url, timeout=20) as http:
        yield http


def test_the_rows_read_as_exact_metrics(store: Store) -> None:
    ids = fill(store)
    found = exposition(store)
    ts = dt.datetime.timestamp
    # Pulls: shop-a succeeded at T0+10s; shop-b failed at T0+5s and is queued again.
    assert one(found, "statebridge_pull_last_success_timestamp_seconds", source="shop-a") == ts(
        T0 + dt.timedelta(seconds=10)
    )
    assert one(found, "statebridge_pull_lag_seconds", source="shop-a") == 7190.0
    assert one(found, "statebridge_pull_cursor_lag_seconds", source="shop-a") == 40.0
    assert one(found, "statebridge_pull_due_timestamp_seconds", source="shop-a") == ts(T0) + 300
    assert one(found, "statebridge_pull_overdue_seconds", source="shop-a") == 6900.0
    assert one(found, "statebridge_pull_orders_stored_total", source="shop-a") == 3
    assert one(found, "statebridge_pull_rejected_total", source="shop-a") == 1
    assert named(found, "statebridge_pull_failures") == {
        frozenset({("source", "shop-a")}): 0,
        frozenset({("source", "shop-b")}): 1,
    }
    assert named(found, "statebridge_pull_queued") == {
        frozenset({("source", "shop-a")}): 0,
        frozenset({("source", "shop-b")}): 1,
    }
    assert one(found, "statebridge_pull_running", source="shop-b") == 0
    assert one(found, "statebridge_pull_last_failure_timestamp_seconds", source="shop-b") == ts(T0) + 5
    # Never succeeded: no lag sample (rather than a made-up one).
    assert ("statebridge_pull_lag_seconds", frozenset({("source", "shop-b")})) not in found
    assert named(found, "statebridge_rejects") == {
        frozenset({("platform", "shopify")}): 2,
        frozenset({("platform", "spree")}): 1,
    }
    # Inbox: "waiting" and "failing" pending; the oldest pending is "failing" (recorded first).
    received = dt.datetime.fromisoformat(t.cast(t.Any, store.inbox_entry(ids["failing"])).received_at)
    assert one(found, "statebridge_inbox_depth") == 2
    assert one(found, "statebridge_inbox_oldest_pending_age_seconds") == pytest.approx(
        (NOW - received).total_seconds(), abs=1e-6
    )
    assert one(found, "statebridge_inbox_failed_attempts") == 2
    # Outbox: hub has one done, one parked, one pending after a failure; crm three pending.
    deliveries = named(found, "statebridge_outbox_deliveries")
    expected = {
        ("hub", "pending"): 1, ("hub", "parked"): 1, ("hub", "done"): 1, ("hub", "dropped"): 0,
        ("crm", "pending"): 3, ("crm", "parked"): 0, ("crm", "done"): 0, ("crm", "dropped"): 0,
    }  # fmt: skip
    assert deliveries == {frozenset({("target", k), ("state", s)}): v for (k, s), v in expected.items()}
    assert one(found, "statebridge_outbox_failed_attempts", target="hub") == 2
    assert one(found, "statebridge_outbox_failed_attempts", target="crm") == 0
    assert one(found, "statebridge_outbox_delivered_orders_total", target="hub") == 1
    assert one(found, "statebridge_outbox_delivered_orders_total", target="crm") == 0
    for target in ("hub", "crm"):
        age = (NOW - oldest_pending_change(store, target)).total_seconds()
        assert one(found, "statebridge_outbox_oldest_pending_age_seconds", target=target) == pytest.approx(
            age, abs=1e-3
        )
    # No broker given: no broker metrics at all.
    assert not named(found, "statebridge_broker_up")
    assert not named(found, "statebridge_queue_depth")


def test_an_empty_store_reads_as_zeroes(store: Store) -> None:
    found = exposition(store)
    assert one(found, "statebridge_inbox_depth") == 0
    assert one(found, "statebridge_inbox_oldest_pending_age_seconds") == 0
    assert not named(found, "statebridge_outbox_deliveries")
    assert not named(found, "statebridge_pull_failures")


def test_queue_depths_from_the_stub_broker() -> None:
    broker = StubBroker()
    work = BrokerWork(broker)
    work.apply(1)
    work.apply(2)
    work.pull("shop-a", 1)
    reading = read_queue_depths(broker)
    assert reading.depths == {"pulls": 1, "webhooks": 2, "deliveries": 0, "credentials": 0}
    assert reading.error is None


def test_queue_depths_in_the_exposition(tmp_path: t.Any) -> None:
    broker = StubBroker()
    BrokerWork(broker).drain("hub")
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        found = exposition(store, broker)
    assert one(found, "statebridge_broker_up") == 1
    assert named(found, "statebridge_queue_depth") == {
        frozenset({("queue", name)}): (1 if name == "deliveries" else 0) for name in QUEUES
    }


@pytest.fixture
def redis_broker() -> t.Iterator[dramatiq.Broker]:
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS} ({exc})")
    broker = open_broker(REDIS)
    yield broker
    broker.close()


def _send(broker: dramatiq.Broker, queue: str, delay: int | None = None) -> dramatiq.Message[t.Any]:
    message: dramatiq.Message[t.Any] = dramatiq.Message(
        queue_name=queue, actor_name="apply_webhook", args=(0,), kwargs={}, options={}
    )
    return broker.enqueue(message, delay=delay)


def test_queue_depths_from_the_real_redis_count_ready_and_delayed(redis_broker: dramatiq.Broker) -> None:
    queue = f"metrics-test-{uuid.uuid4().hex[:8]}"  # no other test (nor helper) shares it
    redis_broker.declare_queue(queue)
    client = t.cast(t.Any, redis_broker).client
    try:
        _send(redis_broker, queue)
        _send(redis_broker, queue)
        _send(redis_broker, queue, delay=3_600_000)
        assert read_queue_depths(redis_broker, [queue]).depths == {queue: 3}
    finally:
        client.delete(*client.keys(f"dramatiq:{queue}*"))


def test_metrics_over_http_with_the_real_redis(store: Store, redis_broker: dramatiq.Broker) -> None:
    fill(store)
    client = t.cast(t.Any, redis_broker).client
    sent = [_send(redis_broker, "webhooks"), _send(redis_broker, "webhooks")]
    try:
        with served(store, broker_url=REDIS) as http:
            response = http.get("/metrics")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        found = samples(response.text)
    finally:
        for message in sent:  # ours only: the database may be shared with other tests
            client.lrem("dramatiq:webhooks", 0, message.message_id)
            client.hdel("dramatiq:webhooks.msgs", message.message_id)
    assert one(found, "statebridge_broker_up") == 1
    assert {labels for labels in named(found, "statebridge_queue_depth")} == {
        frozenset({("queue", name)}) for name in QUEUES
    }
    assert one(found, "statebridge_queue_depth", queue="webhooks") >= 2
    assert one(found, "statebridge_inbox_depth") == 2
    assert one(found, "statebridge_outbox_deliveries", target="crm", state="pending") == 3
    assert one(found, "statebridge_pull_failures", source="shop-b") == 1


def test_a_broker_that_is_down_is_broker_up_0_not_a_failed_scrape(store: Store) -> None:
    fill(store)
    with served(store, broker_url="redis://127.0.0.1:1/0") as http:
        response = http.get("/metrics")
    assert response.status_code == 200, response.text
    found = samples(response.text)
    assert one(found, "statebridge_broker_up") == 0
    assert not named(found, "statebridge_queue_depth")
    assert one(found, "statebridge_inbox_depth") == 2


def test_the_token_closes_metrics_when_set(tmp_path: t.Any) -> None:
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        with served(store, metrics_token="scrape-me") as http:
            refused = [
                http.get("/metrics"),
                http.get("/metrics", headers={"Authorization": "Bearer wrong"}),
                http.get("/metrics", headers={"Authorization": "Basic c2NyYXBlLW1l"}),
            ]
            allowed = http.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
        with served(store) as http:
            open_ = http.get("/metrics")
    for response in refused:
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "scrape-me" not in response.text
    assert allowed.status_code == 200
    assert "statebridge_inbox_depth 0.0" in allowed.text
    assert open_.status_code == 200


def test_a_store_that_is_down_is_a_503_problem_and_the_scrape_recovers(postgres_url: str) -> None:
    real = urlsplit(postgres_url)
    with TcpProxy((real.hostname or "127.0.0.1", real.port or 5432)) as proxy:
        url = f"postgresql://{real.username}@127.0.0.1:{proxy.port}{real.path}"
        with Store(url) as store, served(store) as http:
            assert http.get("/metrics").status_code == 200
            proxy.stop()
            down = http.get("/metrics")
            proxy.start()
            again = http.get("/metrics")
    assert down.status_code == 503, down.text
    assert down.headers["content-type"] == "application/problem+json"
    assert int(down.headers["Retry-After"]) > 0
    body = down.json()
    assert body["title"] == "Store unavailable"
    assert body["request_id"] == down.headers["X-Request-Id"]
    assert "Traceback" not in down.text
    assert real.path.lstrip("/") not in down.text
    assert again.status_code == 200
