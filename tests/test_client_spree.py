"""The Spree family client in its three flavours (respx, fake clock), then whole pulls from a
stand-in Spree/Solidus/OFN site over real HTTP into SQLite."""

from __future__ import annotations

import datetime as dt
import random
import typing as t

import httpx
import pytest
import respx

from statebridge.clients import RetryPolicy
from statebridge.errors import APIError, ConfigurationError, FatalAPIError, UsageError
from statebridge.platforms import platform
from statebridge.platforms.spree.client import SpreeClient
from statebridge.pull import pull
from statebridge.store import Store

from .fakes import FakeTime, ThrottledOnce
from .standin.spree import Site, StandinSpree

BASE = "https://shop.example.org"
TOKEN = "fake-spree-token-never-shown"
START = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATEBRIDGE_SPREE_TOKEN", TOKEN)


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _v2(index: int, updated_at: dt.datetime) -> dict[str, t.Any]:
    return {
        "id": str(index),
        "type": "order",
        "attributes": {"number": f"R{index}", "updated_at": _time(updated_at)},
    }


def _client(time: FakeTime | None = None, **kwargs: t.Any) -> SpreeClient:
    time = time or FakeTime()
    return SpreeClient(BASE + "/", sleep=time.sleep, clock=time.clock, rng=random.Random(5), **kwargs)


# -- requests ----------------------------------------------------------------------------------------


@respx.mock
def test_spree_v2_asks_the_platform_api_oldest_first_with_a_bearer_token() -> None:
    route = respx.get(f"{BASE}/api/v2/platform/orders").mock(
        return_value=httpx.Response(200, json={"data": [], "meta": {"total_pages": 0}})
    )
    with _client() as client:
        list(
            client.pages(dt.datetime(2026, 5, 1, 10, 0, 0, 999999, tzinfo=dt.timezone(dt.timedelta(hours=2))))
        )
    request = route.calls[0].request
    assert dict(request.url.params) == {
        "page": "1",
        "per_page": "100",
        "sort": "updated_at",
        "include": "line_items,payments,shipments",
        "filter[updated_at_gteq]": "2026-05-01T08:00:00.999Z",
    }
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/vnd.api+json"
    assert "X-Spree-Token" not in request.headers
    assert platform("spree").client_class() is SpreeClient


@respx.mock
def test_spree_v2_ends_at_total_pages_though_spree_always_sends_a_next_link() -> None:
    pages = [
        {"data": [_v2(1, START)], "meta": {"total_pages": 2}, "links": {"next": f"{BASE}/x?page=2"}},
        {
            "data": [_v2(2, START + dt.timedelta(seconds=1))],
            "meta": {"total_pages": 1},
            "links": {"next": f"{BASE}/x?page=1"},
        },
    ]
    route = respx.get(f"{BASE}/api/v2/platform/orders").mock(
        side_effect=[httpx.Response(200, json=page) for page in pages]
    )
    with _client() as client:
        ids = [o["id"] for page in client.pages(None) for o in page.document["data"]]
    assert ids == ["1", "2"]
    assert route.call_count == 2
    second = route.calls[1].request.url.params
    assert (second["page"], second["filter[updated_at_gteq]"]) == ("1", _time(START)), (
        "seeks from the newest read"
    )


@respx.mock
def test_spree_v2_refuses_pages_that_ignore_the_filter() -> None:
    respx.get(f"{BASE}/api/v2/platform/orders").mock(
        return_value=httpx.Response(200, json={"data": [_v2(1, START)], "meta": {"total_pages": 1}})
    )
    with _client() as client, pytest.raises(APIError, match=r"is updated_at ransackable on this site"):
        list(client.pages(START + dt.timedelta(days=1)))


@respx.mock
def test_solidus_reads_every_order_in_id_order_and_sends_no_updated_at_filter() -> None:
    route = respx.get(f"{BASE}/api/orders").mock(
        side_effect=[
            httpx.Response(200, json={"orders": [{"id": 1}], "count": 1, "current_page": 1, "pages": 2}),
            httpx.Response(200, json={"orders": [{"id": 2}], "count": 1, "current_page": 2, "pages": 2}),
        ]
    )
    with _client(flavour="solidus") as client:
        pages = list(client.pages(START))
    assert [p.document["orders"][0]["id"] for p in pages] == [1, 2]
    assert [dict(c.request.url.params) for c in route.calls] == [
        {"page": "1", "per_page": "100", "q[s]": "id asc"},
        {"page": "2", "per_page": "100", "q[s]": "id asc"},
    ]
    assert route.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert route.calls[0].request.headers["Accept"] == "application/json"


@respx.mock
def test_ofn_sends_x_spree_token_and_always_pages() -> None:
    route = respx.get(f"{BASE}/api/v0/orders").mock(
        side_effect=[
            httpx.Response(200, json={"orders": [{"id": 1}], "pagination": {"pages": 2, "page": 1}}),
            httpx.Response(200, json={"orders": [{"id": 2}], "pagination": {"pages": 2, "page": 2}}),
        ]
    )
    with _client(flavour="ofn", page_size=50) as client:
        assert len(list(client.pages(START))) == 2
    request = route.calls[0].request
    assert dict(request.url.params) == {
        "page": "1",
        "per_page": "50",
        "q[s]": "id asc",
        "q[updated_at_gteq]": "2026-05-01T08:00:00.000Z",
    }
    assert request.headers["X-Spree-Token"] == TOKEN
    assert "Authorization" not in request.headers


