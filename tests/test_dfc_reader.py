"""The DFC reader (`--from dfc`): every fixture, every JSON-LD form, every DFC state, round trips."""

from __future__ import annotations

import io
import json
import pathlib
import typing as t
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from rdflib.plugins.shared.jsonld import context as rdflib_context

from statebridge.dfc import IriMinter, order_document, write_document, write_ndjson
from statebridge.dfc.context import term_definitions
from statebridge.dfc.vocab import CONTEXT_URL, CURRENCY_UNITS, DFC_B, DFC_V
from statebridge.errors import InvalidOrderError, OrderError, UnknownStatusError, UnrecognisedShapeError
from statebridge.model import Order
from statebridge.states import DIMENSION_STATES, DFCStates, Dimension, FulfilmentStatus, OrderStatus
from statebridge.translate import read_orders

from .conftest import FIXTURES, fixture_inputs
from .test_cli import run
from .test_dfc_output import _orders_strategy

DFC = FIXTURES / "dfc"
HOD = "https://env-0105831.jcloud-ver-jpe.ik-server.com/api/dfc/Enterprises/test-hodmedod/"
ORDER = "https://shop.example.org/api/dfc/Orders/7"
LINE = ORDER + "/OrderLines/1"


@pytest.fixture(autouse=True, scope="module")
def _no_fetching() -> t.Iterator[list[str]]:
    """Fail any test of this module in which rdflib tries to fetch a context (network or disk)."""
    fetched: list[str] = []

    def refuse(source: t.Any, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        fetched.append(str(source))
        raise AssertionError(f"rdflib tried to fetch {source!r}")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rdflib_context, "source_to_json", refuse)
        yield fetched
    assert fetched == []


def _read(data: object) -> list[Order | OrderError]:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return list(read_orders(io.BytesIO(raw), "dfc"))


def _one(data: object) -> Order:
    [order] = _read(data)
    assert isinstance(order, Order), str(order)
    return order


def _error(data: object) -> OrderError:
    [error] = _read(data)
    assert isinstance(error, OrderError), error
    return error


def _orders(path: pathlib.Path) -> list[Order]:
    outcomes = _read(path.read_bytes())
    assert all(isinstance(o, Order) for o in outcomes), [str(o) for o in outcomes]
    return outcomes  # type: ignore[return-value]


def _doc(
    order: dict[str, t.Any] | None = None, *nodes: dict[str, t.Any], context: t.Any = CONTEXT_URL
) -> dict:
    """A compact document: one order (`ORDER`, with one line of 2 pieces unless told) and more nodes."""
    node = {"@id": ORDER, "@type": "dfc-b:Order", "dfc-b:orderNumber": "N7", **(order or {})}
    return {"@context": context, "@graph": [node, *nodes]}


def _line(**fields: t.Any) -> dict[str, t.Any]:
    return {"@id": LINE, "@type": "dfc-b:OrderLine", "dfc-b:partOf": ORDER, **fields}


# -- fixtures -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("compact_graph_orders.json", 5),
        ("expanded_orders.json", 2),
        ("single_node_order.json", 1),
        ("inline_context_order.json", 1),
        ("statebridge_solidus_orders.ndjson", 17),
        ("statebridge_chord_order.json", 1),
        ("public_ofn_cassette_completes_an_order_3_get_response.json", 10),
        ("public_ofn_cassette_completes_an_order_5_post_request.json", 1),
        ("public_ofn_cassette_completes_an_order_5_post_response.json", 1),
        ("public_ofn_cassette_completes_an_order_6_get_response.json", 1),
        ("public_ofn_cassette_completes_an_order_8_put_request.json", 1),
        ("public_ofn_cassette_completes_an_order_8_put_response.json", 1),
        ("public_ofn_cassette_completes_an_order_9_get_response.json", 1),
    ],
)
def test_each_fixture_holds_its_orders(name: str, count: int) -> None:
    assert len(_orders(DFC / name)) == count


def test_hand_written_fixture_covers_every_state_of_every_dimension() -> None:
    orders = _orders(DFC / "compact_graph_orders.json")
    for dimension, states in DIMENSION_STATES.items():
        assert {o.states.get(dimension) for o in orders} >= set(states), dimension


def test_every_fixture_source_is_listed() -> None:
    listed = {line.split(" <- ")[0] for line in (DFC / "SOURCES.txt").read_text("utf-8").splitlines() if line}
    assert listed == {p.name for p in fixture_inputs("dfc")}


