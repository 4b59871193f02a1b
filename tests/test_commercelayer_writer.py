"""The Commerce Layer writer over real loopback HTTP, against a stand-in that enforces Commerce
Layer's rules (tests/standin/commercelayer_write.py): create once, move by the allowed triggers only,
refuse what cannot be reached, name Commerce Layer's refusals, survive 5xx-after-accept and 429."""

from __future__ import annotations

import itertools
import typing as t
from decimal import Decimal

import httpx
import pytest

from statebridge import platforms
from statebridge.clients.policy import RetryPolicy
from statebridge.delivery.writer import Delivery, Link, delivery_key
from statebridge.dfc.iris import IriMinter
from statebridge.errors import APIError, DeliveryError, UnreachableState
from statebridge.model import Buyer, Order, OrderLine
from statebridge.pipeline import platform_fields
from statebridge.platforms.commercelayer.deliver import CommerceLayerWriter
from statebridge.settings import Settings
from statebridge.states import DFCStates, FulfilmentStatus, OrderStatus, PaymentStatus

from .standin.commercelayer import CLIENT_ID, CLIENT_SECRET, Organization
from .standin.commercelayer_write import StandinCommerceLayerWrite

SETTINGS = Settings.from_env(
    {
        "STATEBRIDGE_COMMERCELAYER_CLIENT_ID": CLIENT_ID,
        "STATEBRIDGE_COMMERCELAYER_CLIENT_SECRET": CLIENT_SECRET,
    }
)
FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, timeout=10)
ADAPTER = platforms.get_adapter("commercelayer")
TABLE = ADAPTER.mapping_table()

C, D, H = OrderStatus.COMPLETE, OrderStatus.DRAFT, OrderStatus.HELD
UNPAID, PAID = PaymentStatus.UNPAID, PaymentStatus.PAID
HELD_F, UNFULFILLED, FULFILLED = (
    FulfilmentStatus.HELD,
    FulfilmentStatus.UNFULFILLED,
    FulfilmentStatus.FULFILLED,
)
CANCELLED = DFCStates(
    order=OrderStatus.CANCELLED, payment=PaymentStatus.CANCELLED, fulfilment=FulfilmentStatus.CANCELLED
)


@pytest.fixture
def standin() -> t.Iterator[StandinCommerceLayerWrite]:
    with StandinCommerceLayerWrite(Organization(count=0, limit=100_000), skus=["RYE-1", "OAT-2"]) as server:
        yield server


def writer(standin: StandinCommerceLayerWrite, **kwargs: t.Any) -> CommerceLayerWriter:
    options: dict[str, t.Any] = {
        "settings": SETTINGS,
        "market": "code:europe",
        "auth_url": standin.auth_url,
        "policy": FAST,
    }
    options.update(kwargs)
    return CommerceLayerWriter(standin.base_url, **options)


def order(states: DFCStates, *, number: str = "SB-1", lines: tuple[OrderLine, ...] | None = None) -> Order:
    if lines is None:
        lines = (
            OrderLine(id="l1", item="RYE-1", name="Rye flour 1kg", quantity=Decimal(2)),
            OrderLine(id="l2", item="OAT-2", quantity=Decimal("1.000")),
        )
    return Order(
        platform="dfc",
        shape="dfc",
        id=f"https://shop.example.org/orders/{number}",
        number=number,
        buyer=Buyer(email="buyer@example.org"),
        lines=lines,
        states=states,
    )


def delivery(of: Order, link: Link | None = None) -> Delivery:
    key = delivery_key("dfc", "https://shop.example.org", of.id, "cl")
    return Delivery("cl", key, of, IriMinter.for_platform("dfc"), link)


def triggers(standin: StandinCommerceLayerWrite) -> list[str]:
    return [
        name for method, _, body in standin.writes if method == "PATCH" for name in body["data"]["attributes"]
    ]


def at_standin(standin: StandinCommerceLayerWrite) -> tuple[str, str, str]:
    [written] = standin.orders_written()
    a = written["attributes"]
    return a["status"], a["payment_status"], a["fulfillment_status"]


def reads_as(state: tuple[str, str, str]) -> DFCStates:
    return TABLE.translate(dict(zip(("status", "payment_status", "fulfillment_status"), state, strict=True)))


# -- every state the reverse table asks of Commerce Layer ------------------------------------------------

