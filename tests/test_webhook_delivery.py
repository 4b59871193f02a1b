"""A webhook delivery is never lost: the event id and the order are written in one transaction.

The crash is real: a child process serves the app over a real store whose engine SIGKILLs its own
process at the moment it sends the INSERT into `orders`, so the delivery dies between "event seen"
and "order written" as a power cut or an OOM kill would end it. The platform then redelivers the
same event to a fresh process; it must be stored, never answered "duplicate" with the order lost.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import typing as t

import httpx
import pytest
import sqlalchemy as sa

from statebridge.store import Store, schema as store_schema
from statebridge.web import WebhookSecrets, create_app

from .serving import running
from .test_webhooks import SECRET, SHOPIFY_CREATE, shopify_headers

#: How long the child may live: it is killed by its own listener long before, or the test fails.
CHILD_LIFETIME = 60.0


def _kill_on_order_insert(_connection: t.Any, _cursor: t.Any, statement: str, *_rest: t.Any) -> None:
    if statement.lstrip().upper().startswith("INSERT INTO ORDERS"):
        os.kill(os.getpid(), signal.SIGKILL)


def serve_and_die(store_url: str, urls: multiprocessing.Queue[str]) -> None:
    """Child process: serve the app over `store_url`; die by SIGKILL when an order is written."""
    store = Store(store_url)
    sa.event.listen(store.engine, "before_cursor_execute", _kill_on_order_insert)
    app = create_app(store, secrets=WebhookSecrets(shopify=SECRET))
    with running(app, name="uvicorn-doomed") as url:
        urls.put(url)
        time.sleep(CHILD_LIFETIME)


def _events(store: Store) -> int:
    with store.engine.connect() as connection:
        table = store_schema.webhook_events
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)


def test_a_delivery_killed_before_its_order_is_written_is_stored_on_redelivery(store_url: str) -> None:
    body = SHOPIFY_CREATE.read_bytes()
    headers = shopify_headers(body, event_id="evt-crash-1")
    Store(store_url).close()  # migrate first, so that the child's only INSERT INTO orders is the delivery's
    context = multiprocessing.get_context("spawn")
    urls: multiprocessing.Queue[str] = context.Queue()
    child = context.Process(target=serve_and_die, args=(store_url, urls), daemon=True)
    child.start()
    try:
        url = urls.get(timeout=30)
        with pytest.raises(httpx.TransportError):  # the server died mid-delivery: no answer
            httpx.post(f"{url}/webhooks/shopify", content=body, headers=headers, timeout=20)
        child.join(20)
        assert child.exitcode == -signal.SIGKILL
    finally:
        if child.is_alive():
            child.kill()
            child.join(5)
    with Store(store_url) as store:
        assert store.count() == 0
        with (
            running(create_app(store, secrets=WebhookSecrets(shopify=SECRET))) as url,
            httpx.Client(base_url=url, timeout=10) as http,
        ):
            again = http.post("/webhooks/shopify", content=body, headers=headers)
            assert again.status_code == 200, again.text
            assert again.json()["status"] == "stored", again.json()
            assert store.count() == 1
            third = http.post("/webhooks/shopify", content=body, headers=headers)
            assert third.json() == {"status": "duplicate", "event": "evt-crash-1"}
        assert store.count() == 1
        assert _events(store) == 1


def test_concurrent_identical_deliveries_store_once_and_the_others_are_duplicates(store_url: str) -> None:
    """Several deliveries of one event at the same moment: one stores it, every other one answers
    duplicate (never an error), on SQLite and on PostgreSQL, where the transactions really overlap."""
    body = SHOPIFY_CREATE.read_bytes()
    headers = shopify_headers(body, event_id="evt-race-1")
    senders = 4
    barrier = threading.Barrier(senders, timeout=20)
    answers: list[httpx.Response] = []
    failures: list[BaseException] = []
    with (
        Store(store_url) as store,
        running(create_app(store, secrets=WebhookSecrets(shopify=SECRET))) as url,
    ):

        def send() -> None:
            try:
                with httpx.Client(base_url=url, timeout=20) as http:
                    barrier.wait()
                    answers.append(http.post("/webhooks/shopify", content=body, headers=headers))
            except BaseException as exc:  # reported below, in the test's own thread
                failures.append(exc)

        threads = [threading.Thread(target=send) for _ in range(senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not failures
        assert [a.status_code for a in answers] == [200] * senders, [a.text for a in answers]
        statuses = sorted(a.json()["status"] for a in answers)
        assert statuses == ["duplicate"] * (senders - 1) + ["stored"]
        assert store.count() == 1
        assert _events(store) == 1
        assert store.rejected() == []