def test_public_fixtures_are_the_shared_files_verbatim(shared: pathlib.Path) -> None:
    originals = sorted((shared / "fixtures-public/dfc").glob("*.json"))
    assert originals
    for original in originals:
        assert (DFC / f"public_{original.name}").read_bytes() == original.read_bytes(), original.name


def test_ofn_post_request_is_a_held_order_with_what_ofn_sent() -> None:
    [order] = _orders(DFC / "public_ofn_cassette_completes_an_order_5_post_request.json")
    assert order.id == HOD + "Orders"  # the collection URL: the server assigns the order's own
    assert order.states == DFCStates(order=OrderStatus.HELD)
    assert order.number is None  # "dfc-b:orderNumber": "" is what the server fills in
    assert order.date is None  # so is "dfc-b:date": ""
    assert order.buyer is not None
    assert order.buyer.id == "http://test.host/api/dfc/enterprises/3886"
    assert order.buyer.email is None
    assert [(line.quantity, line.unit_price, line.name) for line in order.lines] == [
        (Decimal(3), None, None),
        (Decimal(5), None, None),
    ]
    assert [line.item for line in order.lines] == [
        HOD + "SuppliedProducts/44519466500403/Offer",
        HOD + "SuppliedProducts/44519468400947/Offer",
    ]
    assert order.currency is None  # the Offers' catalogue prices (in Euro) are not the lines' prices


def test_ofn_put_request_completes_the_order() -> None:
    [order] = _orders(DFC / "public_ofn_cassette_completes_an_order_8_put_request.json")
    assert order.id == HOD + "Orders/1178740162867"
    assert order.states == DFCStates(order=OrderStatus.COMPLETE)
    assert [(line.id, line.quantity, line.unit_price) for line in order.lines] == [
        (HOD + "Orders/1178740162867/orderLines/196", Decimal(2), Decimal("18.85")),
        (HOD + "Orders/1178740162867/orderLines/197", Decimal(7), Decimal("3.99")),
    ]
    assert order.currency == "GBP"


@pytest.mark.parametrize(
    ("name", "states"),
    [
        ("public_ofn_cassette_completes_an_order_5_post_response.json", DFCStates(order=OrderStatus.HELD)),
        ("public_ofn_cassette_completes_an_order_6_get_response.json", DFCStates(order=OrderStatus.HELD)),
        (
            "public_ofn_cassette_completes_an_order_8_put_response.json",
            DFCStates(order=OrderStatus.COMPLETE, fulfilment=FulfilmentStatus.UNFULFILLED),
        ),
        (
            "public_ofn_cassette_completes_an_order_9_get_response.json",
            DFCStates(order=OrderStatus.COMPLETE, fulfilment=FulfilmentStatus.UNFULFILLED),
        ),
    ],
)
def test_fdc_responses_carry_the_states_they_say(name: str, states: DFCStates) -> None:
    [order] = _orders(DFC / name)
    assert order.id == HOD + "Orders/1178740162867"
    assert order.states == states
    assert order.currency == "GBP"
    assert len(order.lines) == 2


def test_fdc_order_list_reads_each_order_with_its_own_states() -> None:
    orders = _orders(DFC / "public_ofn_cassette_completes_an_order_3_get_response.json")
    fulfilled = {o.id.rsplit("/", 1)[1] for o in orders if o.states.fulfilment is FulfilmentStatus.FULFILLED}
    assert fulfilled == {"1176618729779"}
    assert all(o.states.order is OrderStatus.COMPLETE and o.states.payment is None for o in orders)
    assert sum(not o.lines for o in orders) == 2  # two orders list no lines: none are invented
    [two_lines] = [o for o in orders if len(o.lines) == 2]
    assert [line.unit_price for line in two_lines.lines] == [Decimal("18.85"), Decimal("23.95")]


# -- the forms of JSON-LD -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "dfc-v:Held",
        {"@id": "dfc-v:Held"},
        DFC_V + "Held",
        {"@id": DFC_V + "Held"},
        ["dfc-v:Held"],
    ],
    ids=["curie", "id-object", "iri", "iri-object", "list"],
)
def test_every_way_of_writing_a_state_reads_the_same(value: object) -> None:
    order = _one(_doc({"dfc-b:hasOrderStatus": value, "dfc-b:hasFulfilmentStatus": value}))
    assert order.states == DFCStates(order=OrderStatus.HELD, fulfilment=FulfilmentStatus.HELD)
    assert order.platform_status["dfc-b:hasOrderStatus"] == "dfc-v:Held"


