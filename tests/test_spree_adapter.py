"""The Spree-family adapter: every shape, every fixture, every status value.

The checks every platform shares (each fixture against its golden file, each shape, every table
value, arbitrary JSON) are in tests/test_conformance.py.
"""

from __future__ import annotations

import io
import json
import pathlib
from decimal import Decimal

import pytest
import yaml

from statebridge.errors import InvalidOrderError, OrderError, UnrecognisedShapeError, UsageError
from statebridge.model import Order
from statebridge.platforms import get_adapter, names
from statebridge.states import FulfilmentStatus, OrderStatus, PaymentStatus
from statebridge.translate import read_orders

from .conftest import FIXTURES, fixture_inputs


def _read(data: object, platform: str = "spree") -> list[Order | OrderError]:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return list(read_orders(io.BytesIO(raw), platform))


def _fixture_orders() -> list[Order]:
    orders = []
    for path in fixture_inputs("spree"):
        with path.open("rb") as stream:
            orders.extend(o for o in read_orders(stream, "spree") if isinstance(o, Order))
    return orders


@pytest.mark.parametrize(
    ("name", "shape", "count"),
    [
        ("solidus_flat_orders.json", "solidus-flat", 17),
        ("chord_single_order.json", "solidus-flat", 1),
        ("spree_v2_platform_orders.json", "spree-v2", 5),
        ("spree_v3_admin_orders.json", "spree-v3", 22),
        ("ofn_v0_orders.json", "ofn-v0", 24),
        ("public_spree_v4.10.3_platform_api_orders_list.json", "spree-v2", 1),
        ("public_spree_v5.6.1_admin_api_v3_orders_list.json", "spree-v3", 1),
        ("public_ofn_api_v0_orders_list.json", "ofn-v0", 1),
    ],
)
def test_each_shape_is_detected(name: str, shape: str, count: int) -> None:
    orders = _read((FIXTURES / "spree" / name).read_bytes())
    assert {o.shape for o in orders if isinstance(o, Order)} == {shape}
    assert len(orders) == count


def test_ndjson_mixes_shapes_line_by_line() -> None:
    orders = _read((FIXTURES / "spree/orders.ndjson").read_bytes())
    assert [o.shape for o in orders if isinstance(o, Order)] == [
        "solidus-flat",
        "solidus-flat",
        "spree-v3",
        "spree-v3",
        "ofn-v0",
        "ofn-v0",
    ]


def test_fixtures_reach_every_dfc_state_spree_can_express() -> None:
    orders = _fixture_orders()
    assert {o.states.order for o in orders} == {
        OrderStatus.DRAFT,
        OrderStatus.COMPLETE,
        OrderStatus.CANCELLED,
    }
    assert {o.states.payment for o in orders} == set(PaymentStatus)
    assert {o.states.fulfilment for o in orders} == {*FulfilmentStatus, None}


def test_flat_order_is_read_completely() -> None:
    [order] = _read((FIXTURES / "spree/chord_single_order.json").read_bytes())
    assert isinstance(order, Order)
    assert (order.id, order.number, order.currency) == ("2001", "R902615384", "USD")
    assert order.total == Decimal("32.65")
    assert order.placed_at is not None
    assert order.placed_at.utcoffset() is not None
    assert [line.item for line in order.lines] == ["EGG-FR-12", "FLOUR-WM-1KG", "VEG-TOM-HEIR-500"]
    assert all(isinstance(line.unit_price, Decimal) for line in order.lines)
    assert [p.state for p in order.payments] == ["completed", "completed"]
    assert sum(p.amount or 0 for p in order.payments) == order.total
    assert order.buyer is not None
    assert order.buyer.id == "301"
    assert order.platform_status == {
        "state": "complete",
        "status": None,
        "payment_state": "paid",
        "shipment_state": "ready",
    }


def test_jsonapi_order_resolves_included_resources() -> None:
    orders = [
        o
        for o in _read((FIXTURES / "spree/spree_v2_platform_orders.json").read_bytes())
        if isinstance(o, Order)
    ]
    with_lines = next(o for o in orders if o.lines and o.platform_status["state"] == "complete")
    assert all(line.item and line.quantity > 0 and line.unit_price is not None for line in with_lines.lines)
    assert with_lines.payments
    assert with_lines.payments[0].state
    assert with_lines.shipments
    assert with_lines.shipments[0].number


def test_v3_order_reads_status_and_renamed_fields() -> None:
    orders = [
        o for o in _read((FIXTURES / "spree/spree_v3_admin_orders.json").read_bytes()) if isinstance(o, Order)
    ]
    assert all(o.platform_status["state"] is None for o in orders)
    assert {o.platform_status["status"] for o in orders} == {"draft", "placed", "canceled"}
    assert all(o.id.startswith("or_") for o in orders)


def test_ofn_display_dates_are_not_read_as_timestamps() -> None:
    [order] = _read((FIXTURES / "spree/public_ofn_api_v0_orders_list.json").read_bytes())
    assert isinstance(order, Order)
    assert order.created_at is None  # "January 01, 2024" is a display string
    assert order.placed_at is not None
    assert order.placed_at.isoformat() == "2024-01-01T10:00:00+00:00"


