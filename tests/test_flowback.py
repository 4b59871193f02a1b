"""Changes made at a target flow back to the DFC order (SQLite and PostgreSQL): an echo of our own
delivery changes nothing; a cancellation or a payment at the platform becomes a new version of the
DFC order, goes to its other targets and not back to the platform; the mark is written with the
pull's page, survives a restart, and reconciling twice changes nothing the second time."""

from __future__ import annotations

import dataclasses
import datetime as dt

from statebridge.delivery.drain import drain
from statebridge.delivery.flowback import platform_changes, reconcile
from statebridge.delivery.writer import Delivery, Link, Writer
from statebridge.model import Order
from statebridge.pipeline import platform_fields
from statebridge.platforms import get_adapter
from statebridge.states import DFCStates, FulfilmentStatus, OrderStatus, PaymentStatus
from statebridge.store import Store

SHOP = "https://shop.example.org"
DFC_ID = "0b9c3c52-7d0e-4a57-9a53-2f0c1f1d9b11"
SHOP_ORDER = "5001"
COMPLETE = DFCStates(order=OrderStatus.COMPLETE, payment=PaymentStatus.UNPAID)


@dataclasses.dataclass(frozen=True)
class Routes:
    """Orders written through the endpoint for SHOP go to the shop and to a hub; the shop target
    writes to SHOP (what a pull of the shop stores its orders under)."""

    def targets(self, platform: str, base_url: str, via: str) -> tuple[str, ...]:
        return ("shop", "hub") if (platform, base_url, via) == ("shopify", SHOP, "endpoint") else ()

    def writes_to(self, platform: str, base_url: str) -> tuple[str, ...]:
        return ("shop",) if (platform, base_url) == ("shopify", SHOP) else ()


class Shop(Writer):
    """The shop: the draft was completed into order 5001, which a pull stores under "5001"."""

    platform = "shopify"

    def __init__(self) -> None:
        self.received: list[Delivery] = []

    def deliver(self, delivery: Delivery) -> Link:
        self.received.append(delivery)
        detail = {
            "status": "COMPLETED",
            "order": f"gid://shopify/Order/{SHOP_ORDER}",
            "source_id": SHOP_ORDER,
        }
        return Link("gid://shopify/DraftOrder/77", detail)


class Hub(Writer):
    platform = "dfc"

    def __init__(self) -> None:
        self.received: list[Delivery] = []

    def deliver(self, delivery: Delivery) -> Link:
        self.received.append(delivery)
        return Link(f"https://hub.example.org/orders/{delivery.order.id}")


def _dfc_order(states: DFCStates) -> Order:
    return Order(platform="shopify", shape="dfc", id=DFC_ID, number="OFN-1", states=states)


def _as_read(states: DFCStates) -> DFCStates:
    """What the shop reads back for an order delivered with `states`, had nothing changed there."""
    adapter = get_adapter("shopify")
    return adapter.mapping_table().translate(platform_fields(states, adapter)[0])


def _pulled(states: DFCStates, minute: int) -> Order:
    moment = dt.datetime(2026, 3, 1, 10, minute, tzinfo=dt.UTC)
    return Order(
        platform="shopify", shape="graphql", id=SHOP_ORDER, number="#1001", updated_at=moment, states=states
    )


def _delivered(store: Store) -> tuple[Store, str, Shop, Hub]:
    """The DFC order written through the endpoint and delivered to the shop and the hub."""
    routed = store.with_routes(Routes())
    written = routed.replace("shopify", SHOP, _dfc_order(COMPLETE), {"@id": "ofn"})
    shop, hub = Shop(), Hub()
    report = drain(routed, {"shop": shop, "hub": hub})
    assert report.delivered == 2
    return routed, written.public_id, shop, hub


def _rows(store: Store) -> dict[str, tuple[str, int, int | None]]:
    return {row.target: (row.state, row.wanted_version, row.delivered_version) for row in store.deliveries()}


def test_the_delivery_records_the_order_id_a_pull_of_the_shop_stores(store: Store) -> None:
    routed, _, _, _ = _delivered(store)
    rows = {row.target: row for row in routed.deliveries()}
    assert rows["shop"].remote_order_id == SHOP_ORDER
    assert rows["hub"].remote_order_id is None  # a DFC target has no reader of its own
    assert rows["shop"].delivered_states == COMPLETE.model_dump_json()


def test_an_echo_of_our_own_delivery_changes_nothing(store: Store) -> None:
    routed, public, _, _ = _delivered(store)
    routed.save_page("shopify", SHOP, [(_pulled(_as_read(COMPLETE), 1), {"id": SHOP_ORDER})])
    assert [row.target for row in routed.echoes()] == ["shop"]
    assert reconcile(routed) == []
    assert routed.echoes() == []
    stored = routed.by_public_id(public)
    assert stored is not None
    assert (stored.version, stored.order.states) == (1, COMPLETE)
    assert _rows(routed) == {"shop": ("done", 1, 1), "hub": ("done", 1, 1)}


def test_an_open_order_read_back_as_held_is_not_a_change(store: Store) -> None:
    """A completed draft is an open order, which Shopify's table reads as Held: not taken back."""
    seen = DFCStates(
        order=OrderStatus.HELD, payment=PaymentStatus.UNPAID, fulfilment=FulfilmentStatus.UNFULFILLED
    )
    assert platform_changes(COMPLETE, seen, "shopify") == {}