@pytest.mark.parametrize(
    "context",
    [
        CONTEXT_URL,
        "https://www.datafoodconsortium.org",
        "http://www.datafoodconsortium.org/",
        [CONTEXT_URL],
        term_definitions(),
        {"@import": CONTEXT_URL},
    ],
    ids=["w3id", "dfc-site", "dfc-site-http", "list", "inline", "import"],
)
def test_every_known_context_reads_offline_the_same(context: object) -> None:
    document = _doc(
        {"dfc-b:hasOrderStatus": "dfc-v:Complete", "dfc-b:hasPart": LINE},
        _line(
            **{"dfc-b:quantity": "2", "dfc-b:hasPrice": {"dfc-b:value": "1.5", "dfc-b:hasUnit": "dfc-m:Euro"}}
        ),
        context=context,
    )
    order = _one(document)
    assert order.states == DFCStates(order=OrderStatus.COMPLETE)
    assert [(line.id, line.quantity, line.unit_price) for line in order.lines] == [
        (LINE, Decimal(2), Decimal("1.5"))
    ]
    assert order.currency == "EUR"


def test_expanded_single_node_and_array_forms_read_the_same() -> None:
    expanded = _orders(DFC / "expanded_orders.json")[0]
    assert expanded.number == "A-77"
    assert expanded.states.order is OrderStatus.COMPLETE
    assert expanded.currency == "USD"
    assert expanded.buyer is not None
    assert expanded.buyer.email == "buyer9@example.com"
    single = _one({"@context": CONTEXT_URL, "@id": ORDER, "@type": "dfc-b:Order", "dfc-b:orderNumber": "N7"})
    array = _one([{"@context": CONTEXT_URL, "@id": ORDER, "@type": "dfc-b:Order", "dfc-b:orderNumber": "N7"}])
    assert single == array
    assert single.id == ORDER


def test_embedded_lines_and_buyer_are_read() -> None:
    [order] = _orders(DFC / "single_node_order.json")
    assert order.currency == "CAD"
    assert [line.name for line in order.lines] == ["Rolled oats, 25 kg sack", "Sunflower oil, 5 l"]
    assert order.buyer is not None
    assert order.buyer.email == "orders@corner-shop.example.ca"


def test_a_list_of_parts_keeps_its_order_and_lines_that_only_say_part_of_are_found() -> None:
    lines = [
        {"@id": f"{ORDER}/OrderLines/{n}", "@type": "dfc-b:OrderLine", "dfc-b:quantity": str(n)}
        for n in (3, 1, 2)
    ]
    listed = _one(_doc({"dfc-b:hasPart": {"@list": [line["@id"] for line in lines]}}, *lines))
    assert [line.quantity for line in listed.lines] == [3, 1, 2]
    only_part_of = _one(_doc({}, *({**line, "dfc-b:partOf": ORDER} for line in lines)))
    assert sorted(line.quantity for line in only_part_of.lines) == [1, 2, 3]


def test_quantity_as_a_quantitative_value_and_as_has_quantity() -> None:
    for fields in (
        {
            "dfc-b:quantity": {
                "@type": "dfc-b:QuantitativeValue",
                "dfc-b:hasUnit": "dfc-m:Piece",
                "dfc-b:value": 4,
            }
        },
        {"dfc-b:hasQuantity": {"dfc-b:hasUnit": "dfc-m:Piece", "dfc-b:value": "4.0"}},
        {"dfc-b:quantity": "4", "dfc-b:hasQuantity": {"dfc-b:value": "4.000"}},
    ):
        order = _one(_doc({}, _line(**fields)))
        assert [line.quantity for line in order.lines] == [4], fields


def test_relative_iris_stay_as_written_and_never_name_a_local_file() -> None:
    document = _doc({"@id": "orders/7", "dfc-b:orderedBy": "people/ann"}, _line(**{"@id": "lines/1"}))
    document["@graph"][1].update({"dfc-b:partOf": "orders/7", "dfc-b:quantity": "1"})
    order = _one(document)
    assert order.id == "orders/7"
    assert [line.id for line in order.lines] == ["lines/1"]
    assert order.buyer is not None
    assert order.buyer.id == "people/ann"
    assert "file:" not in order.model_dump_json()


