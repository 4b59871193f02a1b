"""The client machinery: retries, `Retry-After`, pacing and messages, with a fake clock (respx)."""

from __future__ import annotations

import datetime as dt
import random
import typing as t

import httpx
import pytest
import respx

from statebridge.clients import ApiClient, Page, RetryPolicy, describe_request
from statebridge.clients.policy import retry_after_seconds
from statebridge.errors import FatalAPIError, RequestFailedError
from statebridge.platforms.shopify.client_rest import ShopifyRestClient

from .fakes import FakeTime, ThrottledOnce


class Plain(ApiClient):
    platform = "spree"

    def pages(self, since: t.Any | None) -> t.Iterator[Page]:
        yield Page(self.request("GET", "/orders").json(), "page 1")


def _client(time: FakeTime, **policy: t.Any) -> Plain:
    return Plain(
        "https://api.example.org",
        policy=RetryPolicy(**policy),
        sleep=time.sleep,
        clock=time.clock,
        rng=random.Random(7),
    )


@respx.mock
def test_retry_after_is_honoured_in_full_before_the_next_request() -> None:
    time = FakeTime()
    answer = ThrottledOnce(time, "2.5", {"ok": True})
    sent_at = answer.sent_at

    respx.get("https://api.example.org/orders").mock(side_effect=answer)
    with _client(time) as client:
        assert client.request("GET", "/orders").json() == {"ok": True}
    assert sent_at[1] - sent_at[0] >= 2.5


@respx.mock
def test_http_date_retry_after_is_read() -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    response = httpx.Response(429, headers={"Retry-After": later.strftime("%a, %d %b %Y %H:%M:%S GMT")})
    seconds = retry_after_seconds(response)
    assert seconds is not None
    assert 28 <= seconds <= 31
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "soon"})) is None


@respx.mock
def test_server_errors_and_dropped_connections_are_retried_with_bounded_backoff() -> None:
    time = FakeTime()
    route = respx.get("https://api.example.org/orders").mock(
        side_effect=[
            httpx.Response(500),
            httpx.RemoteProtocolError("dropped"),
            httpx.Response(503),
            httpx.Response(200, json=[]),
        ]
    )
    with _client(time, base_delay=1.0, max_delay=4.0) as client:
        client.request("GET", "/orders")
    assert route.call_count == 4
    assert len(time.sleeps) == 3
    assert all(0 <= wait <= 4.0 for wait in time.sleeps)


@respx.mock
def test_the_budget_runs_out_with_a_message_naming_the_request() -> None:
    time = FakeTime()
    respx.get("https://api.example.org/orders").mock(return_value=httpx.Response(502))
    with _client(time, max_attempts=3) as client, pytest.raises(RequestFailedError) as caught:
        client.request("GET", "/orders", params={"token": "very-secret", "page": 2})
    message = str(caught.value)
    assert message.startswith("GET https://api.example.org/orders?token=***&page=2: gave up after 3 attempts")
    assert "502 Bad Gateway" in message
    assert "very-secret" not in message


@respx.mock
def test_a_client_error_is_fatal_at_once() -> None:
    time = FakeTime()
    route = respx.get("https://api.example.org/orders").mock(
        return_value=httpx.Response(404, text="no such shop")
    )
    with (
        _client(time) as client,
        pytest.raises(FatalAPIError, match=r"404 Not Found: no such shop") as caught,
    ):
        client.request("GET", "/orders")
    assert route.call_count == 1
    assert caught.value.status == 404