#: What reaches each readable DFC state from a new order, by Commerce Layer's documented triggers.
REACHABLE = {
    DFCStates(order=D, payment=UNPAID): [],
    DFCStates(order=C, payment=UNPAID, fulfilment=HELD_F): ["_place"],
    DFCStates(order=C, payment=PAID, fulfilment=UNFULFILLED): ["_place", "_approve", "_capture"],
    DFCStates(order=C, payment=PAID, fulfilment=FULFILLED): ["_place", "_approve", "_capture", "_fulfill"],
    DFCStates(order=C, payment=UNPAID, fulfilment=FULFILLED): ["_place", "_approve", "_fulfill"],
    CANCELLED: ["_place", "_cancel"],
    DFCStates(order=H, payment=UNPAID, fulfilment=HELD_F): ["_place", "_start_editing"],
}


def _reverse_targets() -> list[tuple[DFCStates, tuple[str, ...]]]:
    """One DFC triple for every distinct status triple the reverse table gives."""
    found: dict[tuple[str, ...], DFCStates] = {}
    dimensions = ([None, *OrderStatus], [None, *PaymentStatus], [None, *FulfilmentStatus])
    for o, p, f in itertools.product(*dimensions):
        states = DFCStates(order=o, payment=p, fulfilment=f)
        fields, _ = platform_fields(states, ADAPTER)
        found.setdefault(
            tuple(str(fields[k]) for k in ("status", "payment_status", "fulfillment_status")), states
        )
    return [(states, target) for target, states in sorted(found.items())]


@pytest.mark.parametrize(("states", "target"), _reverse_targets(), ids=lambda v: str(v))
def test_every_reverse_target_is_reached_or_refused(
    standin: StandinCommerceLayerWrite, states: DFCStates, target: tuple[str, str, str]
) -> None:
    wanted = reads_as(target)
    with writer(standin) as w:
        if wanted in REACHABLE:
            link = w.deliver(delivery(order(states)))
            assert triggers(standin) == REACHABLE[wanted]
            assert reads_as(at_standin(standin)) == wanted
            status, payment, _ = at_standin(standin)
            order_id = standin.orders_written()[0]["id"]
            assert link == Link(
                order_id, {"status": status, "payment_status": payment, "source_id": order_id}
            )
        else:
            with pytest.raises(UnreachableState) as refused:
                w.deliver(delivery(order(states)))
            message = str(refused.value)
            assert message.startswith("order SB-1 to cl: Commerce Layer order wOrdr00001 stands at status")
            assert f"status {target[0]}, payment_status {target[1]}" in message
            assert str(states) in message


# -- one order through its life --------------------------------------------------------------------------


def test_create_place_approve_capture_fulfil_as_the_dfc_states_change(
    standin: StandinCommerceLayerWrite,
) -> None:
    with writer(standin) as w:
        link = w.deliver(delivery(order(DFCStates(order=D, payment=UNPAID))))
        assert at_standin(standin) == ("pending", "unpaid", "unfulfilled")
        created = [(m, p) for m, p, _ in standin.writes]
        assert created == [("POST", "/api/orders"), ("POST", "/api/line_items"), ("POST", "/api/line_items")]
        _, _, body = standin.writes[0]
        assert body["data"]["attributes"]["reference_origin"] == "statebridge"
        assert body["data"]["relationships"]["market"] == {"data": {"type": "markets", "id": "mkt_europe"}}
        for states, moved, now in (
            (DFCStates(order=C, payment=UNPAID, fulfilment=HELD_F), ["_place"], "placed"),
            (DFCStates(order=C, payment=PAID, fulfilment=UNFULFILLED), ["_approve", "_capture"], "approved"),
            (DFCStates(order=C, payment=PAID, fulfilment=FULFILLED), ["_fulfill"], "approved"),
        ):
            before = len(triggers(standin))
            link = w.deliver(delivery(order(states), link))
            assert triggers(standin)[before:] == moved
            assert link.detail["status"] == now
        before = len(standin.writes)
        assert (
            w.deliver(delivery(order(DFCStates(order=C, payment=PAID, fulfilment=FULFILLED)), link)) == link
        )
        assert len(standin.writes) == before  # already there: nothing sent
    assert at_standin(standin) == ("approved", "paid", "fulfilled")


def test_cancel_a_placed_order_and_never_reopen_it(standin: StandinCommerceLayerWrite) -> None:
    with writer(standin) as w:
        link = w.deliver(delivery(order(DFCStates(order=C, payment=UNPAID, fulfilment=HELD_F))))
        link = w.deliver(delivery(order(CANCELLED), link))
        assert triggers(standin) == ["_place", "_cancel"]
        assert link.detail == {"status": "cancelled", "payment_status": "voided", "source_id": link.remote_id}
        with pytest.raises(UnreachableState, match="a cancelled order cannot be reopened") as refused:
            w.deliver(delivery(order(DFCStates(order=C, payment=UNPAID, fulfilment=HELD_F)), link))
    assert "order SB-1 to cl" in str(refused.value)
    assert "stands at status cancelled, payment_status voided" in str(refused.value)
    assert "to status placed, payment_status authorized" in str(refused.value)