def test_blank_node_order_is_named_by_its_number() -> None:
    order = _one({"@context": CONTEXT_URL, "@type": "dfc-b:Order", "dfc-b:orderNumber": "R1"})
    assert order.id == "R1"
    error = _error({"@context": CONTEXT_URL, "@type": "dfc-b:Order"})
    assert isinstance(error, InvalidOrderError)
    assert error.field == "@id"
    assert str(error).startswith("blank-node order 1: field @id:")


def test_the_writers_stand_in_buyer_iri_is_not_read_as_an_id() -> None:
    order = _one(
        _doc(
            {"dfc-b:orderedBy": ORDER + "#buyer"},
            {"@id": ORDER + "#buyer", "@type": "dfc-b:Person", "dfc-b:email": "a@example.org"},
        )
    )
    assert order.buyer is not None
    assert (order.buyer.id, order.buyer.email) == (None, "a@example.org")
    inverse = _one(_doc({}, {"@id": "urn:p:1", "dfc-b:orders": ORDER, "dfc-b:email": "b@example.org"}))
    assert inverse.buyer is not None
    assert (inverse.buyer.id, inverse.buyer.email) == ("urn:p:1", "b@example.org")


@pytest.mark.parametrize(
    ("state", "field"),
    [
        ("dfc-v:Draft", "created_at"),
        (None, "created_at"),
        ("dfc-v:Held", "placed_at"),
        ("dfc-v:Complete", "placed_at"),
    ],
)
def test_the_date_is_when_the_order_was_placed_unless_it_is_a_draft(state: str | None, field: str) -> None:
    status = {"dfc-b:hasOrderStatus": state} if state else {}
    order = _one(_doc({"dfc-b:date": "2025-01-02T10:00:00+01:00", **status}))
    assert getattr(order, field).isoformat() == "2025-01-02T10:00:00+01:00"
    assert order.date == getattr(order, field)


# -- every DFC state, from the seed's table ---------------------------------------------------------

# The DFC order-state table (seed 002, docs/references/seed-dfc-order-states.md#states-and-columns): its
# classes and their states, with the seed's own spelling where it differs from the vocabulary IRI.
SEED_STATES: dict[Dimension, tuple[tuple[str, str], ...]] = {
    Dimension.ORDER: (
        ("Draft", "Draft"),
        ("Held", "Held"),
        ("Complete", "Complete"),
        ("Cancelled", "Cancelled"),
    ),
    Dimension.FULFILMENT: (
        ("Held", "Held"),
        ("Unfulfilled", "Unfulfilled"),
        ("Fulfilled", "Fulfillled"),
        ("Cancelled", "Cancelled"),
    ),
    Dimension.PAYMENT: (("Unpaid", "Unpaid"), ("Paid", "Paid"), ("Cancelled", "Cancelled")),
}
ALL_STATES = sorted({state for states in SEED_STATES.values() for state, _ in states} | {"Shipped"})


@pytest.mark.parametrize("dimension", list(Dimension), ids=str)
@pytest.mark.parametrize("state", ALL_STATES)
def test_a_state_reads_as_itself_in_its_own_dimension_and_nowhere_else(
    dimension: Dimension, state: str
) -> None:
    outcome = _read(_doc({dimension.property_curie: f"dfc-v:{state}"}))[0]
    if state in {iri for iri, _ in SEED_STATES[dimension]}:
        assert isinstance(outcome, Order), str(outcome)
        assert outcome.states.get(dimension) == state
        assert [s for d, s in outcome.states.items() if d is not dimension] == [None, None]
    else:  # e.g. dfc-v:Fulfilled on hasOrderStatus, or dfc-v:Shipped, which is no DFC state at all
        assert isinstance(outcome, UnknownStatusError), outcome
        assert outcome.field == dimension.property_curie
        assert outcome.value == f"dfc-v:{state}"
        assert outcome.valid == [f"dfc-v:{s.value}" for s in DIMENSION_STATES[dimension]]
        assert str(outcome).startswith(f"<{ORDER}>: order N7: field {dimension.property_curie}: ")


def test_seed_table_transcription_matches_the_seed(shared: pathlib.Path) -> None:
    text = (shared / "seeds" / "002_de6af5c0cc3c4d31.txt").read_text("utf-8")
    sections = {
        Dimension.ORDER: text.split("Order States |")[1].split("Fulfilment States |")[0],
        Dimension.FULFILMENT: text.split("Fulfilment States |")[1].split("Payment States |")[0],
        Dimension.PAYMENT: text.split("Payment States |")[1],
    }
    for dimension, states in SEED_STATES.items():
        for iri, spelled in states:
            assert f"{spelled} " in sections[dimension] or f"| {spelled} |" in sections[dimension], spelled
            assert iri in {s.value for s in DIMENSION_STATES[dimension]}


