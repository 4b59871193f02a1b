"""`inbox.apply_entry`: a recorded webhook delivery applied to the orders, on SQLite and PostgreSQL.

Entries are recorded as `serve` records them (the handler's document, or the reason a body could
not be read) from the public Shopify webhook example; each test checks the store's own tables.
"""

from __future__ import annotations

import typing as t

import orjson
import pytest
import sqlalchemy as sa

from statebridge.errors import InboxEntryMissing, StoreUnavailable
from statebridge.inbox import Applied, apply_entry
from statebridge.mapping import SHIPPED
from statebridge.store import Store, schema
from statebridge.web.delivery import parse

from .test_webhooks import SHOP, SHOPIFY_CREATE

BASE_URL = f"https://{SHOP}"
TOPIC = "orders/create"


def record(store: Store, body: bytes, event_id: str = "evt-1", *, enqueued: bool = False) -> int:
    """Record `body` as the Shopify handler does: its parsed document, or the reason it is not JSON."""
    document = parse(body)
    if isinstance(document, Exception):
        entry = store.record("shopify", BASE_URL, TOPIC, event_id, body, None, problem=document.reason)
    else:
        entry = store.record("shopify", BASE_URL, TOPIC, event_id, body, document, enqueued=enqueued)
    assert entry is not None
    return entry


def rows(store: Store, table: sa.Table) -> list[dict[str, t.Any]]:
    """Every row of `table`, every column (stored_at too): to show a store left unchanged."""
    with store.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(sa.select(table))]


def test_an_entry_holds_the_body_and_document_and_applying_it_stores_the_order(store: Store) -> None:
    body = SHOPIFY_CREATE.read_bytes()
    entry_id = record(store, body, enqueued=True)
    entry = store.inbox_entry(entry_id)
    assert entry is not None
    assert (entry.body, entry.document, entry.problem) == (body, orjson.loads(body), None)
    assert (entry.state, entry.enqueued_at is not None, entry.applied_at) == ("pending", True, None)
    assert store.count() == 0
    assert store.inbox_depth() == 1

    applied = apply_entry(store, entry_id, tables=SHIPPED)

    [stored] = store.orders(platform="shopify")
    order = stored.order
    assert applied == Applied(
        entry_id, "stored", "shopify", BASE_URL, TOPIC, "evt-1", ((order.id, order.number),), 1, ()
    )
    assert stored.base_url == BASE_URL
    done = store.inbox_entry(entry_id)
    assert done is not None
    assert done.state == "applied"
    assert done.applied_at is not None
    assert store.inbox_depth() == 0
    assert [row["event_id"] for row in rows(store, schema.webhook_events)] == ["evt-1"]


def test_applying_an_applied_entry_writes_nothing(store: Store) -> None:
    entry_id = record(store, SHOPIFY_CREATE.read_bytes())
    apply_entry(store, entry_id, tables=SHIPPED)
    before = rows(store, schema.orders), rows(store, schema.webhook_events)

    again = apply_entry(store, entry_id, tables=SHIPPED)

    assert (again.status, again.changed, again.orders) == ("duplicate", 0, ())
    assert (rows(store, schema.orders), rows(store, schema.webhook_events)) == before


def test_killed_between_the_save_and_the_mark_the_next_application_is_a_duplicate(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The orders and the event id are committed, the entry is not marked applied (the process died
    there): applying it again writes no order and no reject twice, and ends applied. A malformed
    body shows it best, since a reject row is inserted, never upserted."""
    entry_id = record(store, b'{"id": 1, "truncated')
    killed = RuntimeError("killed between save_page and applied")

    def die(entry: int) -> None:
        raise killed

    monkeypatch.setattr(store, "applied", die)
    with pytest.raises(RuntimeError):
        apply_entry(store, entry_id, tables=SHIPPED)
    monkeypatch.undo()
    pending = store.inbox_entry(entry_id)
    assert pending is not None
    assert pending.state == "pending"
    assert len(rows(store, schema.rejects)) == 1

    again = apply_entry(store, entry_id, tables=SHIPPED)

    assert again.status == "duplicate"
    assert len(rows(store, schema.rejects)) == 1
    done = store.inbox_entry(entry_id)
    assert done is not None
    assert done.state == "applied"


def test_an_entry_reset_to_pending_after_its_orders_were_stored_is_a_duplicate(store: Store) -> None:
    entry_id = record(store, SHOPIFY_CREATE.read_bytes())
    apply_entry(store, entry_id, tables=SHIPPED)
    before = rows(store, schema.orders), rows(store, schema.deliveries)
    with store.engine.begin() as connection:  # as if the mark had been lost
        table = schema.inbox
        connection.execute(table.update().values(state="pending", applied_at=None))

    again = apply_entry(store, entry_id, tables=SHIPPED)

    assert again.status == "duplicate"
    assert (rows(store, schema.orders), rows(store, schema.deliveries)) == before
    assert store.inbox_depth() == 0


def test_a_malformed_body_becomes_a_reject_when_applied(store: Store) -> None:
    body = b'{"id": 820982911946154508, "email": '
    entry_id = record(store, body)
    entry = store.inbox_entry(entry_id)
    assert entry is not None
    assert entry.document is None
    assert entry.problem is not None
    assert store.count() == 0
    assert rows(store, schema.rejects) == []

    applied = apply_entry(store, entry_id, tables=SHIPPED)

    assert applied.status == "rejected"
    assert applied.orders == ()
    [problem] = applied.problems
    assert problem.startswith("body: the webhook body is not valid JSON")
    [reject] = rows(store, schema.rejects)
    assert (reject["platform"], reject["position"], reject["problem"]) == ("shopify", "body", problem)
    assert orjson.loads(reject["raw"]) == body.decode()  # kept verbatim, as a JSON string
    assert store.count() == 0


def test_a_json_null_body_is_read_as_a_document_not_taken_for_a_malformed_one(store: Store) -> None:
    """`null` is stored as a NULL document too; only `problem` says a body was malformed."""
    applied = apply_entry(store, record(store, b"null"), tables=SHIPPED)
    assert applied.status == "rejected"
    assert not any("not valid JSON" in problem for problem in applied.problems)


def test_a_store_failure_raises_is_counted_and_the_entry_stays_pending(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry_id = record(store, SHOPIFY_CREATE.read_bytes())

    def down(*args: t.Any, **kwargs: t.Any) -> int:
        raise StoreUnavailable("the store is unavailable: connection refused")

    monkeypatch.setattr(store, "save_page", down)
    with pytest.raises(StoreUnavailable):
        apply_entry(store, entry_id, tables=SHIPPED)
    monkeypatch.undo()
    failed = store.inbox_entry(entry_id)
    assert failed is not None
    assert (failed.state, failed.attempts, failed.reason) == (
        "pending",
        1,
        "the store is unavailable: connection refused",
    )
    assert store.unapplied() == [entry_id]

    assert apply_entry(store, entry_id, tables=SHIPPED).status == "stored"  # the retry
    done = store.inbox_entry(entry_id)
    assert done is not None
    assert (done.state, done.reason) == ("applied", None)


def test_an_unknown_entry_is_an_error_naming_it(store: Store) -> None:
    with pytest.raises(InboxEntryMissing, match="inbox entry 404 is not in this store"):
        apply_entry(store, 404, tables=SHIPPED)
