"""A change made at the producer's Shopify shop flows back to the DFC order OFN reads.

OFN's recorded backorder (fixtures/dfc/ofn_backorder/) is POSTed to `statebridge serve` for an
enterprise whose shop is the Shopify Admin stand-in, and completed: the shop holds an order made
from statebridge's draft. Then the merchant cancels that order in the shop, not through statebridge.
`statebridge sync` pulls the shop (a source with the target's base URL), sees that the order it
pulled is the one its delivery made, and takes the cancellation into the DFC order: OFN's GET shows
it Cancelled, and nothing is sent back to the shop. All over real HTTP on loopback.
"""

from __future__ import annotations

import json
import pathlib

import httpx

from statebridge.connections import Connections, Endpoint
from statebridge.delivery.run import sync_connections
from statebridge.settings import Settings
from statebridge.store import ClientRegistry, Store
from statebridge.web import create_app
from statebridge.web.auth import Authenticator

from .ofn_client import COMPLETE
from .serving import running, wait_until
from .standin.shopify_admin import TOKEN, StandinShopifyAdmin
from .standin.shopify_graphql import Shop
from .test_ofn_backorder_replay import (
    Replay,
    _as_served,
    _order_node,
    _post_and_get,
    _put_and_get,
    _recorded_put,
)
from .test_ofn_backorder_to_shopify import PLACES, SLUG, TOKEN_VARIABLE


def _connections(base_url: str) -> Connections:
    """The shop as the enterprise's target, and as a source (the same platform and base URL)."""
    credentials = {"token": TOKEN_VARIABLE}
    target = Endpoint("hodmedod-shop", "shopify", base_url, credentials=credentials, enterprise=SLUG)
    source = Endpoint(
        "hodmedod-orders", "shopify", base_url, credentials=credentials, options={"api": "graphql"}
    )
    return Connections(sources=[source], targets=[target], routes={"hodmedod-orders": []})


def test_a_cancellation_at_the_shop_reaches_the_order_ofn_reads(tmp_path: pathlib.Path) -> None:
    environ = {TOKEN_VARIABLE: TOKEN}
    with (
        StandinShopifyAdmin(shop=Shop(count=0, restore_rate=1e9)) as shop,
        Store(f"sqlite:///{tmp_path / 'store.db'}") as store,
    ):
        connections = _connections(shop.base_url)
        buyer = _order_node(json.loads(PLACES.post.body))["dfc-b:orderedBy"]
        _, ofn_token = ClientRegistry(store).add("ofn", buyer=buyer)
        assert ofn_token is not None
        app = create_app(
            store,
            authenticator=Authenticator.from_env({}),
            enterprises={},
            connections=connections,
            environ=environ,
        )
        with running(app, name="uvicorn-ofn-flowback") as server, httpx.Client(timeout=20) as http:
            replay = Replay(http, server, SLUG, ofn_token, PLACES)
            placed = _post_and_get(replay)
            assert placed is not None, replay.problems
            iri, served = placed
            body = _as_served(replay, _recorded_put(replay), iri, iri, served)
            assert _put_and_get(replay, "PUT (Complete)", iri, body, COMPLETE) is not None, replay.problems
            wait_until("the order at the shop", lambda: len(shop.store.orders) == 1)
            wait_until(
                "the delivery recorded done",
                lambda: [row.state for row in store.deliveries(target="hodmedod-shop")] == ["done"],
            )
            [(gid, order)] = shop.store.orders.items()
            [row] = store.deliveries(target="hodmedod-shop")
            assert row.remote_order_id == gid.rsplit("/", 1)[-1]

            headers = {"Authorization": f"Bearer {ofn_token}", "Accept": "application/ld+json"}
            before = http.get(iri, headers=headers).text
            assert "dfc-v:Complete" in before
            assert "dfc-v:Cancelled" not in before

            shop.store.cancel_at_the_shop(gid)
            report = sync_connections(connections, store, settings=Settings(), environ=environ)
            assert [(pulled.changed, pulled.problems) for pulled in report.pulls] == [(1, [])]
            # taken back by this sync's drain, or by serve's background drain if it came first

            def reads_cancelled() -> bool:
                read = http.get(iri, headers=headers)
                assert read.status_code == 200, read.text
                return "dfc-v:Cancelled" in read.text

            # a write by another process is seen within the app's render-cache freshness (0.1 s)
            wait_until("OFN reads its order cancelled", reads_cancelled)
            [row] = store.deliveries(target="hodmedod-shop")
            assert (row.state, row.echo_version) == ("done", None)
        mutations = [m.name for m in shop.mutations]
    assert order["cancelledAt"] is not None
    assert not replay.problems, "\n".join(replay.problems)
    assert "orderCancel" not in mutations  # the shop's own cancellation is never sent back to it
