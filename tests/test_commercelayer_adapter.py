"""The Commerce Layer adapter: every shape, every fixture, every status value, both directions.

The checks every platform shares (each fixture against its golden file, each shape, every table
value, arbitrary JSON) are in tests/test_conformance.py.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import pathlib
from decimal import Decimal

import pytest
import yaml

from statebridge.errors import InvalidOrderError, OrderError, UnknownStatusError, UnrecognisedShapeError
from statebridge.mapping import load_table
from statebridge.model import Order, OrderLine
from statebridge.platforms import get_adapter
from statebridge.platforms.commercelayer.adapter import minor_units
from statebridge.states import DFCStates, Dimension, FulfilmentStatus, OrderStatus, PaymentStatus
from statebridge.translate import read_orders, translate

from .conftest import FIXTURES, fixture_inputs

CL = FIXTURES / "commercelayer"
LIST = CL / "orders_list.json"
SINGLE = CL / "order_single.json"
PUBLIC = CL / "public_docs_orders_retrieve_response.json"


def _read(data: object, platform: str = "commercelayer") -> list[Order | OrderError]:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return list(read_orders(io.BytesIO(raw), platform))


def _load(path: pathlib.Path) -> dict:  # type: ignore[type-arg]
    return json.loads(path.read_text("utf-8"))


def _orders(path: pathlib.Path) -> list[Order]:
    outcomes = _read(path.read_bytes())
    assert all(isinstance(o, Order) for o in outcomes), [str(o) for o in outcomes]
    return [o for o in outcomes if isinstance(o, Order)]


def _fixture_orders() -> list[Order]:
    return [order for path in fixture_inputs("commercelayer") for order in _orders(path)]


def _by_number(orders: list[Order]) -> dict[str | None, Order]:
    return {o.number: o for o in orders}


# -- fixtures: every file, every shape, every value ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shapes"),
    [
        ("orders_list.json", ["jsonapi-list"] * 20),
        ("order_single.json", ["jsonapi-single"]),
        ("public_docs_orders_retrieve_response.json", ["jsonapi-single"]),
        ("orders.ndjson", ["jsonapi-resource"] * 5 + ["jsonapi-single"]),
    ],
)
def test_each_shape_is_detected(name: str, shapes: list[str]) -> None:
    assert [o.shape for o in _orders(CL / name)] == shapes


def test_fixtures_reach_every_dfc_state() -> None:
    orders = _fixture_orders()
    assert {o.states.order for o in orders} == set(OrderStatus)
    assert {o.states.payment for o in orders} == set(PaymentStatus)
    assert {o.states.fulfilment for o in orders} == {*FulfilmentStatus, None}


# -- what is read -------------------------------------------------------------------------------------


def test_public_example_is_read_from_cents_not_floats_or_formatted_strings() -> None:
    [order] = _orders(PUBLIC)
    assert (order.id, order.number, order.currency) == ("xYZkjABcde", "1234", "EUR")
    assert order.total == Decimal("57.00")
    assert order.test is True  # meta.mode "test"
    assert order.buyer is not None
    assert order.buyer.email == "john@example.com"
    assert order.placed_at == dt.datetime(2018, 1, 1, 12, tzinfo=dt.UTC)
    assert order.platform_status == {
        "status": "draft",
        "payment_status": "unpaid",
        "fulfillment_status": "unfulfilled",
    }
    assert order.states == DFCStates(order="Draft", payment="Unpaid")
    assert order.lines == ()  # fetched without include=line_items

    document = _load(PUBLIC)
    attributes = document["data"]["attributes"]
    attributes["total_amount_float"] = 1.0
    attributes["formatted_total_amount"] = "€1,00"
    [again] = _read(document)
    assert isinstance(again, Order)
    assert again.total == Decimal("57.00")


def test_cents_are_never_read_through_a_float() -> None:
    document = _load(PUBLIC)
    # beyond a double's 53 bits, and within the bounds (below 10^15 in major units)
    document["data"]["attributes"]["total_amount_cents"] = 12345678901234567
    [order] = _read(document)
    assert isinstance(order, Order)
    assert order.total == Decimal("123456789012345.67")


@pytest.mark.parametrize(
    ("currency", "cents", "amount"), [("EUR", 5700, "57.00"), ("JPY", 5700, "5700"), ("KWD", 5700, "5.700")]
)
def test_cents_are_divided_by_the_currencys_minor_unit(currency: str, cents: int, amount: str) -> None:
    document = _load(PUBLIC)
    document["data"]["attributes"].update(currency_code=currency, total_amount_cents=cents)
    [order] = _read(document)
    assert isinstance(order, Order)
    assert order.total == Decimal(amount)
    assert str(order.total) == amount


def test_fixture_orders_in_other_currencies_keep_their_scale() -> None:
    orders = _by_number(_orders(LIST))
    yen, dinar = orders["20018"], orders["20019"]
    assert (yen.currency, yen.total, yen.lines[0].unit_price) == ("JPY", Decimal("4040"), Decimal("1620"))
    assert (dinar.currency, dinar.total, dinar.lines[0].unit_price) == (
        "KWD",
        Decimal("6.000"),
        Decimal("4.750"),
    )
    assert minor_units("EUR") == 2


def test_an_amount_without_a_currency_is_not_read() -> None:
    document = _load(PUBLIC)
    document["data"]["attributes"]["currency_code"] = None  # a draft without a market
    [order] = _read(document)
    assert isinstance(order, Order)
    assert (order.currency, order.total) == (None, None)


@pytest.mark.parametrize("number", [1234, "1234"])
def test_number_is_read_as_an_integer_or_a_string(number: int | str) -> None:
    document = _load(PUBLIC)
    document["data"]["attributes"]["number"] = number
    [order] = _read(document)
    assert isinstance(order, Order)
    assert order.number == "1234"
    assert order.label == "1234"


def test_ndjson_reads_integer_and_string_numbers_line_by_line() -> None:
    orders = _orders(CL / "orders.ndjson")
    raw = [json.loads(line) for line in (CL / "orders.ndjson").read_text("utf-8").splitlines()]
    sent = [r.get("attributes", r.get("data", {}).get("attributes"))["number"] for r in raw]
    assert [type(n) for n in sent[:3]] == [int, int, int]
    assert all(isinstance(n, str) for n in sent[3:])
    assert [o.number for o in orders] == [str(n) for n in sent]
    assert [o.test for o in orders] == [False, True, False, False, False, False]


def test_only_skus_and_bundles_become_order_lines() -> None:
    [order] = _orders(SINGLE)
    document = _load(SINGLE)
    types = [
        item["attributes"].get("item_type") for item in document["included"] if item["type"] == "line_items"
    ]
    assert {"shipments", "payment_methods", "adjustments", "gift_cards", "discount_engine_items"} <= set(
        types
    )
    assert [(line.item, line.quantity, line.unit_price) for line in order.lines] == [
        ("CHEVRE-FRAIS-150", Decimal(2), Decimal("4.50")),
        ("PAIN-CAMP-800", Decimal(1), Decimal("5.20")),  # no item_type: its item relationship says skus
        ("PANIER-LEGUMES-S", Decimal(1), Decimal("24.00")),  # a bundle
    ]
    assert [line.id for line in order.lines] == ["liSgl0001a", "liSgl0001b", "liSgl0001c"]
    assert order.lines[2].name == "Panier de légumes de saison"
    assert order.total == Decimal("31.90")  # charges and discounts stay in the order's total
    assert order.buyer is not None
    assert (order.buyer.id, order.buyer.email, order.buyer.name) == (
        "cuClrMrt01",
        "claire.martin@example.fr",
        "Claire Martin",
    )
    assert [(s.number, s.state) for s in order.shipments] == [("30001/S/001", "packing")]


def test_lines_follow_each_orders_own_linkage_in_a_list() -> None:
    orders = _by_number(_orders(LIST))
    assert orders["20001"].lines == ()
    assert [line.item for line in orders["20008"].lines] == ["MIEL-CHAT-500", "PANIER-LEGUMES-S"]
    assert [line.item for line in orders["20014"].lines] == ["CHEVRE-FRAIS-150"]  # gift card line left out


def test_a_new_promotion_type_is_not_goods_but_an_unknown_line_type_is_an_error() -> None:
    document = _load(SINGLE)
    promo = next(i for i in document["included"] if i["id"] == "liSgl0001x")
    promo["attributes"]["item_type"] = "flex_promotions"
    [order] = _read(document)
    assert isinstance(order, Order)
    assert len(order.lines) == 3

    promo["attributes"]["item_type"] = "subscriptions"
    [error] = _read(document)
    assert isinstance(error, InvalidOrderError)
    assert error.field == "line_items[9].item_type"
    assert error.value == "subscriptions"
    assert str(error).startswith("data: order 30001: field line_items[9].item_type: value 'subscriptions'")


def test_a_line_item_missing_from_included_is_reported() -> None:
    document = _load(SINGLE)
    document["included"] = [i for i in document["included"] if i["id"] != "liSgl0001c"]
    [error] = _read(document)
    assert isinstance(error, InvalidOrderError)
    assert error.field == "relationships.line_items.data[2]"
    assert "not in included" in str(error)


# -- bad input: a clear error naming position, order, field and value -------------------------------


def test_negative_quantity_names_the_line_field() -> None:
    document = _load(SINGLE)
    next(i for i in document["included"] if i["id"] == "liSgl0001c")["attributes"]["quantity"] = -2
    [error] = _read(document)
    assert isinstance(error, InvalidOrderError)
    assert (error.position, error.order, error.field, error.value) == (
        "data",
        "30001",
        "line_items[2].quantity",
        -2,
    )


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("total_amount_cents", 5700.0, "total_amount_cents"),
        ("total_amount_cents", "57,00", "total_amount_cents"),
        ("placed_at", "2018-01-01T12:00:00", "placed_at"),
        ("currency_code", "eur", "currency_code"),
        ("payment_status", 3, "payment_status"),
        ("number", 12.5, "number"),
    ],
)
def test_bad_fields_are_invalid(key: str, value: object, field: str) -> None:
    document = _load(PUBLIC)
    document["data"]["attributes"][key] = value
    [error] = _read(document)
    assert isinstance(error, InvalidOrderError)
    assert error.field == field
    assert error.value == value


def test_a_sparse_fieldset_without_a_status_field_is_reported() -> None:
    document = _load(PUBLIC)
    del document["data"]["attributes"]["fulfillment_status"]
    [error] = _read(document)
    assert isinstance(error, InvalidOrderError)
    assert error.field == "fulfillment_status"
    assert "sparse fieldset" in str(error)


def test_unknown_status_names_position_order_field_and_value() -> None:
    document = _load(LIST)
    document["data"][3]["attributes"]["status"] = "archived"
    outcomes = _read(document)
    errors = [o for o in outcomes if isinstance(o, OrderError)]
    assert len(outcomes) == 20
    [error] = errors
    assert isinstance(error, UnknownStatusError)
    assert str(error).startswith(
        "data[3]: order 20004: field status: value 'archived': unknown commercelayer status "
        "(valid: draft, pending, placing, placed, editing, approved, cancelled)"
    )


def test_a_null_status_is_unknown_too() -> None:
    document = _load(PUBLIC)
    document["data"]["attributes"]["payment_status"] = None
    [error] = _read(document)
    assert isinstance(error, UnknownStatusError)
    assert error.field == "payment_status"


_SHOPIFY_ORDER = {
    "id": 450789469,
    "name": "#1001",
    "number": 1,
    "financial_status": "paid",
    "fulfillment_status": None,
}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"@context": "https://www.datafoodconsortium.org", "@graph": [{"@type": "dfc-b:Order"}]},
            "looks like a DFC JSON-LD document: use --from dfc",
        ),
        (
            {"orders": [{"number": "R1", "state": "complete"}], "pagination": {"results": 1}},
            "looks like an Open Food Network API v0 list: use --from ofn",
        ),
        ({"orders": [_SHOPIFY_ORDER]}, "looks like a Shopify order: use --from shopify"),
        ({"order": _SHOPIFY_ORDER}, "looks like a Shopify order: use --from shopify"),
        (_SHOPIFY_ORDER, "looks like a Shopify order: use --from shopify"),
        (
            {"data": {"orders": {"nodes": [{"name": "#1001", "displayFinancialStatus": "PAID"}]}}},
            "looks like a Shopify order: use --from shopify",
        ),
        (
            {"data": [{"id": "40", "type": "order", "attributes": {"number": "R1", "state": "cart"}}]},
            "type 'order' (singular) is Spree's JSON:API: use --from spree",
        ),
        (
            {"data": [{"number": "R1", "status": "placed", "payment_status": "paid"}]},
            "Spree 5.4+ Admin API v3: use --from spree",
        ),
        ({"number": "R1", "state": "complete", "payment_state": "paid"}, "use --from spree"),
        (
            {"number": "1234", "status": "placed", "currency_code": "EUR", "total_amount_cents": 5700},
            'wrap them as {"type": "orders"',
        ),
        ({"Orders": [{"OrderGuid": "0b6f", "OrderStatus": "Ordered"}]}, "use --from relatude"),
        (
            {"data": [{"id": "x", "type": "skus", "attributes": {}}]},
            "type 'skus' is not a Commerce Layer order",
        ),
        (
            {"errors": [{"title": "Unauthorized", "detail": "Invalid token", "status": "401"}]},
            "a JSON:API error response, not orders: 401 - Unauthorized - Invalid token",
        ),
        ({"data": "orders"}, "neither an order resource nor a list"),
        ([1, 2], "not a Commerce Layer order (int)"),
        ("just text", "not a Commerce Layer order (str)"),
    ],
)
def test_wrong_shape_is_refused_with_a_hint(document: object, message: str) -> None:
    outcomes = _read(document)
    assert outcomes
    assert all(isinstance(o, UnrecognisedShapeError) for o in outcomes)
    assert message in str(outcomes[0])


@pytest.mark.parametrize(
    "name",
    ["spree/solidus_flat_orders.json", "spree/ofn_v0_orders.json", "spree/spree_v2_platform_orders.json"],
)
def test_the_spree_family_fixtures_are_refused_with_a_hint(name: str) -> None:
    outcomes = _read((FIXTURES / name).read_bytes())
    assert outcomes
    assert all(isinstance(o, UnrecognisedShapeError) for o in outcomes)
    assert all("--from spree" in str(o) or "--from ofn" in str(o) for o in outcomes)


@pytest.mark.parametrize(
    ("name", "platform"),
    [
        ("shopify/shopify_python_api__orders.json", "shopify"),
        ("shopify/shopify_python_api__order.json", "shopify"),
        ("dfc/ofn_cassette_completes_an_order_5_post_request.json", "dfc"),
    ],
)
def test_public_foreign_payloads_are_refused_with_a_hint(
    shared: pathlib.Path, name: str, platform: str
) -> None:
    outcomes = _read((shared / "fixtures-public" / name).read_bytes())
    assert outcomes
    assert all(isinstance(o, UnrecognisedShapeError) for o in outcomes)
    assert f"use --from {platform}" in str(outcomes[0])


def test_a_bad_element_does_not_stop_the_others() -> None:
    document = _load(LIST)
    document["data"].insert(1, "garbage")
    outcomes = _read(document)
    assert sum(isinstance(o, Order) for o in outcomes) == 20
    [error] = [o for o in outcomes if isinstance(o, OrderError)]
    assert error.position == "data[1]"


def test_public_retrieve_example_matches_shared(shared: pathlib.Path) -> None:
    source = shared / "fixtures-public/commercelayer/docs_orders_retrieve_response.json"
    assert PUBLIC.read_bytes() == source.read_bytes()


# -- the table: derived choices, and what seed 003 says ------------------------------------------------


# What the Commerce Layer OMS seed (003) says about a status combination, the quote that says it,
# and the DFC triple that statement means under the DFC definitions (seed 002).
SEED_CL: list[tuple[str, dict[str, str], DFCStates]] = [
    (
        "Draft orders act as shopping carts",
        {"status": "draft", "payment_status": "unpaid", "fulfillment_status": "unfulfilled"},
        DFCStates(order="Draft", payment="Unpaid"),
    ),
    (
        "All pending orders have a payment status of unpaid and a fulfillment status of unfulfilled",
        {"status": "pending", "payment_status": "unpaid", "fulfillment_status": "unfulfilled"},
        DFCStates(order="Draft", payment="Unpaid"),
    ),
    (
        "When an order is placed (payment successful), its payment status becomes authorized",
        {"status": "placed", "payment_status": "authorized", "fulfillment_status": "unfulfilled"},
        DFCStates(order="Complete", payment="Unpaid", fulfilment="Held"),
    ),
    (
        "cancelled orders have their payment authorization voided and a payment status of cancelled",
        {"status": "cancelled", "payment_status": "voided", "fulfillment_status": "unfulfilled"},
        DFCStates(order="Cancelled", payment="Cancelled", fulfilment="Cancelled"),
    ),
    (
        "Captured orders become approved and ready for shipment",
        {"status": "approved", "payment_status": "paid", "fulfillment_status": "in_progress"},
        DFCStates(order="Complete", payment="Paid", fulfilment="Unfulfilled"),
    ),
    (
        "Captured orders become approved and ready for shipment",
        {"status": "approved", "payment_status": "paid", "fulfillment_status": "unfulfilled"},
        DFCStates(order="Complete", payment="Paid", fulfilment="Unfulfilled"),
    ),
    (
        "payments must be captured before fulfillment can begin",
        {"status": "approved", "payment_status": "authorized", "fulfillment_status": "unfulfilled"},
        DFCStates(order="Complete", payment="Unpaid", fulfilment="Held"),
    ),
    (
        "The fulfillment status becomes fulfilled once all shipments are shipped",
        {"status": "approved", "payment_status": "paid", "fulfillment_status": "fulfilled"},
        DFCStates(order="Complete", payment="Paid", fulfilment="Fulfilled"),
    ),
    (
        "You can refund payments partially or fully",
        {"status": "approved", "payment_status": "partially_refunded", "fulfillment_status": "fulfilled"},
        DFCStates(order="Complete", payment="Paid", fulfilment="Fulfilled"),
    ),
]


@pytest.mark.parametrize(("quote", "status", "states"), SEED_CL, ids=lambda v: str(v)[:40])
def test_seed_statements_translate_to_the_dfc_states_they_describe(
    quote: str, status: dict[str, str], states: DFCStates
) -> None:
    assert load_table("commercelayer").translate(status) == states


@pytest.mark.parametrize("quote", sorted({q for q, _, _ in SEED_CL}))
def test_seed_quotes_are_in_the_seed(shared: pathlib.Path, quote: str) -> None:
    seed = (shared / "seeds" / "003_239c46c1e3cd5f5f.txt").read_text("utf-8")
    assert quote in seed


def test_the_table_knows_exactly_the_sdk_enums() -> None:
    # docs/references/commercelayer.md#order-status-enums (commercelayer-sdk src/resources/orders.ts)
    fields = load_table("commercelayer").fields
    assert list(fields["status"].domain) == [
        "draft",
        "pending",
        "placing",
        "placed",
        "editing",
        "approved",
        "cancelled",
    ]
    assert set(fields["payment_status"].domain) == {
        "unpaid",
        "authorized",
        "partially_authorized",
        "paid",
        "partially_paid",
        "voided",
        "partially_voided",
        "refunded",
        "partially_refunded",
        "free",
    }
    assert set(fields["fulfillment_status"].domain) == {
        "unfulfilled",
        "in_progress",
        "fulfilled",
        "not_required",
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [(f, v) for f, spec in load_table("commercelayer").fields.items() for v in spec.domain],
)
def test_every_value_is_named_by_an_explained_rule(field: str, value: str) -> None:
    table = load_table("commercelayer")
    explaining = [
        rule for rules in table.forward.values() for rule in rules if value in rule.when.get(field, ())
    ]
    assert explaining, f"no rule names {field}={value}"
    assert all(len(rule.why) > 30 and rule.cite for rule in explaining)


@pytest.mark.parametrize(
    ("status", "dimension", "state"),
    [
        # carts and orders being placed have no fulfilment yet, whatever the field says
        (
            {"status": "pending", "payment_status": "unpaid", "fulfillment_status": "fulfilled"},
            "fulfilment",
            None,
        ),
        (
            {"status": "placing", "payment_status": "authorized", "fulfillment_status": "unfulfilled"},
            "fulfilment",
            None,
        ),
        # a cancelled order's fulfilment is Cancelled, even when the goods had left (full refund)
        (
            {"status": "cancelled", "payment_status": "voided", "fulfillment_status": "in_progress"},
            "fulfilment",
            "Cancelled",
        ),
        (
            {"status": "cancelled", "payment_status": "refunded", "fulfillment_status": "fulfilled"},
            "fulfilment",
            "Cancelled",
        ),
        # a cancelled order with nothing captured no longer owes a payment
        (
            {"status": "cancelled", "payment_status": "authorized", "fulfillment_status": "unfulfilled"},
            "payment",
            "Cancelled",
        ),
        (
            {"status": "cancelled", "payment_status": "paid", "fulfillment_status": "unfulfilled"},
            "payment",
            "Paid",
        ),
        # an order being edited waits, a placed order waits for approval
        (
            {"status": "editing", "payment_status": "authorized", "fulfillment_status": "in_progress"},
            "fulfilment",
            "Held",
        ),
        (
            {"status": "placed", "payment_status": "paid", "fulfillment_status": "unfulfilled"},
            "fulfilment",
            "Held",
        ),
        (
            {"status": "approved", "payment_status": "free", "fulfillment_status": "not_required"},
            "fulfilment",
            None,
        ),
    ],
)
def test_multi_field_rules(status: dict[str, str], dimension: str, state: str | None) -> None:
    states = load_table("commercelayer").translate(status)
    got = states.get(Dimension(dimension))
    assert (got.value if got else None) == state


# -- reverse: --to commercelayer --------------------------------------------------------------------


def _write(orders: list[Order]) -> dict:  # type: ignore[type-arg]
    adapter = get_adapter("commercelayer")
    table = load_table("commercelayer")
    return adapter.to_document([adapter.to_record(o, table.reverse(o.states).fields) for o in orders])


def test_to_document_has_the_contract_shape_and_keeps_numbers() -> None:
    orders = _orders(LIST)
    document = _write(orders)
    assert [r["type"] for r in document["data"]] == ["orders"] * 20
    for resource, order in zip(document["data"], orders, strict=True):
        attributes = resource["attributes"]
        assert {"number", "status", "payment_status", "fulfillment_status"} <= set(attributes)
        assert attributes["number"] == order.number
        assert resource["id"] == order.id  # a Commerce Layer id, kept
        assert "reference" not in attributes
    assert document["meta"] == {"record_count": 20, "page_count": 1}
    assert {i["type"] for i in document["included"]} == {"line_items"}
    assert {i["attributes"]["item_type"] for i in document["included"]} == {"skus"}


def test_writing_then_reading_back_keeps_states_lines_and_money() -> None:
    orders = _fixture_orders()
    back = _orders_from(_write(orders))
    assert [o.number for o in back] == [o.number for o in orders]
    for original, again in zip(orders, back, strict=True):
        assert again.states == original.states, original.number
        assert again.total == original.total
        assert again.currency == original.currency
        assert [(x.item, x.quantity, x.unit_price) for x in again.lines] == [
            (x.item, x.quantity, x.unit_price) for x in original.lines
        ]
        assert again.placed_at == original.placed_at


def _orders_from(document: dict) -> list[Order]:  # type: ignore[type-arg]
    return _orders_from_bytes(json.dumps(document).encode())


def _orders_from_bytes(data: bytes) -> list[Order]:
    outcomes = _read(data)
    assert all(isinstance(o, Order) for o in outcomes), [str(o) for o in outcomes]
    return [o for o in outcomes if isinstance(o, Order)]


def test_the_reverse_status_fields_are_the_tables_choice() -> None:
    [order] = _orders(SINGLE)
    record = get_adapter("commercelayer").to_record(
        order, {"status": "approved", "payment_status": "paid", "fulfillment_status": "in_progress"}
    )
    attributes = record["data"]["attributes"]
    assert (attributes["status"], attributes["payment_status"], attributes["fulfillment_status"]) == (
        "approved",
        "paid",
        "in_progress",
    )
    assert attributes["total_amount_cents"] == 3190
    assert attributes["placed_at"] == "2026-03-02T08:15:00.000Z"
    assert record["data"]["relationships"]["line_items"]["data"] == [
        {"type": "line_items", "id": item["id"]} for item in record["included"]
    ]


def test_an_order_from_another_platform_keeps_its_number_and_is_referenced_not_identified() -> None:
    source = FIXTURES / "spree/chord_single_order.json"
    out = io.BytesIO()
    with source.open("rb") as stream:
        report = translate(stream, out, platform="spree", to="commercelayer")
    assert report.problems == []
    document = json.loads(out.getvalue())
    [resource] = document["data"]
    assert set(resource) == {"type", "attributes", "relationships"}
    attributes = resource["attributes"]
    assert attributes["number"] == "R902615384"
    assert (attributes["reference"], attributes["reference_origin"]) == ("2001", "spree")
    assert (attributes["status"], attributes["payment_status"], attributes["fulfillment_status"]) == (
        "approved",
        "paid",
        "in_progress",
    )
    assert attributes["total_amount_cents"] == 3265
    [again] = _orders_from(document)
    assert again.number == "R902615384"
    assert again.states == DFCStates(order="Complete", payment="Paid", fulfilment="Unfulfilled")


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"total": Decimal("10.005")}, "total", "not a whole number of EUR minor units"),
        ({"currency": None}, "total", "names no currency"),
        (
            {"lines": (OrderLine(item="FLOUR", quantity=Decimal("1.5"), unit_price=Decimal("2.50")),)},
            "lines[0].quantity",
            "whole units",
        ),
        (
            {"lines": (OrderLine(quantity=Decimal(3), unit_price=Decimal("0.333")),)},
            "lines[0].unit_price",
            "minor units",
        ),
    ],
)
def test_what_commerce_layer_cannot_hold_is_refused_not_rounded(
    changes: dict[str, object], field: str, reason: str
) -> None:
    base = {
        "platform": "dfc",
        "shape": "test",
        "id": "o1",
        "number": "N-1",
        "currency": "EUR",
        "total": Decimal("10.00"),
        "lines": (OrderLine(item="FLOUR", quantity=Decimal(2), unit_price=Decimal("5")),),
    }
    order = Order.model_validate({**base, **changes})
    with pytest.raises(InvalidOrderError, match=reason) as caught:
        get_adapter("commercelayer").to_record(
            order, load_table("commercelayer").reverse(order.states).fields
        )
    assert (caught.value.order, caught.value.field) == ("N-1", field)


def test_line_ids_of_other_platforms_are_minted_from_the_order() -> None:
    order = Order(
        platform="dfc",
        shape="test",
        id="o1",
        number="N-1",
        currency="EUR",
        lines=(OrderLine(quantity=Decimal(1)), OrderLine(quantity=Decimal(3))),
    )
    record = get_adapter("commercelayer").to_record(
        order, load_table("commercelayer").reverse(order.states).fields
    )
    assert [item["id"] for item in record["included"]] == ["o1-1", "o1-2"]
    assert record["data"]["attributes"]["status"] == "draft"  # no order status: where every order starts


def test_ndjson_output_is_one_readable_document_per_order() -> None:
    out = io.BytesIO()
    with LIST.open("rb") as stream:
        translate(stream, out, platform="commercelayer", to="commercelayer", fmt="ndjson")
    lines = out.getvalue().splitlines()
    assert len(lines) == 20
    assert [o.number for o in _orders_from_bytes(out.getvalue())] == [f"200{n:02d}" for n in range(1, 21)]


def test_yaml_table_cites_only_declared_references() -> None:
    # The loader checks this too; reading the raw YAML here keeps the test independent of it.
    text = (pathlib.Path(__file__).resolve().parent.parent / "mappings/commercelayer.yaml").read_text("utf-8")
    table = yaml.safe_load(text)
    declared = set(table["references"])
    cited = {
        ref
        for section in ("forward", "reverse")
        for rules in table[section].values()
        for rule in rules
        for ref in rule["cite"]
    }
    assert cited <= declared
    assert declared <= cited, f"declared but never cited: {sorted(declared - cited)}"
