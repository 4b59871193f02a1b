"""Open Food Network's backorder flow, through statebridge, reaches the producer's Shopify shop.

OFN's recorded requests (fixtures/dfc/ofn_backorder/) are replayed against `statebridge serve` for an
enterprise whose shop is the Shopify Admin stand-in, declared a delivery target in the connections
(`enterprise:`): the POSTed Held order becomes an open draft order there, the PUT Complete completes
it into an order, and the DELETE cancels that order. All over real HTTP on loopback; statebridge's
background drain does the delivering, as in production.
"""

from __future__ import annotations

import json
import pathlib

import httpx

from statebridge.connections import Connections, Endpoint
from statebridge.store import ClientRegistry, Store
from statebridge.web import create_app
from statebridge.web.auth import Authenticator
from statebridge.web.forwarding import DELIVERY_HEADER

from .ofn_client import COMPLETE, cassettes
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

SLUG = "hodmedod-shopify"
TOKEN_VARIABLE = "HODMEDOD_SHOPIFY_TOKEN"
[PLACES] = [c for c in cassettes() if c.name == "backorder_job_places_an_order"]


def test_ofn_places_completes_and_cancels_a_draft_order_at_the_shop(tmp_path: pathlib.Path) -> None:
    with (
        StandinShopifyAdmin(shop=Shop(count=0, restore_rate=1e9)) as shop,
        Store(f"sqlite:///{tmp_path / 'store.db'}") as store,
    ):
        target = Endpoint(
            name="hodmedod-shop",
            platform="shopify",
            base_url=shop.base_url,
            credentials={"token": TOKEN_VARIABLE},
            enterprise=SLUG,
        )
        buyer = _order_node(json.loads(PLACES.post.body))["dfc-b:orderedBy"]
        _, ofn_token = ClientRegistry(store).add("ofn", buyer=buyer)
        assert ofn_token is not None
        app = create_app(
            store,
            authenticator=Authenticator.from_env({}),
            enterprises={},
            connections=Connections(targets=[target]),
            environ={TOKEN_VARIABLE: TOKEN},
        )
        with running(app, name="uvicorn-ofn-shopify") as server, httpx.Client(timeout=20) as http:
            replay = Replay(http, server, SLUG, ofn_token, PLACES)
            placed = _post_and_get(replay)
            assert placed is not None, replay.problems
            iri, served = placed
            wait_until("a draft order at the shop", lambda: len(shop.store.drafts) == 1)
            [draft] = shop.store.drafts.values()
            assert draft["status"] == "OPEN"
            ordered = sorted(
                (x["variant"]["id"].rsplit("/", 1)[-1], x["quantity"]) for x in draft["lineItems"]
            )
            sent = sorted((str(x.offered_item).rsplit("/", 1)[-1], x.whole_quantity) for x in served.lines)
            assert ordered == sent  # each offered item's variant, in OFN's quantity

            body = _as_served(replay, _recorded_put(replay), iri, iri, served)
            completed = _put_and_get(replay, "PUT (Complete)", iri, body, COMPLETE)
            assert completed is not None, replay.problems
            wait_until("the draft completed into an order", lambda: draft["status"] == "COMPLETED")
            wait_until("the order at the shop", lambda: len(shop.store.orders) == 1)
            [order] = shop.store.orders.values()

            cancel = http.delete(iri, headers={"Authorization": f"Bearer {ofn_token}"})
            assert cancel.status_code == 200, cancel.text
            assert cancel.headers[DELIVERY_HEADER] == "hodmedod-shop=pending"
            wait_until("the order cancelled at the shop", lambda: order.get("cancelledAt") is not None)
            wait_until(
                "the delivery recorded done",
                lambda: [row.state for row in store.deliveries(target="hodmedod-shop")] == ["done"],
            )
        mutations = [m.name for m in shop.mutations]
    assert not replay.problems, "\n".join(replay.problems)
    assert mutations.count("draftOrderCreate") == 1
    assert mutations.count("draftOrderComplete") == 1
    assert mutations.count("orderCancel") == 1
