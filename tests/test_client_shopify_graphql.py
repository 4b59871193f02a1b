"""The Shopify Admin GraphQL client: query variables, cursor paging, line-item follow-ups, cost
pacing, THROTTLED and fatal GraphQL errors (respx), and a whole pull against a loopback stand-in
that keeps Shopify's bucket of query points."""

from __future__ import annotations

import copy
import datetime as dt
import json
import pathlib
import time
import typing as t

import httpx
import pytest
import respx

from statebridge.clients.policy import RetryPolicy
from statebridge.errors import ConfigurationError, FatalAPIError, RequestFailedError, UsageError
from statebridge.model import Order
from statebridge.pipeline import outcomes as pipeline_outcomes
from statebridge.platforms import get_adapter
from statebridge.platforms.shopify.client_graphql import (
    LINES_QUERY,
    MAX_QUERY_COST,
    ORDERS_QUERY,
    Bucket,
    ShopifyGraphQLClient,
    lines_query_cost,
    orders_query_cost,
    since_filter,
)
from statebridge.platforms.shopify.client_rest import DEFAULT_API_VERSION, TOKEN_ENV, VERSION_ENV
from statebridge.position import Position
from statebridge.pull import PullReport, pull
from statebridge.reading import Document
from statebridge.store import Store
from tests.conftest import FIXTURES
from tests.fakes import FakeTime
from tests.standin import shopify_graphql as standin

BASE = "https://shop.example.myshopify.com"
PATH = f"/admin/api/{DEFAULT_API_VERSION}/graphql.json"
FAKE_TOKEN = "shpat_fake_token_never_in_messages_0123"
NODES: list[dict[str, t.Any]] = json.loads((FIXTURES / "shopify" / "graphql_orders_nodes.json").read_text())[
    "data"
]["orders"]["nodes"]


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, FAKE_TOKEN)
    monkeypatch.delenv(VERSION_ENV, raising=False)


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime(digits=6)


def client(fake: FakeTime, **kwargs: t.Any) -> ShopifyGraphQLClient:
    kwargs.setdefault("policy", RetryPolicy(max_attempts=4, base_delay=0.0))
    return ShopifyGraphQLClient(BASE, sleep=fake.sleep, clock=fake.clock, **kwargs)


def cost(
    *,
    requested: float = 100,
    actual: float | None = 20,
    available: float = 1000,
    maximum: float = 1000,
    rate: float = 50,
) -> dict[str, t.Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": maximum,
                "currentlyAvailable": available,
                "restoreRate": rate,
            },
        }
    }


def orders_answer(
    nodes: list[dict[str, t.Any]], *, after: str | None = None, **costs: t.Any
) -> httpx.Response:
    info = {"hasNextPage": after is not None, "endCursor": after or "last"}
    return httpx.Response(
        200, json={"data": {"orders": {"pageInfo": info, "nodes": nodes}}, "extensions": cost(**costs)}
    )


def throttled(status: int = 200, **costs: t.Any) -> httpx.Response:
    costs.setdefault("actual", None)
    return httpx.Response(
        status,
        json={
            "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
            "extensions": cost(**costs),
        },
    )


def sent(call: t.Any) -> dict[str, t.Any]:
    body: dict[str, t.Any] = json.loads(call.request.content)
    return body


def read(documents: list[t.Any]) -> list[Order]:
    outcomes = [
        outcome
        for outcome, _ in pipeline_outcomes(
            get_adapter("shopify"),
            [Document(Position(path=f"page {i}"), d) for i, d in enumerate(documents, 1)],
        )
    ]
    bad = [o for o in outcomes if not isinstance(o, Order)]
    assert not bad, bad
    return t.cast(list[Order], outcomes)


# -- the query ------------------------------------------------------------------------------------


