"""The Relatude adapter: every shape (JSON, NDJSON, XML twin), every fixture, every OrderStatus value.

There is no DFC mapping for Relatude and no public Relatude payload, so the fixtures are synthetic
(fixtures/relatude/SOURCES.txt) and the mapping is derived from the Relatude documentation's
description of each status (seed 001). `DERIVED` below is that derivation, which the table, the
documentation for site developers and the seed must all agree with.

The checks every platform shares (each fixture against its golden file, each shape, every table
value, arbitrary JSON) are in tests/test_conformance.py.
"""

from __future__ import annotations

import io
import json
import pathlib
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st
from rdflib import URIRef
from rdflib.compare import isomorphic

from statebridge.dfc import IriMinter, orders_to_graph, parse_jsonld
from statebridge.dfc.vocab import DFC_B, DFC_M
from statebridge.errors import (
    InvalidOrderError,
    OrderError,
    UnknownStatusError,
    UnrecognisedShapeError,
)
from statebridge.mapping import load_table
from statebridge.model import Order
from statebridge.platforms import get_adapter
from statebridge.states import DFCStates
from statebridge.translate import read_orders
from statebridge.validate import expected_path, fixture_files

from .cli_runner import invoke
from .conftest import FIXTURES, ROOT

FOLDER = FIXTURES / "relatude"
EXPORT = FOLDER / "export.json"
EXPORT_XML = FOLDER / "export_xml.xml"

# OrderStatus -> (order, payment, fulfilment), as derived in mappings/relatude.yaml from seed 001.
DERIVED: dict[str, tuple[str, str, str | None]] = {
    "Basket": ("Draft", "Unpaid", None),
    "Saved": ("Draft", "Unpaid", None),
    "Ordered": ("Complete", "Unpaid", "Unfulfilled"),
    "PartlyShipped": ("Complete", "Unpaid", "Unfulfilled"),
    "Shipped": ("Complete", "Paid", "Fulfilled"),
    "Cancelled": ("Cancelled", "Cancelled", "Cancelled"),
    "Refunded": ("Cancelled", "Cancelled", "Cancelled"),
}


def _read(data: object) -> list[Order | OrderError]:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return list(read_orders(io.BytesIO(raw), "relatude"))


def _orders(source: pathlib.Path | bytes) -> list[Order]:
    outcomes = _read(source if isinstance(source, bytes) else source.read_bytes())
    assert all(isinstance(o, Order) for o in outcomes), [str(o) for o in outcomes]
    return [o for o in outcomes if isinstance(o, Order)]


def _all_fixture_orders() -> list[Order]:
    return [order for path in fixture_files(FOLDER) for order in _orders(path)]


def _export() -> dict[str, list[dict[str, object]]]:
    document: dict[str, list[dict[str, object]]] = json.loads(EXPORT.read_text("utf-8"))
    return document


def _one(record: dict[str, object]) -> Order | OrderError:
    [outcome] = _read(record)
    return outcome


def _error(data: object) -> OrderError:
    outcomes = _read(data)
    errors = [o for o in outcomes if isinstance(o, OrderError)]
    assert errors, "expected an error"
    return errors[0]


ORDERED = _export()["Orders"][1]  # 70003, every field present


# -- fixtures and shapes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shape", "count"),
    [
        ("export.json", "relatude-json", 8),
        ("export_xml.xml", "relatude-xml", 8),
        ("orders.ndjson", "relatude-json", 7),
        ("single_order.json", "relatude-json", 1),
        ("orders_list.json", "relatude-json", 2),
    ],
)
def test_each_shape_is_detected(name: str, shape: str, count: int) -> None:
    orders = _orders(FOLDER / name)
    assert len(orders) == count
    assert {o.shape for o in orders} == {shape}
    assert {o.platform for o in orders} == {"relatude"}


def test_the_xml_twin_reads_exactly_as_the_json_export() -> None:
    from_json = [o.model_dump(exclude={"shape"}) for o in _orders(EXPORT)]
    from_xml = [o.model_dump(exclude={"shape"}) for o in _orders(EXPORT_XML)]
    assert from_xml == from_json
    expected = parse_jsonld(expected_path(EXPORT).read_bytes())
    actual = orders_to_graph(_orders(EXPORT_XML), IriMinter.for_platform("relatude"))
    assert isomorphic(expected, actual)


