"""The Shopify adapter: every shape, every fixture, every status value, both directions.

Bulk Operation JSONL orders are emitted by `ShopifyAdapter.finish()` once the input is read; the tests
that go through `read_orders` rely on the pipeline calling `start_document()` before each `split()`
and `finish()` after the last document.

The checks every platform shares (each fixture against its golden file, each shape, every table
value, arbitrary JSON) are in tests/test_conformance.py.
"""

from __future__ import annotations

import io
import itertools
import json
import pathlib
import typing as t
from decimal import Decimal

import pytest
from hypothesis import given

from statebridge.errors import (
    InvalidOrderError,
    OrderError,
    UnknownStatusError,
    UnrecognisedShapeError,
)
from statebridge.mapping import load_table
from statebridge.mapping.coverage import analyse
from statebridge.model import Order
from statebridge.platforms import get_adapter
from statebridge.platforms.base import RawOrder
from statebridge.platforms.shopify import ShopifyAdapter
from statebridge.states import DFCStates, Dimension, FulfilmentStatus, OrderStatus, PaymentStatus
from statebridge.translate import read_orders, translate

from .conftest import FIXTURES, fixture_inputs
from .fuzzing import JSON_VALUES, mutated

SHOPIFY = FIXTURES / "shopify"


def _read(data: object) -> list[Order | OrderError]:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return list(read_orders(io.BytesIO(raw), "shopify"))


def _orders(data: object) -> list[Order]:
    outcomes = _read(data)
    assert [str(o) for o in outcomes if isinstance(o, OrderError)] == []
    return [o for o in outcomes if isinstance(o, Order)]


def _load(name: str) -> t.Any:
    return json.loads((SHOPIFY / name).read_text("utf-8"))


def _fixture_orders() -> list[Order]:
    orders = []
    for path in fixture_inputs("shopify"):
        with path.open("rb") as stream:
            orders.extend(o for o in read_orders(stream, "shopify") if isinstance(o, Order))
    return orders


def _by_number(orders: list[Order]) -> dict[str | None, Order]:
    return {o.number: o for o in orders}


# -- fixtures: every shape, every value ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shape", "count"),
    [
        ("rest_orders.json", "rest", 17),
        ("webhooks.ndjson", "webhook", 3),
        ("graphql_orders_nodes.json", "graphql", 13),
        ("graphql_orders_edges.json", "graphql", 5),
        ("graphql_order.json", "graphql", 1),
        ("bulk_operation.ndjson", "bulk", 3),
        ("public_shopify_python_api_order.json", "rest", 1),
        ("public_shopify_python_api_orders.json", "rest", 1),
        ("public_gadget_2026-04_orders_create_webhook.json", "webhook", 1),
        ("public_gadget_2026-04_orders_updated_webhook.json", "webhook", 1),
        ("public_gadget_2026-04_orders_cancelled_webhook.json", "webhook", 1),
    ],
)
def test_each_shape_is_detected(name: str, shape: str, count: int) -> None:
    orders = _orders((SHOPIFY / name).read_bytes())
    assert {o.shape for o in orders} == {shape}
    assert len(orders) == count


def test_fixtures_reach_every_dfc_state_shopify_can_express() -> None:
    orders = _fixture_orders()
    # A Shopify Order exists only after checkout: never Draft (see mappings/shopify.yaml).
    assert {o.states.order for o in orders} == {OrderStatus.HELD, OrderStatus.COMPLETE, OrderStatus.CANCELLED}
    assert {o.states.payment for o in orders} == {*PaymentStatus, None}
    assert {o.states.fulfilment for o in orders} == set(FulfilmentStatus)


def test_public_copies_match_shared(shared: pathlib.Path) -> None:
    public = shared / "fixtures-public" / "shopify"
    for ours, theirs in (
        ("public_shopify_python_api_order.json", "shopify_python_api__order.json"),
        ("public_shopify_python_api_orders.json", "shopify_python_api__orders.json"),
        ("not_orders/public_shopify_python_api_refund.json", "shopify_python_api__refund.json"),
    ):
        assert (SHOPIFY / ours).read_bytes() == (public / theirs).read_bytes()
    for topic, folder in (
        ("orders_create", ""),
        ("orders_updated", ""),
        ("orders_cancelled", ""),
        ("refunds_create", "not_orders/"),
        ("fulfillments_create", "not_orders/"),
    ):
        upstream = json.loads((public / f"gadget_webhook_metadata_2026-04__{topic}.json").read_text("utf-8"))
        assert _load(f"{folder}public_gadget_2026-04_{topic}_webhook.json") == upstream["response"]


