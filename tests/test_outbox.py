"""The outbox (SQLite and PostgreSQL): deliveries enqueued with the change that causes them, collapsed
to the latest version, sent once, retried with backoff, parked with their reason, and acted on."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
import random

import pytest

from statebridge.delivery.drain import Backoff, drain
from statebridge.delivery.writer import Delivery, Link, Writer
from statebridge.errors import DeliveryError, FatalAPIError, RequestFailedError, UnreachableState
from statebridge.model import Order
from statebridge.store import Store

from .cli_runner import invoke

SHOP = "https://shop.example.org"


@dataclasses.dataclass(frozen=True)
class Routes:
    """Orders of SHOP go to `hub` and `crm`; orders written through the endpoint to `platform`."""

    def targets(self, platform: str, base_url: str, via: str) -> tuple[str, ...]:
        if (platform, base_url) != ("shopify", SHOP):
            return ()
        return ("hub", "crm") if via == "source" else ("platform",)

    def writes_to(self, platform: str, base_url: str) -> tuple[str, ...]:
        return ()


class Recorder(Writer):
    """A target that keeps what it receives; `fail` raises the given errors, one per call, first."""

    platform = "dfc"

    def __init__(self, *fail: Exception) -> None:
        self.received: list[Delivery] = []
        self.fail = list(fail)

    def deliver(self, delivery: Delivery) -> Link:
        self.received.append(delivery)
        if self.fail:
            raise self.fail.pop(0)
        return Link(f"remote-{delivery.order.id}", {"seen": delivery.order.updated_at.isoformat()})


def _order(order_id: str, minute: int) -> Order:
    moment = dt.datetime(2026, 3, 1, 10, minute, tzinfo=dt.UTC)
    return Order(platform="shopify", shape="rest", id=order_id, number=f"#{order_id}", updated_at=moment)


def _save(store: Store, *orders: Order) -> int:
    return store.with_routes(Routes()).save_page(
        "shopify", SHOP, [(order, {"id": order.id}) for order in orders]
    )


def _states(store: Store, target: str = "hub") -> dict[str, str]:
    return {row.order_id: row.state for row in store.deliveries(target=target)}


def test_a_change_enqueues_one_delivery_per_routed_target_in_its_transaction(store: Store) -> None:
    assert _save(store, _order("1", 0), _order("2", 0)) == 2
    rows = store.deliveries()
    assert sorted((row.target, row.order_id, row.state, row.wanted_version) for row in rows) == [
        ("crm", "1", "pending", 1),
        ("crm", "2", "pending", 1),
        ("hub", "1", "pending", 1),
        ("hub", "2", "pending", 1),
    ]
    store.save_page("shopify", SHOP, [(_order("3", 0), {})])  # no routes: nothing to deliver
    assert "3" not in _states(store)


def test_an_unchanged_order_enqueues_nothing_and_changes_collapse(store: Store) -> None:
    _save(store, _order("1", 0))
    assert _save(store, _order("1", 0)) == 0  # the same version again (a replayed page)
    _save(store, _order("1", 1))
    _save(store, _order("1", 2))
    [row] = store.deliveries(target="hub")
    assert (row.wanted_version, row.state) == (3, "pending")


def test_drain_sends_each_order_once_at_its_latest_version_and_records_the_link(store: Store) -> None:
    _save(store, _order("1", 0), _order("2", 0))
    _save(store, _order("1", 5))
    hub = Recorder()
    report = drain(store, {"hub": hub})
    assert report.delivered == 2
    assert sorted(d.order.id for d in hub.received) == ["1", "2"]
    assert {d.order.id: d.order.updated_at.minute for d in hub.received}["1"] == 5
    assert all(d.link is None and not d.attempted for d in hub.received)
    assert _states(store) == {"1": "done", "2": "done"}
    assert drain(store, {"hub": hub}).delivered == 0  # nothing new: nothing sent
    _save(store, _order("2", 9))
    drain(store, {"hub": hub})
    last = hub.received[-1]
    assert (last.order.id, last.link) == ("2", Link("remote-2", {"seen": "2026-03-01T10:00:00+00:00"}))
    assert len(hub.received) == 3
    assert _states(store, "crm") == {"1": "pending", "2": "pending"}  # another target, its own queue


def test_a_transient_failure_is_retried_later_then_parked_after_max_attempts(store: Store) -> None:
    _save(store, _order("1", 0))
    failure = RequestFailedError("503 Service Unavailable", request="PUT http://hub/1")
    hub = Recorder(*[failure] * 3)
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)  # enqueued "now": due at once
    clock = [moment]
    backoff = Backoff(max_attempts=3, base_delay=10, max_delay=100)
    report = drain(store, {"hub": hub}, backoff=backoff, clock=lambda: clock[0], rng=random.Random(1))
    assert (report.delivered, len(report.retrying)) == (0, 1)
    [row] = store.deliveries(target="hub")
    assert (row.state, row.attempts) == ("pending", 1)
    assert "503" in (row.reason or "")
    due = dt.datetime.fromisoformat(row.next_attempt_at)
    assert moment + dt.timedelta(seconds=5) <= due <= moment + dt.timedelta(seconds=10)
    assert drain(store, {"hub": hub}, backoff=backoff, clock=lambda: clock[0]).delivered == 0
    assert len(hub.received) == 1  # not due yet: not sent
    for _ in range(2):
        clock[0] += dt.timedelta(hours=1)
        report = drain(store, {"hub": hub}, backoff=backoff, clock=lambda: clock[0])
    [row] = store.deliveries(target="hub")
    assert row.state == "parked"
    assert "gave up after 3 failed attempts" in (row.reason or "")
    assert [str(problem) for problem in report.parked] == [f"order #1 to hub: {row.reason}"]


@pytest.mark.parametrize(
    "error",
    [
        UnreachableState("cannot uncancel a cancelled order", order="#1", target="hub"),
        DeliveryError("line 2 names no variant"),
        FatalAPIError("422 Unprocessable Entity: bad", request="POST http://hub", status=422),
    ],
)
def test_what_retrying_cannot_fix_is_parked_at_once_then_retried_on_demand(
    store: Store, error: Exception
) -> None:
    _save(store, _order("1", 0))
    hub = Recorder(error)
    report = drain(store, {"hub": hub})
    [row] = store.deliveries(target="hub")
    assert (row.state, row.attempts) == ("parked", 1)
    reason = error.reason if isinstance(error, DeliveryError) else str(error)
    assert row.reason == reason
    assert [problem.reason for problem in report.parked] == [reason]
    assert drain(store, {"hub": hub}).delivered == 0  # parked: left alone
    assert store.retry(target="hub", orders=["1"]) == 1
    assert drain(store, {"hub": hub}).delivered == 1
    assert _states(store) == {"1": "done"}


def test_a_newer_change_revives_a_parked_or_dropped_delivery(store: Store) -> None:
    _save(store, _order("1", 0), _order("2", 0))
    assert store.drop(target="hub", orders=["2"]) == 1
    drain(store, {"hub": Recorder(DeliveryError("no"))})
    assert _states(store) == {"1": "parked", "2": "dropped"}
    _save(store, _order("1", 1), _order("2", 1))
    assert _states(store) == {"1": "pending", "2": "pending"}


def test_drop_and_retry_act_only_on_what_they_name(store: Store) -> None:
    _save(store, _order("1", 0), _order("2", 0))
    assert store.drop(target="hub", orders=["1"]) == 1
    assert _states(store) == {"1": "dropped", "2": "pending"}
    assert _states(store, "crm") == {"1": "pending", "2": "pending"}
    public = store.deliveries(target="hub", orders=["2"])[0].public_id
    assert store.drop(orders=[public]) == 2  # by public id, every target
    assert store.retry(target="crm") == 1
    assert _states(store, "crm") == {"1": "pending", "2": "pending"}


def test_a_send_whose_outcome_was_never_recorded_is_flagged_to_the_writer(store: Store) -> None:
    """A run killed during a send: the next attempt knows that one may have reached the target."""
    _save(store, _order("1", 0))
    [row] = store.due("hub")
    store.begin_attempt(row)  # ... and the process dies here
    hub = Recorder()
    drain(store, {"hub": hub})
    assert [d.attempted for d in hub.received] == [True]
    assert store.deliveries(target="hub")[0].attempted_at is None


def test_backfill_enqueues_what_was_stored_before_the_route_once(store: Store) -> None:
    store.save_page("shopify", SHOP, [(_order(str(n), 0), {}) for n in range(5)])
    assert store.deliveries() == []
    assert store.backfill("hub", "shopify", SHOP) == 5
    assert store.backfill("hub", "shopify", SHOP) == 0
    assert drain(store, {"hub": Recorder()}).delivered == 5
    assert store.backfill("hub", "shopify", SHOP) == 0


def test_one_drain_per_target_at_a_time(store_url: str) -> None:
    first, second = Store(store_url), Store(store_url)
    try:
        with first.exclusive("hub") as held:
            assert held
            with second.exclusive("hub") as other:
                assert not other
            with second.exclusive("crm") as other_target:
                assert other_target
            _save(first, _order("1", 0))
            report = drain(second, {"hub": Recorder()})
            assert (report.busy, report.delivered) == (["hub"], 0)
        with second.exclusive("hub") as released:
            assert released
    finally:
        first.close()
        second.close()


def test_endpoint_writes_enqueue_for_the_enterprise_targets(store: Store) -> None:
    routed = store.with_routes(Routes())
    routed.replace("shopify", SHOP, _order("9", 0), {})
    assert [(row.target, row.order_id) for row in store.deliveries()] == [("platform", "9")]
    stored = routed.replace("shopify", SHOP, _order("9", 1), {})
    assert store.deliveries()[0].wanted_version == stored.version == 2


def test_outbox_commands_list_retry_and_drop(tmp_path: pathlib.Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Store(url) as store:
        _save(store, _order("1", 0), _order("2", 0))
        drain(store, {"hub": Recorder(UnreachableState("cannot uncancel"))})
    listed = invoke("outbox", "list", "--target", "hub", "--store", url)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.decode().splitlines()
    assert len(lines) == 1  # order 2 was delivered: not pending, not parked
    assert lines[0].startswith("hub\tshopify 1\t")
    assert "\tparked\tv1\t" in lines[0]
    assert lines[0].endswith("cannot uncancel")
    assert b"1 parked in the outbox" in listed.stderr
    every = invoke("outbox", "list", "--state", "all", "--store", url).stdout.decode().splitlines()
    assert len(every) == 4  # hub 1 and 2, crm 1 and 2
    assert invoke("outbox", "retry", "--store", url).returncode == 2  # says what to name
    retried = invoke("outbox", "retry", "1", "--target", "hub", "--store", url)
    assert (retried.returncode, retried.stderr) == (0, b"1 deliveries pending again\n")
    dropped = invoke("outbox", "drop", "--all", "--store", url)
    assert dropped.stderr == b"3 deliveries dropped\n"  # hub 1, crm 1 and 2
    missing = invoke("outbox", "list", "--store", f"sqlite:///{tmp_path / 'none.db'}")
    assert missing.returncode != 0
    assert b"no store" in missing.stderr


def test_backfill_catches_up_with_changes_stored_without_routes(store: Store) -> None:
    """A `pull` run without the connections file changes orders without enqueueing them."""
    _save(store, _order("1", 0), _order("2", 0))
    drain(store, {"hub": Recorder()})
    store.save_page("shopify", SHOP, [(_order("2", 7), {})])  # not routed
    assert _states(store) == {"1": "done", "2": "done"}
    assert store.backfill("hub", "shopify", SHOP) == 1
    [row] = store.deliveries(target="hub", states=("pending",))
    assert (row.order_id, row.wanted_version) == ("2", 2)
    assert store.backfill("hub", "shopify", SHOP) == 0


def test_a_retry_after_the_client_outlasted_is_honoured_by_the_next_attempt(store: Store) -> None:
    _save(store, _order("1", 0))
    throttled = RequestFailedError("gave up after 8 attempts; last: 429", request="PUT http://hub/1")
    throttled.retry_after = 900.0  # more than the backoff would wait
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    drain(
        store, {"hub": Recorder(throttled)}, backoff=Backoff(base_delay=1, max_delay=10), clock=lambda: moment
    )
    [row] = store.deliveries(target="hub")
    assert dt.datetime.fromisoformat(row.next_attempt_at) >= moment + dt.timedelta(seconds=900)