def test_first_request_asks_for_orders_updated_since_oldest_first(fake: FakeTime) -> None:
    since = dt.datetime(2026, 5, 1, 8, 0, 0, 750000, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    with respx.mock(base_url=BASE) as mock:
        route = mock.post(PATH).mock(return_value=orders_answer(NODES[:2]))
        pages = list(client(fake).pages(since))
    assert len(pages) == 1
    request = route.calls[0].request
    assert request.headers["X-Shopify-Access-Token"] == FAKE_TOKEN
    body = sent(route.calls[0])
    assert body["operationName"] == "StatebridgeOrders"
    assert body["query"] == ORDERS_QUERY
    assert "sortKey: UPDATED_AT" in body["query"]
    assert "query: $query" in body["query"]
    # 08:00:00.75+02:00 is 06:00:00Z, rounded down: nothing updated at or after `since` is left out
    assert body["variables"] == {"first": 11, "lines": 20, "query": "updated_at:>='2026-05-01T06:00:00Z'"}


def test_without_since_there_is_no_search(fake: FakeTime) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post(PATH).mock(return_value=orders_answer([]))
        list(client(fake).pages(None))
    assert sent(route.calls[0])["variables"] == {"first": 11, "lines": 20}


def test_api_version_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, fake: FakeTime) -> None:
    monkeypatch.setenv(VERSION_ENV, "2026-07")
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/admin/api/2026-07/graphql.json").mock(return_value=orders_answer([]))
        list(client(fake).pages(None))
    assert route.called


def test_since_filter_needs_an_offset() -> None:
    assert (
        since_filter(dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)) == "updated_at:>='2026-01-02T03:04:05Z'"
    )
    with pytest.raises(UsageError, match="UTC offset"):
        since_filter(dt.datetime(2026, 1, 2))


def test_page_size_is_what_the_price_allows() -> None:
    # 250 orders of 20 lines would be priced far over Shopify's 1000 points per query
    assert orders_query_cost(250, 20) > MAX_QUERY_COST
    assert orders_query_cost(11, 20) <= MAX_QUERY_COST < orders_query_cost(12, 20)
    assert ShopifyGraphQLClient(BASE, page_size=250).page_size == 11
    assert ShopifyGraphQLClient(BASE, page_size=5).page_size == 5
    assert ShopifyGraphQLClient(BASE, lines_per_order=1).page_size == 90
    assert ShopifyGraphQLClient(BASE).lines_page == 249
    assert lines_query_cost(249) <= MAX_QUERY_COST < lines_query_cost(250)
    with pytest.raises(UsageError, match="lines_per_order"):
        ShopifyGraphQLClient(BASE, lines_per_order=251)
    with pytest.raises(UsageError, match="lower lines_per_order"):
        ShopifyGraphQLClient(BASE, lines_per_order=250, max_query_cost=500)


def test_missing_token_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV)
    with pytest.raises(ConfigurationError, match=TOKEN_ENV):
        ShopifyGraphQLClient(BASE)


# -- paging ---------------------------------------------------------------------------------------


def test_cursor_paging_to_the_end_yields_documents_the_adapter_reads(fake: FakeTime) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post(PATH).mock(
            side_effect=[
                orders_answer(NODES[:5], after="cursor-a"),
                orders_answer(NODES[5:10], after="cursor-b"),
                orders_answer(NODES[10:]),
            ]
        )
        pages = list(client(fake).pages(dt.datetime(2026, 7, 1, tzinfo=dt.UTC)))
    assert [p.position for p in pages] == ["page 1", "page 2", "page 3"]
    variables = [sent(call)["variables"] for call in route.calls]
    assert [v.get("after") for v in variables] == [None, "cursor-a", "cursor-b"]
    assert {v["query"] for v in variables} == {"updated_at:>='2026-07-01T00:00:00Z'"}
    assert all(set(p.document) == {"data"} and set(p.document["data"]["orders"]) == {"nodes"} for p in pages)
    orders = read([p.document for p in pages])
    assert [o.number for o in orders] == [n["name"] for n in NODES]


def test_a_next_page_without_a_new_cursor_is_fatal_not_a_loop(fake: FakeTime) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post(PATH).mock(
            side_effect=[orders_answer(NODES[:1], after="same"), orders_answer(NODES[1:2], after="same")]
        )
        with pytest.raises(FatalAPIError, match="no new endCursor") as caught:
            list(client(fake).pages(None))
    assert route.call_count == 2
    assert "orders page 2" in str(caught.value)


