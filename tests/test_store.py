"""The store on SQLite and PostgreSQL: migrations, upserts, cursors, events, and its errors."""

from __future__ import annotations

import datetime as dt
import io
import json
import pathlib

import pytest
import sqlalchemy as sa

from statebridge.errors import StoreError, UsageError
from statebridge.store import LATEST, Store, migrate
from statebridge.store.migrations import current_version
from statebridge.translate import read_orders

from .cli_runner import invoke
from .conftest import FIXTURES


def _orders(name: str = "spree/solidus_flat_orders.json", platform: str = "spree") -> list:  # type: ignore[type-arg]
    with (FIXTURES / name).open("rb") as stream:
        return list(read_orders(stream, platform))


def test_a_new_store_is_created_at_the_latest_schema(store_url: str) -> None:
    with Store(store_url) as store, store.engine.connect() as connection:
        assert current_version(connection) == LATEST


def test_an_old_store_is_migrated_forward(tmp_path: pathlib.Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    from statebridge.store import schema
    from statebridge.store.migrations import MIGRATIONS

    with engine.begin() as connection:  # a store written by the first release: version 1 only
        schema.schema_version.create(connection)
        connection.execute(schema.schema_version.insert().values(version=0))
        MIGRATIONS[0][2](connection)
        connection.execute(schema.schema_version.update().values(version=1))
    assert migrate(engine) == 1
    with engine.connect() as connection:
        assert current_version(connection) == LATEST
        assert sa.inspect(connection).has_table("rejects")
    engine.dispose()


def test_a_store_from_a_newer_statebridge_is_refused(tmp_path: pathlib.Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    Store(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE statebridge_schema SET version = 99"))
    engine.dispose()
    with pytest.raises(StoreError, match="schema version 99, newer than this statebridge knows"):
        Store(url)


def test_upserts_are_idempotent_and_newer_wins(store_url: str) -> None:
    orders = _orders()
    with Store(store_url) as store:
        assert (
            store.save_page("spree", "https://shop.example.org", [(o, {"n": o.number}) for o in orders]) == 17
        )
        assert (
            store.save_page("spree", "https://shop.example.org", [(o, {"n": o.number}) for o in orders]) == 0
        )
        first = orders[0]
        newer = first.model_copy(
            update={"updated_at": first.updated_at + dt.timedelta(seconds=1), "number": "NEW"}
        )
        assert store.save_page("spree", "https://shop.example.org", [(newer, {"n": "NEW"})]) == 1
        stored = next(s for s in store.orders() if s.order.id == first.id)
        assert (stored.order.number, stored.raw) == ("NEW", {"n": "NEW"})
        assert store.count() == 17
        # the same id from another source is another order
        assert store.save_page("spree", "https://other.example.org", [(first, {})]) == 1
        assert store.count() == 18


def test_the_cursor_only_moves_forward(store_url: str) -> None:
    early = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    late = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    with Store(store_url) as store:
        assert store.cursor("shopify", "https://s") is None
        store.save_page("shopify", "https://s", [], cursor=late)
        store.save_page("shopify", "https://s", [], cursor=early)
        assert store.cursor("shopify", "https://s") == late


def test_webhook_events_are_stored_once_with_their_orders(store_url: str) -> None:
    [order] = _orders("relatude/single_order.json", "relatude")
    with Store(store_url) as store:
        assert store.save_page("relatude", "https://r", [(order, {"v": 1})], event=("shopify", "evt-1")) == 1
        # A redelivery writes nothing, not even a changed payload or a reject.
        again = store.save_page(
            "relatude",
            "https://r",
            [(order, {"v": 2})],
            rejects=[(None, "bad", {})],
            event=("shopify", "evt-1"),
        )
        assert again is None
        assert next(store.orders()).raw == {"v": 1}
        assert store.rejected() == []
        # Event ids are per source.
        assert store.save_page("relatude", "https://r", [], event=("commercelayer", "evt-1")) == 0


def test_orders_read_back_in_batches_equal_what_was_stored(store_url: str) -> None:
    orders = _orders("spree/spree_v3_admin_orders.json")
    with Store(store_url) as store:
        store.save_page("spree", "https://s", [(o, {}) for o in orders])
        back = {s.order.id: s.order for s in store.orders(batch=5)}
    assert back == {o.id: o for o in orders}


@pytest.mark.parametrize(
    ("url", "error", "message"),
    [
        ("mysql://root@localhost/x", UsageError, "store URL must start with sqlite:/// or postgresql://"),
        ("postgresql://someone:hunter2@127.0.0.1:1/none", StoreError, r"someone:\*\*\*@127\.0\.0\.1:1"),
    ],
)
def test_store_errors_are_clear_and_hide_passwords(url: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message) as caught:
        Store(url)
    assert "hunter2" not in str(caught.value)


def test_export_writes_every_stored_order_under_its_source(tmp_path: pathlib.Path) -> None:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    with Store(url) as store:
        store.save_page("spree", "https://shop.example.org", [(o, {}) for o in _orders()])
        store.save_page(
            "relatude",
            "https://fish.example.no/export",
            [(o, {}) for o in _orders("relatude/export.json", "relatude")],
        )
    result = invoke("export", "--store", url)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    ids = [n["@id"] for n in document["@graph"] if n["@type"] == "dfc-b:Order"]
    assert sum(i.startswith("https://shop.example.org/api/dfc/Orders/") for i in ids) == 17
    assert any(i.startswith("https://fish.example.no/export/api/dfc/Orders/") for i in ids)
    assert result.stderr.decode().strip() == f"exported {len(ids)} orders"
    ntriples = invoke("export", "--store", url, "--format", "ntriples", "--platform", "spree")
    assert ntriples.returncode == 0
    from rdflib import Graph

    assert len(Graph().parse(io.BytesIO(ntriples.stdout), format="nt")) > 0


def test_without_updated_at_only_a_changed_payload_replaces_the_stored_order(store_url: str) -> None:
    [order] = _orders("relatude/single_order.json", "relatude")
    assert order.updated_at is None
    with Store(store_url) as store:
        assert store.save_page("relatude", "https://r", [(order, {"v": 1})]) == 1
        assert store.save_page("relatude", "https://r", [(order, {"v": 1})]) == 0
        assert store.save_page("relatude", "https://r", [(order, {"v": 2})]) == 1
        assert next(store.orders()).raw == {"v": 2}
