"""`serve` with a broker: webhooks are verified, recorded in the inbox and answered 202 at once, over
real HTTP (uvicorn on loopback), on SQLite and PostgreSQL; a worker's `apply_entry` stores them.

The broker is Dramatiq's in-memory stub (`stub:`), whose queues the tests read; a broker that is
down is a Redis URL on a loopback port nothing listens on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import subprocess
import sys
import time
import typing as t

import dramatiq
import httpx
import orjson
import pytest
import sqlalchemy as sa
from dramatiq.brokers.stub import StubBroker

from statebridge.connections import Connections, Endpoint
from statebridge.delivery.run import ConnectionRoutes
from statebridge.inbox import apply_entry
from statebridge.mapping import SHIPPED
from statebridge.platforms.shopify.webhook import SECRET_ENV
from statebridge.settings import Settings
from statebridge.store import Store
from statebridge.web import WebhookSecrets, create_app
from statebridge.web.auth import Authenticator
from statebridge.work.broker import open_broker
from statebridge.work.queue import BrokerWork, Work

from .serving import running
from .standin.dfc_target import StandinDfcTarget
from .test_serving_faults import LD, POST_HELD
from .test_webhooks import SECRET, SHOP, SHOPIFY_CREATE, shopify_headers

SECRETS = WebhookSecrets(shopify=SECRET)


def messages(broker: dramatiq.Broker, queue: str) -> list[tuple[str, tuple[t.Any, ...]]]:
    """(actor, args) of each message waiting in the stub broker's `queue`."""
    assert isinstance(broker, StubBroker)
    waiting = list(broker.queues[queue].queue)
    return [(message.actor_name, tuple(message.args)) for message in map(dramatiq.Message.decode, waiting)]


def statements(store: Store) -> list[str]:
    """Every SQL statement `store` runs from now on (appended as they run)."""
    seen: list[str] = []

    @sa.event.listens_for(store.engine, "before_cursor_execute")
    def keep(_conn: t.Any, _cursor: t.Any, statement: str, *_args: t.Any) -> None:
        seen.append(statement)

    return seen


@contextlib.contextmanager
def served(store: Store, work: Work, **options: t.Any) -> t.Iterator[httpx.Client]:
    app = create_app(store, secrets=SECRETS, authenticator=Authenticator.from_env({}), work=work, **options)
    assert app.state.drain is None  # the workers deliver: no drain in this process
    with running(app, name="uvicorn-inbox") as url, httpx.Client(base_url=url, timeout=20) as http:
        yield http


def post(http: httpx.Client, body: bytes, event_id: str = "evt-q1") -> httpx.Response:
    return http.post("/webhooks/shopify", content=body, headers=shopify_headers(body, event_id=event_id))


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_delivery_is_recorded_queued_once_and_applied_by_a_worker(store: Store) -> None:
    broker = open_broker("stub:")
    body = SHOPIFY_CREATE.read_bytes()
    with served(store, BrokerWork(broker)) as http:
        ran = statements(store)
        answer = post(http, body)
        assert answer.status_code == 202, answer.text
        entry_id = answer.json()["entry"]
        assert answer.json() == {
            "status": "queued",
            "platform": "shopify",
            "topic": "orders/create",
            "event": "evt-q1",
            "entry": entry_id,
        }
        # the fast path: recorded only; the orders, the event ids and the rejects are the worker's
        touched = [sql for sql in ran if re.search(r"\b(orders|webhook_events|rejects)\b", sql)]
        assert touched == []
        assert any("inbox" in sql for sql in ran)
        assert messages(broker, "webhooks") == [("apply_webhook", (entry_id,))]

        again = post(http, body)  # Shopify redelivers the event
        assert again.status_code == 200
        assert again.json() == {"status": "duplicate", "event": "evt-q1"}
        assert messages(broker, "webhooks") == [("apply_webhook", (entry_id,))]  # nothing sent

    entry = store.inbox_entry(entry_id)
    assert entry is not None
    assert (entry.body, entry.document, entry.state) == (body, orjson.loads(body), "pending")
    assert entry.enqueued_at is not None
    assert store.unapplied() == [entry_id]
    assert store.count() == 0

    applied = apply_entry(store, entry_id, tables=SHIPPED)  # what the worker's actor does

    assert (applied.status, applied.changed) == ("stored", 1)
    [stored] = store.orders(platform="shopify")
    assert stored.base_url == f"https://{SHOP}"
    assert store.inbox_depth() == 0


