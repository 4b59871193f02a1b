"""Who sees which orders: operators everything, each client only its own (issue 11, item 3).

Over real HTTP (uvicorn on loopback), on SQLite and PostgreSQL, with clients registered as
`statebridge clients add` registers them. A client must not learn that another client's order
exists: every attempt answers 404, exactly as for an order that does not exist.
"""

from __future__ import annotations

import contextlib
import copy
import json
import time
import typing as t

import httpx
import pytest
import sqlalchemy as sa

from statebridge.store import ClientRegistry, Store, schema as store_schema
from statebridge.translate import read_orders
from statebridge.web.enterprises import Enterprise

from .cli_runner import RanText, invoke_text
from .conftest import FIXTURES
from .serving import dfc_client
from .standin.oidc import SigningKey, StandinIssuer

POST_HELD = json.loads(
    (FIXTURES / "dfc/public_ofn_cassette_completes_an_order_5_post_request.json").read_text()
)
OFN_BUYER = "http://test.host/api/dfc/enterprises/3886"
OTHER_BUYER = "https://other-hub.example.org/api/dfc/enterprises/7"
OPERATOR = "operator-token-not-a-secret"
SHOP = Enterprise("test-hodmedod", "shopify", "https://hodmedod.example.org")
SPREE = Enterprise("green-hub", "spree", "https://hub.example.org")
LD = {"Content-Type": "application/ld+json"}
AUDIENCE = "statebridge-test"


def _as_buyer(buyer: str) -> bytes:
    document = copy.deepcopy(POST_HELD)
    for node in document["@graph"]:
        if node.get("@type") == "dfc-b:Order":
            node["dfc-b:orderedBy"] = buyer
    return json.dumps(document).encode()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextlib.contextmanager
def served(store: Store, environ: dict[str, str] | None = None) -> t.Iterator[httpx.Client]:
    with dfc_client(store, [SHOP, SPREE], environ, name="uvicorn-access") as http:
        yield http


def _ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {n["@id"] for n in response.json()["@graph"] if n.get("@type") == "dfc-b:Order"}


def test_a_client_sees_and_changes_only_its_own_orders(store: Store) -> None:
    registry = ClientRegistry(store)
    _, ofn = registry.add("ofn", buyer=OFN_BUYER)
    _, other = registry.add("other-hub", buyer=OTHER_BUYER)
    assert ofn is not None
    assert other is not None
    collection = f"/api/dfc/Enterprises/{SHOP.slug}/Orders"
    with served(store, {"STATEBRIDGE_API_TOKENS": OPERATOR}) as http:
        mine = http.post(collection, content=_as_buyer(OFN_BUYER), headers={**LD, **_bearer(ofn)})
        theirs = http.post(collection, content=_as_buyer(OTHER_BUYER), headers={**LD, **_bearer(other)})
        assert mine.status_code == theirs.status_code == 201
        mine_url, theirs_url = mine.headers["Location"], theirs.headers["Location"]

        assert _ids(http.get(collection, headers=_bearer(ofn))) == {mine_url}
        assert _ids(http.get(collection, headers=_bearer(other))) == {theirs_url}
        assert _ids(http.get(collection, headers=_bearer(OPERATOR))) == {mine_url, theirs_url}
        assert _ids(http.get("/api/dfc/Orders", headers=_bearer(ofn))) == {
            mine_url.replace(f"/Enterprises/{SHOP.slug}", "")
        }

        # Reading, replacing and cancelling another client's order: 404, as for no order at all.
        missing = http.get(f"{collection}/0123456789abcdef01234567", headers=_bearer(ofn))
        for response in (
            http.get(theirs_url, headers=_bearer(ofn)),
            http.put(theirs_url, content=_as_buyer(OFN_BUYER), headers={**LD, **_bearer(ofn)}),
            http.delete(theirs_url, headers=_bearer(ofn)),
            http.get(theirs_url.replace(f"/Enterprises/{SHOP.slug}", ""), headers=_bearer(ofn)),
        ):
            assert response.status_code == 404, response.text
            assert response.json()["title"] == missing.json()["title"] == "Order not found"

        # The other client's order is untouched; the operator sees and changes everything.
        after = http.get(theirs_url, headers=_bearer(OPERATOR))
        assert after.status_code == 200
        [node] = [n for n in after.json()["@graph"] if n.get("@type") == "dfc-b:Order"]
        assert node["dfc-b:hasOrderStatus"] == "dfc-v:Held"
        assert http.delete(theirs_url, headers=_bearer(OPERATOR)).status_code == 200
        assert http.delete(mine_url, headers=_bearer(ofn)).status_code == 200
    owners = {s.public_id: s.owner for s in store.page()}
    assert sorted(owners.values()) == ["ofn", "other-hub"]


