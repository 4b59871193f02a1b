"""The actors' bodies over a real store and a stand-in shop, and the actors run by Dramatiq's worker
through the real Redis and RabbitMQ brokers: a pull runs once per ticket, never while another
worker pulls the shop, and a failure is recorded with its backoff."""

from __future__ import annotations

import datetime as dt
import typing as t
import uuid

import dramatiq
import pytest

from statebridge.connections import Connections, Endpoint, SchedulePolicy
from statebridge.errors import ConfigurationError
from statebridge.settings import Settings
from statebridge.store import Store
from statebridge.work import BrokerWork, open_broker
from statebridge.work.actors import declare_actors
from statebridge.work.runtime import Runtime

from .serving import wait_until
from .standin.shopify import TOKEN, Shop, StandinShopify
from .test_scheduler import Sent

ENV = {"SHOP_TOKEN": TOKEN}


def _connections(url: str) -> Connections:
    shop = Endpoint("shop", "shopify", url, credentials={"token": "SHOP_TOKEN"})
    hub = Endpoint("hub", "dfc", "https://hub.example.org/api/dfc/Orders", credentials={"token": "H"})
    schedule = SchedulePolicy(pull_every_seconds=60, backoff_base_seconds=10, backoff_max_seconds=40)
    return Connections(sources=[shop], targets=[hub], routes={"shop": ["hub"]}, schedule=schedule)


def _runtime(store: Store, url: str, work: t.Any, environ: t.Mapping[str, str] = ENV) -> Runtime:
    return Runtime(store, _connections(url), Settings(), environ, work)


def _claim(store: Store) -> int:
    now = dt.datetime.now(dt.UTC)
    store.plan_pulls(["shop"], now)
    [(source, ticket)] = store.claim_due(now)
    assert source == "shop"
    return ticket


def test_a_pull_runs_once_per_ticket_and_asks_for_its_targets_drain(store: Store) -> None:
    work = Sent()
    with StandinShopify(Shop(count=12)) as standin:
        runtime = _runtime(store, standin.base_url, work)
        ticket = _claim(store)
        runtime.pull_connection("shop", ticket)
        served = standin.pages_served
        runtime.pull_connection("shop", ticket)  # the same message again: its ticket has ended
        assert standin.pages_served == served == 1
    assert store.count() == 12
    assert len(store.deliveries(target="hub", states=("pending",))) == 12
    state = store.pull_state("shop")
    assert state is not None
    assert (state.queued_at, state.failures, state.orders_stored) == (None, 0, 12)
    assert dt.datetime.fromisoformat(state.due_at) > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=50)
    assert work.of("drain") == ["hub"]


def test_no_pull_while_another_worker_pulls_the_shop(store: Store) -> None:
    with StandinShopify(Shop(count=3)) as standin:
        runtime = _runtime(store, standin.base_url, Sent())
        ticket = _claim(store)
        with store.holding("pull", f"shopify {standin.base_url.rstrip('/')}") as held:
            assert held
            runtime.pull_connection("shop", ticket)
            assert standin.pages_served == 0
        runtime.pull_connection("shop", ticket)  # the holder is gone: this one pulls
        assert standin.pages_served == 1


def test_a_failed_pull_is_recorded_with_its_reason_and_backoff(store: Store) -> None:
    with StandinShopify(Shop(count=3)) as standin:
        runtime = _runtime(store, standin.base_url, Sent(), environ={"SHOP_TOKEN": "shpat_wrong"})
        ticket = _claim(store)
        before = dt.datetime.now(dt.UTC)
        runtime.pull_connection("shop", ticket)
    state = store.pull_state("shop")
    assert state is not None
    assert state.failures == 1
    assert state.queued_at is None
    assert "401" in (state.reason or "")
    assert "shpat_wrong" not in (state.reason or "")
    due = dt.datetime.fromisoformat(state.due_at)
    assert before + dt.timedelta(seconds=9) < due < before + dt.timedelta(seconds=15)