def test_fixtures_cover_every_status_value_in_every_shape() -> None:
    domain = set(load_table("relatude").fields["OrderStatus"].domain)
    for path in (EXPORT, EXPORT_XML, FOLDER / "orders.ndjson"):
        seen = {o.platform_status["OrderStatus"] for o in _orders(path)}
        assert seen == domain, f"{path.name} lacks {sorted(domain - seen)}"


def test_fixtures_reach_every_dfc_triple_relatude_can_express() -> None:
    reached = {o.states for o in _all_fixture_orders()}
    assert reached == {DFCStates(order=o, payment=p, fulfilment=f) for o, p, f in DERIVED.values()}


def test_a_full_order_is_read_completely() -> None:
    [order] = _orders(FOLDER / "single_order.json")
    assert order.id == order.number == "17d9f1a3-5c8e-4a0b-8d2f-4b6d8f0a2c4e"  # GUID-only
    assert order.currency == "NOK"
    assert order.total == Decimal("273.5")
    assert order.placed_at is not None
    assert order.placed_at.isoformat() == "2026-03-07T10:15:00+01:00"
    assert order.buyer is not None
    assert (order.buyer.email, order.buyer.name) == ("gjest@example.no", "Gjest Gjestesen")
    assert [p.method for p in order.payments] == ["Vipps"]
    [line] = order.lines
    assert (line.item, line.name, line.quantity, line.unit_price) == (
        "fish-42",
        "Torsk 1kg",
        Decimal(1),
        Decimal("224.5"),
    )
    assert order.platform_status == {"OrderStatus": "Ordered"}


def test_number_is_order_number_else_guid_and_id_is_guid_else_number() -> None:
    orders = {o.platform_status["OrderStatus"]: o for o in _orders(EXPORT)}
    basket = orders["Basket"]
    assert basket.number == basket.id == "3f1c9b2e-7d4a-4e8b-9c61-2a5d8e0f4b17"
    shipped = orders["Shipped"]
    assert (shipped.number, shipped.id) == ("70004", "9e2d4c6a-1b3f-4a5c-8d7e-6f0a1b2c3d4e")
    integer = next(o for o in _orders(EXPORT) if o.number == "70008")  # OrderNumber written as 70008
    assert integer.id == "2b4d6f8a-0c2e-4a6c-9e1a-3c5e7a9c1e3a"
    [number_only] = [
        o for o in _read({"OrderNumber": "70009", "OrderStatus": "Ordered"}) if isinstance(o, Order)
    ]
    assert number_only.id == number_only.number == "70009"


def test_missing_optional_fields_are_absent_not_invented() -> None:
    cancelled = next(o for o in _orders(EXPORT) if o.number == "70006")
    assert (cancelled.currency, cancelled.total, cancelled.buyer, cancelled.lines, cancelled.payments) == (
        None,
        None,
        None,
        (),
        (),
    )
    assert cancelled.placed_at is not None


def test_json_numbers_are_read_exactly() -> None:
    orders = {o.number: o for o in _orders(FOLDER / "orders.ndjson")}
    sample = orders["70102"]  # 3 x 0.1 = 0.3, written as JSON numbers
    assert sample.total == Decimal("0.3")
    assert sample.lines[0].unit_price == Decimal("0.1")
    assert str(sample.lines[0].unit_price) == "0.1"
    text = orders["70101"]  # decimal strings keep their digits
    assert text.total == Decimal("745.50")
    assert str(text.total) == "745.50"
    assert text.lines[1].quantity == Decimal("1.5")
    assert text.lines[1].item == "1187"  # a ProductId written as a JSON integer
    order = _one({**ORDERED, "OrderTotal": 0.1 + 0.2})  # a site computing with doubles
    assert isinstance(order, Order)
    assert order.total == Decimal("0.30000000000000004")  # its own rounding, kept, never re-rounded