# -- reading: ids, money, timestamps, lines ------------------------------------------------------


def test_rest_order_is_read_completely() -> None:
    [order] = _orders((SHOPIFY / "public_shopify_python_api_order.json").read_bytes())
    assert (order.id, order.number, order.currency, order.test) == ("450789469", "#1001", "USD", False)
    assert order.total == Decimal("409.94")  # no current_total_price and no refund: total_price
    assert order.placed_at is None  # this old payload has no processed_at
    assert order.created_at is not None
    assert order.created_at.isoformat() == "2008-01-10T11:00:00-05:00"  # the shop's offset is kept
    assert [line.item for line in order.lines] == ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"]
    assert [line.unit_price for line in order.lines] == [Decimal("199.00")] * 3
    assert order.buyer is not None
    assert (order.buyer.id, order.buyer.email, order.buyer.name) == (
        "207119551",
        "bob.norman@hostmail.com",
        "Bob Norman",
    )
    assert [(s.id, s.state, s.shipped_at) for s in order.shipments] == [("255858046", "failure", None)]
    assert order.platform_status == {
        "financial_status": "authorized",
        "fulfillment_status": None,
        "cancel_reason": None,
        "cancelled": "no",
        "closed": "no",
    }
    assert order.states == DFCStates(order="Held", payment="Unpaid", fulfilment="Unfulfilled")


def test_a_refunded_order_without_its_current_total_has_no_total() -> None:
    [order] = _orders((SHOPIFY / "public_shopify_python_api_orders.json").read_bytes())
    assert order.platform_status["financial_status"] == "partially_refunded"
    assert order.total is None  # total_price (598.94) predates the refund


def test_current_total_after_refunds_is_the_total() -> None:
    orders = _by_number(_orders((SHOPIFY / "rest_orders.json").read_bytes()))
    record = next(o for o in _load("rest_orders.json")["orders"] if o["name"] == "#1006")
    assert record["total_price"] == "25.80"
    assert orders["#1006"].total == Decimal("22.60")


def test_webhook_ids_come_from_the_gids_not_the_rounded_integers() -> None:
    record = _load("public_gadget_2026-04_orders_create_webhook.json")
    assert record["id"] == 820982911946154500  # as Shopify's documented example has it
    [order] = _orders(record)
    assert order.id == "820982911946154508"
    assert order.lines[0].id == "487817672276298554"
    assert order.buyer is not None
    assert order.buyer.id == "115310627314723954"
    assert order.test is True
    assert (order.number, order.total, order.currency) == ("#9999", Decimal("414.95"), "USD")
    assert order.states == DFCStates(order="Cancelled", payment="Cancelled", fulfilment="Cancelled")


def test_an_id_that_is_not_its_gid_rounded_is_an_error() -> None:
    record = _load("public_gadget_2026-04_orders_create_webhook.json")
    [error] = _read({**record, "id": 820982911946154999 - 10**6})
    assert isinstance(error, InvalidOrderError)
    assert error.field == "id"
    assert "does not match admin_graphql_api_id" in str(error)


def test_shop_money_is_read_not_the_presentment_money() -> None:
    orders = _by_number(_orders((SHOPIFY / "webhooks.ndjson").read_bytes()))
    order = orders["#1018"]
    assert (order.currency, order.total) == ("EUR", Decimal("23.10"))


def test_graphql_ids_follow_the_rest_convention_and_keep_utc() -> None:
    orders = _by_number(_orders((SHOPIFY / "graphql_orders_nodes.json").read_bytes()))
    order = orders["#2001"]
    assert order.id == "5600002001"
    assert order.lines[0].id == "13300020010"
    assert order.created_at is not None
    assert order.created_at.utcoffset() is not None
    assert order.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert orders["#2011"].platform_status["financial_status"] is None
    assert orders["#2011"].states.payment is None  # displayFinancialStatus null: omitted, not invented


def test_graphql_order_reads_edges_fulfillments_and_transactions() -> None:
    [order] = _orders((SHOPIFY / "graphql_order.json").read_bytes())
    assert [line.item for line in order.lines] == ["EGG-FR-6", "CHS-CMT-250", "BRD-SRD-800"]
    assert [line.quantity for line in order.lines] == [2, 1, 1]
    assert [(s.number, s.state) for s in order.shipments] == [("#2019-F1", "SUCCESS")]
    assert order.shipments[0].shipped_at is not None
    assert [(p.state, p.amount, p.method) for p in order.payments] == [
        ("SUCCESS", Decimal("24.60"), "shopify_payments")
    ]
    assert order.total == Decimal("24.60")


