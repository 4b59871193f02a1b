"""Amounts and quantities are bounded: |x| < 10^15, at most 28 significant digits and 28 places.

`1e999999999` used to crash the writers (`decimal.Overflow`), `1e999999` turned a 9 KB order
into a 1 MB literal and `1e-999999999` into a 1 GB one. Every platform's reader now refuses such
a number with one line naming the order, the field (as the platform calls it) and the value,
shortened; the command line exits 1 without a traceback. Every reader in the adapter registry is
covered: a new platform fails `test_every_registered_reader_is_covered` until it is added here.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import pathlib
import typing as t
from decimal import Decimal

import orjson
import pytest
import sqlalchemy as sa
from hypothesis import given, settings, strategies as st

from statebridge.bounds import MAX_DIGITS, MAX_PLACES
from statebridge.dfc import IriMinter, order_document
from statebridge.errors import InvalidOrderError, OrderError
from statebridge.model import Order, OrderLine
from statebridge.platforms import names
from statebridge.store import Store, schema as store_schema
from statebridge.translate import read_orders

from .conftest import FIXTURES
from .test_cli import run
from .test_dfc_endpoint import LD, served

XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
XSD_FLOAT = "http://www.w3.org/2001/XMLSchema#float"

#: Out of bounds, as decimal text: huge, tiny, just past each bound, and negative.
TEXT_OUT_OF_RANGE = [
    "1e999999999",
    "-1e999999999",
    "1e999999",
    "1e-999999999",
    "1000000000000000",
    "-1000000000000000.5",
    "1.0000000000000000000000000001",  # 29 significant digits
    "0." + "0" * 28 + "1",  # 29 places
]

#: Just inside the bounds: read, and read exactly.
TEXT_IN_RANGE = ["999999999999999.9999999999999", "0." + "0" * 27 + "1", "-0.5", "123456789012345"]

Document = t.Any
Edit = t.Callable[[Document, t.Any], None]


def _load(name: str) -> Document:
    return json.loads((FIXTURES / name).read_text("utf-8"))


def _spree_price(doc: Document, value: t.Any) -> None:
    doc["line_items"][0]["price"] = value


def _spree_quantity(doc: Document, value: t.Any) -> None:
    doc["line_items"][0]["quantity"] = value


def _spree_total(doc: Document, value: t.Any) -> None:
    doc["total"] = value


def _shopify_price(doc: Document, value: t.Any) -> None:
    line = doc["line_items"][0]
    line["price"] = value
    line["price_set"]["shop_money"]["amount"] = value


def _shopify_quantity(doc: Document, value: t.Any) -> None:
    doc["line_items"][0]["quantity"] = value


def _shopify_total(doc: Document, value: t.Any) -> None:
    doc["current_total_price"] = value
    doc["current_total_price_set"]["shop_money"]["amount"] = value


def _cl_line(doc: Document) -> dict[str, t.Any]:
    return next(i for i in doc["included"] if i["type"] == "line_items")["attributes"]  # type: ignore[no-any-return]


def _cl_price(doc: Document, value: t.Any) -> None:
    _cl_line(doc)["unit_amount_cents"] = value


def _cl_quantity(doc: Document, value: t.Any) -> None:
    _cl_line(doc)["quantity"] = value


def _cl_total(doc: Document, value: t.Any) -> None:
    doc["data"]["attributes"]["total_amount_cents"] = value


def _relatude_price(doc: Document, value: t.Any) -> None:
    doc["OrderItems"][0]["UnitPrice"] = value


def _relatude_quantity(doc: Document, value: t.Any) -> None:
    doc["OrderItems"][0]["Quantity"] = value


def _relatude_total(doc: Document, value: t.Any) -> None:
    doc["OrderTotal"] = value


def _socleo_price(doc: Document, value: t.Any) -> None:
    doc["lines"][0]["unit_price"] = value


def _socleo_quantity(doc: Document, value: t.Any) -> None:
    doc["lines"][0]["quantity"] = value


def _dfc_line(doc: Document) -> dict[str, t.Any]:
    return doc["dfc-b:hasPart"][0]  # type: ignore[no-any-return]


def _dfc_price(doc: Document, value: t.Any) -> None:
    _dfc_line(doc)["dfc-b:hasPrice"]["dfc-b:value"] = value


def _dfc_typed_price(doc: Document, value: t.Any) -> None:
    """As an xsd:decimal literal: rdflib normalises those while parsing, before statebridge reads."""
    _dfc_line(doc)["dfc-b:hasPrice"]["dfc-b:value"] = {"@value": value, "@type": XSD_DECIMAL}


def _dfc_float_price(doc: Document, value: t.Any) -> None:
    """As an xsd:float literal, the form statebridge writes: read exactly, within the same bounds."""
    _dfc_line(doc)["dfc-b:hasPrice"]["dfc-b:value"] = {"@value": value, "@type": XSD_FLOAT}


def _dfc_quantity(doc: Document, value: t.Any) -> None:
    _dfc_line(doc)["dfc-b:quantity"] = {"@value": value, "@type": XSD_DECIMAL}


class Platform(t.NamedTuple):
    fixture: str
    order: str  # how messages name the fixture's order
    #: field kind -> (edit, the field as the platform names it in messages)
    fields: dict[str, tuple[Edit, str]]
    #: values out of range, in the form this platform sends numbers
    out_of_range: list[t.Any]


_CENTS_OUT_OF_RANGE = ["9" * 40, 10**17, "1" + "0" * 5000, "-" + "9" * 40]
_RELATUDE_OUT_OF_RANGE: list[t.Any] = [1e300, -1e300, 1e15, *TEXT_OUT_OF_RANGE[4:]]  # text: no exponent

PLATFORMS: dict[str, Platform] = {
    "spree": Platform(
        "spree/chord_single_order.json",
        "R902615384",
        {
            "price": (_spree_price, "line_items[0].price"),
            "quantity": (_spree_quantity, "line_items[0].quantity"),
            "total": (_spree_total, "total"),
        },
        TEXT_OUT_OF_RANGE,
    ),
    "shopify": Platform(
        "shopify/public_gadget_2026-04_orders_create_webhook.json",
        "#9999",
        {
            "price": (_shopify_price, "line_items[0].price"),
            "quantity": (_shopify_quantity, "line_items[0].quantity"),
            "total": (_shopify_total, "current_total_price"),
        },
        TEXT_OUT_OF_RANGE,
    ),
    "commercelayer": Platform(
        "commercelayer/order_single.json",
        "30001",
        {
            "price": (_cl_price, "line_items[0].unit_amount_cents"),
            "quantity": (_cl_quantity, "line_items[0].quantity"),
            "total": (_cl_total, "total_amount_cents"),
        },
        _CENTS_OUT_OF_RANGE,
    ),
    "relatude": Platform(
        "relatude/single_order.json",
        "17d9f1a3-5c8e-4a0b-8d2f-4b6d8f0a2c4e",
        {
            "price": (_relatude_price, "OrderItems[0].UnitPrice"),
            "quantity": (_relatude_quantity, "OrderItems[0].Quantity"),
            "total": (_relatude_total, "OrderTotal"),
        },
        _RELATUDE_OUT_OF_RANGE,
    ),
    "socleo": Platform(
        "socleo/single_order.json",
        "SO-1",
        {
            "price": (_socleo_price, "lines[0].unit_price"),
            "quantity": (_socleo_quantity, "lines[0].quantity"),
        },
        _RELATUDE_OUT_OF_RANGE,  # JSON numbers, and decimal text without an exponent
    ),
    "dfc": Platform(
        "dfc/single_node_order.json",
        "5521",
        {
            "price": (_dfc_price, "dfc-b:hasPart[0].dfc-b:hasPrice"),
            "typed price": (_dfc_typed_price, "dfc-b:hasPart[0].dfc-b:hasPrice"),
            "float price": (_dfc_float_price, "dfc-b:hasPart[0].dfc-b:hasPrice"),
            "quantity": (_dfc_quantity, "dfc-b:hasPart[0].dfc-b:quantity"),
        },
        TEXT_OUT_OF_RANGE,
    ),
}


def test_every_registered_reader_is_covered() -> None:
    assert sorted(PLATFORMS) == names(aliases=False)


def _read(platform: str, document: Document) -> list[Order | OrderError]:
    return list(read_orders(io.BytesIO(orjson.dumps(document)), platform))


def _cases() -> t.Iterator[t.Any]:
    for platform, spec in PLATFORMS.items():
        for kind in spec.fields:
            for value in spec.out_of_range:
                if kind == "quantity" and str(value).startswith("-"):
                    continue  # a negative quantity is refused as negative before its size matters
                yield pytest.param(platform, kind, value, id=f"{platform}-{kind}-{str(value)[:24]}")


@pytest.mark.parametrize(("platform", "kind", "value"), list(_cases()))
def test_a_number_out_of_range_is_one_error_naming_order_field_and_value(
    platform: str, kind: str, value: t.Any
) -> None:
    spec = PLATFORMS[platform]
    document = _load(spec.fixture)
    edit, field = spec.fields[kind]
    edit(document, value)
    [outcome] = [o for o in _read(platform, document) if not isinstance(o, Order) or o.label == spec.order]
    assert isinstance(outcome, InvalidOrderError), outcome
    message = str(outcome)
    assert "\n" not in message
    assert len(message) < 500, message  # the value is shortened, never written out in full
    assert f"order {spec.order}" in message
    assert f"field {field}" in message, message
    assert "out of range" in message, message


@pytest.mark.parametrize("platform", ["spree", "shopify", "dfc"])
@pytest.mark.parametrize("value", TEXT_IN_RANGE)
def test_numbers_just_inside_the_bounds_are_read_exactly(platform: str, value: str) -> None:
    spec = PLATFORMS[platform]
    document = _load(spec.fixture)
    spec.fields["price"][0](document, value)
    orders = [o for o in _read(platform, document) if isinstance(o, Order) and o.label == spec.order]
    assert len(orders) == 1, _read(platform, document)
    assert orders[0].lines[0].unit_price == Decimal(value)


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_the_command_line_reports_one_line_and_exits_1(platform: str) -> None:
    spec = PLATFORMS[platform]
    document = _load(spec.fixture)
    edit, field = spec.fields["price"]
    value = spec.out_of_range[0]
    edit(document, value)
    result = run("translate", "--from", platform, stdin=orjson.dumps(document))
    stderr = result.stderr.decode()
    assert result.returncode == 1, stderr
    assert "Traceback" not in stderr
    [line, summary] = stderr.splitlines()
    assert summary == "statebridge: 1 problem(s); nothing written"
    assert f"order {spec.order}: field {field}: value " in line
    assert "out of range" in line
    assert result.stdout == b""


def test_relatude_xml_numbers_are_bounded_too() -> None:
    text = (FIXTURES / "relatude/export_xml.xml").read_text("utf-8")
    hostile = text.replace("<UnitPrice>224.50</UnitPrice>", "<UnitPrice>" + "9" * 40 + "</UnitPrice>", 1)
    outcomes = list(read_orders(io.BytesIO(hostile.encode()), "relatude"))
    [error] = [o for o in outcomes if isinstance(o, OrderError)]
    assert "field OrderItems[0].UnitPrice" in str(error)
    assert "out of range" in str(error)


def test_zero_with_an_absurd_exponent_is_zero_and_stays_small() -> None:
    document = _load("spree/chord_single_order.json")
    _spree_price(document, "0E-999999999")
    [order] = _read("spree", document)
    assert isinstance(order, Order), order
    assert order.lines[0].unit_price == 0
    assert len(order.model_dump_json()) < 5000
    result = run("translate", "--from", "spree", "--to", "shopify", stdin=orjson.dumps(document))
    assert result.returncode == 0, result.stderr
    assert len(result.stdout) < 5000


@pytest.mark.parametrize("target", [name for name in names(aliases=False) if name != "dfc"])
def test_writers_to_other_platforms_keep_numbers_within_the_bounds_exactly(target: str) -> None:
    document = _load("dfc/single_node_order.json")
    _dfc_price(document, "999999999999999.99")
    result = run(
        "translate", "--from", "dfc", "--to", target, "--format", "ndjson", stdin=orjson.dumps(document)
    )
    assert result.returncode == 0, result.stderr
    assert b"999999999999999.99" in result.stdout or b"99999999999999999" in result.stdout


# -- the property: any number within the bounds round-trips exactly through DFC JSON-LD ----------


@st.composite
def bounded_decimals(draw: st.DrawFn, *, signed: bool = True) -> Decimal:
    """A Decimal within the bounds, with any exponent form (`1E+2`, `12.50`, `0.000…1`)."""
    places = draw(st.integers(0, MAX_PLACES))
    digits = draw(st.integers(1, MAX_DIGITS))
    largest = min(10**digits, 10 ** (15 + places)) - 1
    coefficient = draw(st.integers(0, largest))
    value = Decimal(coefficient).scaleb(-places)
    if signed and draw(st.booleans()):
        value = -value
    if coefficient and draw(st.booleans()):  # the same number with trailing zeros or an exponent
        value = value.normalize()
    return value


@settings(max_examples=150, deadline=None)
@given(quantity=bounded_decimals(signed=False), price=bounded_decimals())
def test_any_number_within_the_bounds_round_trips_exactly_through_dfc_jsonld(
    quantity: Decimal, price: Decimal
) -> None:
    order = Order(
        platform="spree",
        shape="solidus-flat",
        id="1",
        number="R1",
        currency="EUR",
        lines=(OrderLine(id="1", item="sku", quantity=quantity, unit_price=price),),
    )
    document = order_document(order, IriMinter.for_platform("spree"))
    [back] = _read("dfc", copy.deepcopy(document))
    assert isinstance(back, Order), back
    [line] = back.lines
    assert line.quantity == quantity
    assert line.unit_price == price


# -- over HTTP: the DFC endpoint refuses such numbers, and serves around orders stored before --------


@pytest.fixture
def http_store(tmp_path: pathlib.Path) -> t.Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        yield store


def _post_body(value: str) -> bytes:
    document = _load("dfc/single_node_order.json")
    _dfc_price(document, value)
    return orjson.dumps(document)


@pytest.mark.parametrize("value", ["1e999999999", "1e999999", "-1e999999999", "1e-999999999"])
def test_post_and_put_of_a_number_out_of_range_is_a_422_naming_order_field_and_value(
    http_store: Store, value: str
) -> None:
    with served(http_store) as http:
        refused = http.post("/api/dfc/Orders", content=_post_body(value), headers=LD)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        detail = refused.json()["detail"]
        assert "order 5521: field dfc-b:hasPart[0].dfc-b:hasPrice: value " in detail
        assert "out of range" in detail
        assert len(refused.content) < 2000
        created = http.post("/api/dfc/Orders", content=_post_body("61.00"), headers=LD)
        assert created.status_code == 201, created.text
        location = created.headers["Location"]
        replaced = http.put(location, content=_post_body(value), headers=LD)
        assert replaced.status_code == 422, replaced.text
        assert "out of range" in replaced.json()["detail"]
        kept = http.get(location, headers=LD)
        assert kept.status_code == 200
        assert b'{"@value":"61","@type":"http://www.w3.org/2001/XMLSchema#float"}' in kept.content
    assert http_store.count() == 1


def test_an_order_stored_before_the_bounds_is_left_out_of_the_listing_with_a_warning(
    http_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """An order stored by an older statebridge with `1E+999999999` in it made every listing that
    reached it answer 500, for good. It is now left out, with a warning naming it, and the listing
    and its paging go on around it; the row itself stays in the store, untouched, for an operator."""
    with (FIXTURES / "spree/spree_v3_admin_orders.json").open("rb") as stream:
        orders = [o for o in read_orders(stream, "spree") if isinstance(o, Order)]
    http_store.save_page("spree", "https://hub.example.org", [(o, {}) for o in orders])
    rows = sorted(http_store.page(limit=500), key=lambda s: s.public_id)
    broken = rows[1]
    table = store_schema.orders
    with http_store.engine.begin() as connection:
        canonical = json.loads(
            connection.execute(
                sa.select(table.c.canonical).where(table.c.public_id == broken.public_id)
            ).scalar_one()
        )
        canonical["lines"][0]["unit_price"] = "1E+999999999"
        connection.execute(
            table.update()
            .where(table.c.public_id == broken.public_id)
            .values(canonical=json.dumps(canonical))
        )
    caplog.set_level(logging.WARNING, logger="statebridge.store")
    seen: list[str] = []
    with served(http_store) as http:
        url: str | None = "/api/dfc/Orders?limit=1"
        for _ in range(len(orders) + 2):
            if url is None:
                break
            page = http.get(url, headers=LD)
            assert page.status_code == 200, page.text
            seen.extend(
                n["@id"].rsplit("/", 1)[1] for n in page.json()["@graph"] if n.get("@type") == "dfc-b:Order"
            )
            url = page.links.get("next", {}).get("url")
        assert url is None
        whole = http.get("/api/dfc/Orders?limit=500", headers=LD)
        assert whole.status_code == 200
    assert seen == [s.public_id for s in rows if s.public_id != broken.public_id]
    assert len([n for n in whole.json()["@graph"] if n.get("@type") == "dfc-b:Order"]) == len(orders) - 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings
    assert all(broken.order.id in w and "out of range" in w for w in warnings)
    assert all(len(w) < 600 for w in warnings)
    assert http_store.count() == len(orders)
    # Every other read leaves it out too: export (`orders`), sync (`orders_by_id`), one order.
    assert broken.order.id not in {s.order.id for s in http_store.orders(batch=2)}
    ids = [o.id for o in orders]
    assert [s.order.id for s in http_store.orders_by_id("spree", "https://hub.example.org", ids)] == [
        i for i in ids if i != broken.order.id
    ]
    assert http_store.by_public_id(broken.public_id) is None