def test_dotnet_dates_with_seven_fraction_digits_and_z_are_read() -> None:
    shipped = next(o for o in _orders(EXPORT) if o.number == "70004")
    assert shipped.placed_at is not None
    assert shipped.placed_at.isoformat() == "2026-02-15T08:02:17.123456+00:00"


def test_nok_prices_carry_no_unit_and_eur_prices_carry_the_euro() -> None:
    graph = orders_to_graph(_orders(EXPORT), IriMinter.for_platform("relatude"))
    has_unit = URIRef(DFC_B + "hasUnit")
    price_units = {
        str(order.currency): {
            graph.value(graph.value(line, URIRef(DFC_B + "hasPrice")), has_unit)
            for line in graph.objects(
                URIRef(IriMinter.for_platform("relatude").order(order.id)), URIRef(DFC_B + "hasPart")
            )
        }
        for order in _orders(EXPORT)
        if order.lines
    }
    assert price_units["NOK"] == {None}
    assert all(
        graph.value(line, URIRef(DFC_B + "hasPrice")) for line in graph.subjects(URIRef(DFC_B + "partOf"))
    )
    assert price_units["EUR"] == {URIRef(DFC_M + "Euro")}


# -- the status mapping: table, seed and documentation agree -------------------------------------


@pytest.mark.parametrize("value", list(DERIVED))
def test_each_status_translates_as_derived(value: str) -> None:
    order, payment, fulfilment = DERIVED[value]
    expected = DFCStates(order=order, payment=payment, fulfilment=fulfilment)
    assert load_table("relatude").translate({"OrderStatus": value}) == expected
    outcome = _one({**ORDERED, "OrderStatus": value})
    assert isinstance(outcome, Order)
    assert outcome.states == expected


def test_the_table_knows_exactly_the_documented_status_values() -> None:
    assert set(load_table("relatude").fields["OrderStatus"].values) == set(DERIVED)


def test_every_status_value_is_in_the_seed(shared: pathlib.Path) -> None:
    seed = (shared / "seeds" / "001_36d2def39b9ee698.txt").read_text("utf-8")
    for value in DERIVED:
        assert re.search(rf"\b{value}\b", seed), value
    # the facts the derivation rests on
    assert "two phase payment is used, the OrderStatus is set to Ordered" in seed
    assert "the actual payment isn't done until the order is shipped" in seed
    assert "Payment is returned to the customer" in seed
    assert "captures the amount equal to the price of the shipped items" in seed


def test_the_developer_documentation_shows_the_table() -> None:
    doc = (ROOT / "docs" / "relatude-export.md").read_text("utf-8")
    rows = {}
    for line in doc.splitlines():
        match = re.match(r"\| `(\w+)` \|[^|]*\| (\w+)[^|]*\| (\w+)[^|]*\| (\(not set|\w+)[^|]*\|$", line)
        if match and match.group(1) in DERIVED:
            value, order, payment, fulfilment = match.groups()
            rows[value] = (order, payment, None if fulfilment == "(not set" else fulfilment)
    assert rows == DERIVED


def test_every_table_reference_is_cited_and_every_rule_explained() -> None:
    table = load_table("relatude")
    rules = [*(r for rules in table.forward.values() for r in rules), *table.reverse_rules["OrderStatus"]]
    cited = {ref for rule in rules for ref in rule.cite}
    assert sorted(set(table.references) - cited) == []
    assert all("seed-relatude" in rule.cite or "relatude-demo" in rule.cite for rule in rules)
    assert all(len(rule.why) > 30 for rule in rules)


@pytest.mark.parametrize("value", ["ordered", "ORDERED", "Partly shipped", "PARTLY_SHIPPED", "Delivered", ""])
def test_unknown_status_is_never_guessed(value: str) -> None:
    document = _export()
    document["Orders"][2]["OrderStatus"] = value
    outcomes = _read(document)
    [error] = [o for o in outcomes if isinstance(o, OrderError)]
    assert len(outcomes) == 8
    assert isinstance(error, UnknownStatusError)
    assert str(error).startswith(
        f"Orders[2]: order 70004: field OrderStatus: value {value!r}: unknown relatude OrderStatus"
    )
    assert "Basket, Ordered, Shipped" in str(error)