def test_a_malformed_body_is_queued_and_becomes_a_reject_when_applied(store: Store) -> None:
    broker = open_broker("stub:")
    body = b'{"id": 820982911946154508, "email": '
    with served(store, BrokerWork(broker)) as http:
        answer = post(http, body, "evt-bad")
    assert answer.status_code == 202, answer.text
    entry_id = answer.json()["entry"]
    assert messages(broker, "webhooks") == [("apply_webhook", (entry_id,))]
    entry = store.inbox_entry(entry_id)
    assert entry is not None
    assert entry.document is None
    assert entry.body == body
    assert entry.problem is not None
    assert "not valid JSON" in entry.problem

    applied = apply_entry(store, entry_id, tables=SHIPPED)

    assert applied.status == "rejected"
    [problem] = applied.problems
    assert problem.startswith("body: the webhook body is not valid JSON")
    assert store.count() == 0


def test_with_the_broker_down_the_delivery_is_recorded_and_answered_202(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """The entry keeps `enqueued_at` (when the send was tried): the sweeper sends it again once its
    message is overdue, as for a message the broker lost."""
    caplog.set_level(logging.INFO)
    down = BrokerWork(open_broker(f"redis://127.0.0.1:{closed_port()}/0"))
    with served(store, down) as http:
        answer = post(http, SHOPIFY_CREATE.read_bytes(), "evt-down")
    assert answer.status_code == 202, answer.text
    entry_id = answer.json()["entry"]
    warnings = [
        r for r in caplog.records if r.levelno == logging.WARNING and r.name.startswith("statebridge")
    ]
    assert len(warnings) == 1
    assert f"recorded as inbox entry {entry_id}, but the message to apply it was not sent" in (
        warnings[0].getMessage()
    )
    entry = store.inbox_entry(entry_id)
    assert entry is not None
    assert entry.state == "pending"
    assert entry.enqueued_at is not None
    assert store.count() == 0


def test_the_broker_comes_from_the_settings(store: Store) -> None:
    app = create_app(store, settings=Settings(broker_url="stub:"), secrets=SECRETS)
    assert isinstance(app.state.work, BrokerWork)
    assert isinstance(app.state.work.broker, StubBroker)
    assert create_app(store, settings=Settings(), secrets=SECRETS).state.work is None


def test_with_connections_the_workers_are_asked_to_drain_the_targets(store: Store) -> None:
    """No background drain: what a worker's application enqueued waits in the outbox for a worker,
    and an endpoint write sends a `drain_target` message per target."""
    broker = open_broker("stub:")
    source = Endpoint(name="shop", platform="shopify", base_url=f"https://{SHOP}")
    with StandinDfcTarget(honour_keys=True, fail_first=False) as target:
        hub = Endpoint(name="hub", platform="dfc", base_url=target.url, method="POST", enterprise="hub")
        connections = Connections(sources=[source], targets=[hub], routes={"shop": ["hub"]})
        with served(store, BrokerWork(broker), enterprises={}, connections=connections, environ={}) as http:
            answer = post(http, SHOPIFY_CREATE.read_bytes())
            assert answer.status_code == 202, answer.text
            worker_store = store.with_routes(ConnectionRoutes(connections))  # as a worker opens it
            assert apply_entry(worker_store, answer.json()["entry"], tables=SHIPPED).changed == 1
            assert [row.state for row in store.deliveries(target="hub")] == ["pending"]
            assert messages(broker, "deliveries") == []  # the worker's actor asks for that drain

            written = http.post("/api/dfc/Enterprises/hub/Orders", content=POST_HELD.read_bytes(), headers=LD)
            assert written.status_code == 201, written.text
            assert written.headers["Statebridge-Delivery"] == "hub=pending"
            assert messages(broker, "deliveries") == [("drain_target", ("hub",))]
        assert target.posts == []  # nothing delivered by serve itself


def test_serve_with_a_broker_that_is_down_answers_202(tmp_path: t.Any) -> None:
    """`statebridge serve --broker URL`, a real process: the option reaches the app."""
    port = closed_port()
    env = {**os.environ, SECRET_ENV: SECRET, "STATEBRIDGE_STORE": f"sqlite:///{tmp_path / 'store.db'}"}
    env.pop("STATEBRIDGE_BROKER_URL", None)
    listen = closed_port()
    command = [sys.executable, "-m", "statebridge", "serve", "--port", str(listen)]
    command += ["--broker", f"redis://127.0.0.1:{port}/0"]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{listen}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/health", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("serve did not start")
                time.sleep(0.1)
        body = SHOPIFY_CREATE.read_bytes()
        answer = httpx.post(
            f"{url}/webhooks/shopify", content=body, headers=shopify_headers(body), timeout=20
        )
        assert answer.status_code == 202, answer.text
        assert answer.json()["status"] == "queued"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert "the message to apply it was not sent" in stderr
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        assert store.inbox_depth() == 1
        assert store.count() == 0