def test_a_rest_record_with_a_graphql_fulfilment_value_reads_it() -> None:
    # statebridge's own REST output keeps what REST cannot say beside REST's null.
    record = {"id": 1, "name": "#1", "financial_status": "paid", "fulfillment_status": None}
    [order] = _orders({**record, "displayFulfillmentStatus": "ON_HOLD"})
    assert order.states.fulfilment == FulfilmentStatus.HELD
    [order] = _orders(record)
    assert order.states.fulfilment == FulfilmentStatus.UNFULFILLED


# -- Bulk Operation JSONL ------------------------------------------------------------------------


def _bulk_lines() -> list[dict[str, t.Any]]:
    return [json.loads(line) for line in (SHOPIFY / "bulk_operation.ndjson").read_text("utf-8").splitlines()]


def _ndjson(rows: list[dict[str, t.Any]]) -> bytes:
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


def test_bulk_child_rows_join_their_orders_wherever_they_are() -> None:
    orders = _by_number(_orders((SHOPIFY / "bulk_operation.ndjson").read_bytes()))
    assert list(orders) == ["#3001", "#3002", "#3003"]
    # #3001's third line comes after #3002 began; #3003's line comes before #3003 itself.
    assert [line.item for line in orders["#3001"].lines] == ["VEG-BOX-S", "EGG-FR-6", "APL-JUI-1L"]
    assert [line.id for line in orders["#3001"].lines] == ["13300030010", "13300030011", "13300030012"]
    assert [line.item for line in orders["#3003"].lines] == ["BRD-SRD-800"]
    assert orders["#3002"].states == DFCStates(order="Held", payment="Unpaid", fulfilment="Held")
    assert orders["#3003"].states == DFCStates(order="Complete", payment="Paid", fulfilment="Fulfilled")


def test_adapter_holds_bulk_orders_until_finish() -> None:
    adapter = ShopifyAdapter()
    emitted: list[RawOrder | OrderError] = []
    for number, row in enumerate(_bulk_lines(), start=1):
        adapter.start_document(f"line {number}")
        emitted.extend(adapter.split(row))
    assert emitted == []  # nothing can be emitted before the end: rows may still come
    finished = list(adapter.finish())
    assert [str(raw.position) for raw in finished if isinstance(raw, RawOrder)] == [
        "line 1",
        "line 5",
        "line 9",
    ]
    assert list(adapter.finish()) == []  # state is cleared


def test_a_bad_bulk_line_item_names_its_row() -> None:
    rows = _bulk_lines()
    rows[2]["quantity"] = -3
    outcomes = _read(_ndjson(rows))
    [error] = [o for o in outcomes if isinstance(o, OrderError)]
    assert isinstance(error, InvalidOrderError)
    assert (error.position, error.order, error.field) == ("line 1", "#3001", "lineItems[1].quantity")
    assert str(error).endswith("(the line-item row at line 3)")
    assert sum(isinstance(o, Order) for o in outcomes) == 2


def test_a_bulk_row_whose_order_never_comes_is_reported() -> None:
    rows = [row for row in _bulk_lines() if row.get("name") != "#3003"]
    outcomes = _read(_ndjson(rows))
    [error] = [o for o in outcomes if isinstance(o, OrderError)]
    assert isinstance(error, UnrecognisedShapeError)
    assert error.position == "line 8"
    assert "gid://shopify/Order/5600003003, which is not in the input" in str(error)


def test_a_bulk_order_twice_is_reported() -> None:
    rows = _bulk_lines()
    outcomes = _read(_ndjson([*rows, rows[0]]))
    [error] = [o for o in outcomes if isinstance(o, OrderError)]
    assert error.position == "line 10"
    assert "appears twice (first at line 1)" in str(error)


def test_a_bulk_row_with_a_bad_parent_is_reported() -> None:
    rows = _bulk_lines()
    rows[1]["__parentId"] = 5600003001
    [error] = [o for o in _read(_ndjson(rows)) if isinstance(o, OrderError)]
    assert (error.position, error.field, error.value) == ("line 2", "__parentId", 5600003001)


@given(document=mutated([_bulk_lines()], JSON_VALUES))
def test_bulk_rows_in_one_array_with_any_value_replaced_never_crash(document: object) -> None:
    """Bulk rows held and joined within one document (the generic fuzzing reads them line by line)."""
    for outcome in _read(document):
        assert isinstance(outcome, Order | OrderError)


# -- the seed: the DFC order-state table's Shopify column, and the FDC Shopify app -----------------