def test_a_client_sees_orders_ordered_by_its_buyer_wherever_they_came_from(store: Store) -> None:
    # An order that reached the store another way (a sync from another DFC server) naming the
    # client's buyer as dfc-b:orderedBy is the client's to see; one naming another buyer is not.
    with (FIXTURES / "dfc/public_ofn_cassette_completes_an_order_5_post_request.json").open("rb") as f:
        [order] = list(read_orders(f, "dfc"))
    assert order.buyer is not None
    assert order.buyer.id == OFN_BUYER
    other = order.model_copy(
        update={"id": "other", "buyer": order.buyer.model_copy(update={"id": OTHER_BUYER})}
    )
    store.save_page("dfc", "https://elsewhere.example.org/api/dfc", [(order, {}), (other, {})])
    _, token = ClientRegistry(store).add("ofn", buyer=OFN_BUYER)
    assert token is not None
    with served(store) as http:
        listed = http.get("/api/dfc/Orders", headers=_bearer(token))
        assert len(_ids(listed)) == 1
        [served_order] = [n for n in listed.json()["@graph"] if n.get("@type") == "dfc-b:Order"]
        assert served_order["dfc-b:orderedBy"] == OFN_BUYER


def test_a_client_orders_only_from_its_enterprises(store: Store) -> None:
    _, token = ClientRegistry(store).add("ofn", buyer=OFN_BUYER, enterprises=[SHOP.slug])
    assert token is not None
    with served(store, {"STATEBRIDGE_API_TOKENS": OPERATOR}) as http:
        refused = http.post(
            f"/api/dfc/Enterprises/{SPREE.slug}/Orders",
            content=_as_buyer(OFN_BUYER),
            headers={**LD, **_bearer(token)},
        )
        made_up = http.get("/api/dfc/Enterprises/no-such-shop/Orders", headers=_bearer(token))
        listed = http.get(f"/api/dfc/Enterprises/{SPREE.slug}/Orders", headers=_bearer(token))
        allowed = http.post(
            f"/api/dfc/Enterprises/{SHOP.slug}/Orders",
            content=_as_buyer(OFN_BUYER),
            headers={**LD, **_bearer(token)},
        )
        operator = http.get(f"/api/dfc/Enterprises/{SPREE.slug}/Orders", headers=_bearer(OPERATOR))
    assert refused.status_code == listed.status_code == made_up.status_code == 404
    assert refused.json()["title"] == made_up.json()["title"] == "Unknown enterprise"
    # the enterprises it may not use stay unnamed
    assert refused.json()["detail"] == f"no enterprise {SPREE.slug!r} (known: {SHOP.slug})"
    assert allowed.status_code == 201
    assert operator.status_code == 200
    assert store.count() == 1


def test_a_client_cannot_order_as_another_buyer(store: Store) -> None:
    _, token = ClientRegistry(store).add("ofn", buyer=OFN_BUYER)
    assert token is not None
    with served(store) as http:
        collection = f"/api/dfc/Enterprises/{SHOP.slug}/Orders"
        spoofed = http.post(collection, content=_as_buyer(OTHER_BUYER), headers={**LD, **_bearer(token)})
        created = http.post(collection, content=_as_buyer(OFN_BUYER), headers={**LD, **_bearer(token)})
        changed = http.put(
            created.headers["Location"], content=_as_buyer(OTHER_BUYER), headers={**LD, **_bearer(token)}
        )
    assert spoofed.status_code == changed.status_code == 422
    assert OTHER_BUYER in spoofed.json()["detail"]
    assert store.count() == 1


def test_registering_a_client_closes_an_open_endpoint(store: Store) -> None:
    with served(store) as http:
        assert http.get("/api/dfc/Orders").status_code == 200  # the embedded default: open
        _, token = ClientRegistry(store).add("ofn", buyer=OFN_BUYER)
        assert token is not None
        # The app remembers "no clients" for at most a second; poll, bounded, until it notices.
        deadline = time.monotonic() + 5
        status = 200
        while status == 200 and time.monotonic() < deadline:
            status = http.get("/api/dfc/Orders").status_code
            time.sleep(0.05)
        assert status == 401
        assert http.get("/api/dfc/Orders", headers=_bearer("sbc_made-up")).status_code == 401
        assert http.get("/api/dfc/Orders", headers=_bearer(token)).status_code == 200


