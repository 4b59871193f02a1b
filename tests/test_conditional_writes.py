"""No lost updates: PUT and DELETE honour If-Match, and every write answers its new ETag (issue 11, item 4).

Over real HTTP on SQLite and PostgreSQL. The race is real: 20 clients read the same ETag, then PUT
at once from 20 threads; exactly one write may win, the others must hear 412.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import copy
import json
import typing as t

import httpx

from statebridge.store import Store
from statebridge.translate import read_orders
from statebridge.web.enterprises import Enterprise

from .conftest import FIXTURES
from .serving import dfc_client

POST_HELD = FIXTURES / "dfc/public_ofn_cassette_completes_an_order_5_post_request.json"
TOKEN = "test-token-not-a-secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LD = {"Content-Type": "application/ld+json", **AUTH}
SHOP = Enterprise("test-hodmedod", "shopify", "https://hodmedod.example.org")
WRITERS = 20


@contextlib.contextmanager
def served(store: Store) -> t.Iterator[httpx.Client]:
    environ = {"STATEBRIDGE_API_TOKENS": TOKEN}
    with dfc_client(store, [SHOP], environ, name="uvicorn-if-match", timeout=30) as http:
        yield http


def _with_quantity(quantity: int) -> bytes:
    """The OFN order, its first line asking for `quantity`: each writer's own version."""
    document = json.loads(POST_HELD.read_text())
    for node in document["@graph"]:
        if node.get("@type") == "dfc-b:OrderLine":
            node["dfc-b:quantity"] = quantity
            break
    return json.dumps(document).encode()


def _create(http: httpx.Client) -> httpx.Response:
    created = http.post(
        f"/api/dfc/Enterprises/{SHOP.slug}/Orders", content=POST_HELD.read_bytes(), headers=LD
    )
    assert created.status_code == 201, created.text
    return created


def _quantities(store: Store) -> list[int]:
    [stored] = store.page()
    return [int(line.quantity) for line in stored.order.lines]


def test_concurrent_puts_based_on_one_etag_lose_no_update(store: Store) -> None:
    with served(store) as http:
        location = _create(http).headers["Location"]
        etag = http.get(location, headers=AUTH).headers["ETag"]
        barrier = copy.copy(etag)

        def put(quantity: int) -> tuple[int, int, str | None]:
            with httpx.Client(base_url=str(http.base_url), timeout=30) as own:
                response = own.put(
                    location, content=_with_quantity(quantity), headers={**LD, "If-Match": barrier}
                )
                return quantity, response.status_code, response.headers.get("ETag")

        with concurrent.futures.ThreadPoolExecutor(WRITERS) as pool:
            results = list(pool.map(put, range(101, 101 + WRITERS)))
        statuses = sorted(status for _, status, _ in results)
        assert statuses == [200] + [412] * (WRITERS - 1), statuses

        [(winner, _, new_etag)] = [(q, s, e) for q, s, e in results if s == 200]
        final = http.get(location, headers=AUTH)
        assert final.headers["ETag"] == new_etag != etag
        assert _quantities(store) == [winner, 5]  # the winner's version, nobody else's


def test_a_stale_etag_is_refused_and_the_current_one_accepted(store: Store) -> None:
    with served(store) as http:
        created = _create(http)
        location, created_etag = created.headers["Location"], created.headers["ETag"]
        assert http.get(location, headers=AUTH).headers["ETag"] == created_etag  # the POST's ETag is current

        first = http.put(location, content=_with_quantity(9), headers={**LD, "If-Match": created_etag})
        assert first.status_code == 200
        stale = http.put(location, content=_with_quantity(11), headers={**LD, "If-Match": created_etag})
        assert stale.status_code == 412
        assert stale.headers["content-type"] == "application/problem+json"
        cancel_stale = http.delete(location, headers={**AUTH, "If-Match": created_etag})
        assert cancel_stale.status_code == 412

        weak = http.put(
            location, content=_with_quantity(12), headers={**LD, "If-Match": f"W/{first.headers['ETag']}"}
        )
        assert weak.status_code == 412  # If-Match compares strongly (RFC 9110 §13.1.1)
        listed = http.put(
            location,
            content=_with_quantity(13),
            headers={**LD, "If-Match": f'"nope", {first.headers["ETag"]}'},
        )
        assert listed.status_code == 200
        anything = http.put(location, content=_with_quantity(14), headers={**LD, "If-Match": "*"})
        assert anything.status_code == 200
        unconditional = http.put(location, content=_with_quantity(15), headers=LD)
        assert unconditional.status_code == 200  # If-Match is not required (no 428)
        assert unconditional.headers["ETag"] != anything.headers["ETag"]

        cancelled = http.delete(location, headers={**AUTH, "If-Match": unconditional.headers["ETag"]})
        assert cancelled.status_code == 200
        [order] = [n for n in cancelled.json()["@graph"] if n.get("@type") == "dfc-b:Order"]
        assert order["dfc-b:hasOrderStatus"] == "dfc-v:Cancelled"
        assert http.get(location, headers=AUTH).headers["ETag"] == cancelled.headers["ETag"]


def test_an_etag_from_any_representation_names_the_same_version(store: Store) -> None:
    with served(store) as http:
        location = _create(http).headers["Location"]
        turtle = http.get(location, headers={**AUTH, "Accept": "text/turtle"}).headers["ETag"]
        jsonld = http.get(location, headers=AUTH).headers["ETag"]
        assert turtle != jsonld  # strong validators differ between representations
        assert (
            http.put(location, content=_with_quantity(4), headers={**LD, "If-Match": turtle}).status_code
            == 200
        )


def test_a_change_pulled_from_the_platform_makes_the_etag_stale(store: Store) -> None:
    with served(store) as http:
        location = _create(http).headers["Location"]
        etag = http.get(location, headers=AUTH).headers["ETag"]
        [stored] = store.page()
        later = stored.order.model_copy(update={"updated_at": stored.order.updated_at.replace(year=2099)})  # type: ignore[union-attr]
        assert store.save_page(stored.platform, stored.base_url, [(later, stored.raw)]) == 1
        refused = http.put(location, content=_with_quantity(3), headers={**LD, "If-Match": etag})
    assert refused.status_code == 412


def test_versions_survive_in_the_store(store: Store) -> None:
    with (FIXTURES / "spree/spree_v3_admin_orders.json").open("rb") as stream:
        orders = list(read_orders(stream, "spree"))
    store.save_page("spree", "https://hub.example.org", [(o, {}) for o in orders])
    assert {s.version for s in store.page()} == {1}
    store.save_page("spree", "https://hub.example.org", [(o, {}) for o in orders])  # the same again
    assert {s.version for s in store.page()} == {1}  # nothing newer: no new version
