"""The Relatude export client (respx, fake clock), then whole pulls from a stand-in export over real
HTTP into SQLite."""

from __future__ import annotations

import datetime as dt
import http.server
import random
import typing as t
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from statebridge.errors import APIError, FatalAPIError, UsageError
from statebridge.platforms import platform
from statebridge.platforms.relatude.client import RelatudeClient
from statebridge.pull import pull
from statebridge.store import Store

from .fakes import FakeTime, ThrottledOnce
from .standin.server import StandinHandler, StandinServer

EXPORT = "https://fiskebutikken.example.no/api/statebridge/orders"
TOKEN = "fake-relatude-token-never-shown"
STATUSES = ["Ordered", "Shipped", "PartlyShipped", "Cancelled", "Refunded", "Basket", "Saved"]


@pytest.fixture(autouse=True)
def _no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STATEBRIDGE_RELATUDE_TOKEN", raising=False)


def _order(index: int, status: str = "Ordered") -> dict[str, t.Any]:
    return {
        "OrderGuid": f"00000000-0000-4000-8000-{index:012d}",
        "OrderNumber": str(70000 + index),
        "OrderStatus": status,
        "DateOrdered": "2026-02-14T13:45:00+01:00",
        "Currency": "NOK",
        "OrderTotal": 498.0,
        "OrderItems": [
            {"ProductId": "fish-42", "ProductName": "Torsk 1kg", "Quantity": 2, "UnitPrice": 224.5}
        ],
    }


def _client(time: FakeTime | None = None, url: str = EXPORT, **kwargs: t.Any) -> RelatudeClient:
    time = time or FakeTime()
    return RelatudeClient(url, sleep=time.sleep, clock=time.clock, rng=random.Random(1), **kwargs)


def _pages(*documents: t.Any) -> list[httpx.Response]:
    return [httpx.Response(200, json=document) for document in documents]


# -- requests ----------------------------------------------------------------------------------------


@respx.mock
def test_pages_are_asked_of_the_export_url_itself_keeping_its_query() -> None:
    route = respx.get(url__startswith=EXPORT).mock(
        side_effect=_pages({"Orders": [_order(1)]}, {"Orders": [_order(2)]}, {"Orders": []})
    )
    with _client(url=EXPORT + "?format=json&page=9") as client:
        pages = list(client.pages(None))
    assert [p.document["Orders"][0]["OrderNumber"] for p in pages] == ["70001", "70002"]
    assert [p.position for p in pages] == ["page 1", "page 2"]
    assert [str(c.request.url) for c in route.calls] == [
        f"{EXPORT}?format=json&page=1",
        f"{EXPORT}?format=json&page=2",
        f"{EXPORT}?format=json&page=3",
    ]
    assert "Authorization" not in route.calls[0].request.headers, "no token set: none sent"
    assert platform("relatude").client_class() is RelatudeClient