# -- bad input: one clear error naming position, order, field and value ----------------------------


def test_unknown_state_through_the_cli_names_position_field_and_valid_states() -> None:
    document = _doc({"dfc-b:hasPaymentStatus": "dfc-v:Refunded"})
    result = run("translate", "--from", "dfc", "-", stdin=json.dumps(document).encode())
    assert result.returncode == 1
    assert result.stdout == b""
    assert result.stderr.decode().splitlines() == [
        f"<stdin>: <{ORDER}>: order N7: field dfc-b:hasPaymentStatus: value 'dfc-v:Refunded': "
        "unknown dfc dfc-b:hasPaymentStatus "
        "(valid: dfc-v:Unpaid, dfc-v:Paid, dfc-v:Cancelled)",
        "statebridge: 1 problem(s); nothing written",
    ]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"@value": "dfc-v:Held"}, "not a literal"),
        (["dfc-v:Held", "dfc-v:Complete"], "expected one value"),
    ],
)
def test_a_state_that_is_not_one_iri_is_invalid(value: object, reason: str) -> None:
    error = _error(_doc({"dfc-b:hasOrderStatus": value}))
    assert isinstance(error, InvalidOrderError)
    assert error.field == "dfc-b:hasOrderStatus"
    assert reason in str(error)


def test_a_curie_without_a_context_is_named() -> None:
    node = {
        "@id": ORDER,
        "@type": DFC_B + "Order",
        DFC_B + "hasOrderStatus": {"@id": "dfc-v:Held"},
    }
    error = _error(node)
    assert isinstance(error, InvalidOrderError)
    assert "needs the DFC 1.16.0 @context" in str(error)


@pytest.mark.parametrize(
    ("date", "reason"),
    [
        ("2025-01-02T10:00:00", "no offset"),
        ("2025-01-02", "no offset"),
        ("Wed Oct 02 2024 05:55:32 UTC", "ISO 8601"),
        ({"@value": "1700000000", "@type": "http://www.w3.org/2001/XMLSchema#integer"}, "ISO 8601"),
    ],
)
def test_a_date_without_an_offset_is_never_assumed_utc(date: object, reason: str) -> None:
    error = _error(_doc({"dfc-b:date": date}))
    assert isinstance(error, InvalidOrderError)
    assert error.field == "dfc-b:date"
    assert reason in str(error)


def test_empty_number_and_date_are_absent() -> None:
    order = _one(_doc({"dfc-b:orderNumber": "", "dfc-b:date": ""}))
    assert (order.number, order.date, order.label) == (None, None, ORDER)


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        ({"dfc-b:quantity": "-2"}, "dfc-b:hasPart[0].dfc-b:quantity", "greater than or equal to 0"),
        ({"dfc-b:quantity": "two"}, "dfc-b:hasPart[0].dfc-b:quantity", "decimal"),
        ({"dfc-b:description": "no quantity"}, "dfc-b:hasPart[0].dfc-b:quantity", "field required"),
        (
            {"dfc-b:quantity": "2", "dfc-b:hasQuantity": {"dfc-b:value": "3"}},
            "dfc-b:hasPart[0].dfc-b:quantity",
            "different quantities",
        ),
        (
            {"dfc-b:hasQuantity": {"dfc-b:value": "0.5", "dfc-b:hasUnit": "dfc-m:Kilogram"}},
            "dfc-b:hasPart[0].dfc-b:hasQuantity.dfc-b:hasUnit",
            "not converted",
        ),
        (
            {
                "dfc-b:quantity": "1",
                "dfc-b:hasPrice": {"dfc-b:value": "1", "dfc-b:hasUnit": "dfc-m:Kilogram"},
            },
            "dfc-b:hasPart[0].dfc-b:hasPrice.dfc-b:hasUnit",
            "not a DFC currency unit",
        ),
        (
            {"dfc-b:quantity": "1", "dfc-b:hasPrice": {"dfc-b:value": "1,50"}},
            "dfc-b:hasPart[0].dfc-b:hasPrice",
            "decimal",
        ),
        (
            {"dfc-b:quantity": "1", "dfc-b:description": ["a", "b"]},
            "dfc-b:hasPart[0].dfc-b:description",
            "one value",
        ),
        (
            {"dfc-b:quantity": "1", "dfc-b:concerns": {"@value": "x"}},
            "dfc-b:hasPart[0].dfc-b:concerns",
            "literal",
        ),
    ],
)
def test_a_bad_line_names_its_field(line: dict[str, t.Any], field: str, reason: str) -> None:
    error = _error(_doc({}, _line(**line)))
    assert isinstance(error, InvalidOrderError)
    assert error.field == field
    assert reason in str(error)
    assert error.position == f"<{ORDER}>"
    assert error.order == "N7"


