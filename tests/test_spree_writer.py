"""SpreeWriter over real loopback HTTP against the Spree Platform API and Solidus API stand-ins."""

from __future__ import annotations

import datetime as dt
import decimal
import typing as t

import pytest

from statebridge.delivery.writer import Delivery, Link, delivery_key
from statebridge.dfc import IriMinter
from statebridge.errors import APIError, DeliveryError, NoWriteApi, UnreachableState
from statebridge.model import Buyer, Order, OrderLine
from statebridge.platforms import platform
from statebridge.platforms.spree.deliver import SpreeWriter, order_number
from statebridge.states import DFCStates, FulfilmentStatus, OrderStatus, PaymentStatus

from .fakes import FakeTime
from .standin.spree_write import TOKEN, StandinSpreeWrite

FLAVOURS = ("spree-v2", "solidus")
PLACED = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
KEY = delivery_key("shopify", "https://shop.example.org", "1001", "farm-store")


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATEBRIDGE_SPREE_TOKEN", TOKEN)


@pytest.fixture(params=FLAVOURS)
def store(request: pytest.FixtureRequest) -> t.Iterator[StandinSpreeWrite]:
    with StandinSpreeWrite(request.param) as standin:
        yield standin


def _order(state: OrderStatus, *, placed: bool = True, item: str | None = "EGG-FR-12") -> Order:
    payment = PaymentStatus.CANCELLED if state is OrderStatus.CANCELLED else PaymentStatus.UNPAID
    fulfilment = {
        OrderStatus.CANCELLED: FulfilmentStatus.CANCELLED,
        OrderStatus.COMPLETE: FulfilmentStatus.HELD,
    }.get(state)
    return Order(
        platform="shopify",
        shape="rest",
        id="1001",
        number="#1001",
        placed_at=PLACED if placed else None,
        currency="EUR",
        buyer=Buyer(email="buyer@example.org"),
        lines=(OrderLine(item=item, quantity=decimal.Decimal(2)),),
        states=DFCStates(order=state, payment=payment, fulfilment=fulfilment),
    )


def _delivery(order: Order, link: Link | None = None) -> Delivery:
    minter = IriMinter.for_platform("shopify", "https://shop.example.org")
    return Delivery(target="farm-store", key=KEY, order=order, minter=minter, link=link)


def _writer(store: StandinSpreeWrite, time: FakeTime | None = None) -> SpreeWriter:
    time = time or FakeTime()
    return SpreeWriter(store.base_url, flavour=store.flavour, sleep=time.sleep, clock=time.clock)


def test_the_spree_platform_names_its_writer() -> None:
    assert platform("spree").writer_class() is SpreeWriter


def test_an_order_is_created_completed_and_cancelled_as_its_dfc_state_changes(
    store: StandinSpreeWrite,
) -> None:
    with _writer(store) as writer:
        link = writer.deliver(_delivery(_order(OrderStatus.DRAFT)))
        number = order_number(KEY)
        assert link.remote_id == number
        assert link.detail["state"] == "cart"
        assert store.orders[number]["line_items"] == [{"id": 900, "variant_id": 102, "quantity": 2}]
        assert store.orders[number]["email"] == "buyer@example.org"

        link = writer.deliver(_delivery(_order(OrderStatus.COMPLETE), link))
        assert link.detail["state"] == "complete"
        assert store.events() == [f"advance {number}", f"complete {number}"]

        link = writer.deliver(_delivery(_order(OrderStatus.COMPLETE), link))  # nothing left to do
        link = writer.deliver(_delivery(_order(OrderStatus.CANCELLED), link))
        assert link.detail == {
            "id": "1",
            "state": "canceled",
            "payment_state": "void",
            "shipment_state": "canceled",
            "source_id": "1",
        }
        assert store.events()[-1] == f"cancel {number}"

        with pytest.raises(UnreachableState, match=r"from state canceled to cart .*no route for the resume"):
            writer.deliver(_delivery(_order(OrderStatus.DRAFT), link))
    assert len(store.orders) == 1
    assert store.events() == [f"advance {number}", f"complete {number}", f"cancel {number}"]


def test_a_retry_without_a_link_finds_the_order_created_before_the_crash(store: StandinSpreeWrite) -> None:
    with _writer(store) as writer:
        writer.deliver(_delivery(_order(OrderStatus.DRAFT)))
        link = writer.deliver(_delivery(_order(OrderStatus.COMPLETE)))  # the first link was lost
    assert list(store.orders) == [order_number(KEY)]
    assert [w.method for w in store.writes].count("POST") == 1
    assert link.detail["state"] == "complete"


def test_a_create_the_store_applied_then_answered_500_is_not_repeated(store: StandinSpreeWrite) -> None:
    store.fail_after_apply(1)
    with _writer(store) as writer:
        with pytest.raises(APIError, match="not retried"):
            writer.deliver(_delivery(_order(OrderStatus.COMPLETE)))
        assert len(store.orders) == 1  # applied once, not sent again by the client
        link = writer.deliver(_delivery(_order(OrderStatus.COMPLETE)))
    assert [w.method for w in store.writes].count("POST") == 1
    assert link.detail["state"] == "complete"