def test_orders_with_more_lines_than_a_page_get_the_rest_before_the_page_is_handed_on(
    fake: FakeTime,
) -> None:
    big = copy.deepcopy(NODES[0])
    lines = [
        {
            **copy.deepcopy(big["lineItems"]["nodes"][0]),
            "id": f"gid://shopify/LineItem/{900 + n}",
            "sku": f"S{n}",
        }
        for n in range(5)
    ]
    big["lineItems"] = {"pageInfo": {"hasNextPage": True, "endCursor": "l2"}, "nodes": lines[:2]}

    def line_page(nodes: list[t.Any], end: str | None) -> httpx.Response:
        info = {"hasNextPage": end is not None, "endCursor": end or "l-end"}
        body = {"data": {"order": {"lineItems": {"pageInfo": info, "nodes": nodes}}}, "extensions": cost()}
        return httpx.Response(200, json=body)

    with respx.mock(base_url=BASE) as mock:
        route = mock.post(PATH).mock(
            side_effect=[
                orders_answer([big, NODES[1]]),
                line_page(lines[2:4], "l4"),
                line_page(lines[4:], None),
            ]
        )
        pages = list(client(fake).pages(None))
    follow_ups = [sent(call) for call in route.calls[1:]]
    assert {f["operationName"] for f in follow_ups} == {"StatebridgeOrderLines"}
    assert {f["query"] for f in follow_ups} == {LINES_QUERY}
    assert [f["variables"] for f in follow_ups] == [
        {"id": big["id"], "first": 249, "after": "l2"},
        {"id": big["id"], "first": 249, "after": "l4"},
    ]
    orders = read([p.document for p in pages])
    assert [line.item for line in orders[0].lines] == ["S0", "S1", "S2", "S3", "S4"]
    assert len(orders) == 2


def test_an_order_gone_before_its_lines_are_complete_is_left_for_the_adapter_to_refuse(
    fake: FakeTime,
) -> None:
    big = copy.deepcopy(NODES[0])
    big["lineItems"]["pageInfo"] = {"hasNextPage": True, "endCursor": "l2"}
    with respx.mock(base_url=BASE) as mock:
        mock.post(PATH).mock(
            side_effect=[
                orders_answer([big]),
                httpx.Response(200, json={"data": {"order": None}, "extensions": cost()}),
            ]
        )
        pages = list(client(fake).pages(None))
    outcomes = [
        o
        for o, _ in pipeline_outcomes(
            get_adapter("shopify"), [Document(Position(path="page 1"), pages[0].document)]
        )
    ]
    assert len(outcomes) == 1
    assert "lineItems.pageInfo.hasNextPage" in str(outcomes[0])


# -- cost pacing ------------------------------------------------------------------------------------


def test_next_request_waits_until_the_bucket_covers_the_last_requested_cost(fake: FakeTime) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.post(PATH).mock(
            side_effect=[
                # priced at 400, 100 left at 50/s: (400 - 100) / 50 = 6 s before page 2
                orders_answer(NODES[:1], after="a", requested=400, available=100, rate=50),
                # 700 left: enough for another 400, no wait
                orders_answer(NODES[1:2], after="b", requested=400, available=700, rate=50),
                orders_answer(NODES[2:3], requested=400, available=300, rate=50),
            ]
        )
        pages = list(client(fake).pages(None))
    assert len(pages) == 3
    assert fake.sleeps == [6.0]


def test_time_spent_between_pages_counts_as_refill(fake: FakeTime) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.post(PATH).mock(
            side_effect=[
                orders_answer(NODES[:1], after="a", requested=400, available=100, rate=50),
                orders_answer(NODES[1:2]),
            ]
        )
        for _page in client(fake).pages(None):
            fake.now += 2.0  # storing the page took 2 s: 100 points more in the bucket
    assert fake.sleeps == [4.0]