# (dimension, DFC state, the seed's token, table status that stands for it)
SEED_SHOPIFY: list[tuple[Dimension, str, str, dict[str, str | None]]] = [
    (Dimension.ORDER, "Held", "Order/Open", {"cancelled": "no", "closed": "no"}),
    (Dimension.ORDER, "Complete", "Order/Archived", {"cancelled": "no", "closed": "yes"}),
    (Dimension.ORDER, "Cancelled", "Order/Cancelled", {"cancelled": "yes", "cancel_reason": "customer"}),
    (Dimension.FULFILMENT, "Held", "Fulfilment/On Hold", {"fulfillment_status": "ON_HOLD"}),
    (Dimension.FULFILMENT, "Held", "Fulfilment/Scheduled", {"fulfillment_status": "SCHEDULED"}),
    (Dimension.FULFILMENT, "Unfulfilled", "Fulfilment/Unfilfillled", {"fulfillment_status": None}),
    (Dimension.FULFILMENT, "Unfulfilled", "Fulfilment/Unfilfillled", {"fulfillment_status": "UNFULFILLED"}),
    (Dimension.FULFILMENT, "Fulfilled", "Fulfilment/Fulfilled", {"fulfillment_status": "fulfilled"}),
    (Dimension.FULFILMENT, "Fulfilled", "Fulfilment/Fulfilled", {"fulfillment_status": "FULFILLED"}),
    (Dimension.PAYMENT, "Unpaid", "Payment/Unpaid", {"financial_status": "pending"}),
    (Dimension.PAYMENT, "Unpaid", "Payment/Pending", {"financial_status": "PENDING"}),
    # Shopify has no overdue value: an order past its payment terms is still pending.
    (Dimension.PAYMENT, "Unpaid", "Payment/Overdue", {"financial_status": "pending"}),
    (Dimension.PAYMENT, "Unpaid", "Payment/Authorised", {"financial_status": "authorized"}),
    (Dimension.PAYMENT, "Unpaid", "Payment/Authorised", {"financial_status": "AUTHORIZED"}),
    (Dimension.PAYMENT, "Unpaid", "Payment/PartiallyPaid", {"financial_status": "partially_paid"}),
    (Dimension.PAYMENT, "Unpaid", "Payment/PartiallyPaid", {"financial_status": "PARTIALLY_PAID"}),
    (Dimension.PAYMENT, "Paid", "Payment/Paid", {"financial_status": "paid"}),
    (Dimension.PAYMENT, "Paid", "Payment/Paid", {"financial_status": "PAID"}),
    (Dimension.PAYMENT, "Cancelled", "Payment/Voided", {"financial_status": "voided"}),
    (Dimension.PAYMENT, "Cancelled", "Payment/Voided", {"financial_status": "VOIDED"}),
]

# An open order, paid, unfulfilled: only the field under test decides its dimension.
NEUTRAL: dict[str, str | None] = {
    "financial_status": "paid",
    "fulfillment_status": None,
    "cancel_reason": None,
    "cancelled": "no",
    "closed": "no",
}

# docs/references/fdc-shopify-app.md#fulfilment-status: the FDC Shopify producer app's fulfilmentStatusFor.
FDC_FULFILMENT = {
    "FULFILLED": "Fulfilled",
    "IN_PROGRESS": "Unfulfilled",
    "ON_HOLD": "Held",
    "OPEN": "Unfulfilled",
    "PARTIALLY_FULFILLED": "Unfulfilled",
    "PENDING_FULFILLMENT": "Unfulfilled",
    "RESTOCKED": "Unfulfilled",
    "SCHEDULED": "Held",
    "UNFULFILLED": "Unfulfilled",
}


@pytest.mark.parametrize(("dimension", "state", "token", "status"), SEED_SHOPIFY, ids=lambda v: str(v))
def test_seed_value_translates_to_the_seeds_dfc_state(
    dimension: Dimension, state: str, token: str, status: dict[str, str | None]
) -> None:
    assert load_table("shopify").translate({**NEUTRAL, **status}).get(dimension) == state


def test_a_cancelled_order_has_a_cancelled_fulfilment_as_the_seed_says() -> None:
    # The seed's fulfilment Cancelled row lists Order/Cancelled in the Shopify column.
    for fulfilment in ("fulfilled", "partial", None, "UNFULFILLED", "ON_HOLD"):
        status = {**NEUTRAL, "cancelled": "yes", "cancel_reason": "other", "fulfillment_status": fulfilment}
        assert load_table("shopify").translate(status).fulfilment == FulfilmentStatus.CANCELLED