def test_an_event_the_store_applied_then_answered_500_is_not_sent_again(store: StandinSpreeWrite) -> None:
    with _writer(store) as writer:
        link = writer.deliver(_delivery(_order(OrderStatus.COMPLETE)))
        store.fail_after_apply(1)
        with pytest.raises(APIError):
            writer.deliver(_delivery(_order(OrderStatus.CANCELLED), link))
        link = writer.deliver(_delivery(_order(OrderStatus.CANCELLED), link))
    assert [e.split()[0] for e in store.events()] == ["advance", "complete", "cancel"]
    assert link.detail["state"] == "canceled"


def test_a_429_waits_the_retry_after_the_store_sent(store: StandinSpreeWrite) -> None:
    time = FakeTime()
    store.throttle(2, retry_after="7")
    with _writer(store, time) as writer:
        link = writer.deliver(_delivery(_order(OrderStatus.COMPLETE)))
    assert time.sleeps[:2] == [7.0, 7.0]
    assert link.detail["state"] == "complete"
    assert len(store.orders) == 1


def test_a_placed_order_cannot_go_back_to_a_cart(store: StandinSpreeWrite) -> None:
    with _writer(store) as writer:
        link = writer.deliver(_delivery(_order(OrderStatus.COMPLETE)))
        with pytest.raises(UnreachableState) as caught:
            writer.deliver(_delivery(_order(OrderStatus.DRAFT), link))
    message = str(caught.value)
    assert message.startswith("order #1001 to farm-store: ")
    assert f"cannot bring order {order_number(KEY)} from state complete to cart" in message


def test_an_order_never_placed_is_not_completed_just_to_cancel_it(store: StandinSpreeWrite) -> None:
    with _writer(store) as writer, pytest.raises(UnreachableState, match="never placed"):
        writer.deliver(_delivery(_order(OrderStatus.CANCELLED, placed=False)))
    assert store.events() == []


def test_an_order_placed_then_cancelled_before_its_first_delivery_is_completed_then_cancelled(
    store: StandinSpreeWrite,
) -> None:
    with _writer(store) as writer:
        link = writer.deliver(_delivery(_order(OrderStatus.CANCELLED)))
    assert [e.split()[0] for e in store.events()] == ["advance", "complete", "cancel"]
    assert link.detail["state"] == "canceled"


def test_a_refused_event_is_a_delivery_error_naming_order_field_and_detail(store: StandinSpreeWrite) -> None:
    order = _order(OrderStatus.COMPLETE).model_copy(update={"buyer": None})
    with _writer(store) as writer, pytest.raises(DeliveryError) as caught:
        writer.deliver(_delivery(order))
    message = str(caught.value)
    assert message.startswith("order #1001 to farm-store: state (event complete): ")
    assert 'cannot transition via "complete" from address' in message
    assert TOKEN not in message


def test_a_line_without_an_item_is_refused_before_anything_is_written(store: StandinSpreeWrite) -> None:
    with _writer(store) as writer, pytest.raises(DeliveryError, match=r"line 1 \(lines\[0\]\) has no item"):
        writer.deliver(_delivery(_order(OrderStatus.DRAFT, item=None)))
    assert store.writes == []


def test_an_unknown_sku_is_refused_and_a_numeric_item_is_a_variant_id(store: StandinSpreeWrite) -> None:
    with _writer(store) as writer:
        with pytest.raises(DeliveryError, match=r"lines\[0\]\.item: no variant with SKU 'NOPE'"):
            writer.deliver(_delivery(_order(OrderStatus.DRAFT, item="NOPE")))
        writer.deliver(_delivery(_order(OrderStatus.DRAFT, item="103")))
    assert store.orders[order_number(KEY)]["line_items"][0]["variant_id"] == 103


def test_a_wrong_token_is_refused_without_showing_it(
    store: StandinSpreeWrite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATEBRIDGE_SPREE_TOKEN", "wrong-token-not-to-be-shown")
    with _writer(store) as writer, pytest.raises(APIError, match="401") as caught:
        writer.deliver(_delivery(_order(OrderStatus.DRAFT)))
    assert "wrong-token-not-to-be-shown" not in str(caught.value)


def test_an_order_of_another_delivery_under_the_number_is_not_taken_over() -> None:
    with StandinSpreeWrite("spree-v2") as store, _writer(store) as writer:
        writer.deliver(_delivery(_order(OrderStatus.DRAFT)))
        store.orders[order_number(KEY)]["private_metadata"] = {"statebridge_delivery_key": "0" * 64}
        with pytest.raises(DeliveryError, match="made for another delivery"):
            writer.deliver(_delivery(_order(OrderStatus.COMPLETE)))
    assert store.events() == []


def test_spree_keeps_the_delivery_key_in_private_metadata() -> None:
    with StandinSpreeWrite("spree-v2") as store, _writer(store) as writer:
        writer.deliver(_delivery(_order(OrderStatus.DRAFT)))
    assert store.orders[order_number(KEY)]["private_metadata"] == {"statebridge_delivery_key": KEY}


def test_open_food_network_has_no_write_api() -> None:
    with pytest.raises(NoWriteApi, match=r"Open Food Network's API .* has no route to create an order"):
        SpreeWriter("https://ofn.example.org", flavour="ofn")