# -- bad input: one line naming position, order, field and value ---------------------------------


def test_naive_date_is_invalid_and_says_why() -> None:
    error = _error({**ORDERED, "DateOrdered": "2026-02-14T13:45:00"})
    assert isinstance(error, InvalidOrderError)
    assert (error.order, error.field, error.value) == ("70003", "DateOrdered", "2026-02-14T13:45:00")
    assert "no UTC offset" in str(error)
    assert "docs/relatude-export.md" in str(error)


def test_naive_date_in_xml_names_the_position() -> None:
    xml = EXPORT_XML.read_bytes().replace(b"2026-02-16T10:30:00+01:00", b"2026-02-16T10:30:00")
    error = _error(xml)
    assert str(error).startswith(
        "Orders/Order[4]: order 70005: field DateOrdered: value '2026-02-16T10:30:00': has no UTC offset"
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("0001-01-01T00:00:00+00:00", "DateTime.MinValue"),
        ("14.02.2026 13:45", "not an ISO 8601 date-time"),
        (1771073100, "expected an ISO 8601 date-time"),
    ],
)
def test_bad_dates_are_invalid(value: object, reason: str) -> None:
    error = _error({**ORDERED, "DateOrdered": value})
    assert isinstance(error, InvalidOrderError)
    assert error.field == "DateOrdered"
    assert reason in str(error)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("OrderTotal", "498,00", "decimal point, not a comma"),
        ("OrderTotal", "1e3", "expected a decimal number"),
        ("OrderTotal", True, "expected a decimal number"),
        ("ShippingAmount", "NaN", "expected a decimal number"),
        ("ShippingAmount", "4_9", "expected a decimal number"),
        ("Currency", "nok", "should match pattern"),
        ("Currency", 578, "expected text"),
        ("Email", ["a@b"], "expected text"),
        ("BillingCity", {"Name": "Bergen"}, "expected text"),
        ("ShippingMethod", {"Name": "Posten"}, "expected text"),
        ("OrderGuid", {"Value": "x"}, "expected text or an integer"),
        ("OrderItems", {"ProductId": "x"}, "expected a list"),
    ],
)
def test_fields_of_the_wrong_type_are_invalid(field: str, value: object, reason: str) -> None:
    error = _error({**ORDERED, field: value})
    assert isinstance(error, InvalidOrderError)
    assert (error.order, error.field, error.value) == ("70003", field, value)
    assert reason in str(error)


def test_status_written_as_the_enum_number_gets_a_hint() -> None:
    error = _error({**ORDERED, "OrderStatus": 1})
    assert isinstance(error, InvalidOrderError)
    assert (error.field, error.value) == ("OrderStatus", 1)
    assert "JsonStringEnumConverter" in str(error)


def test_missing_status_and_missing_ids_are_invalid() -> None:
    error = _error({key: v for key, v in ORDERED.items() if key != "OrderStatus"})
    assert isinstance(error, InvalidOrderError)
    assert error.field == "OrderStatus"
    assert "missing" in str(error)
    error = _error({key: v for key, v in ORDERED.items() if key not in ("OrderGuid", "OrderNumber")})
    assert isinstance(error, InvalidOrderError)
    assert error.field == "OrderGuid"
    assert "OrderGuid or an OrderNumber" in str(error)


def test_negative_quantity_names_the_item_in_json_and_in_xml() -> None:
    document = _export()
    items = document["Orders"][2]["OrderItems"]
    assert isinstance(items, list)
    items[1]["Quantity"] = -2
    error = _error(document)
    assert (
        str(error) == "Orders[2]: order 70004: field OrderItems[1].Quantity: value -2: must not be negative"
    )
    xml = EXPORT_XML.read_bytes().replace(
        b"<Quantity>1</Quantity>\n        <UnitPrice>6.70",
        b"<Quantity>-2</Quantity>\n        <UnitPrice>6.70",
    )
    error = _error(xml)
    assert str(error) == (
        "Orders/Order[3]: order 70004: field OrderItems/OrderItem[2]/Quantity: value '-2': "
        "must not be negative"
    )