@pytest.mark.parametrize(
    "broker_url",
    ["redis://127.0.0.1:6379/12", "amqp://guest:guest@127.0.0.1:5672/"],
    ids=["redis", "rabbitmq"],
)
def test_dramatiq_workers_run_the_pull_sent_through_the_broker(store: Store, broker_url: str) -> None:
    broker = open_broker(broker_url)
    broker.flush_all()
    try:
        with StandinShopify(Shop(count=7)) as standin:
            work = BrokerWork(broker)
            runtime = _runtime(store, standin.base_url, work)
            declare_actors(broker, runtime)
            worker = dramatiq.Worker(broker, worker_threads=2)
            worker.start()
            try:
                work.pull("shop", _claim(store))
                wait_until("the worker pulled the shop", lambda: _pulled(store), timeout=30)
                assert store.count() == 7
            finally:
                worker.stop()
    finally:
        broker.flush_all()
        broker.close()


def _pulled(store: Store) -> bool:
    state = store.pull_state("shop")
    return state is not None and state.last_success_at is not None


def test_an_unknown_broker_scheme_names_the_ones_taken_without_the_password() -> None:
    secret = f"secret-{uuid.uuid4()}"
    with pytest.raises(
        ConfigurationError, match=r"'kafka' is not one of redis, rediss, amqp, amqps, stub"
    ) as caught:
        open_broker(f"kafka://user:{secret}@host/")
    assert secret not in str(caught.value)


def test_a_token_about_to_expire_is_renewed_once_by_the_worker_the_scheduler_asks(store: Store) -> None:
    """A public app's offline token (1 h, rotating refresh token): the scheduler asks for its renewal
    10 minutes ahead, once per sweep; the worker renews it through the store (shared by all)."""
    from statebridge.work.scheduler import Scheduler

    from .standin.shopify_oauth import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, OAuthIssuer

    issuer = OAuthIssuer(offline_lifetime=3600)
    environ = {"ID": CLIENT_ID, "SECRET": CLIENT_SECRET, "REFRESH": REFRESH_TOKEN}
    with StandinShopify(Shop(count=2), oauth=issuer) as standin:
        credentials = {"client_id": "ID", "client_secret": "SECRET", "refresh_token": "REFRESH"}
        shop = Endpoint("shop", "shopify", standin.base_url, credentials=credentials)
        connections = Connections(sources=[shop])
        work = Sent()
        scheduler = Scheduler(store, connections, work, clock=lambda: dt.datetime.now(dt.UTC))
        assert scheduler.tick().refreshes == []  # no token yet
        Runtime(store, connections, Settings(), environ, work).refresh_credential("shop")
        assert sum(issuer.grants.values()) == 1
        assert store.expiring_tokens(dt.datetime.now(dt.UTC).timestamp() + 3700) != []
        assert scheduler.tick().refreshes == []  # fresh for an hour
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=51)
        ahead = Scheduler(store, connections, Sent(), clock=lambda: later)
        assert ahead.tick().refreshes == ["shop"]
        assert ahead.tick().refreshes == []  # asked once per sweep
        Runtime(store, connections, Settings(), environ, work).refresh_credential("shop")
        assert sum(issuer.grants.values()) == 1  # 59 minutes left: nothing to renew yet
        stored = store.expiring_tokens(later.timestamp() + 600)
        assert stored == [("shopify", standin.base_url.rstrip("/"))]


def test_a_recorded_webhook_is_applied_once_and_its_targets_drained(store: Store) -> None:
    from .standin.shopify import make_order

    work = Sent()
    url = "https://shop.example.org"
    runtime = _runtime(store, url, work)
    order = make_order(3, dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC))
    entry = store.record("shopify", url, "orders/updated", "event-3", b"{}", order, enqueued=True)
    assert entry is not None
    runtime.apply_webhook(entry)
    runtime.apply_webhook(entry)  # the same message again (a redelivery after a kill)
    assert store.count() == 1
    assert [row.target for row in store.deliveries(states=("pending",))] == ["hub"]
    assert work.of("drain") == ["hub"]
    applied = store.inbox_entry(entry)
    assert applied is not None
    assert applied.state == "applied"
