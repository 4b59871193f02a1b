"""Pages of the Orders collection assembled from each order's nodes kept by version (issue 17).

Over real HTTP on SQLite and PostgreSQL: a JSON-LD page is byte for byte what
`render_collection` makes of the same rows; an order changed by another writer (a pull) reads back
changed in the page; a write through the app is seen by the next read even when the render cache
would keep its entries for an hour; and a write re-renders only the order it changed.
"""

from __future__ import annotations

import datetime as dt
import json
import typing as t

import httpx
from starlette.applications import Starlette

from statebridge.model import Order
from statebridge.store import Store
from statebridge.translate import read_orders
from statebridge.web.access import OPERATOR
from statebridge.web.auth import Authenticator
from statebridge.web.negotiation import JSON, JSONLD
from statebridge.web.orders import OrdersApi
from statebridge.web.representation import render_collection
from statebridge.web.scope import Scope

from .conftest import FIXTURES
from .serving import dfc_client, running, wait_until

TOKEN = "test-token-not-a-secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LD = {"Content-Type": "application/ld+json", **AUTH}
POST_HELD = FIXTURES / "dfc/public_ofn_cassette_completes_an_order_5_post_request.json"


def _seed(store: Store, count: int) -> list[Order]:
    with (FIXTURES / "spree/solidus_flat_orders.json").open("rb") as stream:
        templates = [o for o in read_orders(stream, "spree") if isinstance(o, Order)]
    orders = [
        templates[i % len(templates)].model_copy(update={"id": f"{100 + i}", "number": f"R{900 + i}"})
        for i in range(count)
    ]
    store.save_page("spree", "https://shop.example.org", [(order, {}) for order in orders])
    return orders


def _order_node(page: httpx.Response, public_id: str) -> dict[str, t.Any]:
    [node] = [
        n for n in page.json()["@graph"] if n.get("@type") == "dfc-b:Order" and n["@id"].endswith(public_id)
    ]
    return t.cast(dict[str, t.Any], node)


def test_a_jsonld_page_is_the_bytes_render_collection_makes(store: Store) -> None:
    _seed(store, 25)
    after = store.page(limit=10)[-1].public_id
    near_end = store.page(limit=20)[-1].public_id
    with dfc_client(store, [], {"STATEBRIDGE_API_TOKENS": TOKEN}) as http:
        scope = Scope(None, f"{http.base_url}".rstrip("/") + "/api/dfc", OPERATOR)
        first = http.get("/api/dfc/Orders?limit=10", headers=AUTH)
        second = http.get(f"/api/dfc/Orders?limit=10&after={after}", headers=AUTH)
        as_json = http.get("/api/dfc/Orders?limit=10", headers={**AUTH, "Accept": JSON})
        again = http.get("/api/dfc/Orders?limit=10", headers=AUTH)  # from the kept nodes
        last = http.get(f"/api/dfc/Orders?limit=10&after={near_end}", headers=AUTH)
        exactly = http.get(f"/api/dfc/Orders?limit=5&after={near_end}", headers=AUTH)
    assert {r.status_code for r in (first, second, as_json, again, last, exactly)} == {200}
    assert first.content == render_collection(store.page(limit=10), scope, JSONLD)
    assert second.content == render_collection(store.page(after=after, limit=10), scope, JSONLD)
    assert last.content == render_collection(store.page(after=near_end, limit=10), scope, JSONLD)
    assert as_json.content == first.content == again.content
    assert first.headers["ETag"] == again.headers["ETag"]
    assert f"after={after}" in first.headers["Link"]
    assert 'rel="next"' not in last.headers["Link"]  # the last 5 orders
    assert 'rel="next"' not in exactly.headers["Link"]  # a page that ends with the collection


def test_a_page_shows_an_order_another_writer_changed(store: Store) -> None:
    """A pull (another process) stores a newer version of an order the page holds: the page shows
    it once the render cache looks at the store again, not the nodes kept for the old version."""
    orders = _seed(store, 5)
    with dfc_client(store, [], {"STATEBRIDGE_API_TOKENS": TOKEN}) as http:
        before = http.get("/api/dfc/Orders", headers=AUTH)
        changed = orders[2].model_copy(
            update={"number": "R-CHANGED-BY-A-PULL", "updated_at": dt.datetime.now(dt.UTC)}  # newer
        )
        assert store.save_page("spree", "https://shop.example.org", [(changed, {})]) == 1
        [stored] = [s for s in store.page() if s.order.id == orders[2].id]

        def shows_the_change() -> bool:
            page = http.get("/api/dfc/Orders", headers=AUTH)
            return bool(_order_node(page, stored.public_id)["dfc-b:orderNumber"] == "R-CHANGED-BY-A-PULL")

        wait_until("the page shows the pulled change", shows_the_change, timeout=10)
    assert _order_node(before, stored.public_id)["dfc-b:orderNumber"] == orders[2].number


def test_a_write_through_the_app_is_seen_at_once_and_re_renders_only_its_order(store: Store) -> None:
    """With a render cache that would keep entries for an hour, the app's own PUT is still read
    back by the next GET of the order and of the page; and the page renders only that order anew."""
    api = OrdersApi(store, authenticator=Authenticator(tokens=[TOKEN]), enterprises={}, freshness=3600)
    app = Starlette(routes=api.routes())
    with running(app) as url, httpx.Client(base_url=url, timeout=20) as http:
        locations = []
        for _ in range(3):
            created = http.post("/api/dfc/Orders", content=POST_HELD.read_bytes(), headers=LD)
            assert created.status_code == 201, created.text
            locations.append(created.headers["Location"])
        public_id = locations[1].rsplit("/", 1)[1]
        assert _order_node(http.get("/api/dfc/Orders", headers=AUTH), public_id)["dfc-b:hasOrderStatus"] == (
            "dfc-v:Held"
        )
        assert http.get(locations[1], headers=AUTH).status_code == 200
        rendered = api.fragments.rendered
        document = json.loads(POST_HELD.read_text())
        for node in document["@graph"]:
            if node.get("@type") == "dfc-b:Order":
                node["dfc-b:hasOrderStatus"] = "dfc-v:Complete"
        put = http.put(locations[1], content=json.dumps(document).encode(), headers=LD)
        assert put.status_code == 200, put.text
        page = http.get("/api/dfc/Orders", headers=AUTH)
        one = http.get(locations[1], headers=AUTH)
    assert _order_node(page, public_id)["dfc-b:hasOrderStatus"] == "dfc-v:Complete"
    assert _order_node(one, public_id)["dfc-b:hasOrderStatus"] == "dfc-v:Complete"
    assert one.headers["ETag"] == put.headers["ETag"]
    assert api.fragments.rendered == rendered + 1  # the two others came from their kept nodes
