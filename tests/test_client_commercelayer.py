"""The Commerce Layer client: token, paths, paging by seeking, pacing and messages (respx, fake clock),
then whole pulls from a stand-in Commerce Layer over real HTTP into SQLite."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import typing as t

import httpx
import pytest
import respx

from statebridge.clients import RetryPolicy
from statebridge.errors import APIError, ConfigurationError, FatalAPIError, RequestFailedError
from statebridge.platforms import platform
from statebridge.platforms.commercelayer.client import DEFAULT_AUTH_URL, CommerceLayerClient
from statebridge.pull import pull
from statebridge.store import Store

from .fakes import FakeTime, ThrottledOnce
from .standin.commercelayer import CLIENT_ID, CLIENT_SECRET, Organization, StandinCommerceLayer, cl_time

BASE = "https://acme.commercelayer.io"
AUTH = "https://auth.example.org/oauth/token"
SECRET = "fake-cl-secret-never-shown"
START = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATEBRIDGE_COMMERCELAYER_CLIENT_ID", "fake-cl-client-id")
    monkeypatch.setenv("STATEBRIDGE_COMMERCELAYER_CLIENT_SECRET", SECRET)


def _resource(index: int, updated_at: dt.datetime) -> dict[str, t.Any]:
    return {"id": f"o{index}", "type": "orders", "attributes": {"updated_at": cl_time(updated_at)}}


class FakeApi:
    """Orders behind respx, filtered, sorted and paged as Commerce Layer does, with real tokens."""

    def __init__(self, count: int, *, same_instant: range = range(0), expires_in: int = 7200) -> None:
        self.orders = {
            i: _resource(i, START if i in same_instant else START + dt.timedelta(seconds=i))
            for i in range(1, count + 1)
        }
        self.expires_in = expires_in
        self.tokens: list[str] = []
        self.token_bodies: list[t.Any] = []
        self.seen: list[httpx.Request] = []
        self.before: t.Callable[[int], None] | None = None
        self.headers: t.Callable[[int], dict[str, str]] = lambda n: {}

    def touch(self, index: int) -> None:
        newest = max(dt.datetime.fromisoformat(o["attributes"]["updated_at"]) for o in self.orders.values())
        self.orders[index] = _resource(index, newest + dt.timedelta(seconds=1))

    def rows(self, since: str | None) -> list[dict[str, t.Any]]:
        def key(o: dict[str, t.Any]) -> tuple[dt.datetime, int]:
            return dt.datetime.fromisoformat(o["attributes"]["updated_at"]), int(o["id"][1:])

        rows = sorted(self.orders.values(), key=key)
        if since is None:
            return rows
        floor = dt.datetime.fromisoformat(since)
        return [o for o in rows if key(o)[0] >= floor]

    def token(self, request: httpx.Request) -> httpx.Response:
        self.token_bodies.append(json.loads(request.content))
        self.tokens.append(f"fake-access-token-{len(self.tokens) + 1}")
        return httpx.Response(
            200, json={"access_token": self.tokens[-1], "token_type": "bearer", "expires_in": self.expires_in}
        )

    def list(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if self.before is not None:
            self.before(len(self.seen))
        if request.headers.get("Authorization") != f"Bearer {self.tokens[-1]}":
            return httpx.Response(401, json={"errors": [{"title": "Invalid token"}]})
        params = request.url.params
        size = int(params["page[size]"])
        number = int(params["page[number]"])
        rows = self.rows(params.get("filter[q][updated_at_gteq]"))
        pages = max(1, -(-len(rows) // size))
        return httpx.Response(
            200,
            json={
                "data": rows[(number - 1) * size : number * size],
                "meta": {"record_count": len(rows), "page_count": pages},
            },
            headers=self.headers(len(self.seen)),
        )

    def mount(self, router: respx.MockRouter) -> None:
        router.post(AUTH).mock(side_effect=self.token)
        router.get(f"{BASE}/api/orders").mock(side_effect=self.list)


def _client(time: FakeTime, **kwargs: t.Any) -> CommerceLayerClient:
    options: dict[str, t.Any] = {
        "auth_url": AUTH,
        "sleep": time.sleep,
        "clock": time.clock,
        "rng": random.Random(3),
    }
    options.update(kwargs)
    return CommerceLayerClient(BASE + "/", **options)


def _ids(client: CommerceLayerClient, since: dt.datetime | None = None) -> list[str]:
    return [resource["id"] for page in client.pages(since) for resource in page.document["data"]]


# -- requests ----------------------------------------------------------------------------------------


@respx.mock
def test_token_and_orders_requests_are_built_as_commerce_layer_expects() -> None:
    api = FakeApi(3)
    api.mount(respx.mock)
    with _client(FakeTime()) as client:
        pages = list(
            client.pages(dt.datetime(2026, 5, 1, 10, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2))))
        )
    assert len(pages) == 1
    assert api.token_bodies == [
        {"grant_type": "client_credentials", "client_id": "fake-cl-client-id", "client_secret": SECRET}
    ]
    token_request = respx.mock.calls[0].request
    assert token_request.headers["Accept"] == "application/json"
    assert token_request.headers["Content-Type"] == "application/json"
    assert "Authorization" not in token_request.headers
    [orders] = api.seen
    assert orders.url.path == "/api/orders"
    assert dict(orders.url.params) == {
        "page[number]": "1",
        "page[size]": "25",
        "sort": "updated_at",
        "include": "line_items",
        "filter[q][updated_at_gteq]": "2026-05-01T08:00:00.123Z",
    }
    assert orders.headers["Accept"] == "application/vnd.api+json"
    assert orders.headers["Authorization"] == "Bearer fake-access-token-1"


def test_the_default_auth_url_is_the_platforms_and_the_registry_knows_the_client() -> None:
    with CommerceLayerClient(BASE) as client:
        assert client.auth_url == DEFAULT_AUTH_URL == "https://auth.commercelayer.io/oauth/token"
        assert client.page_size == 25
    assert platform("commercelayer").client_class() is CommerceLayerClient
    with CommerceLayerClient(BASE, page_size=100) as client:
        assert client.page_size == 25, "Commerce Layer serves at most 25 a page"


def test_missing_credentials_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STATEBRIDGE_COMMERCELAYER_CLIENT_SECRET")
    with pytest.raises(ConfigurationError, match="set STATEBRIDGE_COMMERCELAYER_CLIENT_SECRET"):
        CommerceLayerClient(BASE)
    monkeypatch.delenv("STATEBRIDGE_COMMERCELAYER_CLIENT_ID")
    with pytest.raises(ConfigurationError, match="set STATEBRIDGE_COMMERCELAYER_CLIENT_ID"):
        CommerceLayerClient(BASE)


# -- paging ------------------------------------------------------------------------------------------


@respx.mock
def test_pages_run_to_the_end_seeking_from_the_newest_order_read() -> None:
    api = FakeApi(60)
    api.mount(respx.mock)
    with _client(FakeTime()) as client:
        ids = _ids(client)
    assert set(ids) == {f"o{i}" for i in range(1, 61)}
    filters = [r.url.params.get("filter[q][updated_at_gteq]") for r in api.seen]
    assert filters == [
        None,
        cl_time(START + dt.timedelta(seconds=25)),
        cl_time(START + dt.timedelta(seconds=49)),
    ]
    assert [r.url.params["page[number]"] for r in api.seen] == ["1", "1", "1"]
    assert len(ids) == 62, "only the order of the newest instant read is read again"


@respx.mock
def test_an_order_updated_mid_pull_does_not_make_another_slide_out_of_reach() -> None:
    api = FakeApi(20)
    api.mount(respx.mock)

    def change(request_number: int) -> None:
        if request_number == 2:
            api.touch(3)  # an order already read moves to the end; everything after it moves up

    api.before = change
    with _client(FakeTime(), page_size=5) as client:
        ids = _ids(client)
    assert set(ids) == {f"o{i}" for i in range(1, 21)}
    # page number 2 of the unchanged query would now start at o7: o6 would never have been read
    assert [o["id"] for o in api.rows(None)[5:10]] == ["o7", "o8", "o9", "o10", "o11"]


@respx.mock
def test_a_bulk_of_orders_in_one_instant_longer_than_a_page_is_stepped_through() -> None:
    api = FakeApi(20, same_instant=range(3, 16))  # 13 orders share START, before o1 and o2
    api.mount(respx.mock)
    with _client(FakeTime(), page_size=5) as client:
        ids = _ids(client)
    assert set(ids) == {f"o{i}" for i in range(1, 21)}
    steps = [(r.url.params.get("filter[q][updated_at_gteq]"), r.url.params["page[number]"]) for r in api.seen]
    instant = cl_time(START)
    assert steps[:4] == [(None, "1"), (instant, "1"), (instant, "2"), (instant, "3")]
    assert len(steps) < 10


@respx.mock
def test_links_next_ends_the_pages_when_there_is_no_meta() -> None:
    one = {"data": [_resource(1, START)], "links": {"next": f"{BASE}/api/orders?page[number]=2"}}
    two = {"data": [_resource(2, START + dt.timedelta(seconds=1))], "links": {"next": None}}
    respx.post(AUTH).mock(return_value=httpx.Response(200, json={"access_token": "tk", "expires_in": 7200}))
    route = respx.get(f"{BASE}/api/orders").mock(
        side_effect=[httpx.Response(200, json=one), httpx.Response(200, json=two)]
    )
    with _client(FakeTime()) as client:
        assert _ids(client) == ["o1", "o2"]
    assert route.call_count == 2, "no next link: the last page"
    second = route.calls[1].request.url.params
    assert (second["page[number]"], second["filter[q][updated_at_gteq]"]) == ("1", cl_time(START))


@respx.mock
def test_an_answer_out_of_updated_at_order_is_refused() -> None:
    unsorted = {"data": [_resource(2, START + dt.timedelta(seconds=2)), _resource(1, START)]}
    respx.post(AUTH).mock(return_value=httpx.Response(200, json={"access_token": "tk", "expires_in": 7200}))
    respx.get(f"{BASE}/api/orders").mock(return_value=httpx.Response(200, json=unsorted))
    with _client(FakeTime()) as client, pytest.raises(APIError, match=r"ignored sort=updated_at") as caught:
        list(client.pages(None))
    assert str(caught.value).startswith(f"GET {BASE}/api/orders?page")


@respx.mock
def test_an_answer_that_ignores_the_filter_is_refused() -> None:
    respx.post(AUTH).mock(return_value=httpx.Response(200, json={"access_token": "tk", "expires_in": 7200}))
    respx.get(f"{BASE}/api/orders").mock(
        return_value=httpx.Response(200, json={"data": [_resource(1, START)], "meta": {"page_count": 1}})
    )
    with _client(FakeTime()) as client, pytest.raises(APIError, match=r"ignored the filter"):
        list(client.pages(START + dt.timedelta(days=1)))


@respx.mock
def test_an_answer_that_is_not_json_names_the_request() -> None:
    respx.post(AUTH).mock(return_value=httpx.Response(200, json={"access_token": "tk", "expires_in": 7200}))
    respx.get(f"{BASE}/api/orders").mock(
        return_value=httpx.Response(200, text="<html>Log in</html>", headers={"Content-Type": "text/html"})
    )
    with _client(FakeTime()) as client, pytest.raises(FatalAPIError) as caught:
        list(client.pages(None))
    assert "the answer is not JSON (text/html): <html>Log in</html>" in str(caught.value)
    assert str(caught.value).startswith(f"GET {BASE}/api/orders?")


# -- the token -----------------------------------------------------------------------------------------


@respx.mock
def test_the_token_is_kept_across_pages_and_renewed_shortly_before_it_expires() -> None:
    time = FakeTime()
    api = FakeApi(60, expires_in=120)  # kept for 120 - 12 seconds
    api.mount(respx.mock)
    api.before = lambda n: setattr(time, "now", time.now + 60)  # each page takes a minute
    with _client(time) as client:
        _ids(client)
        assert client.tokens_fetched == 2
    assert len(api.tokens) == 2
    assert len(api.seen) == 3, "no request was refused: the token was renewed before it ran out"


@respx.mock
def test_a_401_fetches_a_new_token_once_and_sends_the_request_again() -> None:
    api = FakeApi(3)
    api.mount(respx.mock)
    revoked = {"done": False}

    def revoke(request_number: int) -> None:
        if not revoked["done"]:
            revoked["done"] = True
            api.tokens.append("revoked-elsewhere")  # the client's token is no longer the live one

    api.before = revoke
    with _client(FakeTime()) as client:
        assert _ids(client) == ["o1", "o2", "o3"]
    assert len(api.seen) == 2
    assert api.seen[1].headers["Authorization"] == f"Bearer {api.tokens[-1]}"
    assert len(api.token_bodies) == 2


@respx.mock
def test_a_second_401_is_fatal_and_never_shows_the_token_or_the_secret() -> None:
    respx.post(AUTH).mock(
        side_effect=[
            httpx.Response(200, json={"access_token": "fake-token-one", "expires_in": 7200}),
            httpx.Response(200, json={"access_token": "fake-token-two", "expires_in": 7200}),
        ]
    )
    route = respx.get(f"{BASE}/api/orders").mock(
        side_effect=lambda request: httpx.Response(
            401, text=f"bad token {request.headers['Authorization']} for client secret {SECRET}"
        )
    )
    with _client(FakeTime()) as client, pytest.raises(FatalAPIError) as caught:
        list(client.pages(None))
    message = str(caught.value)
    assert message.startswith(f"GET {BASE}/api/orders?page")
    assert "401 Unauthorized" in message
    assert "even with a new access token" in message
    assert "fake-token-two" not in message
    assert SECRET not in message
    assert route.call_count == 2


@respx.mock
def test_a_refused_token_request_names_the_auth_url_and_variables_never_the_secret() -> None:
    token = respx.post(AUTH).mock(
        return_value=httpx.Response(401, json={"errors": [{"title": "invalid_client", "detail": SECRET}]})
    )
    orders = respx.get(f"{BASE}/api/orders")
    with _client(FakeTime()) as client, pytest.raises(FatalAPIError) as caught:
        list(client.pages(None))
    message = str(caught.value)
    assert message.startswith(f"POST {AUTH}: cannot get a Commerce Layer access token with ")
    assert "STATEBRIDGE_COMMERCELAYER_CLIENT_ID and STATEBRIDGE_COMMERCELAYER_CLIENT_SECRET" in message
    assert "401 Unauthorized" in message
    assert SECRET not in message
    assert caught.value.status == 401
    assert token.call_count == 1, "a refused token is not retried"
    assert not orders.called


@respx.mock
def test_the_token_request_goes_through_retries_and_its_budget_names_the_auth_url() -> None:
    time = FakeTime()
    respx.post(AUTH).mock(
        side_effect=[
            httpx.Response(503),
            httpx.ConnectTimeout("timed out"),
            httpx.Response(200, json={"access_token": "tk", "expires_in": 7200}),
        ]
    )
    respx.get(f"{BASE}/api/orders").mock(return_value=httpx.Response(200, json={"data": []}))
    with _client(time) as client:
        assert _ids(client) == []
    assert len(time.sleeps) == 2

    respx.post(AUTH).mock(side_effect=httpx.ConnectTimeout("timed out"))
    with (
        _client(FakeTime(), policy=RetryPolicy(max_attempts=3)) as client,
        pytest.raises(RequestFailedError) as caught,
    ):
        list(client.pages(None))
    assert str(caught.value).startswith(f"POST {AUTH}: cannot get a Commerce Layer access token")
    assert "gave up after 3 attempts; last: ConnectTimeout: timed out" in str(caught.value)
    assert SECRET not in str(caught.value)


@respx.mock
def test_a_token_answer_without_a_token_is_fatal() -> None:
    respx.post(AUTH).mock(return_value=httpx.Response(200, json={"token_type": "bearer"}))
    with _client(FakeTime()) as client, pytest.raises(FatalAPIError, match="has no access_token") as caught:
        list(client.pages(None))
    assert str(caught.value).startswith(f"POST {AUTH}:")


# -- pacing --------------------------------------------------------------------------------------------


@respx.mock
def test_rate_limit_headers_space_requests_when_the_window_runs_low() -> None:
    time = FakeTime()
    api = FakeApi(100)
    api.mount(respx.mock)
    remaining = {1: "40", 2: "8", 3: "0"}
    api.headers = lambda n: {
        "X-Ratelimit-Limit": "50",
        "X-Ratelimit-Interval": "10",
        "X-Ratelimit-Remaining": remaining.get(n, "45"),
    }
    sent_at: list[float] = []
    api.before = lambda n: sent_at.append(time.now)
    with _client(time) as client:
        _ids(client)
    gaps = [b - a for a, b in itertools.pairwise(sent_at)]
    assert gaps[0] == 0, "40 of 50 left: no wait"
    assert gaps[1] == pytest.approx(10 / 50), "8 of 50 left: one request per interval/limit"
    assert gaps[2] == pytest.approx(10), "none left: wait for the window to slide"


@respx.mock
def test_a_429_waits_its_retry_after_before_the_next_request() -> None:
    time = FakeTime()
    respx.post(AUTH).mock(return_value=httpx.Response(200, json={"access_token": "tk", "expires_in": 7200}))
    answer = ThrottledOnce(time, "3", {"data": [_resource(1, START)], "meta": {"page_count": 1}})
    sent_at = answer.sent_at

    respx.get(f"{BASE}/api/orders").mock(side_effect=answer)
    with _client(time) as client:
        assert _ids(client) == ["o1"]
    assert sent_at[1] - sent_at[0] >= 3


# -- whole pulls over HTTP ---------------------------------------------------------------------------

FAST = RetryPolicy(max_attempts=8, base_delay=0.02, max_delay=0.2, timeout=10)


@pytest.fixture
def _standin_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATEBRIDGE_COMMERCELAYER_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("STATEBRIDGE_COMMERCELAYER_CLIENT_SECRET", CLIENT_SECRET)


def _pull(standin: StandinCommerceLayer, store: Store) -> t.Any:
    client = CommerceLayerClient(standin.base_url, auth_url=standin.auth_url, policy=FAST)
    with client:
        return pull("commercelayer", standin.base_url, store, client=client)


def _newest(organization: Organization) -> dt.datetime:
    return max(dt.datetime.fromisoformat(o["attributes"]["updated_at"]) for o in organization.orders.values())


@pytest.mark.usefixtures("_standin_credentials")
def test_pull_stores_every_order_once_paced_under_the_window(tmp_path: t.Any) -> None:
    organization = Organization(count=230, tie_from=100, tie_size=30, limit=6, interval=0.3)
    with StandinCommerceLayer(organization) as standin, Store("sqlite:///" + str(tmp_path / "s.db")) as store:
        report = _pull(standin, store)
        assert report.problems == []
        assert store.count("commercelayer") == 230
        assert store.cursor("commercelayer", standin.base_url) == _newest(organization)
        assert standin.tokens_issued == 1
        assert standin.throttled == 0, "the rate-limit headers kept the client inside the window"
        stored = next(s for s in store.orders() if s.order.number == "30007")
        assert [line.quantity for line in stored.order.lines] == [2], "line items came with include"

        organization.touch(7, state=3)
        requests_before = len(standin.orders_requests())
        again = _pull(standin, store)
        assert again.changed == 1
        assert store.count("commercelayer") == 230
        assert store.cursor("commercelayer", standin.base_url) == _newest(organization)
        stored = next(s for s in store.orders() if s.order.number == "30007")
        assert stored.order.platform_status["status"] == "cancelled"
        first_again = standin.orders_requests()[requests_before]
        assert first_again["filter[q][updated_at_gteq]"] == [
            cl_time(_newest(organization) - dt.timedelta(seconds=1) - dt.timedelta(minutes=5))
        ]


@pytest.mark.usefixtures("_standin_credentials")
def test_pull_survives_orders_changing_and_the_token_being_revoked_mid_run(tmp_path: t.Any) -> None:
    organization = Organization(count=150, limit=1000)
    with StandinCommerceLayer(organization) as standin, Store("sqlite:///" + str(tmp_path / "s.db")) as store:

        def meddle(request_number: int) -> None:
            if request_number == 2:
                organization.touch(5, state=2)  # o5 was on page 1: everything after it moves up
            if request_number == 3:
                standin.revoke()

        standin.before_page = meddle
        report = _pull(standin, store)
        assert report.problems == []
        assert store.count("commercelayer") == 150
        assert standin.tokens_issued == 2
        stored = next(s for s in store.orders() if s.order.number == "30005")
        assert stored.order.platform_status["fulfillment_status"] == "fulfilled"
        assert store.cursor("commercelayer", standin.base_url) == _newest(organization)


def test_pull_with_a_wrong_secret_names_the_auth_url_and_stores_nothing(
    tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATEBRIDGE_COMMERCELAYER_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("STATEBRIDGE_COMMERCELAYER_CLIENT_SECRET", "fake-wrong-secret-value")
    with (
        StandinCommerceLayer(Organization(count=5)) as standin,
        Store("sqlite:///" + str(tmp_path / "s.db")) as store,
    ):
        with pytest.raises(FatalAPIError) as caught:
            _pull(standin, store)
        assert str(caught.value).startswith(
            f"POST {standin.auth_url}: cannot get a Commerce Layer access token"
        )
        assert "fake-wrong-secret-value" not in str(caught.value)
        assert store.count() == 0