def test_an_item_without_quantity_is_invalid() -> None:
    error = _error({**ORDERED, "OrderItems": [{"ProductId": "fish-42"}]})
    assert isinstance(error, InvalidOrderError)
    assert error.field == "OrderItems[0].Quantity"
    error = _error({**ORDERED, "OrderItems": ["fish-42"]})
    assert (error.field, error.value) == ("OrderItems[0]", "fish-42")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"number": "R123", "state": "complete", "payment_state": "paid"}, "looks like a spree order"),
        ({"id": 1, "name": "#1001", "financial_status": "paid"}, "looks like a shopify order"),
        ({"orderGuid": "x", "orderStatus": "Ordered"}, "PropertyNamingPolicy = null"),
        ({"orders": [{"orderStatus": "Ordered"}]}, "names are PascalCase"),
        ({"Orders": {"OrderStatus": "Ordered"}}, "`Orders` must be a list"),
        ([1, 2], "not a Relatude order (int)"),
        ("just text", "not a Relatude order (str)"),
    ],
)
def test_wrong_shape_is_reported_with_a_hint(document: object, message: str) -> None:
    outcomes = _read(document)
    assert outcomes
    assert all(isinstance(o, UnrecognisedShapeError) for o in outcomes)
    assert message in str(outcomes[0])


def test_a_bad_element_does_not_stop_the_others() -> None:
    document = _export()
    document["Orders"].insert(1, "garbage")  # type: ignore[arg-type]
    outcomes = _read(document)
    assert sum(isinstance(o, Order) for o in outcomes) == 8
    [error] = [o for o in outcomes if isinstance(o, OrderError)]
    assert error.position == "Orders[1]"


# -- XML specifics ---------------------------------------------------------------------------------


def _xml(body: str, root: str = "Orders") -> bytes:
    return f'<?xml version="1.0" encoding="utf-8"?>\n<{root}>{body}</{root}>'.encode()


_ORDER_XML = (
    "<Order><OrderGuid>g-1</OrderGuid><OrderNumber>71</OrderNumber><OrderStatus>Shipped</OrderStatus>"
    "<DateOrdered>2026-02-14T13:45:00+01:00</DateOrdered>{extra}</Order>"
)


def test_xml_namespaces_are_ignored_and_a_single_order_root_is_read() -> None:
    namespaced = b'<Orders xmlns="urn:my-shop">' + _ORDER_XML.format(extra="").encode() + b"</Orders>"
    [order] = _read(namespaced)
    assert isinstance(order, Order)
    assert (order.number, order.shape, order.states.fulfilment) == ("71", "relatude-xml", "Fulfilled")
    [single] = _read(_ORDER_XML.format(extra="<Notes>ring på</Notes>").encode())
    assert isinstance(single, Order)
    assert single.number == "71"


def test_xml_positions_count_order_elements_from_one() -> None:
    body = (
        _ORDER_XML.format(extra="") + "<Count>2</Count>" + _ORDER_XML.format(extra="<Currency>nok</Currency>")
    )
    outcomes = _read(_xml(body))
    assert isinstance(outcomes[0], Order)
    assert isinstance(outcomes[1], UnrecognisedShapeError)
    assert str(outcomes[1]).startswith("Orders/Count[1]: <Count> is not an order")
    assert isinstance(outcomes[2], InvalidOrderError)
    assert str(outcomes[2]).startswith("Orders/Order[2]: order 71: field Currency: value 'nok'")