def test_before_the_first_price_is_known_the_estimate_paces(fake: FakeTime) -> None:
    estimate = orders_query_cost(11, 20)
    big = copy.deepcopy(NODES[0])
    big["lineItems"]["pageInfo"] = {"hasNextPage": True, "endCursor": "l"}
    with respx.mock(base_url=BASE) as mock:
        mock.post(PATH).mock(
            side_effect=[
                orders_answer([big], after="a", requested=400, available=0, rate=100),
                # the follow-up kind has no price yet: its estimate (lines_query_cost(249)) paces it
                httpx.Response(
                    200,
                    json={
                        "data": {"order": {"lineItems": {"pageInfo": {"hasNextPage": False}, "nodes": []}}},
                        "extensions": cost(requested=lines_query_cost(249), available=500, rate=100),
                    },
                ),
                orders_answer(NODES[1:2]),
            ]
        )
        list(client(fake).pages(None))
    # the follow-up, priced at its estimate 1000 with 0 available: 10 s; then page 2 at its last
    # price 400 with 500 available: no wait (at the estimate it would have waited)
    assert fake.sleeps == [lines_query_cost(249) / 100] == [10.0]
    assert estimate > 500


def test_bucket_wait_arithmetic() -> None:
    bucket = Bucket(maximum=1000, available=100, restore_rate=50, seen_at=10.0)
    assert bucket.wait_for(400, now=10.0) == 6.0
    assert bucket.wait_for(400, now=13.0) == 3.0
    assert bucket.wait_for(400, now=20.0) == 0.0
    assert bucket.wait_for(5000, now=10.0) == 18.0  # never more than a full bucket
    assert Bucket(1000, 0, 0, 0.0).wait_for(10, now=0.0) == 0.0


# -- THROTTLED ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 429])
def test_throttled_is_sent_again_once_the_reported_bucket_covers_the_query(
    fake: FakeTime, status: int
) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post(PATH).mock(
            side_effect=[
                # priced at 300, 50 available, 50/s: (300 - 50) / 50 = 5 s
                throttled(status, requested=300, available=50, rate=50),
                orders_answer(NODES[:1], requested=300, available=900),
            ]
        )
        pages = list(client(fake).pages(None))
    assert len(pages) == 1
    assert route.call_count == 2
    assert route.calls[0].request.content == route.calls[1].request.content
    assert fake.sleeps == [5.0]


def test_a_retry_after_longer_than_the_bucket_wait_is_honoured(fake: FakeTime) -> None:
    response = throttled(429, requested=300, available=250, rate=50)
    response.headers["Retry-After"] = "3.5"
    with respx.mock(base_url=BASE) as mock:
        mock.post(PATH).mock(side_effect=[response, orders_answer([])])
        list(client(fake).pages(None))
    assert fake.sleeps == [3.5]


def test_throttled_without_end_gives_up_within_the_policy(fake: FakeTime) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post(PATH).mock(return_value=throttled(requested=300, available=0, rate=100))
        with pytest.raises(RequestFailedError, match="THROTTLED") as caught:
            list(client(fake, policy=RetryPolicy(max_attempts=3, base_delay=0.0)).pages(None))
    assert route.call_count == 3
    assert fake.sleeps == [3.0, 3.0]
    assert FAKE_TOKEN not in str(caught.value)