def test_a_revoked_client_is_refused_at_once(store: Store) -> None:
    registry = ClientRegistry(store)
    _, token = registry.add("ofn", buyer=OFN_BUYER)
    assert token is not None
    with served(store, {"STATEBRIDGE_API_TOKENS": OPERATOR}) as http:
        assert http.get("/api/dfc/Orders", headers=_bearer(token)).status_code == 200
        registry.revoke("ofn")
        refused = http.get("/api/dfc/Orders", headers=_bearer(token))
    assert refused.status_code == 401
    assert token not in refused.text


def test_cached_pages_are_never_served_to_another_principal(store: Store) -> None:
    registry = ClientRegistry(store)
    _, ofn = registry.add("ofn", buyer=OFN_BUYER)
    _, other = registry.add("other-hub", buyer=OTHER_BUYER)
    assert ofn is not None
    assert other is not None
    with served(store) as http:
        url = f"/api/dfc/Enterprises/{SHOP.slug}/Orders"
        http.post(url, content=_as_buyer(OFN_BUYER), headers={**LD, **_bearer(ofn)})
        first = http.get(url, headers=_bearer(ofn))
        second = http.get(url, headers=_bearer(other))  # same URL, same store generation
    assert len(_ids(first)) == 1
    assert _ids(second) == set()
    assert first.headers["ETag"] != second.headers["ETag"]


# -- OIDC --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.rsa("k1")


@pytest.mark.parametrize("claim", ["sub", "azp"])
def test_an_oidc_token_is_the_client_its_claim_names(store: Store, key: SigningKey, claim: str) -> None:
    _, token = ClientRegistry(store).add("fdc-app", buyer=OFN_BUYER, oidc_subject="app-42", token=False)
    assert token is None
    with (
        StandinIssuer([key]) as issuer,
        served(
            store,
            {
                "STATEBRIDGE_OIDC_ISSUER": issuer.issuer,
                "STATEBRIDGE_OIDC_AUDIENCE": AUDIENCE,
                "STATEBRIDGE_OIDC_CLIENT_CLAIM": claim,
            },
        ) as http,
    ):
        mapped = key.sign(issuer.claims(AUDIENCE, **{"sub": "user-1", "azp": "user-1", claim: "app-42"}))
        unmapped = key.sign(issuer.claims(AUDIENCE, sub="user-2", azp="user-2"))
        created = http.post(
            f"/api/dfc/Enterprises/{SHOP.slug}/Orders",
            content=_as_buyer(OFN_BUYER),
            headers={**LD, **_bearer(mapped)},
        )
        refused = http.get("/api/dfc/Orders", headers=_bearer(unmapped))
    assert created.status_code == 201, created.text
    assert refused.status_code == 403
    assert "user-2" not in refused.text
    [stored] = store.page()
    assert stored.owner == "fdc-app"


# -- the command line --------------------------------------------------------------------------


def _cli(*args: str) -> RanText:
    return invoke_text(*args)


def test_clients_add_prints_the_token_once_and_stores_only_its_digest(store_url: str) -> None:
    added = _cli(
        "clients", "add", "ofn", "--buyer", OFN_BUYER, "--enterprise", SHOP.slug, "--store", store_url
    )
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip()
    assert token.startswith("sbc_")
    assert len(token) > 40

    listed = _cli("clients", "list", "--store", store_url)
    assert listed.returncode == 0
    assert listed.stdout.split("\t")[:4] == ["ofn", "active", OFN_BUYER, SHOP.slug]
    assert token not in listed.stdout + listed.stderr

    with Store(store_url) as opened, opened.engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(sa.select(store_schema.clients))]
        assert ClientRegistry(opened).by_token(token) is not None
    assert token not in json.dumps(rows)

    again = _cli("clients", "add", "ofn", "--store", store_url)
    assert again.returncode == 2
    assert (
        again.stderr.strip()
        == "statebridge: client ofn: that name is taken; revoked clients keep their names"
    )

    revoked = _cli("clients", "revoke", "ofn", "--store", store_url)
    assert revoked.returncode == 0
    with Store(store_url) as opened:
        assert ClientRegistry(opened).by_token(token) is None
    unknown = _cli("clients", "revoke", "ofn", "--store", store_url)
    assert unknown.returncode == 2
    assert "no active client 'ofn'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