@respx.mock
def test_shopify_call_limit_slows_down_before_a_429(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATEBRIDGE_SHOPIFY_TOKEN", "shpat_fake")
    time = FakeTime()
    limits = iter(["10/40", "33/40", "39/40"])
    respx.get(url__regex=r"https://shop\.example\.org/admin/api/.*/orders\.json.*").mock(
        side_effect=lambda request: httpx.Response(
            200, json={"orders": []}, headers={"X-Shopify-Shop-Api-Call-Limit": next(limits)}
        )
    )
    client = ShopifyRestClient(
        "https://shop.example.org", sleep=time.sleep, clock=time.clock, restore_rate=2.0
    )
    with client:
        client.request("GET", "/admin/api/2026-10/orders.json")
        client.request("GET", "/admin/api/2026-10/orders.json")  # 10/40: no wait before this one
        assert time.sleeps == []
        client.request("GET", "/admin/api/2026-10/orders.json")  # 33/40 > 80 %: wait for 2 to drain
    assert time.sleeps == [pytest.approx((33 - 32 + 1) / 2.0)]


@respx.mock
def test_shopify_pages_follow_the_link_header_with_only_its_own_query(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STATEBRIDGE_SHOPIFY_TOKEN", "shpat_fake")
    seen: list[httpx.URL] = []
    next_url = "https://shop.example.org/admin/api/2026-10/orders.json?limit=250&page_info=abc"

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        assert request.headers["X-Shopify-Access-Token"] == "shpat_fake"
        if len(seen) == 1:
            return httpx.Response(
                200, json={"orders": [{"id": 1}]}, headers={"Link": f'<{next_url}>; rel="next"'}
            )
        return httpx.Response(200, json={"orders": [{"id": 2}]})

    respx.get(url__startswith="https://shop.example.org/admin/api/2026-10/orders.json").mock(
        side_effect=answer
    )
    since = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    with ShopifyRestClient("https://shop.example.org/") as client:
        pages = list(client.pages(since))
    assert [p.document["orders"][0]["id"] for p in pages] == [1, 2]
    first = dict(seen[0].params)
    assert first == {
        "status": "any",
        "limit": "250",
        "order": "updated_at asc",
        "updated_at_min": "2026-05-01T00:00:00+00:00",
    }
    assert str(seen[1]) == next_url


def test_describe_request_masks_secret_parameters() -> None:
    text = describe_request("GET", "https://hub.example.org/api/v0/orders?token=abc&api_key=k&page=1")
    assert text == "GET https://hub.example.org/api/v0/orders?token=***&api_key=***&page=1"


@respx.mock
def test_a_post_without_idempotency_key_is_never_sent_twice_after_it_may_have_arrived() -> None:
    time = FakeTime()
    route = respx.post("https://api.example.org/orders")
    with _client(time) as client:
        for failure in (httpx.Response(500), httpx.Response(503), httpx.RemoteProtocolError("dropped")):
            route.reset()
            route.mock(side_effect=[failure, httpx.Response(201)])
            with pytest.raises(
                RequestFailedError, match="not retried: the server may have acted on this POST"
            ):
                client.request("POST", "/orders", json={"n": 1})
            assert route.call_count == 1
        # Not processed, whatever the method: a 429, and a connection that could not be opened.
        route.reset()
        route.mock(side_effect=[httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(201)])
        assert client.request("POST", "/orders", json={"n": 2}).status_code == 201
        route.reset()
        route.mock(side_effect=[httpx.ConnectError("refused"), httpx.Response(201)])
        assert client.request("POST", "/orders", json={"n": 3}).status_code == 201
        assert route.call_count == 2


@respx.mock
def test_a_post_with_an_idempotency_key_or_declared_repeatable_and_a_put_are_retried() -> None:
    time = FakeTime()
    post = respx.post("https://api.example.org/orders").mock(
        side_effect=[httpx.Response(500), httpx.RemoteProtocolError("dropped"), httpx.Response(201)] * 2
    )
    put = respx.put("https://api.example.org/orders/1").mock(
        side_effect=[httpx.Response(502), httpx.Response(200)]
    )
    with _client(time) as client:
        keyed = client.request("POST", "/orders", json={}, headers={"Idempotency-Key": '"k1"'})
        assert keyed.status_code == 201
        assert post.call_count == 3
        assert [call.request.headers["Idempotency-Key"] for call in post.calls] == ['"k1"'] * 3
        assert client.request("POST", "/orders", json={}, repeatable=True).status_code == 201  # a query
        assert post.call_count == 6
        assert client.request("PUT", "/orders/1", json={}).status_code == 200
        assert put.call_count == 2
    respx.put("https://api.example.org/orders/2").mock(return_value=httpx.Response(500))
    with _client(time) as client, pytest.raises(RequestFailedError, match="not retried"):
        client.request("PUT", "/orders/2", json={}, repeatable=False)


@respx.mock
def test_a_client_that_gives_up_on_429s_says_how_long_the_platform_asked_to_wait() -> None:
    time = FakeTime()
    respx.get("https://api.example.org/orders").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "120"})] * 3
    )
    with _client(time, max_attempts=3) as client, pytest.raises(RequestFailedError) as failed:
        client.request("GET", "/orders")
    assert failed.value.retry_after == 120.0
    assert "429 Too Many Requests (Retry-After: 120)" in str(failed.value)