def test_a_captured_payment_is_never_undone(standin: StandinCommerceLayerWrite) -> None:
    with writer(standin) as w:
        link = w.deliver(delivery(order(DFCStates(order=C, payment=PAID, fulfilment=UNFULFILLED))))
        for states in (CANCELLED, DFCStates(order=C, payment=UNPAID, fulfilment=HELD_F)):
            with pytest.raises(UnreachableState, match="statebridge never refunds"):
                w.deliver(delivery(order(states), link))
    assert at_standin(standin) == ("approved", "paid", "in_progress")


# -- idempotency ------------------------------------------------------------------------------------------


def test_a_create_answered_5xx_is_found_by_reference_not_repeated(standin: StandinCommerceLayerWrite) -> None:
    states = DFCStates(order=C, payment=UNPAID, fulfilment=HELD_F)
    standin.accept_then_fail(1)  # POST /api/orders is made, then answered 500
    with writer(standin) as w:
        with pytest.raises(APIError, match="not retried"):
            w.deliver(delivery(order(states)))
        link = w.deliver(delivery(order(states)))  # the outbox tries again, with no link
    assert len(standin.orders_written()) == 1
    assert link.remote_id == standin.orders_written()[0]["id"]
    assert [p for m, p, _ in standin.writes].count("/api/orders") == 1
    assert [p for m, p, _ in standin.writes].count("/api/line_items") == 2
    assert at_standin(standin) == ("placed", "authorized", "unfulfilled")


def test_a_line_item_answered_5xx_is_not_added_twice(standin: StandinCommerceLayerWrite) -> None:
    states = DFCStates(order=C, payment=UNPAID, fulfilment=HELD_F)
    standin.accept_then_fail(1, after=1)  # the order goes through, its first line item fails after
    with writer(standin) as w:
        with pytest.raises(APIError):
            w.deliver(delivery(order(states)))
        w.deliver(delivery(order(states)))
    items = standin.store.order_items(standin.orders_written()[0]["id"])
    assert sorted(i["attributes"]["sku_code"] for i in items) == ["OAT-2", "RYE-1"]
    assert len(standin.orders_written()) == 1


def test_a_trigger_answered_5xx_is_sent_again_and_acts_once(standin: StandinCommerceLayerWrite) -> None:
    with writer(standin) as w:
        link = w.deliver(delivery(order(DFCStates(order=C, payment=UNPAID, fulfilment=HELD_F))))
        standin.accept_then_fail(1)  # _approve is made, then answered 500; Commerce Layer's is idempotent
        link = w.deliver(delivery(order(DFCStates(order=C, payment=PAID, fulfilment=UNFULFILLED)), link))
    assert triggers(standin) == ["_place", "_approve", "_approve", "_capture"]
    assert link.detail == {"status": "approved", "payment_status": "paid", "source_id": link.remote_id}


def test_a_429_waits_for_its_retry_after(standin: StandinCommerceLayerWrite) -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    standin.throttle(2, retry_after=7)
    with writer(standin, sleep=sleep, clock=lambda: now[0]) as w:
        w.deliver(delivery(order(DFCStates(order=C, payment=UNPAID, fulfilment=HELD_F))))
    assert standin.throttled == 2
    assert slept == [7.0, 7.0]  # each 429's Retry-After, and no other wait
    assert at_standin(standin) == ("placed", "authorized", "unfulfilled")


def test_a_revoked_token_is_renewed_once(standin: StandinCommerceLayerWrite) -> None:
    with writer(standin) as w:
        link = w.deliver(delivery(order(DFCStates(order=D, payment=UNPAID))))
        standin.revoke()
        w.deliver(delivery(order(DFCStates(order=C, payment=UNPAID, fulfilment=HELD_F)), link))
        assert w.client.tokens_fetched == 2


# -- refusals named ---------------------------------------------------------------------------------------


def test_no_market_is_commerce_layers_refusal_naming_the_field(standin: StandinCommerceLayerWrite) -> None:
    with writer(standin, market=None) as w, pytest.raises(DeliveryError) as refused:
        w.deliver(delivery(order(DFCStates(order=D, payment=UNPAID))))
    message = str(refused.value)
    assert message.startswith("order SB-1 to cl: Commerce Layer refused POST http://127.0.0.1:")
    assert "field market (/data/relationships/market): market - can't be blank [VALIDATION_ERROR]" in message
    assert CLIENT_SECRET not in message
    assert "standin-access-token" not in message