@pytest.mark.parametrize(("value", "state"), FDC_FULFILMENT.items())
def test_fulfilment_agrees_with_the_fdc_shopify_app(value: str, state: str) -> None:
    status = {**NEUTRAL, "fulfillment_status": value}
    assert load_table("shopify").translate(status).fulfilment == state


@pytest.mark.parametrize(("dimension", "state", "token", "status"), SEED_SHOPIFY, ids=lambda v: str(v))
def test_transcription_matches_the_seed(
    shared: pathlib.Path, dimension: Dimension, state: str, token: str, status: dict[str, str | None]
) -> None:
    seed = (shared / "seeds" / "002_de6af5c0cc3c4d31.txt").read_text("utf-8")
    rows = [line for line in seed.splitlines() if token in line]
    assert rows, f"{token!r} is not in the seed"
    assert any(state in row for row in rows), f"no seed row puts {token!r} under {state}"


def test_fdc_transcription_matches_the_reference() -> None:
    page = pathlib.Path(__file__).parent.parent / "docs" / "references" / "fdc-shopify-app.md"
    section = page.read_text("utf-8").split("## Fulfilment status")[1]
    cited: dict[str, str] = {}
    for row in section.splitlines():
        if row.startswith("| `"):  # a table row: | `VALUE`, `VALUE` | DFC state |
            values, state = (cell.strip() for cell in row.strip("|").split("|"))
            cited |= {value.strip(" `"): state for value in values.split(",")}
    assert cited == FDC_FULFILMENT


def test_every_status_value_is_explained() -> None:
    table = load_table("shopify")
    for field, spec in table.fields.items():
        for value in spec.domain:
            rules = [r for rules in table.forward.values() for r in rules if value in r.when.get(field, ())]
            assert rules, f"no rule names {field}={value}"
            assert all(len(rule.why) > 20 and rule.cite for rule in rules)


# -- bad input: a clear error naming position, order, field and value ----------------------------


def _rest_document() -> dict[str, t.Any]:
    return t.cast(dict[str, t.Any], _load("rest_orders.json"))


def test_negative_quantity_names_the_line_field() -> None:
    document = _rest_document()
    document["orders"][0]["line_items"][1]["quantity"] = -2
    errors = [o for o in _read(document) if isinstance(o, OrderError)]
    [error] = errors
    assert isinstance(error, InvalidOrderError)
    assert (error.position, error.order, error.field, error.value) == (
        "orders[0]",
        "#1001",
        "line_items[1].quantity",
        -2,
    )
    assert "greater than or equal to 0" in str(error)


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (
            {"current_total_price_set": {"shop_money": {"amount": "12,50", "currency_code": "EUR"}}},
            "current_total_price",
        ),
        ({"created_at": "2026-06-03T09:01:00"}, "created_at"),
        ({"cancelled_at": "yesterday"}, "cancelled_at"),
        ({"closed_at": 5}, "closed_at"),
        ({"financial_status": 3}, "financial_status"),
        ({"test": "no"}, "test"),
        ({"line_items": {"sku": "x"}}, "line_items"),
        ({"admin_graphql_api_id": "gid://shopify/Order/not-a-number"}, "admin_graphql_api_id"),
    ],
)
def test_bad_fields_are_named(edit: dict[str, t.Any], field: str) -> None:
    document = _rest_document()
    document["orders"][0].update(edit)
    [error] = [o for o in _read(document) if isinstance(o, OrderError)]
    assert isinstance(error, InvalidOrderError)
    assert (error.position, error.order, error.field) == ("orders[0]", "#1001", field)