@pytest.mark.parametrize(
    ("concerns", "value", "reason"),
    [
        ("urn:offer<1>", "urn:offer<1>", '(it has a space or one of <>"{}|\\^`)'),
        ("urn:offer 1", "", "(an IRI with a space in it reads as an empty one)"),
    ],
    ids=["bracket", "space"],
)
def test_an_invalid_iri_is_named_and_rdflib_stays_quiet(concerns: str, value: str, reason: str) -> None:
    document = _doc({}, _line(**{"dfc-b:quantity": "1", "dfc-b:concerns": concerns}))
    result = run("translate", "--from", "dfc", "-", stdin=json.dumps(document).encode())
    assert result.returncode == 1
    assert result.stderr.decode().splitlines() == [
        f"<stdin>: <{ORDER}>: order N7: field dfc-b:hasPart[0].dfc-b:concerns: value {value!r}: "
        f"not a valid IRI {reason}",
        "statebridge: 1 problem(s); nothing written",
    ]


def test_an_order_whose_iri_json_ld_drops_is_explained() -> None:
    error = _error({"@context": CONTEXT_URL, "@id": "urn:order 7", "@type": "dfc-b:Order"})
    assert isinstance(error, UnrecognisedShapeError)
    assert "a node is typed dfc-b:Order, but JSON-LD drops a node whose @id is not a valid IRI" in str(error)


def test_lines_priced_in_two_currencies_are_refused() -> None:
    lines = [
        {
            "@id": f"{ORDER}/OrderLines/{n}",
            "dfc-b:partOf": ORDER,
            "dfc-b:quantity": "1",
            "dfc-b:hasPrice": {"dfc-b:value": "1", "dfc-b:hasUnit": unit},
        }
        for n, unit in ((1, "dfc-m:Euro"), (2, "dfc-m:PoundSterling"))
    ]
    error = _error(_doc({}, *lines))
    assert isinstance(error, InvalidOrderError)
    assert "more than one currency" in str(error)
    assert error.value == ["EUR", "GBP"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"orders": [{"number": "R1", "state": "complete"}]}, "use --from spree or --from shopify"),
        ({"data": [{"type": "orders", "id": "x"}]}, "--from commercelayer"),
        ({"Orders": [{"OrderStatus": "Ordered"}]}, "--from relatude"),
        ({"@type": "dfc-b:Order", "dfc-b:orderNumber": "1"}, "without an @context"),
        ({"dfc-b:orderNumber": "1"}, "without an @context"),
        (
            {"@context": CONTEXT_URL, "@id": "urn:p", "@type": "dfc-b:SuppliedProduct"},
            "it has dfc-b:SuppliedProduct",
        ),
        ({"@context": 5, "@id": "urn:x"}, "not valid JSON-LD"),
        ("just text", "not DFC JSON-LD (str)"),
        (3, "not DFC JSON-LD (int)"),
    ],
)
def test_wrong_shape_is_reported_with_a_hint(document: object, message: str) -> None:
    error = _error(document)
    assert isinstance(error, UnrecognisedShapeError)
    assert message in str(error)


@pytest.mark.parametrize(
    "document",
    [
        {"@context": "https://example.org/other-context.json", "@id": ORDER, "@type": "dfc-b:Order"},
        {"@context": "context.json", "@id": ORDER, "@type": "dfc-b:Order"},
        {"@context": CONTEXT_URL, "@graph": [{"@context": "https://evil.example/c.json", "@id": ORDER}]},
        {"@context": {"@import": "https://evil.example/c.json"}, "@id": ORDER},
        {"@context": {"x": {"@id": "urn:x", "@context": "file:///etc/passwd"}}, "@id": ORDER},
        {"@context": {"@context": "https://evil.example/c.json"}, "@id": ORDER},
    ],
    ids=["unknown", "relative", "nested", "import", "scoped", "wrapped"],
)
def test_contexts_are_never_fetched(document: object) -> None:
    error = _error(document)  # `_no_fetching` fails the test if rdflib tried to fetch anything
    assert isinstance(error, UnrecognisedShapeError)
    assert "offline" in str(error)