def test_an_unknown_market_code_is_named(standin: StandinCommerceLayerWrite) -> None:
    with writer(standin, market="code:asia") as w, pytest.raises(APIError, match="no market has code 'asia'"):
        w.deliver(delivery(order(DFCStates(order=D, payment=UNPAID))))
    assert standin.writes == []


def test_a_market_id_is_used_as_it_is(standin: StandinCommerceLayerWrite) -> None:
    with writer(standin, market="mkt_europe") as w:
        w.deliver(delivery(order(DFCStates(order=D, payment=UNPAID))))
    assert not any("/api/markets" in path for _, path in standin.requests)


def test_an_sku_commerce_layer_does_not_sell_is_named(standin: StandinCommerceLayerWrite) -> None:
    lines = (OrderLine(item="SPELT-9", quantity=Decimal(1)),)
    with writer(standin) as w, pytest.raises(DeliveryError) as refused:
        w.deliver(delivery(order(DFCStates(order=D, payment=UNPAID), lines=lines)))
    assert "field sku_code (/data/attributes/sku_code): sku_code - 'SPELT-9' is not available" in str(
        refused.value
    )


def test_placing_an_order_without_lines_is_refused_by_commerce_layer(
    standin: StandinCommerceLayerWrite,
) -> None:
    with writer(standin) as w, pytest.raises(DeliveryError) as refused:
        w.deliver(delivery(order(DFCStates(order=C, payment=UNPAID, fulfilment=HELD_F), lines=())))
    assert "field line_items (/data/relationships/line_items): line_items - can't be blank" in str(
        refused.value
    )
    assert at_standin(standin) == ("draft", "unpaid", "unfulfilled")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (OrderLine(id="x7", quantity=Decimal(1)), "line 2 (x7) has no item (SKU code)"),
        (OrderLine(item="OAT-2", quantity=Decimal("1.5")), "line 2 (SKU OAT-2): quantity 1.5 is not a whole"),
        (OrderLine(item="OAT-2", quantity=Decimal(0)), "line 2 (SKU OAT-2): quantity 0 is not a whole"),
    ],
)
def test_a_line_commerce_layer_cannot_take_is_refused_before_any_write(
    standin: StandinCommerceLayerWrite, line: OrderLine, expected: str
) -> None:
    lines = (OrderLine(item="RYE-1", quantity=Decimal(1)), line)
    with (
        writer(standin) as w,
        pytest.raises(DeliveryError, match=expected.replace("(", r"\(").replace(")", r"\)")),
    ):
        w.deliver(delivery(order(DFCStates(order=D, payment=UNPAID), lines=lines)))
    assert standin.writes == []
    assert standin.requests == []


def test_the_platform_names_this_writer() -> None:
    assert platforms.platform("commercelayer").writer_class() is CommerceLayerWriter


# -- the stand-in holds to Commerce Layer's rules -----------------------------------------------------


def test_the_standin_refuses_what_commerce_layer_refuses(standin: StandinCommerceLayerWrite) -> None:
    jsonapi = {"Accept": "application/vnd.api+json", "Content-Type": "application/vnd.api+json"}
    body = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    with httpx.Client(base_url=standin.base_url) as http:
        token = http.post("/oauth/token", json=body).json()["access_token"]
        authorized = {**jsonapi, "Authorization": f"Bearer {token}"}
        create = {"data": {"type": "orders", "attributes": {}, "relationships": {}}}
        assert http.post("/api/orders", json=create, headers=jsonapi).status_code == 401
        no_type = {**authorized, "Content-Type": "application/json"}
        assert http.post("/api/orders", json=create, headers=no_type).status_code == 415
        create["data"]["relationships"] = {"market": {"data": {"type": "markets", "id": "mkt_europe"}}}
        made = http.post("/api/orders", json=create, headers=authorized)
        assert made.status_code == 201
        order_id = made.json()["data"]["id"]
        approve = {"data": {"type": "orders", "id": order_id, "attributes": {"_approve": True}}}
        refused = http.patch(f"/api/orders/{order_id}", json=approve, headers=authorized)
        assert refused.status_code == 422
        [error] = refused.json()["errors"]
        assert error["code"] == "VALIDATION_ERROR"
        assert error["source"] == {"pointer": "/data/attributes/status"}
        other = {"data": {"type": "orders", "id": "elsewhere", "attributes": {"_place": True}}}
        assert http.patch(f"/api/orders/{order_id}", json=other, headers=authorized).status_code == 400
    assert [(m, p) for m, p, _ in standin.writes] == [("POST", "/api/orders")]
