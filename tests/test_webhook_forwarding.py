"""A webhook's order goes on along the routes: `statebridge serve` with a connections file stores a
signed Shopify delivery and its background drain delivers the order to the DFC target the shop feeds
(real HTTP on loopback both ways), once, however often Shopify redelivers it."""

from __future__ import annotations

import json
import pathlib

import httpx

from statebridge.connections import Connections, Endpoint
from statebridge.settings import Settings
from statebridge.store import Store
from statebridge.web import create_app
from statebridge.web.auth import Authenticator

from .serving import running, wait_until
from .standin.dfc_target import StandinDfcTarget
from .test_webhooks import SECRET, SHOP, SHOPIFY_CREATE, SHOPIFY_UPDATED, shopify_headers


def test_a_webhook_order_is_delivered_to_the_target_the_shop_feeds(tmp_path: pathlib.Path) -> None:
    source = Endpoint(name="shop", platform="shopify", base_url=f"https://{SHOP}")
    with (
        StandinDfcTarget(honour_keys=True, fail_first=False) as target,
        Store(f"sqlite:///{tmp_path / 'store.db'}") as store,
    ):
        hub = Endpoint(name="hub", platform="dfc", base_url=target.url, method="POST")
        app = create_app(
            store,
            settings=Settings(shopify_webhook_secret=SECRET),
            authenticator=Authenticator.from_env({}),
            enterprises={},
            connections=Connections(sources=[source], targets=[hub], routes={"shop": ["hub"]}),
            environ={},
        )
        with (
            running(app, name="uvicorn-webhook-forward") as url,
            httpx.Client(base_url=url, timeout=20) as http,
        ):
            body = SHOPIFY_CREATE.read_bytes()
            for _ in range(2):  # Shopify redelivers the same event
                answer = http.post("/webhooks/shopify", content=body, headers=shopify_headers(body))
                assert answer.status_code == 200, answer.text
            wait_until("the order at the hub", lambda: len(target.stored) == 1)
            changed = json.loads(SHOPIFY_UPDATED.read_bytes())
            changed["updated_at"] = "2022-01-02T09:00:00-05:00"  # a later change of the same order
            updated = json.dumps(changed).encode()
            answer = http.post(
                "/webhooks/shopify",
                content=updated,
                headers=shopify_headers(updated, topic="orders/updated", event_id="evt-0002"),
            )
            assert answer.status_code == 200, answer.text
            wait_until(
                "the change delivered",
                lambda: (
                    [row.state for row in store.deliveries(target="hub")] == ["done"]
                    and store.deliveries(target="hub")[0].delivered_version == 2
                ),
            )
    assert len(target.posts) == 1  # created once, then replaced where it was created
    assert target.puts == ["/api/dfc/Enterprises/hub/Orders/1"]