def test_ndjson_reads_line_by_line_and_a_bad_line_does_not_stop_the_others() -> None:
    good = (DFC / "statebridge_solidus_orders.ndjson").read_bytes().splitlines()
    bad = json.dumps(_doc({"dfc-b:hasOrderStatus": "dfc-v:Shipped"})).encode()
    outcomes = _read(b"\n".join([good[0], bad, good[1]]) + b"\n")
    assert [type(o).__name__ for o in outcomes] == ["Order", "UnknownStatusError", "Order"]
    assert outcomes[1].position == f"line 2: <{ORDER}>"  # type: ignore[union-attr]


# -- round trips through the writers ---------------------------------------------------------------


def _buyers_consistent(orders: list[Order]) -> bool:
    """Orders naming the same buyer share one agent node, so they must agree on its email."""
    emails: dict[tuple[str, str], str | None] = {}
    for order in orders:
        buyer = order.buyer
        if (
            buyer is not None
            and buyer.id is not None
            and emails.setdefault((buyer.id, buyer.kind), buyer.email) != buyer.email
        ):
            return False
    return True


_generated = st.lists(_orders_strategy, min_size=1, max_size=3, unique_by=lambda o: o.id)


def _assert_same_content(read: Order, original: Order, minter: IriMinter) -> None:
    order_iri = minter.order(original.id)
    assert read.id == order_iri
    assert read.number == original.number
    assert read.date == original.date
    assert read.states == original.states
    priced = any(line.unit_price is not None for line in original.lines)
    assert read.currency == (original.currency if priced and original.currency in CURRENCY_UNITS else None)
    assert [(line.quantity, line.unit_price, line.name) for line in read.lines] == [
        (line.quantity, line.unit_price, line.name) for line in original.lines
    ]
    assert [line.id for line in read.lines] == minter.lines(original, order_iri)
    assert [line.item for line in read.lines] == [
        None if line.item is None else minter.offer(line.item) for line in original.lines
    ]
    buyer = original.buyer
    email = buyer.email if buyer else None
    assert (read.buyer.email if read.buyer else None) == email
    agent = minter.buyer(original, order_iri) if buyer is not None and buyer.id else None
    assert (read.buyer.id if read.buyer else None) == agent
    if read.buyer is not None:
        assert buyer is not None
        assert read.buyer.kind == buyer.kind


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(
    orders=_generated.filter(_buyers_consistent),
    base=st.sampled_from([None, "https://hub.example.org"]),
    ndjson=st.booleans(),
)
def test_writing_dfc_and_reading_it_back_keeps_the_order(
    orders: list[Order], base: str | None, ndjson: bool
) -> None:
    minter = IriMinter.for_platform("spree", base)
    buffer = io.BytesIO()
    (write_ndjson if ndjson else write_document)(orders, minter, buffer)
    read = _read(buffer.getvalue())
    assert all(isinstance(o, Order) for o in read), [str(o) for o in read]
    assert len(read) == len(orders)
    for back, original in zip(read, orders, strict=True):
        assert isinstance(back, Order)
        _assert_same_content(back, original, minter)


def test_reading_dfc_and_writing_it_again_keeps_the_triples_that_matter() -> None:
    """DFC -> canonical -> DFC -> canonical: the second reading equals the first, IRIs aside."""
    minter = IriMinter.for_platform("dfc")
    for path in fixture_inputs("dfc"):
        first = _orders(path)
        buffer = io.BytesIO()
        write_document(first, minter, buffer)
        again = _read(buffer.getvalue())
        assert len(again) == len(first), path.name
        for a, b in zip(first, again, strict=True):
            assert isinstance(b, Order)
            assert (a.number, a.date, a.currency, a.states) == (b.number, b.date, b.currency, b.states), (
                path.name
            )
            assert [(x.quantity, x.unit_price, x.name) for x in a.lines] == [
                (x.quantity, x.unit_price, x.name) for x in b.lines
            ]