# -- fatal errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {
                "errors": [
                    {
                        "message": "Access denied for orders field. Required access: `read_orders`.",
                        "extensions": {"code": "ACCESS_DENIED"},
                        "path": ["orders"],
                    }
                ],
                "data": None,
            },
            "ACCESS_DENIED: Access denied for orders field",
        ),
        (
            {
                "errors": [
                    {
                        "message": "Field 'displayName' doesn't exist on type 'Customer'",
                        "locations": [{"line": 21, "column": 18}],
                        "path": ["query StatebridgeOrders", "orders", "nodes", "customer", "displayName"],
                        "extensions": {"code": "undefinedField", "typeName": "Customer"},
                    }
                ]
            },
            "undefinedField: Field 'displayName' doesn't exist",
        ),
        (
            # partial data beside an error: never read as a complete page
            {
                "errors": [{"message": "Internal error", "path": ["orders", "nodes", 3]}],
                "data": {"orders": None},
            },
            "Internal error (path orders.nodes.3)",
        ),
    ],
)
def test_other_graphql_errors_are_fatal_at_once(
    fake: FakeTime, body: dict[str, t.Any], expected: str
) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post(PATH).mock(return_value=httpx.Response(200, json=body))
        with pytest.raises(FatalAPIError) as caught:
            list(client(fake).pages(None))
    assert route.call_count == 1
    message = str(caught.value)
    assert expected in message
    assert f"POST {BASE}{PATH} (orders page 1)" in message
    assert FAKE_TOKEN not in message
    assert fake.sleeps == []


def test_refused_token_is_fatal_and_not_shown(fake: FakeTime) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.post(PATH).mock(
            return_value=httpx.Response(401, json={"errors": "[API] Invalid API key or access token"})
        )
        with pytest.raises(FatalAPIError, match="401") as caught:
            list(client(fake).pages(None))
    assert FAKE_TOKEN not in str(caught.value)


def test_an_answer_that_is_not_json_is_fatal(fake: FakeTime) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.post(PATH).mock(return_value=httpx.Response(200, text="<html>Maintenance</html>"))
        with pytest.raises(FatalAPIError, match=r"expected a GraphQL answer.*Maintenance"):
            list(client(fake).pages(None))


def test_a_query_priced_over_the_limit_is_asked_again_with_fewer_orders(fake: FakeTime) -> None:
    too_costly = {
        "errors": [
            {
                "message": "Query cost is 2200, which exceeds the single query max cost limit (1000).",
                "extensions": {"code": "MAX_COST_EXCEEDED", "cost": 2200, "maxCost": 1000},
            }
        ]
    }
    with respx.mock(base_url=BASE) as mock:
        route = mock.post(PATH).mock(
            side_effect=[
                httpx.Response(200, json=too_costly),
                orders_answer(NODES[:1], after="a"),
                orders_answer([]),
            ]
        )
        list(client(fake).pages(None))
    # 11 orders priced at 2200 against 1000: 11 * 1000 // 2200 = 5, for this page and the next
    assert [sent(call)["variables"]["first"] for call in route.calls] == [11, 5, 5]


def test_one_order_priced_over_the_limit_is_fatal(fake: FakeTime) -> None:
    too_costly = {
        "errors": [
            {
                "message": "Query cost is 1500, which exceeds the single query max cost limit (1000).",
                "extensions": {"code": "MAX_COST_EXCEEDED", "cost": 1500, "maxCost": 1000},
            }
        ]
    }
    with respx.mock(base_url=BASE) as mock:
        route = mock.post(PATH).mock(return_value=httpx.Response(200, json=too_costly))
        with pytest.raises(FatalAPIError, match="priced the query at 1500 points, over its limit of 1000"):
            list(client(fake, page_size=1).pages(None))
    assert route.call_count == 1


# -- end to end against the stand-in ----------------------------------------------------------------


@pytest.fixture
def shop_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, standin.TOKEN)