@pytest.mark.parametrize(
    ("extra", "field", "reason"),
    [
        ("<OrderStatus>Ordered</OrderStatus>", "OrderStatus", "appears more than once"),
        ("<OrderItems>fish</OrderItems>", "OrderItems", "expected <OrderItem> elements"),
        ("<OrderItems><Item/></OrderItems>", "OrderItems/Item[1]", "expected <OrderItem>, found <Item>"),
        ("<Email><Address>a@b</Address></Email>", "Email", "expected text"),
        (
            "<OrderItems><OrderItem><Quantity>1</Quantity><Quantity>2</Quantity></OrderItem></OrderItems>",
            "OrderItems/OrderItem[1]/Quantity",
            "appears more than once",
        ),
        (
            "<OrderItems><OrderItem><Quantity>1,5</Quantity></OrderItem></OrderItems>",
            "OrderItems/OrderItem[1]/Quantity",
            "comma",
        ),
    ],
)
def test_xml_structure_errors_name_the_element(extra: str, field: str, reason: str) -> None:
    error = _error(_xml(_ORDER_XML.format(extra=extra)))
    assert isinstance(error, InvalidOrderError)
    assert (error.position, error.order, error.field) == ("Orders/Order[1]", "71", field)
    assert reason in str(error)


@pytest.mark.parametrize(
    ("root", "message"),
    [
        ("ArrayOfOrder", 'XmlRootAttribute("Orders")'),
        ("rss", "XML root element <rss> is not a Relatude export"),
    ],
)
def test_wrong_xml_root_is_reported(root: str, message: str) -> None:
    error = _error(_xml(_ORDER_XML.format(extra=""), root=root))
    assert isinstance(error, UnrecognisedShapeError)
    assert message in str(error)


def test_xsi_nil_and_empty_elements_are_absent() -> None:
    extra = (
        '<Currency xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true" />'
        "<OrderTotal></OrderTotal><OrderItems />"
    )
    [order] = _read(_xml(_ORDER_XML.format(extra=extra)))
    assert isinstance(order, Order)
    assert (order.currency, order.total, order.lines) == (None, None, ())


# -- writing: --to relatude (docs/references/contract.md#reverse-output-shapes) ----------------------


def _written(orders: list[Order]) -> dict[str, list[dict[str, object]]]:
    adapter = get_adapter("relatude")
    table = load_table("relatude")
    records = [adapter.to_record(o, table.reverse(o.states).fields) for o in orders]
    document: dict[str, list[dict[str, object]]] = adapter.to_document(records)
    return document


def test_to_document_is_the_export_envelope_with_numbers_unchanged() -> None:
    orders = _orders(EXPORT)
    document = _written(orders)
    assert list(document) == ["Orders"]
    records = document["Orders"]
    assert [r["OrderNumber"] for r in records] == [o.number for o in orders]
    assert all(isinstance(r["OrderStatus"], str) for r in records)
    ordered = records[1]
    assert ordered == {
        "OrderGuid": "0b6f5a1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b",
        "OrderNumber": "70003",
        "OrderStatus": "Ordered",
        "DateOrdered": "2026-02-14T13:45:00+01:00",
        "Currency": "NOK",
        "OrderTotal": 498,
        "Email": "kunde@example.no",
        "BillingName": "Kari Nordmann",
        "PaymentMethod": "Card",
        "OrderItems": [
            {"ProductId": "fish-42", "ProductName": "Torsk 1kg", "Quantity": 2, "UnitPrice": 224.5}
        ],
    }
    cancelled = records[4]
    assert cancelled == {
        "OrderGuid": "5d7f9b1c-3e5a-4d2b-8c4e-0a2c4e6a8b0d",
        "OrderNumber": "70006",
        "OrderStatus": "Cancelled",
        "DateOrdered": "2026-02-16T19:12:44+01:00",
    }


def test_statuses_written_are_the_declared_defaults() -> None:
    written = {
        o.platform_status["OrderStatus"]: r["OrderStatus"]
        for o, r in zip(_orders(EXPORT), _written(_orders(EXPORT))["Orders"], strict=True)
    }
    assert written == {
        "Basket": "Basket",
        "Saved": "Basket",
        "Ordered": "Ordered",
        "PartlyShipped": "Ordered",
        "Shipped": "Shipped",
        "Cancelled": "Cancelled",
        "Refunded": "Cancelled",
    }


@pytest.mark.parametrize("path", fixture_files(FOLDER), ids=lambda p: p.name)
def test_written_orders_read_back_with_the_same_dfc_meaning(path: pathlib.Path) -> None:
    orders = _orders(path)
    again = _orders(json.dumps(_written(orders)).encode())
    assert [o.states for o in again] == [o.states for o in orders]
    for before, after in zip(orders, again, strict=True):
        assert (after.id, after.number, after.currency, after.total, after.placed_at) == (
            before.id,
            before.number,
            before.currency,
            before.total,
            before.placed_at,
        )
        assert after.lines == before.lines