def test_public_examples_read_as_in_shared(shared: pathlib.Path) -> None:
    for name, platform in (
        ("spree/spree_v4.10.3_platform_api_orders_list_example.yaml", "spree"),
        ("spree/spree_v5.6.1_admin_api_v3_orders_list_example.yaml", "solidus"),
        ("ofn/ofn_api_v0_orders_list_example.yaml", "ofn"),
    ):
        document = yaml.safe_load((shared / "fixtures-public" / name).read_text("utf-8"))
        while (
            isinstance(document, dict)
            and len(document) == 1
            and next(iter(document)) in ("Example", "example", "examples", "value")
        ):
            document = next(iter(document.values()))
        outcomes = _read(document, platform)
        assert outcomes
        assert all(isinstance(o, Order) for o in outcomes), [str(o) for o in outcomes]


# -- bad input: a clear error naming position, order, field and value ----------------------------


def test_negative_quantity_names_the_line_field() -> None:
    order = json.loads((FIXTURES / "spree/chord_single_order.json").read_text("utf-8"))
    order["line_items"][1]["quantity"] = -2
    [error] = _read(order)
    assert isinstance(error, InvalidOrderError)
    assert error.order == "R902615384"
    assert error.field == "line_items[1].quantity"
    assert error.value == -2
    assert "greater than or equal to 0" in str(error)


def test_bad_money_and_naive_timestamp_are_invalid() -> None:
    order = json.loads((FIXTURES / "spree/chord_single_order.json").read_text("utf-8"))
    [error] = _read({**order, "total": "12,50"})
    assert isinstance(error, InvalidOrderError)
    assert error.field == "total"
    [error] = _read({**order, "completed_at": "2026-03-08T09:14:20"})
    assert isinstance(error, InvalidOrderError)
    assert error.field == "completed_at"
    assert "timezone" in str(error)


def test_status_of_the_wrong_type_is_reported() -> None:
    order = json.loads((FIXTURES / "spree/chord_single_order.json").read_text("utf-8"))
    [error] = _read({**order, "payment_state": 3})
    assert isinstance(error, InvalidOrderError)
    assert error.field == "payment_state"
    assert error.value == 3


def test_unknown_state_names_position_and_order() -> None:
    document = json.loads((FIXTURES / "spree/solidus_flat_orders.json").read_text("utf-8"))
    document["orders"][2]["shipment_state"] = "in_transit"
    outcomes = _read(document)
    errors = [o for o in outcomes if isinstance(o, OrderError)]
    assert len(errors) == 1
    assert len(outcomes) == 17
    assert str(errors[0]).startswith(
        f"orders[2]: order {document['orders'][2]['number']}: field shipment_state: value 'in_transit': "
        "unknown spree shipment_state"
    )


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"order": {"id": 1, "name": "#1001", "financial_status": "paid", "fulfillment_status": None}},
            "not a Spree-family order",
        ),
        ({"id": 1, "name": "#1001", "number": 1, "financial_status": "paid"}, "looks like a shopify order"),
        (
            {"data": [{"id": "x", "type": "orders", "attributes": {"status": "placed"}}]},
            "type 'orders' is not a Spree order",
        ),
        ([1, 2], "not a Spree-family order (int)"),
        ("just text", "not a Spree-family order (str)"),
    ],
)
def test_wrong_shape_is_reported(document: object, message: str) -> None:
    outcomes = _read(document)
    assert outcomes
    assert all(isinstance(o, UnrecognisedShapeError) for o in outcomes)
    assert message in str(outcomes[0])


def test_a_bad_element_does_not_stop_the_others() -> None:
    document = json.loads((FIXTURES / "spree/solidus_flat_orders.json").read_text("utf-8"))
    document["orders"].insert(1, "garbage")
    outcomes = _read(document)
    assert sum(isinstance(o, Order) for o in outcomes) == 17
    [error] = [o for o in outcomes if isinstance(o, OrderError)]
    assert error.position == "orders[1]"


def test_registry_lists_names_and_aliases() -> None:
    assert {"spree", "chord", "solidus", "ofn"} <= set(names())
    assert get_adapter("chord").name == "spree"
    with pytest.raises(UsageError, match=r"unknown platform 'woo' \(known: .*spree"):
        get_adapter("woo")


def test_cancelled_order_with_nothing_paid_is_payment_cancelled() -> None:
    """Spree 6 `status: canceled` + `payment_status: none` is payment Cancelled, not Unpaid."""
    orders = _read((FIXTURES / "spree" / "spree_v6_canceled_unpaid_orders.json").read_bytes())
    assert [
        (o.number, o.states.order, o.states.payment, o.states.fulfilment)
        for o in orders
        if isinstance(o, Order)
    ] == [
        ("R520417739", OrderStatus.CANCELLED, PaymentStatus.CANCELLED, FulfilmentStatus.CANCELLED),
        ("R520417740", OrderStatus.CANCELLED, PaymentStatus.CANCELLED, FulfilmentStatus.CANCELLED),
    ]
    # a placed order with nothing paid still needs its payment
    placed = _read({"data": [{"id": "or_1", "number": "R1", "status": "placed", "payment_status": "none"}]})
    assert isinstance(placed[0], Order)
    assert placed[0].states.payment is PaymentStatus.UNPAID