def test_unknown_rest_status_names_position_order_and_field() -> None:
    document = _rest_document()
    document["orders"][2]["financial_status"] = "overdue"
    outcomes = _read(document)
    [error] = [o for o in outcomes if isinstance(o, OrderError)]
    assert isinstance(error, UnknownStatusError)
    assert len(outcomes) == 17
    assert str(error).startswith(
        "orders[2]: order #1003: field financial_status: value 'overdue': unknown shopify financial_status"
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("displayFinancialStatus", "PAID_LATER"),
        ("displayFulfillmentStatus", "AWAITING_PICKUP"),
        ("cancelReason", "WEATHER"),
    ],
)
def test_unknown_graphql_status_is_named_by_its_graphql_field(key: str, value: str) -> None:
    document = _load("graphql_orders_nodes.json")
    document["data"]["orders"]["nodes"][3][key] = value
    [error] = [o for o in _read(document) if isinstance(o, OrderError)]
    assert isinstance(error, UnknownStatusError)
    assert (error.position, error.order, error.field, error.value) == (
        "data.orders.nodes[3]",
        "#2004",
        key,
        value,
    )


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "not_orders/public_shopify_python_api_fulfillment.json",
            "a Shopify fulfillment ('fulfillment'), not an order",
        ),
        ("not_orders/public_shopify_python_api_refund.json", "a Shopify refund ('refund'), not an order"),
        ("not_orders/public_shopify_python_api_transaction.json", "a Shopify transaction ('transaction')"),
        (
            "not_orders/public_shopify_python_api_transactions.json",
            "[0]: a Shopify OrderTransaction, not an order",
        ),
        ("not_orders/public_gadget_2026-04_refunds_create_webhook.json", "a Shopify Refund, not an order"),
        (
            "not_orders/public_gadget_2026-04_fulfillments_create_webhook.json",
            "a Shopify Fulfillment, not an order",
        ),
    ],
)
def test_payloads_that_are_not_orders_are_refused_clearly(path: str, message: str) -> None:
    outcomes = _read((SHOPIFY / path).read_bytes())
    assert outcomes
    assert all(isinstance(o, UnrecognisedShapeError) for o in outcomes)
    assert message in str(outcomes[0])
    assert "order 450789469" in str(outcomes[0]) or "order 820982911946154500" in str(outcomes[0])


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}], "data": None},
            "errors: Shopify answered with errors, not orders: Throttled",
        ),
        ({"errors": "[API] Invalid API key or access token"}, "errors, not orders: [API] Invalid API key"),
        ({"data": {"order": None}}, "data.order: data.order is null"),
        ({"data": {"products": {"nodes": []}}}, "without data.orders or data.order (it has: products)"),
        ({"data": [{"id": "x", "type": "orders", "attributes": {}}]}, "a JSON:API document"),
        (
            {"number": "R123", "state": "complete", "payment_state": "paid"},
            "looks like a spree order: use --from spree",
        ),
        ({"OrderGuid": "x", "OrderStatus": "Ordered"}, "looks like a relatude order"),
        ([1, 2], "[0]: not a Shopify order (int)"),
        ("just text", "not a Shopify order (str)"),
        ({"orders": [{"hello": "world"}]}, "orders[0]: not a Shopify order: expected a REST order"),
    ],
)
def test_wrong_shape_is_reported(document: object, message: str) -> None:
    outcomes = _read(document)
    assert outcomes
    assert all(isinstance(o, UnrecognisedShapeError) for o in outcomes)
    assert message in str(outcomes[0])


def test_graphql_errors_beside_data_still_fail_the_run() -> None:
    document = _load("graphql_order.json")
    document["errors"] = [{"message": "Access denied for customer field"}]
    outcomes = _read(document)
    assert isinstance(outcomes[0], UnrecognisedShapeError)
    assert isinstance(outcomes[1], Order)


def test_a_truncated_line_item_connection_is_an_error_not_a_short_order() -> None:
    document = _load("graphql_order.json")
    document["data"]["order"]["lineItems"]["pageInfo"]["hasNextPage"] = True
    [error] = _read(document)
    assert isinstance(error, InvalidOrderError)
    assert error.field == "lineItems.pageInfo.hasNextPage"
    assert "more items than the query fetched" in str(error)


def test_a_bad_element_does_not_stop_the_others() -> None:
    document = _rest_document()
    document["orders"].insert(1, "garbage")
    outcomes = _read(document)
    assert sum(isinstance(o, Order) for o in outcomes) == 17
    [error] = [o for o in outcomes if isinstance(o, OrderError)]
    assert error.position == "orders[1]"


# -- writing: --to shopify (docs/references/contract.md#reverse-output-shapes) -----------------------


def _write(order: Order) -> dict[str, t.Any]:
    adapter = get_adapter("shopify")
    return adapter.to_record(order, load_table("shopify").reverse(order.states).fields)


def _read_back(record: dict[str, t.Any]) -> Order:
    [order] = _orders({"orders": [record]})
    return order


def test_record_has_the_contract_fields_and_the_number_unchanged() -> None:
    for order in _fixture_orders():
        record = _write(order)
        assert {
            "name",
            "financial_status",
            "fulfillment_status",
            "cancelled_at",
            "closed_at",
        } <= record.keys()
        assert record["name"] == order.number
        assert record["current_total_price"] == (None if order.total is None else format(order.total, "f"))
        assert [line["sku"] for line in record["line_items"]] == [line.item for line in order.lines]


