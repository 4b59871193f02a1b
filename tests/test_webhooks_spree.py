"""Spree 5.3+ webhooks in, over real HTTP (uvicorn on loopback, httpx posting).

The bodies are Spree's envelope `{id, name, created_at, data, metadata}` around a Store API v3
order (no `status`), built from the order of fixtures/spree/spree_v6_canceled_unpaid_orders.json,
and signed as spree/spree's `Spree::Webhooks::DeliverWebhook` signs them: hex
HMAC-SHA256(secret, "{timestamp}.{body}") (docs/references/spree-webhooks.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import typing as t

import pytest

from statebridge.platforms.spree.webhook import (
    BASE_URL_ENV as SPREE_BASE_URL_ENV,
    SECRET_ENV as SPREE_SECRET_ENV,
)
from statebridge.store import Store

from .conftest import FIXTURES
from .test_webhooks import PROBLEM, Running, serve

SECRET = "fake-spree-webhook-secret-for-tests-8Rw"
BASE = "https://shop.example.org"


def _order(**changes: t.Any) -> dict[str, t.Any]:
    order = json.loads((FIXTURES / "spree" / "spree_v6_canceled_unpaid_orders.json").read_bytes())["data"][0]
    order = {k: v for k, v in order.items() if k != "status"}  # the Store API v3 order has none
    return {**order, "payment_status": "paid", "fulfillment_status": "unfulfilled", **changes}


def _body(event: str, order: dict[str, t.Any], event_id: str = "evt_0001") -> bytes:
    envelope = {"id": event_id, "name": event, "created_at": "2026-07-20T10:00:41Z", "data": order}
    return json.dumps({**envelope, "metadata": {"spree_version": "5.3.0"}}).encode()


def _headers(body: bytes, event: str, *, secret: str = SECRET, stamp: int | None = None) -> dict[str, str]:
    timestamp = str(int(time.time()) if stamp is None else stamp)
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "User-Agent": "Spree-Webhooks/1.0",
        "X-Spree-Webhook-Signature": signature,
        "X-Spree-Webhook-Timestamp": timestamp,
        "X-Spree-Webhook-Event": event,
    }


@pytest.fixture
def spree_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv(SPREE_SECRET_ENV, SECRET)
    monkeypatch.setenv(SPREE_BASE_URL_ENV, BASE + "/")
    return monkeypatch


@pytest.fixture
def app(store_url: str, spree_env: pytest.MonkeyPatch) -> t.Iterator[Running]:
    with Store(store_url) as store:
        yield from serve(store)


def test_placed_and_canceled_events_give_the_status_the_body_lacks(app: Running) -> None:
    placed = _body("order.placed", _order(updated_at="2026-07-20T10:00:40.000Z"), "evt_placed")
    response = app.post("/webhooks/spree", placed, _headers(placed, "order.placed"))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "stored"
    [stored] = app.store.orders()
    assert stored.base_url == BASE
    assert (stored.order.number, str(stored.order.states)) == (
        "R520417739",
        "order=Complete / payment=Paid / fulfilment=Unfulfilled",
    )
    # the same event again: recorded with the order, so a duplicate, and the store is unchanged
    again = app.post("/webhooks/spree", placed, _headers(placed, "order.placed"))
    assert again.json() == {"status": "duplicate", "event": "evt_placed"}
    canceled = _body(
        "order.canceled", _order(payment_status="none", fulfillment_status="canceled"), "evt_canceled"
    )
    response = app.post("/webhooks/spree", canceled, _headers(canceled, "order.canceled"))
    assert response.json()["status"] == "stored", response.text
    [stored] = app.store.orders()
    assert str(stored.order.states) == "order=Cancelled / payment=Cancelled / fulfilment=Cancelled"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(
            lambda h: {**h, "X-Spree-Webhook-Signature": h["X-Spree-Webhook-Signature"][::-1]}, id="wrong"
        ),
        pytest.param(lambda h: {**h, "X-Spree-Webhook-Signature": "not hex"}, id="garbage"),
        pytest.param(
            lambda h: {**h, "X-Spree-Webhook-Timestamp": str(int(h["X-Spree-Webhook-Timestamp"]) + 1)},
            id="timestamp-changed",
        ),
        pytest.param(
            lambda h: {k: v for k, v in h.items() if k != "X-Spree-Webhook-Timestamp"}, id="no-timestamp"
        ),
        pytest.param(
            lambda h: {k: v for k, v in h.items() if k != "X-Spree-Webhook-Signature"}, id="no-signature"
        ),
    ],
)
def test_bad_signature_is_401_and_stores_nothing(
    app: Running, tamper: t.Callable[[dict[str, str]], dict[str, str]]
) -> None:
    body = _body("order.placed", _order())
    response = app.post("/webhooks/spree", body, tamper(_headers(body, "order.placed")))
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert "X-Spree-Webhook-" in response.json()["detail"]
    assert app.store.count() == 0
    # nothing of the event was remembered: the genuine delivery is stored
    assert app.post("/webhooks/spree", body, _headers(body, "order.placed")).json()["status"] == "stored"


def test_signature_by_another_secret_or_too_old_is_401(app: Running) -> None:
    body = _body("order.placed", _order())
    other = app.post("/webhooks/spree", body, _headers(body, "order.placed", secret="another-secret"))
    stale = app.post("/webhooks/spree", body, _headers(body, "order.placed", stamp=int(time.time()) - 3600))
    assert (other.status_code, stale.status_code) == (401, 401)
    assert "300 s" in stale.json()["detail"]
    assert app.store.count() == 0


def test_events_that_say_no_status_and_other_resources_are_ignored(app: Running) -> None:
    for event in ("order.updated", "product.created", "order.deleted"):
        body = _body(event, _order(), f"evt_{event}")
        response = app.post("/webhooks/spree", body, _headers(body, event))
        assert response.status_code == 200
        assert response.json()["status"] == "ignored", response.text
    assert app.store.count() == 0
    # a body that does carry its status is read whatever the event
    body = _body("order.updated", _order(status="placed"), "evt_with_status")
    assert app.post("/webhooks/spree", body, _headers(body, "order.updated")).json()["status"] == "stored"


def test_without_secret_or_base_url_it_is_503_naming_the_setting(
    tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SPREE_SECRET_ENV, raising=False)
    monkeypatch.delenv(SPREE_BASE_URL_ENV, raising=False)
    body = _body("order.placed", _order())
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        for running in serve(store):
            response = running.post("/webhooks/spree", body, _headers(body, "order.placed"))
            assert response.status_code == 503
            assert SPREE_SECRET_ENV in response.json()["detail"]
            assert SECRET not in response.text
            monkeypatch.setenv(SPREE_SECRET_ENV, SECRET)
            response = running.post("/webhooks/spree", body, _headers(body, "order.placed"))
            assert response.status_code == 503
            assert SPREE_BASE_URL_ENV in response.json()["detail"]
            assert store.count() == 0