def test_dfc_to_dfc_keeps_the_order_iris() -> None:
    [order] = _orders(DFC / "public_ofn_cassette_completes_an_order_8_put_response.json")
    document = order_document(order, IriMinter.for_platform("dfc"))
    assert document["@graph"][0]["@id"] == order.id
    line_iris = {n["@id"] for n in document["@graph"] if n["@type"] == "dfc-b:OrderLine"}
    assert line_iris == {line.id for line in order.lines}


# -- numbers in every form DFC software writes, and the buyer's class ---------------------------------

XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ({"@value": "2.0", "@type": XSD + "decimal"}, Decimal("2")),  # statebridge before 12
        ({"@value": "2", "@type": XSD + "float"}, Decimal("2")),  # statebridge now
        ({"@value": "12.5", "@type": XSD + "float"}, Decimal("12.5")),
        ({"@value": "1.25E1", "@type": XSD + "float"}, Decimal("12.5")),
        ({"@value": "3", "@type": XSD + "integer"}, Decimal("3")),
        (3, Decimal("3")),  # OFN: a JSON integer, xsd:integer
        ("18.85", Decimal("18.85")),  # FDC and the TypeScript connector: a string
        (12.5, Decimal("12.5")),  # a JSON number, xsd:double
        ({"@value": "123456789012345.6789012345678", "@type": XSD + "float"}, None),  # every digit kept
    ],
)
def test_every_number_form_reads_the_same(written: object, value: Decimal | None) -> None:
    expected = value if value is not None else Decimal(t.cast(dict[str, str], written)["@value"])
    price = {"@type": "dfc-b:Price", "dfc-b:value": written, "dfc-b:hasUnit": "dfc-m:Euro"}
    quantity = {"@type": "dfc-b:QuantitativeValue", "dfc-b:hasUnit": "dfc-m:Piece", "dfc-b:value": written}
    for fields in (
        {"dfc-b:quantity": written, "dfc-b:hasPrice": price},
        {"dfc-b:hasQuantity": quantity, "dfc-b:hasPrice": price},
    ):
        order = _one(_doc({}, _line(**fields)))
        [line] = order.lines
        assert (line.quantity, line.unit_price) == (expected, expected), fields


@pytest.mark.parametrize(
    ("agent", "kind"),
    [
        (
            {"@id": "https://hub.example.org/api/dfc/enterprises/10", "@type": "dfc-b:Enterprise"},
            "Enterprise",
        ),
        ({"@id": "https://hub.example.org/people/10", "@type": "dfc-b:Person"}, "Person"),
        ({"@id": "https://hub.example.org/people/10"}, "Person"),
        (None, "Enterprise"),  # what OFN sends: only the IRI of its enterprise, no node
        ({"@id": "https://hub.example.org/api/dfc/Persons/3"}, "Person"),
    ],
)
def test_the_buyer_keeps_the_class_it_was_sent_with(agent: dict[str, str] | None, kind: str) -> None:
    iri = agent["@id"] if agent else "http://test.host/api/dfc/enterprises/3886"
    nodes = [agent] if agent else []
    order = _one(_doc({"dfc-b:orderedBy": iri}, *nodes))
    assert order.buyer is not None
    assert (order.buyer.id, order.buyer.kind) == (iri, kind)
    again = order_document(order, IriMinter.for_platform("dfc"))
    [written] = [n for n in again["@graph"] if n["@id"] == iri]
    assert written["@type"] == f"dfc-b:{kind}"


def test_a_buyer_typed_both_person_and_enterprise_is_refused() -> None:
    agent = {"@id": "https://hub.example.org/a/1", "@type": ["dfc-b:Person", "dfc-b:Enterprise"]}
    error = _error(_doc({"dfc-b:orderedBy": agent["@id"]}, agent))
    assert isinstance(error, InvalidOrderError)
    assert error.field == "dfc-b:orderedBy.@type"
    assert "dfc-b:Person or a dfc-b:Enterprise" in str(error)


def test_dfc_to_dfc_keeps_an_enterprise_buyer_through_the_cli() -> None:
    agent = {"@id": "https://hub.example.org/api/dfc/enterprises/10", "@type": "dfc-b:Enterprise"}
    document = _doc({"dfc-b:orderedBy": agent["@id"]}, agent, _line(**{"dfc-b:quantity": "1"}))
    result = run("translate", "--from", "dfc", stdin=json.dumps(document).encode())
    assert result.returncode == 0, result.stderr
    nodes = json.loads(result.stdout)["@graph"]
    assert [n["@type"] for n in nodes if n["@id"] == agent["@id"]] == ["dfc-b:Enterprise"]
