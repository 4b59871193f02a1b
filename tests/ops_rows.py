"""A store with work in flight, written through the Store API, and the values it must read as.

Two sources (one pulled once, one failing), rejects of two platforms, three webhook deliveries (one
applied, one failed twice), and three orders routed to two targets, of which `hub` has one
delivered, one parked and one failed once (still pending).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from statebridge.delivery.writer import Link
from statebridge.model import Order
from statebridge.store import Store, schema

SHOP = "https://shop.example.org"
#: An hour ago, whole seconds: the pulls' times; the inbox and outbox rows are written at the clock's now.
T0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)


@dataclasses.dataclass(frozen=True)
class Routes:
    """Orders of SHOP go to `hub` and `crm`."""

    def targets(self, platform: str, base_url: str, via: str) -> tuple[str, ...]:
        return ("hub", "crm") if (platform, base_url) == ("shopify", SHOP) else ()

    def writes_to(self, platform: str, base_url: str) -> tuple[str, ...]:
        return ()


def _order(order_id: str) -> Order:
    return Order(platform="shopify", shape="rest", id=order_id, number=f"#{order_id}", updated_at=T0)


def fill(store: Store) -> dict[str, int]:
    """Write the rows; the ids of the webhook deliveries by name."""
    store.plan_pulls(["shop-a", "shop-b"], T0)
    tickets = dict(store.claim_due(T0))
    assert store.start_pull("shop-a", tickets["shop-a"], T0)
    store.pull_succeeded(
        "shop-a",
        tickets["shop-a"],
        T0 + dt.timedelta(seconds=10),
        next_due=T0 + dt.timedelta(minutes=5),
        lag_seconds=40.0,
        stored=3,
        rejected=1,
    )
    assert store.start_pull("shop-b", tickets["shop-b"], T0)
    store.pull_failed(
        "shop-b",
        tickets["shop-b"],
        T0 + dt.timedelta(seconds=5),
        reason="HTTP 503 from https://b.example.org",
        next_due=T0 + dt.timedelta(minutes=1),
    )
    # shop-b due again: queued under a new ticket, not started.
    store.claim_due(T0 + dt.timedelta(minutes=2), ["shop-b"])

    store.save_page("shopify", SHOP, [], rejects=[("0", "no id", {}), ("1", "no id", {})])
    store.save_page("spree", "https://spree.example.org", [], rejects=[(None, "not JSON", "x")])

    ids: dict[str, int] = {}
    for name in ("applied", "failing", "waiting"):
        entry = store.record("shopify", SHOP, "orders/updated", f"evt-{name}", b"{}", {})
        assert entry is not None
        ids[name] = entry
    store.applied(ids["applied"])
    store.apply_failed(ids["failing"], "store down")
    store.apply_failed(ids["failing"], "store down")

    routed = store.with_routes(Routes())
    assert routed.save_page("shopify", SHOP, [(_order(n), {"id": n}) for n in ("1", "2", "3")]) == 3
    rows = {row.order_id: row for row in store.deliveries(target="hub")}
    store.delivered(rows["1"], 1, Link("remote-1", {}))
    store.failed(rows["2"], "422: refused for good", retry_at=None)
    store.failed(rows["3"], "HTTP 503", retry_at=T0 + dt.timedelta(days=400))
    return ids


def oldest_pending_change(store: Store, target: str) -> dt.datetime:
    """When the oldest pending change to `target` was enqueued, read row by row (the oracle)."""
    table = schema.deliveries
    query = sa.select(table.c.sequence).where(table.c.target == target, table.c.state == "pending")
    with store.engine.connect() as connection:
        oldest = min(int(value) for value in connection.execute(query).scalars())
    return dt.datetime.fromtimestamp(oldest / 1e9, dt.UTC)