def test_a_cancellation_at_the_shop_reaches_the_dfc_order_and_its_other_targets_only(store: Store) -> None:
    routed, public, shop, hub = _delivered(store)
    cancelled = _as_read(COMPLETE).model_copy(
        update={"order": OrderStatus.CANCELLED, "fulfilment": FulfilmentStatus.CANCELLED}
    )
    routed.save_page("shopify", SHOP, [(_pulled(cancelled, 2), {"id": SHOP_ORDER})])
    assert reconcile(routed) == [public]
    stored = routed.by_public_id(public)
    assert stored is not None
    assert stored.version == 2
    assert (stored.order.states.order, stored.order.states.fulfilment) == (
        OrderStatus.CANCELLED,
        FulfilmentStatus.CANCELLED,
    )
    assert stored.order.states.payment is PaymentStatus.UNPAID  # not changed at the shop: kept
    assert stored.raw == {"@id": "ofn"}
    assert _rows(routed) == {"shop": ("done", 2, 2), "hub": ("pending", 2, 1)}

    report = drain(routed, {"shop": shop, "hub": hub})
    assert report.delivered == 1
    assert len(shop.received) == 1  # never echoed back to the shop
    assert hub.received[-1].order.states.order is OrderStatus.CANCELLED
    assert reconcile(routed) == []  # idempotent: nothing is marked any more
    again = routed.by_public_id(public)
    assert again is not None
    assert again.version == 2


def test_a_payment_at_the_shop_flows_back(store: Store) -> None:
    routed, public, _, _ = _delivered(store)
    paid = _as_read(COMPLETE).model_copy(update={"payment": PaymentStatus.PAID})
    routed.save_page("shopify", SHOP, [(_pulled(paid, 3), {"id": SHOP_ORDER})])
    assert drain(routed, {"shop": Shop(), "hub": Hub()}).taken_back == [public]
    stored = routed.by_public_id(public)
    assert stored is not None
    assert stored.order.states.payment is PaymentStatus.PAID
    assert _rows(routed) == {"shop": ("done", 2, 2), "hub": ("done", 2, 2)}


def test_the_mark_is_written_with_the_page_and_survives_a_restart(store_url: str) -> None:
    with Store(store_url) as first:
        routed, public, _, _ = _delivered(first)
        cancelled = _as_read(COMPLETE).model_copy(update={"order": OrderStatus.CANCELLED})
        routed.save_page("shopify", SHOP, [(_pulled(cancelled, 4), {"id": SHOP_ORDER})])
    # the process ends here, before any reconciling; the next one finds the mark
    with Store(store_url) as second:
        routed = second.with_routes(Routes())
        [row] = routed.echoes()
        assert (row.target, row.echo_version) == ("shop", 1)
        assert reconcile(routed) == [public]
        assert reconcile(routed) == []
        stored = routed.by_public_id(public)
        assert stored is not None
        assert stored.order.states.order is OrderStatus.CANCELLED


def test_a_change_of_ours_on_its_way_to_the_shop_is_not_reverted(store: Store) -> None:
    routed, public, _, _ = _delivered(store)
    ours = COMPLETE.model_copy(update={"order": OrderStatus.CANCELLED})
    routed.replace("shopify", SHOP, _dfc_order(ours), {"@id": "ofn"})  # the hub cancels; not yet sent
    routed.save_page("shopify", SHOP, [(_pulled(_as_read(COMPLETE), 5), {"id": SHOP_ORDER})])
    assert reconcile(routed) == []
    stored = routed.by_public_id(public)
    assert stored is not None
    assert stored.order.states.order is OrderStatus.CANCELLED
    assert _rows(routed)["shop"] == ("pending", 2, 1)


def test_a_payment_while_our_change_is_pending_leaves_the_delivery_pending(store: Store) -> None:
    routed, public, _, _ = _delivered(store)
    ours = COMPLETE.model_copy(update={"order": OrderStatus.CANCELLED})
    routed.replace("shopify", SHOP, _dfc_order(ours), {"@id": "ofn"})
    paid = _as_read(COMPLETE).model_copy(update={"payment": PaymentStatus.PAID})
    routed.save_page("shopify", SHOP, [(_pulled(paid, 6), {"id": SHOP_ORDER})])
    assert reconcile(routed) == [public]
    stored = routed.by_public_id(public)
    assert stored is not None
    assert (stored.order.states.order, stored.order.states.payment) == (
        OrderStatus.CANCELLED,
        PaymentStatus.PAID,
    )
    assert _rows(routed)["shop"] == ("pending", 3, 1)  # the cancellation still goes out


def test_orders_of_other_shops_and_unrouted_stores_mark_nothing(store: Store) -> None:
    routed, _, _, _ = _delivered(store)
    routed.save_page("shopify", "https://other.example.org", [(_pulled(DFCStates(), 7), {})])
    store.save_page("shopify", SHOP, [(_pulled(DFCStates(order=OrderStatus.CANCELLED), 8), {})])  # no routes
    assert routed.echoes() == []