@respx.mock
def test_ofn_without_pagination_in_its_answer_is_one_page() -> None:
    route = respx.get(f"{BASE}/api/v0/orders").mock(
        return_value=httpx.Response(200, json={"orders": [{"id": 1}, {"id": 2}], "pagination": None})
    )
    with _client(flavour="ofn") as client:
        assert len(list(client.pages(None))) == 1
    assert route.call_count == 1


def test_an_unknown_flavour_lists_the_valid_ones() -> None:
    with pytest.raises(UsageError, match=r"unknown Spree flavour 'chord' \(valid: spree-v2, solidus, ofn\)"):
        SpreeClient(BASE, flavour="chord")


def test_a_missing_token_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STATEBRIDGE_SPREE_TOKEN")
    with pytest.raises(ConfigurationError, match="set STATEBRIDGE_SPREE_TOKEN in the environment"):
        SpreeClient(BASE, flavour="ofn")


@respx.mock
def test_a_429_waits_its_retry_after() -> None:
    time = FakeTime()
    answer = ThrottledOnce(time, "4", {"orders": [], "pages": 0})
    sent_at = answer.sent_at

    respx.get(f"{BASE}/api/orders").mock(side_effect=answer)
    with _client(time, flavour="solidus") as client:
        list(client.pages(None))
    assert sent_at[1] - sent_at[0] >= 4


@respx.mock
def test_a_refusal_names_the_request_and_never_the_token() -> None:
    respx.get(f"{BASE}/api/v0/orders").mock(
        side_effect=lambda request: httpx.Response(
            403, text=f"token {request.headers['X-Spree-Token']} may not"
        )
    )
    with _client(flavour="ofn") as client, pytest.raises(FatalAPIError) as caught:
        list(client.pages(None))
    message = str(caught.value)
    assert message.startswith(f"GET {BASE}/api/v0/orders?page=1&per_page=100")
    assert "403 Forbidden: token *** may not" in message
    assert TOKEN not in message


@respx.mock
def test_a_redirect_says_which_url_to_use() -> None:
    respx.get(f"{BASE}/api/orders").mock(
        return_value=httpx.Response(
            301, headers={"Location": "https://www.shop.example.org/api/orders?token=abc"}
        )
    )
    with _client(flavour="solidus") as client, pytest.raises(FatalAPIError) as caught:
        list(client.pages(None))
    assert "301 Moved Permanently to https://www.shop.example.org/api/orders?token=***" in str(caught.value)


FAST = RetryPolicy(max_attempts=5, base_delay=0.02, max_delay=0.2, timeout=10)


def _store(tmp_path: t.Any) -> Store:
    return Store("sqlite:///" + str(tmp_path / "s.db"))


def test_pull_from_spree_v2_stores_every_order_and_moves_the_cursor(tmp_path: t.Any) -> None:
    site = Site(token=TOKEN)
    with StandinSpree(site) as standin, _store(tmp_path) as store:

        def meddle(request_number: int) -> None:
            if request_number == 2:
                site.touch(1, state=2)  # an order already read moves to the end, the rest move up

        standin.before_page = meddle
        report = pull("spree", standin.base_url, store, page_size=40)  # the client from the registry
        assert report.problems == []
        assert store.count("spree") == 180, "no order slid onto a page already read"
        assert store.cursor("spree", standin.base_url) == max(site.orders.values())
        stored = next(s for s in store.orders() if s.order.number == "R100008")
        assert [line.quantity for line in stored.order.lines] == [3]
        assert next(s for s in store.orders() if s.order.number == "R100001").order.platform_status[
            "state"
        ] == ("canceled")

        standin.before_page = None
        site.touch(9, state=2)
        first = len(standin.requests)
        again = pull("spree", standin.base_url, store, page_size=40)
        assert again.changed == 1
        assert store.count("spree") == 180
        assert store.cursor("spree", standin.base_url) == site.orders[9]
        resumed_from = standin.requests[first][1]["filter[updated_at_gteq]"]
        assert resumed_from == [_time(site.orders[1] - dt.timedelta(minutes=5))], "cursor minus the overlap"


def test_pull_from_solidus_reads_every_order_each_time(tmp_path: t.Any) -> None:
    site = Site(count=130, token=TOKEN)
    with StandinSpree(site) as standin, _store(tmp_path) as store:
        for _ in range(2):
            with SpreeClient(standin.base_url, flavour="solidus", page_size=50, policy=FAST) as client:
                report = pull("solidus", standin.base_url, store, client=client)
            assert report.orders == 130, "Solidus cannot filter on updated_at: every pull reads everything"
        assert store.count("spree") == 130
        assert report.changed == 0
        assert store.cursor("spree", standin.base_url) == max(site.orders.values())
        assert all(not any(k.startswith("q[updated_at") for k in q) for _, q in standin.requests)


def test_pull_from_ofn_pages_with_its_token_and_has_no_cursor(tmp_path: t.Any) -> None:
    site = Site(count=75, token=TOKEN)
    with StandinSpree(site) as standin, _store(tmp_path) as store:
        with SpreeClient(standin.base_url, flavour="ofn", page_size=20, policy=FAST) as client:
            report = pull("ofn", standin.base_url, store, client=client)
        assert report.problems == []
        assert (report.orders, report.pages) == (75, 4)
        assert store.count("spree") == 75
        assert store.cursor("spree", standin.base_url) is None, "OFN's orders carry no updated_at"

        since = site.orders[60]
        with SpreeClient(standin.base_url, flavour="ofn", page_size=20, policy=FAST) as client:
            report = pull("ofn", standin.base_url, store, client=client, since=since)
        assert report.orders == 16
        assert standin.requests[-1][1]["q[updated_at_gteq]"] == [_time(since)]