def test_every_dfc_state_written_reads_back_the_same() -> None:
    orders = _by_number(_orders((SHOPIFY / "rest_orders.json").read_bytes()))
    template = orders["#1001"]
    reachable = analyse(load_table("shopify")).reachable
    assert len(reachable) > 20
    for states in reachable:
        order = template.model_copy(update={"states": states})
        back = _read_back(_write(order))
        assert back.states == states
        assert (back.id, back.number, back.total, back.currency) == (
            "5600001001",
            "#1001",
            order.total,
            "EUR",
        )
        assert back.lines == order.lines


def test_written_statuses_are_rest_values() -> None:
    order = _by_number(_orders((SHOPIFY / "graphql_orders_nodes.json").read_bytes()))["#2002"]
    record = _write(order)
    assert record["financial_status"] == "pending"
    # REST shows null for an on-hold order; the GraphQL value travels beside it.
    assert (record["fulfillment_status"], record["displayFulfillmentStatus"]) == (None, "ON_HOLD")
    assert (record["id"], record["admin_graphql_api_id"]) == (5600002002, "gid://shopify/Order/5600002002")


def test_cancelled_and_closed_get_the_last_update_as_their_time() -> None:
    orders = _by_number(_orders((SHOPIFY / "rest_orders.json").read_bytes()))
    cancelled, closed = _write(orders["#1008"]), _write(orders["#1005"])
    assert (cancelled["cancelled_at"], cancelled["cancel_reason"], cancelled["closed_at"]) == (
        "2026-06-04T11:15:00+02:00",
        "other",
        None,
    )
    assert (closed["cancelled_at"], closed["closed_at"]) == (None, "2026-06-06T18:30:00+02:00")


def test_an_order_from_another_platform_gets_no_shopify_ids() -> None:
    with (FIXTURES / "spree" / "chord_single_order.json").open("rb") as stream:
        [order] = [o for o in read_orders(stream, "spree") if isinstance(o, Order)]
    record = _write(order)
    assert "id" not in record
    assert "admin_graphql_api_id" not in record
    assert all("id" not in line for line in record["line_items"])
    back = _read_back(record)
    assert (back.id, back.number) == ("R902615384", "R902615384")
    assert back.states == order.states


def test_translate_to_shopify_writes_the_orders_envelope() -> None:
    out = io.BytesIO()
    data = (SHOPIFY / "graphql_orders_edges.json").read_bytes()
    report = translate(io.BytesIO(data), out, platform="shopify", to="shopify")
    assert report.problems == []
    # no DFC state is lost; the Shopify values a round trip changes are named (test_value_changes.py)
    assert all(" is written as " in loss for loss in report.losses), report.losses
    assert any(
        loss.startswith("order #2016: shopify financial_status 'refunded' is written as 'voided'")
        for loss in report.losses
    )
    document = json.loads(out.getvalue())
    assert list(document) == ["orders"]
    assert [o["name"] for o in document["orders"]] == ["#2014", "#2015", "#2016", "#2017", "#2018"]
    again = _orders(out.getvalue())
    assert [o.states for o in again] == [o.states for o in _orders(data)]


# -- the buyer: a person, or the company of a B2B order ----------------------------------------------


def test_a_b2b_order_is_ordered_by_its_company_as_an_enterprise() -> None:
    """Shopify: an order for a company location (REST `company`, GraphQL `purchasingEntity` a
    PurchasingCompany) is bought by that company; any other order by its customer, a Person."""
    rest = _rest_document()
    plain = rest["orders"][0]
    b2b = {**plain, "company": {"id": 8124301, "location_id": 55501}}
    graphql = _load("graphql_order.json")
    company = {
        "company": {"id": "gid://shopify/Company/8124302"},
        "location": {"id": "gid://shopify/CompanyLocation/1"},
    }
    graphql_b2b = {"data": {"order": {**graphql["data"]["order"], "purchasingEntity": company}}}
    customer_entity = {"id": graphql["data"]["order"]["customer"]["id"]}
    graphql_person = {"data": {"order": {**graphql["data"]["order"], "purchasingEntity": customer_entity}}}
    [person] = _orders({"order": plain})
    [enterprise] = _orders({"order": b2b})
    [graphql_enterprise] = _orders(graphql_b2b)
    [graphql_customer] = _orders(graphql_person)
    assert person.buyer is not None
    assert person.buyer.kind == "Person"
    assert enterprise.buyer is not None
    assert (enterprise.buyer.id, enterprise.buyer.kind) == ("8124301", "Enterprise")
    assert enterprise.buyer.email == person.buyer.email
    assert graphql_enterprise.buyer is not None
    assert (graphql_enterprise.buyer.id, graphql_enterprise.buyer.kind) == ("8124302", "Enterprise")
    assert graphql_customer.buyer is not None
    assert graphql_customer.buyer.kind == "Person"
    document = json.loads(translate_to_dfc({"order": b2b}))
    [agent] = [n for n in document["@graph"] if n["@type"] in ("dfc-b:Person", "dfc-b:Enterprise")]
    assert (agent["@id"], agent["@type"]) == (
        "urn:statebridge:shopify:Enterprises:8124301",
        "dfc-b:Enterprise",
    )