@respx.mock
def test_since_and_page_size_are_sent_and_the_token_when_it_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATEBRIDGE_RELATUDE_TOKEN", TOKEN)
    route = respx.get(url__startswith=EXPORT).mock(return_value=httpx.Response(200, json={"Orders": []}))
    since = dt.datetime(2026, 2, 14, 13, 45, 0, 250000, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    with _client(page_size=200) as client:
        assert list(client.pages(since)) == []
    request = route.calls[0].request
    assert dict(request.url.params) == {
        "page": "1",
        "since": "2026-02-14T12:45:00.250000Z",
        "per_page": "200",
    }
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_since_without_offset_is_refused() -> None:
    with _client() as client, pytest.raises(UsageError, match="since must carry a UTC offset"):
        list(client.pages(dt.datetime(2026, 2, 14, 13, 45)))


@respx.mock
def test_xml_pages_end_at_an_empty_orders_element() -> None:
    page = (
        '<?xml version="1.0" encoding="utf-8"?><Orders><Order><OrderGuid>g-1</OrderGuid>'
        "<OrderStatus>Ordered</OrderStatus></Order></Orders>"
    )
    route = respx.get(url__startswith=EXPORT).mock(
        side_effect=[
            httpx.Response(200, text=page, headers={"Content-Type": "application/xml"}),
            httpx.Response(200, text="<Orders />", headers={"Content-Type": "application/xml"}),
        ]
    )
    with _client() as client:
        [only] = list(client.pages(None))
    assert only.document.tag == "Orders"
    assert route.call_count == 2


@respx.mock
def test_a_list_page_and_an_empty_body_also_end_the_export() -> None:
    respx.get(url__startswith=EXPORT).mock(
        side_effect=[httpx.Response(200, json=[_order(1), _order(2)]), httpx.Response(204)]
    )
    with _client() as client:
        [only] = list(client.pages(None))
    assert len(only.document) == 2


@respx.mock
def test_an_export_that_ignores_page_is_stopped_instead_of_looping() -> None:
    respx.get(url__startswith=EXPORT).mock(return_value=httpx.Response(200, json={"Orders": [_order(1)]}))
    with _client(url=EXPORT + "?key=site-secret-key") as client, pytest.raises(APIError) as caught:
        list(client.pages(None))
    message = str(caught.value)
    assert message.startswith(f"GET {EXPORT}?key=***&page=2: page 2 holds the same orders as page 1")
    assert "site-secret-key" not in message


@respx.mock
def test_an_answer_that_is_not_the_export_names_the_request() -> None:
    respx.get(url__startswith=EXPORT).mock(
        return_value=httpx.Response(200, text="Orders: none today", headers={"Content-Type": "text/plain"})
    )
    with _client() as client, pytest.raises(FatalAPIError) as caught:
        list(client.pages(None))
    assert str(caught.value).startswith(
        f"GET {EXPORT}?page=1: the answer is not the export's JSON or XML (text/plain)"
    )


@respx.mock
def test_a_refusal_names_the_request_and_never_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATEBRIDGE_RELATUDE_TOKEN", TOKEN)
    respx.get(url__startswith=EXPORT).mock(
        side_effect=lambda request: httpx.Response(401, text=f"unknown {request.headers['Authorization']}")
    )
    with _client() as client, pytest.raises(FatalAPIError) as caught:
        list(client.pages(None))
    assert str(caught.value) == f"GET {EXPORT}?page=1: 401 Unauthorized: unknown Bearer ***"


@respx.mock
def test_a_429_waits_its_retry_after() -> None:
    time = FakeTime()
    answer = ThrottledOnce(time, "7", {"Orders": []})
    sent_at = answer.sent_at

    respx.get(url__startswith=EXPORT).mock(side_effect=answer)
    with _client(time) as client:
        list(client.pages(None))
    assert sent_at[1] - sent_at[0] >= 7


# -- a stand-in export over HTTP ----------------------------------------------------------------------


class StandinExport(StandinServer):
    """An export at `/statebridge/orders.json`, pages of `size` in creation order, `since` on changes."""

    def __init__(self, count: int, *, size: int = 25, token: str | None = None) -> None:
        start = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
        self.orders = [
            (start + dt.timedelta(minutes=i), _order(i, STATUSES[i % 7])) for i in range(1, count + 1)
        ]
        self.size = size
        self.token = token
        self.queries: list[dict[str, list[str]]] = []
        super().__init__()

    @property
    def url(self) -> str:
        return f"{self.base_url}/statebridge/orders.json?format=json"

    def answer(self, query: dict[str, list[str]], authorization: str | None) -> tuple[int, t.Any]:
        self.queries.append(query)
        if self.token is not None and authorization != f"Bearer {self.token}":
            return 401, {"Message": "Authorization has been denied for this request."}
        rows = self.orders
        if "since" in query:
            since = dt.datetime.fromisoformat(query["since"][0])
            rows = [row for row in rows if row[0] >= since]
        number = int(query.get("page", ["1"])[0])
        return 200, {"Orders": [order for _, order in rows[(number - 1) * self.size : number * self.size]]}

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        standin = self

        class Handler(StandinHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                status, body = (
                    standin.answer(parse_qs(parts.query), self.headers.get("Authorization"))
                    if parts.path == "/statebridge/orders.json"
                    else (404, {"Message": "No route"})
                )
                self.send_json(status, body, content_type="application/json; charset=utf-8")

        return Handler


def test_pull_reads_the_whole_export_into_the_store(tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATEBRIDGE_RELATUDE_TOKEN", TOKEN)
    with StandinExport(110, token=TOKEN) as export, Store("sqlite:///" + str(tmp_path / "s.db")) as store:
        report = pull("relatude", export.url, store)  # the client from the registry
        assert report.problems == []
        assert (report.orders, report.pages) == (110, 5)
        assert store.count("relatude") == 110
        assert store.cursor("relatude", export.url) is None, "the export shape has no time of change"
        assert [q["page"] for q in export.queries] == [[str(n)] for n in range(1, 7)]
        assert all(q["format"] == ["json"] for q in export.queries)

        export.orders[2][1]["OrderStatus"] = "Cancelled"
        again = pull("relatude", export.url, store)
        assert again.orders == 110, "no cursor: every pull reads the whole export"
        assert "since" not in export.queries[-1]
        assert store.count("relatude") == 110
        stored = next(s for s in store.orders() if s.order.number == "70003")
        assert stored.order.platform_status["OrderStatus"] == "Cancelled", (
            "without updated_at, the latest read wins"
        )

        since = dt.datetime(2026, 2, 1, 1, 30, tzinfo=dt.UTC)
        recent = pull("relatude", export.url, store, since=since)
        assert recent.orders == 21  # orders 90 to 110 changed at or after 01:30
        assert export.queries[-1]["since"] == ["2026-02-01T01:30:00Z"]


def test_pull_without_the_token_the_export_wants_is_refused(tmp_path: t.Any) -> None:
    with StandinExport(3, token=TOKEN) as export, Store("sqlite:///" + str(tmp_path / "s.db")) as store:
        with pytest.raises(
            FatalAPIError,
            match=r"GET http://127\.0\.0\.1:\d+/statebridge/orders\.json\?format=json&page=1: 401",
        ):
            pull("relatude", export.url, store)
        assert store.count() == 0
