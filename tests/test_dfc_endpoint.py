"""The DFC Orders endpoint over real HTTP: uvicorn on a loopback port, driven with httpx.

The round trip is Open Food Network's own: it POSTs a new backorder as a Held DFC order, PUTs it
Complete when the order cycle closes, and reads it back (the recorded traffic in fixtures/dfc/).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import typing as t

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from statebridge.dfc import parse_jsonld
from statebridge.dfc.graph import DFCB, DFCV
from statebridge.store import Store
from statebridge.translate import read_orders
from statebridge.web import create_app
from statebridge.web.auth import Authenticator
from statebridge.web.enterprises import Enterprise

from .conftest import FIXTURES
from .serving import dfc_client, running

POST_HELD = FIXTURES / "dfc/public_ofn_cassette_completes_an_order_5_post_request.json"
PUT_COMPLETE = FIXTURES / "dfc/public_ofn_cassette_completes_an_order_8_put_request.json"
TOKEN = "test-token-not-a-secret"
LD = {"Content-Type": "application/ld+json", "Authorization": f"Bearer {TOKEN}"}
SHOP = Enterprise("test-hodmedod", "shopify", "https://hodmedod.example.org")
SPREE = Enterprise("green-hub", "spree", "https://hub.example.org")


@contextlib.contextmanager
def served(store: Store, *, tokens: str | None = TOKEN) -> t.Iterator[httpx.Client]:
    environ = {"STATEBRIDGE_API_TOKENS": tokens} if tokens else {}
    with dfc_client(store, [SHOP, SPREE], environ) as http:
        yield http


def _order_node(document: dict[str, t.Any]) -> dict[str, t.Any]:
    [node] = [n for n in document["@graph"] if n.get("@type") == "dfc-b:Order"]
    return node


def _order_ids(page: httpx.Response) -> list[str]:
    return [n["@id"] for n in page.json()["@graph"] if n.get("@type") == "dfc-b:Order"]


def test_the_ofn_round_trip(store: Store) -> None:
    with served(store) as http:
        created = http.post(
            f"/api/dfc/Enterprises/{SHOP.slug}/Orders", content=POST_HELD.read_bytes(), headers=LD
        )
        assert created.status_code == 201, created.text
        location = created.headers["Location"]
        assert location.startswith(
            f"{str(http.base_url).rstrip('/')}/api/dfc/Enterprises/{SHOP.slug}/Orders/"
        )
        order = _order_node(created.json())
        assert order["@id"] == location
        assert order["dfc-b:hasOrderStatus"] == "dfc-v:Held"
        lossy = created.headers[
            "Statebridge-Lossy"
        ]  # a Shopify open order is Held: the order state survives,
        assert "order Held" not in lossy  # but Shopify has no order without a fulfilment status
        assert lossy.startswith("fulfilment unset reads back as Unfulfilled")

        updated = http.put(location, content=PUT_COMPLETE.read_bytes(), headers=LD)
        assert updated.status_code == 200, updated.text
        assert _order_node(updated.json())["dfc-b:hasOrderStatus"] == "dfc-v:Complete"

        as_jsonld = http.get(location, headers={"Authorization": f"Bearer {TOKEN}"})
        assert as_jsonld.status_code == 200
        assert as_jsonld.headers["content-type"] == "application/ld+json"
        node = _order_node(as_jsonld.json())
        assert node["dfc-b:hasOrderStatus"] == "dfc-v:Complete"
        assert len(node["dfc-b:hasPart"]) == 2

        as_turtle = http.get(location, headers={"Authorization": f"Bearer {TOKEN}", "Accept": "text/turtle"})
        assert as_turtle.status_code == 200
        assert as_turtle.headers["content-type"].startswith("text/turtle")
        graph = Graph().parse(data=as_turtle.text, format="turtle")
        assert (URIRef(location), DFCB.hasOrderStatus, DFCV.Complete) in graph
        assert isomorphic(graph, parse_jsonld(as_jsonld.content))

    # stored beside the shop's pulled orders, with the Shopify status fields the states become
    [stored] = list(store.orders())
    assert (stored.platform, stored.base_url) == (SHOP.platform, SHOP.base_url)
    assert stored.order.platform_status["closed"] == "yes"
    assert stored.raw == json.loads(PUT_COMPLETE.read_text())
    quantities = [line.quantity for line in stored.order.lines]
    assert [int(q) for q in quantities] == [2, 7]  # the PUT changed the quantities


def test_a_state_the_platform_cannot_hold_is_named(store: Store) -> None:
    """Spree has no held order state: the write says so, and the order is kept as Spree would hold
    it (`platform_status`), while the client reads back the Held it wrote (issue 12, item 4)."""
    with served(store) as http:
        created = http.post(
            f"/api/dfc/Enterprises/{SPREE.slug}/Orders", content=POST_HELD.read_bytes(), headers=LD
        )
        read = http.get(created.headers["Location"], headers={"Authorization": f"Bearer {TOKEN}"})
    assert created.status_code == 201
    assert "order Held reads back as Complete" in created.headers["Statebridge-Lossy"]
    assert _order_node(created.json())["dfc-b:hasOrderStatus"] == "dfc-v:Held"
    assert _order_node(read.json())["dfc-b:hasOrderStatus"] == "dfc-v:Held"
    [stored] = list(store.orders())
    assert stored.order.platform_status["state"] == "complete"


def test_pulled_orders_are_listed_in_pages_with_links(store: Store) -> None:
    with (FIXTURES / "spree/spree_v3_admin_orders.json").open("rb") as stream:
        orders = list(read_orders(stream, "spree"))
    store.save_page("spree", "https://hub.example.org", [(o, {}) for o in orders])
    seen: list[str] = []
    with served(store) as http:
        url: str | None = f"/api/dfc/Enterprises/{SPREE.slug}/Orders?limit=5"
        while url:
            page = http.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
            assert page.status_code == 200
            contained = _order_ids(page)
            assert 0 < len(contained) <= 5
            seen.extend(contained)
            url = page.links.get("next", {}).get("url")
        assert len(seen) == len(set(seen)) == len(orders)
        everything = http.get("/api/dfc/Orders?limit=500", headers={"Authorization": f"Bearer {TOKEN}"})
        assert len(_order_ids(everything)) == len(orders)
        single = http.get(
            seen[3], headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/n-triples"}
        )
        assert single.headers["content-type"].startswith("application/n-triples")
        assert len(Graph().parse(data=single.text, format="nt")) > 5


def test_etag_and_if_none_match(store: Store) -> None:
    with served(store) as http:
        created = http.post("/api/dfc/Orders", content=POST_HELD.read_bytes(), headers=LD)
        location = created.headers["Location"]
        auth = {"Authorization": f"Bearer {TOKEN}"}
        first = http.get(location, headers=auth)
        etag = first.headers["ETag"]
        assert etag.startswith('"')
        assert not etag.startswith("W/")
        again = http.get(location, headers={**auth, "If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        other = http.get(location, headers={**auth, "Accept": "text/turtle", "If-None-Match": etag})
        assert other.status_code == 200  # another representation, another validator
        http.put(location, content=PUT_COMPLETE.read_bytes(), headers=LD)
        changed = http.get(location, headers={**auth, "If-None-Match": etag})
        assert changed.status_code == 200
        assert changed.headers["ETag"] != etag


@pytest.mark.parametrize(
    ("accept", "status", "media"),
    [
        (None, 200, "application/ld+json"),
        ("*/*", 200, "application/ld+json"),
        ("application/json", 200, "application/json"),
        ("text/turtle;q=0.9, application/ld+json;q=0.5", 200, "text/turtle"),
        ("application/n-triples", 200, "application/n-triples"),
        ("text/html", 406, "application/problem+json"),
        ("application/xml, text/*;q=0", 406, "application/problem+json"),
    ],
)
def test_content_negotiation(tmp_path: t.Any, accept: str | None, status: int, media: str) -> None:
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store, served(store, tokens=None) as http:
        headers = {"Accept": accept} if accept else {}
        if accept is None:
            headers = {"Accept": ""}
        response = http.get("/api/dfc/Orders", headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"].startswith(media)


def test_no_valid_token_never_sees_an_order(store: Store) -> None:
    with served(store) as http:
        created = http.post("/api/dfc/Orders", content=POST_HELD.read_bytes(), headers=LD)
        location = created.headers["Location"]
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
            for method, url in (
                ("GET", location),
                ("GET", "/api/dfc/Orders"),
                ("PUT", location),
                ("POST", "/api/dfc/Orders"),
            ):
                response = http.request(
                    method,
                    url,
                    headers={**headers, "Content-Type": "application/ld+json"},
                    content=PUT_COMPLETE.read_bytes() if method != "GET" else None,
                )
                assert response.status_code == 401, (method, url, headers)
                assert response.headers["content-type"] == "application/problem+json"
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
                assert "dfc-b:Order" not in response.text
                assert TOKEN not in response.text
                assert "wrong" not in response.text
        assert http.get("/health").status_code == 200
    [stored] = list(store.orders())
    assert stored.order.states.order is not None
    assert stored.order.states.order.value == "Held"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "title"),
    [
        (b"{not json", "application/ld+json", 400, "Malformed JSON"),
        (
            b'{"@context": "https://www.datafoodconsortium.org", "@graph": ['
            b'{"@id": "urn:o:1", "@type": "dfc-b:Order", "dfc-b:hasOrderStatus": "dfc-v:Held"},'
            b'{"@id": "urn:o:2", "@type": "dfc-b:Order", "dfc-b:hasOrderStatus": "dfc-v:Held"}]}',
            "application/ld+json",
            422,
            "One order expected",
        ),
        (
            b'{"@context": "https://www.datafoodconsortium.org", "@graph": []}',
            "application/ld+json",
            422,
            "Order cannot be read",
        ),
        (
            b'{"@context": "https://www.datafoodconsortium.org", "@id": "urn:x", "@type": "dfc-b:Order", '
            b'"dfc-b:hasOrderStatus": "dfc-v:Shipped"}',
            "application/json",
            422,
            "Order cannot be read",
        ),
        (b"<order/>", "application/xml", 415, "Unsupported Media Type"),
    ],
)
def test_bad_orders_in_get_problem_details(
    tmp_path: t.Any, body: bytes, content_type: str, status: int, title: str
) -> None:
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store, served(store, tokens=None) as http:
        response = http.post("/api/dfc/Orders", content=body, headers={"Content-Type": content_type})
        assert store.count() == 0
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["status"], problem["title"]) == (status, title)
    assert "Traceback" not in response.text


def test_unknown_order_or_enterprise_is_404(tmp_path: t.Any) -> None:
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store, served(store, tokens=None) as http:
        created = http.post(
            f"/api/dfc/Enterprises/{SHOP.slug}/Orders",
            content=POST_HELD.read_bytes(),
            headers={"Content-Type": "application/ld+json"},
        )
        order_id = created.headers["Location"].rsplit("/", 1)[1]
        assert http.get("/api/dfc/Orders/0123abcd").status_code == 404
        assert http.get("/api/dfc/Enterprises/nobody/Orders").status_code == 404
        assert (
            http.get(f"/api/dfc/Enterprises/{SPREE.slug}/Orders/{order_id}").status_code == 404
        )  # not its shop
        assert http.get(f"/api/dfc/Orders/{order_id}").status_code == 200
        assert http.get("/api/dfc/Orders?limit=0").status_code == 400
        assert http.get("/api/dfc/Orders?after=../../etc").status_code == 400


def test_access_log_is_one_json_line_per_request_without_tokens(
    tmp_path: t.Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="statebridge.access")
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store, served(store) as http:
        http.get("/api/dfc/Orders", headers={"Authorization": f"Bearer {TOKEN}", "X-Request-Id": "req-42"})
        http.get("/api/dfc/Orders?limit=3", headers={"Authorization": "Bearer nope"})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "statebridge.access"]
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/api/dfc/Orders", 200),
        ("GET", "/api/dfc/Orders", 401),
    ]
    assert lines[0]["request_id"] == "req-42"
    assert all(isinstance(line["duration_ms"], float) for line in lines)
    assert TOKEN not in caplog.text
    assert "nope" not in caplog.text


def test_a_pull_in_another_process_is_seen_by_the_next_read(tmp_path: t.Any) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    with (FIXTURES / "spree/chord_single_order.json").open("rb") as stream:
        [order] = list(read_orders(stream, "spree"))
    with Store(url) as store:
        app = create_app(store, authenticator=Authenticator.from_env({}), enterprises={})
        with running(app, name="uvicorn-dfc") as base, httpx.Client(base_url=base, timeout=20) as http:
            empty = http.get("/api/dfc/Orders")
            assert empty.json()["@graph"] == []
            with Store(url) as elsewhere:  # what `statebridge pull` does, in its own process
                elsewhere.save_page("spree", "https://shop.example.org", [(order, {})])
            deadline = time.monotonic() + 5
            while True:
                page = http.get("/api/dfc/Orders", headers={"If-None-Match": empty.headers["ETag"]})
                if page.status_code == 200 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert page.status_code == 200
            assert len(_order_ids(page)) == 1