def test_a_b2b_order_written_to_shopify_names_its_company_and_reads_back() -> None:
    [enterprise] = _orders({"order": {**_rest_document()["orders"][0], "company": {"id": 8124301}}})
    record = _write(enterprise)
    assert record["company"] == {"id": 8124301}
    assert "id" not in record["customer"]
    back = _read_back(record)
    assert back.buyer == enterprise.buyer


def translate_to_dfc(document: object) -> bytes:
    out = io.BytesIO()
    translate(io.BytesIO(json.dumps(document).encode()), out, platform="shopify")
    return out.getvalue()


def test_moneybags_with_only_presentment_money_are_read_not_refused() -> None:
    """A query that selected only `presentmentMoney` still yields the orders, with their states."""
    outcomes = _read((FIXTURES / "shopify" / "graphql_presentment_money_only.json").read_bytes())
    assert [str(o) for o in outcomes if isinstance(o, OrderError)] == []
    same, other = t.cast(list[Order], outcomes)
    assert (same.number, other.number) == ("#2101", "#2102")
    assert (
        same.states
        == other.states
        == DFCStates(
            order=OrderStatus.COMPLETE, payment=PaymentStatus.PAID, fulfilment=FulfilmentStatus.FULFILLED
        )
    )
    # presentment money in the shop's own currency is the shop's money
    assert (same.currency, same.total) == ("EUR", Decimal("24.60"))
    assert [line.unit_price for line in same.lines] == [Decimal("3.20"), Decimal("7.90"), Decimal("5.40")]
    assert [p.amount for p in same.payments] == [Decimal("24.60")]
    # in another currency it says nothing about the shop currency: absent, not guessed
    assert (other.currency, other.total) == ("EUR", None)
    assert [line.unit_price for line in other.lines] == [None, None, None]
    assert [(p.state, p.amount) for p in other.payments] == [("SUCCESS", None)]


def test_a_transaction_with_an_empty_moneybag_is_read() -> None:
    """Bulk rows may carry `amountSet: {}` when the query selected neither money field."""
    order = {
        "id": "gid://shopify/Order/1",
        "name": "#1",
        "currencyCode": "EUR",
        "displayFinancialStatus": "PENDING",
        "displayFulfillmentStatus": "UNFULFILLED",
        "transactions": [{"status": "PENDING", "amountSet": {}}],
    }
    (read,) = _orders({"data": {"order": order}})
    assert read.states.payment is PaymentStatus.UNPAID
    assert [p.amount for p in read.payments] == [None]
    order["transactions"] = [{"status": "PENDING", "amountSet": {"shopMoney": "24.60"}}]
    (bad,) = _read({"data": {"order": order}})
    assert isinstance(bad, InvalidOrderError)
    assert "amountSet.shopMoney" in str(bad)


def test_test_notification_pending_fulfillment_status_reads_as_nothing_fulfilled() -> None:
    """Shopify's sample bodies (2023-07..2024-01) send order-level fulfillment_status "pending"."""
    outcomes = _read((SHOPIFY / "test_notification_pending_fulfillment.ndjson").read_bytes())
    assert [str(o) for o in outcomes if isinstance(o, OrderError)] == []
    assert [
        (o.number, o.platform_status["fulfillment_status"], o.states) for o in t.cast(list[Order], outcomes)
    ] == [
        (
            "#9901",
            "pending",
            DFCStates(
                order=OrderStatus.CANCELLED,
                payment=PaymentStatus.CANCELLED,
                fulfilment=FulfilmentStatus.CANCELLED,
            ),
        ),
        (
            "#9902",
            "pending",
            DFCStates(
                order=OrderStatus.HELD,
                payment=PaymentStatus.PAID,
                fulfilment=FulfilmentStatus.UNFULFILLED,
            ),
        ),
    ]
    # exactly as null, whatever the other status fields say
    table = load_table("shopify")
    others = [f for f in table.fields if f != "fulfillment_status"]
    for combo in itertools.product(*(table.fields[f].domain for f in others)):
        status = dict(zip(others, combo, strict=True))
        assert table.translate({**status, "fulfillment_status": "pending"}) == table.translate(
            {**status, "fulfillment_status": None}
        )
