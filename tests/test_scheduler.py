"""The scheduler on both stores: due pulls sent once until they end, backoff after failures, the
sweeper sending again what lost messages left undone, and one leader among schedulers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time

import pytest

from statebridge.connections import Connections, Endpoint, SchedulePolicy
from statebridge.model import Order
from statebridge.store import Store
from statebridge.work.scheduler import Scheduler

from .serving import wait_until

T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
SHOP = "https://shop-{}.example.org"


@dataclasses.dataclass
class Sent:
    """A `Work` that keeps what it was sent (the scheduler's logic, without a broker); `down` makes
    every send fail as a broker that cannot be reached does."""

    messages: list[tuple[str, object]] = dataclasses.field(default_factory=list)
    down: bool = False

    def _keep(self, kind: str, value: object) -> None:
        if self.down:
            raise ConnectionError("broker down")
        self.messages.append((kind, value))

    def pull(self, source: str, ticket: int) -> None:
        self._keep("pull", (source, ticket))

    def apply(self, entry_id: int) -> None:
        self._keep("apply", entry_id)

    def drain(self, target: str, *, delay: float = 0.0) -> None:
        self._keep("drain", target)

    def refresh(self, source: str) -> None:
        self._keep("refresh", source)

    def of(self, kind: str) -> list[object]:
        taken = [value for k, value in self.messages if k == kind]
        self.messages = [(k, v) for k, v in self.messages if k != kind]
        return taken


def _connections(count: int = 3) -> Connections:
    sources = [Endpoint(f"s{n}", "shopify", SHOP.format(n), credentials={"token": "T"}) for n in range(count)]
    hub = Endpoint("hub", "dfc", "https://hub.example.org/api/dfc/Orders", credentials={"token": "H"})
    routes = {source.name: ["hub"] for source in sources}
    policy = SchedulePolicy(pull_every_seconds=60, backoff_base_seconds=10, backoff_max_seconds=40)
    return Connections(sources=sources, targets=[hub], routes=routes, schedule=policy)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def _scheduler(store: Store, work: Sent, clock: Clock, *, sweep_after: float = 30) -> Scheduler:
    return Scheduler(store, _connections(), work, sweep_after=sweep_after, clock=clock)


def test_each_due_source_is_sent_once_until_its_pull_ends(store: Store) -> None:
    work, clock = Sent(), Clock()
    scheduler = _scheduler(store, work, clock, sweep_after=90)
    scheduler.tick()
    assert work.of("pull") == [("s0", 1), ("s1", 1), ("s2", 1)]
    clock.advance(5)
    scheduler.tick()
    assert work.of("pull") == []  # queued: never twice
    assert store.start_pull("s0", 1, clock())
    done = T0 + dt.timedelta(seconds=60)
    store.pull_succeeded("s0", 1, clock(), next_due=done, lag_seconds=1.0, stored=3, rejected=0)
    clock.advance(54)
    scheduler.tick()
    assert work.of("pull") == []  # s0 is due in a second; s1 and s2 are still queued
    clock.advance(1)
    assert scheduler.tick().pulls == ["s0"]
    assert work.of("pull") == [("s0", 2)]
    clock.advance(31)
    ticked = scheduler.tick()
    assert sorted(ticked.swept_pulls) == ["s1", "s2"]  # queued 91 s ago and never ended: lost
    assert work.of("pull") == [("s1", 1), ("s2", 1)]  # sent again under the same tickets


def test_a_stale_message_finds_nothing_to_do(store: Store) -> None:
    work, clock = Sent(), Clock()
    _scheduler(store, work, clock).tick()
    assert store.start_pull("s0", 1, clock())
    store.pull_failed("s0", 1, clock(), reason="x", next_due=clock())
    assert not store.start_pull("s0", 1, clock())  # the ticket ended
    assert not store.start_pull("s1", 7, clock())  # not its ticket


def test_failed_pulls_back_off_doubling_up_to_the_maximum(store: Store) -> None:
    policy = _connections().schedule
    assert [policy.backoff(n) for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 40, 40]
    work, clock = Sent(), Clock()
    scheduler = _scheduler(store, work, clock)
    scheduler.tick()
    work.of("pull")
    store.start_pull("s0", 1, clock())
    store.pull_failed(
        "s0", 1, clock(), reason="503", next_due=clock() + dt.timedelta(seconds=policy.backoff(1))
    )
    clock.advance(9)
    scheduler.tick()
    assert ("s0", 2) not in work.of("pull")
    clock.advance(1)
    scheduler.tick()
    assert ("s0", 2) in work.of("pull")
    state = store.pull_state("s0")
    assert state is not None
    assert (state.failures, state.reason) == (1, "503")


def test_a_broker_that_refuses_loses_nothing_the_sweep_sends_it_later(store: Store) -> None:
    work, clock = Sent(down=True), Clock()
    scheduler = _scheduler(store, work, clock)
    assert scheduler.tick().refused == 3
    work.down = False
    clock.advance(10)
    assert scheduler.tick().pulls == []  # claimed (queued) although the message never left
    clock.advance(21)
    assert sorted(scheduler.tick().swept_pulls) == ["s0", "s1", "s2"]
    assert sorted(work.of("pull")) == [("s0", 1), ("s1", 1), ("s2", 1)]  # the same tickets


def test_webhooks_left_pending_are_sent_again_once_per_sweep(store: Store) -> None:
    work = Sent()
    scheduler = Scheduler(store, Connections(), work, sweep_after=0.5, clock=dt.datetime.now)
    entry = store.record("shopify", SHOP.format(0), "orders/updated", "e-1", b"{}", {}, enqueued=True)
    assert entry is not None
    assert store.record("shopify", SHOP.format(0), "orders/updated", "e-1", b"{}", {}) is None  # redelivery
    assert scheduler.tick().inbox == []  # its message is fresh
    time.sleep(0.6)
    assert scheduler.tick().inbox == [entry]
    assert scheduler.tick().inbox == []  # sent again just now
    store.applied(entry)
    time.sleep(0.6)
    assert scheduler.tick().inbox == []


def test_a_target_with_due_deliveries_gets_a_drain(store: Store) -> None:
    from .test_outbox import Routes

    work = Sent()
    hub = Endpoint("hub", "dfc", "https://hub.example.org/api/dfc/Orders", credentials={"token": "H"})
    connections = Connections(targets=[hub])
    scheduler = Scheduler(store, connections, work, sweep_after=30, clock=lambda: dt.datetime.now(dt.UTC))
    assert scheduler.tick().drains == []
    order = Order(platform="shopify", shape="rest", id="1", number="#1", updated_at=T0)
    store.with_routes(Routes()).save_page("shopify", "https://shop.example.org", [(order, {"id": "1"})])
    assert scheduler.tick().drains == ["hub"]
    assert scheduler.tick().drains == []  # not again within sweep_after


def test_one_scheduler_leads_and_another_takes_over_when_it_stops(store_url: str) -> None:
    with Store(store_url) as first_store, Store(store_url) as second_store:
        first = Scheduler(first_store, _connections(), Sent(), tick=0.05)
        second = Scheduler(second_store, _connections(), Sent(), tick=0.05)
        threads = [threading.Thread(target=s.run, daemon=True) for s in (first, second)]
        threads[0].start()
        wait_until("the first scheduler leads", first.leading.is_set)
        threads[1].start()
        time.sleep(0.5)
        assert not second.leading.is_set()
        first.stop()
        threads[0].join(5)
        wait_until("the second scheduler takes over", second.leading.is_set)
        second.stop()
        threads[1].join(5)
        assert not any(thread.is_alive() for thread in threads)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_scheduler_killed_frees_the_lead(
    kind: str, tmp_path: object, request: pytest.FixtureRequest
) -> None:
    """The leader lock dies with its process (kill -9), so another scheduler takes over."""
    import multiprocessing
    import os
    import signal

    store_url = (
        f"sqlite:///{tmp_path}/store.db" if kind == "sqlite" else request.getfixturevalue("postgres_url")
    )
    Store(store_url).close()
    context = multiprocessing.get_context("spawn")
    leader = context.Process(target=_lead_forever, args=(store_url,), daemon=True)
    leader.start()
    with Store(store_url) as opened:
        wait_until("the other process leads", lambda: not _lead_once(opened), timeout=30)
        assert leader.pid is not None
        os.kill(leader.pid, signal.SIGKILL)
        leader.join(10)
        wait_until("the lead is free again", lambda: _lead_once(opened), timeout=30)


def _lead_once(store: Store) -> bool:
    with store.holding("scheduler", "leader") as leader:
        return leader


def _lead_forever(store_url: str) -> None:
    store = Store(store_url)
    scheduler = Scheduler(store, Connections(), Sent(), tick=0.05)
    scheduler.run()