def test_guid_only_orders_keep_their_guid() -> None:
    [order] = _orders(FOLDER / "single_order.json")
    [record] = _written([order])["Orders"]
    assert record["OrderGuid"] == record["OrderNumber"] == order.id


def test_orders_from_another_platform_keep_their_number_and_id() -> None:
    data = (FIXTURES / "spree/chord_single_order.json").read_bytes()
    [order] = list(read_orders(io.BytesIO(data), "spree"))
    assert isinstance(order, Order)
    [record] = _written([order])["Orders"]
    assert (record["OrderNumber"], record["OrderGuid"], record["OrderStatus"]) == (
        "R902615384",
        "2001",
        "Ordered",
    )
    assert record["OrderTotal"] == 32.65
    assert Decimal(repr(record["OrderTotal"])) == order.total


def test_amounts_that_a_json_number_cannot_hold_exactly_are_written_as_text() -> None:
    [order] = _orders(FOLDER / "single_order.json")
    precise = order.model_copy(update={"total": Decimal("123456789012345.891")})
    [record] = _written([precise])["Orders"]
    assert record["OrderTotal"] == "123456789012345.891"
    [back] = _orders(json.dumps({"Orders": [record]}).encode())
    assert back.total == Decimal("123456789012345.891")


def test_command_line_writes_relatude_and_reports_losses() -> None:
    result = invoke(
        "translate", "--from", "spree", "--to", "relatude", str(FIXTURES / "spree/chord_single_order.json")
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [r["OrderNumber"] for r in document["Orders"]] == ["R902615384"]
    assert b"relatude payment Paid reads back as Unpaid" in result.stderr


def test_command_line_reads_the_xml_twin() -> None:
    result = invoke("translate", "--from", "relatude", str(EXPORT_XML))
    assert result.returncode == 0, result.stderr
    assert isomorphic(parse_jsonld(result.stdout), parse_jsonld(expected_path(EXPORT).read_bytes()))


# -- arbitrary XML never crashes (arbitrary JSON: tests/test_conformance.py) ----------------------

_NAMES = [
    "Orders",
    "Order",
    "OrderGuid",
    "OrderNumber",
    "OrderStatus",
    "DateOrdered",
    "Currency",
    "OrderTotal",
    "ShippingAmount",
    "Email",
    "BillingName",
    "PaymentMethod",
    "OrderItems",
    "OrderItem",
    "ProductId",
    "Quantity",
    "UnitPrice",
]


_xml_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=8) | st.sampled_from(
    ["Ordered", "Shipped", "2026-02-14T13:45:00+01:00", "2026-02-14T13:45:00", "12.50", "-3", "true"]
)


@st.composite
def _element(draw: st.DrawFn, depth: int = 0) -> ET.Element:
    element = ET.Element(draw(st.sampled_from([*_NAMES, "Notes", "ArrayOfOrder"])))
    if draw(st.booleans()):
        element.set(
            "{http://www.w3.org/2001/XMLSchema-instance}nil", draw(st.sampled_from(["true", "false"]))
        )
    if depth < 3 and draw(st.booleans()):
        for _ in range(draw(st.integers(0, 4))):
            element.append(draw(_element(depth + 1)))
    else:
        element.text = draw(_xml_text)
    return element


@settings(max_examples=300, deadline=None)
@given(root=_element())
def test_arbitrary_xml_yields_orders_or_errors_never_an_exception(root: ET.Element) -> None:
    for outcome in _read(ET.tostring(root, encoding="utf-8")):
        assert isinstance(outcome, Order | OrderError)
        if isinstance(outcome, OrderError):
            assert str(outcome)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=60))
def test_broken_xml_is_malformed_input(data: bytes) -> None:
    for outcome in _read(b"<Orders>" + data):
        assert isinstance(outcome, Order | OrderError)