class Sleeps:
    """Real sleeps, counted."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(seconds)


def pull_from(server: standin.StandinShopifyGraphQL, store: Store, **kwargs: t.Any) -> PullReport:
    """`statebridge.pull.pull` through a GraphQL client of the stand-in, closed afterwards."""
    with ShopifyGraphQLClient(server.base_url, **kwargs) as api:
        return pull("shopify", server.base_url, store, client=api)


def newest(shop: standin.Shop) -> dt.datetime:
    return max(dt.datetime.fromisoformat(o["updatedAt"]) for o in shop.orders.values())


@pytest.mark.usefixtures("shop_token")
def test_pull_stores_every_order_paced_by_the_bucket(tmp_path: pathlib.Path) -> None:
    shop = standin.Shop(count=120, restore_rate=20000.0)
    sleeps = Sleeps()
    with standin.StandinShopifyGraphQL(shop) as server, Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        report = pull_from(server, store, sleep=sleeps)
        assert report.problems == []
        assert report.orders == store.count("shopify") == 120
        assert report.cursor == newest(shop)
        assert store.cursor("shopify", server.base_url) == newest(shop)
        big = [o for o in shop.orders.values() if len(o["lineItems"]) == shop.big_lines]
        assert len(server.operations("StatebridgeOrderLines")) == len(big) == 5
        stored = {s.order.number: s.order for s in store.orders(platform="shopify")}
        assert all(len(stored[o["name"]].lines) == shop.big_lines for o in big)
    # every page is priced near the whole bucket and refunded most of it: the client waited for the
    # refill instead of being refused
    assert sleeps.waits
    assert server.throttled == 0
    assert len(server.operations("StatebridgeOrders")) == report.pages == 11


@pytest.mark.usefixtures("shop_token")
def test_pull_waits_out_throttled_answers_as_the_bucket_says(tmp_path: pathlib.Path) -> None:
    # the same app spends the bucket elsewhere before requests 2 and 4; 4 is answered with a 429
    shop = standin.Shop(
        count=60, restore_rate=10000.0, steal={2: 1000.0, 4: 1000.0}, throttle_http_status=429
    )
    with standin.StandinShopifyGraphQL(shop) as server, Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        report = pull_from(server, store, policy=RetryPolicy(base_delay=0.0))
        assert store.count("shopify") == report.orders == 60
        assert server.throttled == 2
        assert server.early_after_throttle == 0


@pytest.mark.usefixtures("shop_token")
def test_pull_adapts_to_a_stricter_price_limit(tmp_path: pathlib.Path) -> None:
    shop = standin.Shop(count=40, max_query_cost=400)
    with standin.StandinShopifyGraphQL(shop) as server, Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        report = pull_from(server, store)
        assert store.count("shopify") == report.orders == 40
        # priced by the stand-in at 2 + 11 * 86 = 948, then 2 + 4 * 86 = 346; a follow-up for the
        # order of 45 lines at 3 + 249 * 4 = 999, then 3 + 99 * 4 = 399
        firsts = [v["first"] for v in server.operations("StatebridgeOrders")]
        assert firsts == [11] + [4] * (len(firsts) - 1)
        assert [v["first"] for v in server.operations("StatebridgeOrderLines")] == [249, 99]
        assert server.too_costly == 2
        stored = next(s.order for s in store.orders(platform="shopify") if s.order.number == "#1023")
        assert len(stored.lines) == 45


@pytest.mark.usefixtures("shop_token")
def test_second_pull_resumes_from_the_cursor_and_stores_the_change(tmp_path: pathlib.Path) -> None:
    shop = standin.Shop(count=150)
    with standin.StandinShopifyGraphQL(shop) as server, Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        first = pull_from(server, store)
        assert first.changed == 150
        assert first.cursor is not None
        shop.touch(7, financial="REFUNDED")
        second = pull_from(server, store)
        start = first.cursor - dt.timedelta(minutes=5)
        asked = server.operations("StatebridgeOrders")[first.pages]
        assert asked == {"first": 11, "lines": 20, "query": since_filter(start)}
        # the overlap window again (inclusive), and the order changed since
        assert second.orders == len(shop.sorted_since(start)) < 150
        assert second.changed == 1
        assert store.count("shopify") == 150
        assert second.cursor == newest(shop)
        changed = next(s.order for s in store.orders(platform="shopify") if s.order.number == "#1007")
        assert changed.platform_status["financial_status"] == "REFUNDED"


@pytest.mark.usefixtures("shop_token")
def test_wrong_token_is_fatal_without_showing_it(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, FAKE_TOKEN)
    with (
        standin.StandinShopifyGraphQL(standin.Shop(count=1)) as server,
        Store(f"sqlite:///{tmp_path / 'store.db'}") as store,
    ):
        with pytest.raises(FatalAPIError, match="401") as caught:
            pull_from(server, store)
        assert FAKE_TOKEN not in str(caught.value)
        assert store.count() == 0
