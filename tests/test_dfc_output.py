"""DFC output: the fast writer agrees with rdflib, for every fixture and for generated orders."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import pathlib
import subprocess
import sys
from decimal import Decimal

import orjson
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef

from statebridge.dfc import (
    CONTEXT_URL,
    IriMinter,
    order_document,
    orders_to_graph,
    parse_jsonld,
    to_graph,
    write_document,
    write_ndjson,
    write_ntriples,
    write_turtle,
)
from statebridge.dfc.context import term_definitions
from statebridge.dfc.graph import DFCB, DFCV
from statebridge.errors import UnrecognisedShapeError, UsageError
from statebridge.model import Buyer, Order, OrderLine
from statebridge.states import DFCStates, FulfilmentStatus, OrderStatus, PaymentStatus
from statebridge.translate import read_orders

from .conftest import FIXTURES, expected_for, fixture_inputs
from .graphs import assert_same_graph

SPREE = IriMinter.for_platform("spree")


def _orders(path: pathlib.Path) -> list[Order]:
    with path.open("rb") as stream:
        outcomes = list(read_orders(stream, "spree"))
    assert all(isinstance(o, Order) for o in outcomes), [str(o) for o in outcomes if not isinstance(o, Order)]
    return outcomes  # type: ignore[return-value]


def _fast_graph(orders: list[Order], minter: IriMinter = SPREE) -> Graph:
    buffer = io.BytesIO()
    write_document(orders, minter, buffer)
    return parse_jsonld(buffer.getvalue())


@pytest.mark.parametrize("path", fixture_inputs("spree"), ids=lambda p: p.name)
def test_fast_writer_matches_the_expected_output(path: pathlib.Path) -> None:
    orders = _orders(path)
    expected = parse_jsonld(expected_for(path).read_bytes())
    assert_same_graph(expected, _fast_graph(orders))
    assert_same_graph(expected, orders_to_graph(orders, SPREE))


@pytest.mark.parametrize("path", fixture_inputs("spree"), ids=lambda p: p.name)
def test_turtle_ntriples_and_ndjson_carry_the_same_graph(path: pathlib.Path) -> None:
    orders = _orders(path)
    reference = orders_to_graph(orders, SPREE)
    for writer, fmt in ((write_turtle, "turtle"), (write_ntriples, "nt")):
        buffer = io.BytesIO()
        assert writer(orders, SPREE, buffer) == len(orders)
        assert_same_graph(reference, Graph().parse(data=buffer.getvalue(), format=fmt))
    buffer = io.BytesIO()
    write_ndjson(orders, SPREE, buffer)
    merged = Graph()
    lines = buffer.getvalue().splitlines()
    assert len(lines) == len(orders)
    for line in lines:
        parse_jsonld(line, merged)
    assert_same_graph(reference, merged)


def test_document_uses_the_pinned_context_and_dfc_terms() -> None:
    order = _orders(pathlib.Path(__file__).parent.parent / "fixtures/spree/chord_single_order.json")[0]
    document = order_document(order, SPREE)
    assert document["@context"] == CONTEXT_URL
    node = document["@graph"][0]
    assert node["@type"] == "dfc-b:Order"
    assert node["dfc-b:orderNumber"] == "R902615384"
    assert node["dfc-b:hasOrderStatus"] == "dfc-v:Complete"
    assert node["dfc-b:hasPaymentStatus"] == "dfc-v:Paid"
    assert node["dfc-b:hasFulfilmentStatus"] == "dfc-v:Unfulfilled"
    used = {key for n in document["@graph"] for key in n if key.startswith("dfc-b:")}
    definitions = term_definitions()
    for key in used:  # every IRI-valued term is declared @id in the context, so strings are IRIs
        value = next(n[key] for n in document["@graph"] if key in n)
        if isinstance(value, str) and key not in ("dfc-b:orderNumber", "dfc-b:description", "dfc-b:email"):
            assert definitions[key] == {"@type": "@id"}, key


def test_states_are_vocabulary_iris_and_dates_are_typed_with_offsets() -> None:
    order = _orders(pathlib.Path(__file__).parent.parent / "fixtures/spree/chord_single_order.json")[0]
    graph = _fast_graph([order])
    node = URIRef(SPREE.order(order.id))
    assert graph.value(node, DFCB.hasOrderStatus) == DFCV.Complete
    date = graph.value(node, DFCB.date)
    assert isinstance(date, Literal)
    assert date.datatype == XSD.dateTime
    assert date.toPython().utcoffset() is not None


def test_every_link_has_its_inverse() -> None:
    path = pathlib.Path(__file__).parent.parent / "fixtures/spree/solidus_flat_orders.json"
    graph = _fast_graph(_orders(path))
    pairs = [
        (DFCB.hasPart, DFCB.partOf),
        (DFCB.orderedBy, DFCB.orders),
        (DFCB.hasPrice, DFCB.isPriceOf),
        (DFCB.concerns, DFCB.concernedBy),
    ]
    for forward, inverse in pairs:
        links = list(graph.subject_objects(forward))
        assert links, forward
        for subject, obj in links:
            assert (obj, inverse, subject) in graph, (subject, forward, obj)


def test_unset_dimension_is_omitted_not_invented() -> None:
    path = (
        pathlib.Path(__file__).parent.parent
        / "fixtures/spree/public_spree_v4.10.3_platform_api_orders_list.json"
    )
    [order] = _orders(path)
    assert order.states == DFCStates(order=OrderStatus.DRAFT, payment=PaymentStatus.UNPAID)
    node = order_document(order, SPREE)["@graph"][0]
    assert "dfc-b:hasFulfilmentStatus" not in node


def test_base_url_mints_dfc_server_style_iris() -> None:
    minter = IriMinter.for_platform("spree", "https://shop.example.org/")
    assert minter.order("R 1/2") == "https://shop.example.org/api/dfc/Orders/R%201%2F2"
    assert minter.line(minter.order("7"), "3") == "https://shop.example.org/api/dfc/Orders/7/OrderLines/3"
    with pytest.raises(UsageError, match="--base-url must be an http"):
        IriMinter.for_platform("spree", "shop.example.org")


def test_unknown_context_is_not_fetched() -> None:
    document = {"@context": "https://example.org/other-context.json", "@id": "urn:x"}
    with pytest.raises(UnrecognisedShapeError, match="does not know this one"):
        parse_jsonld(orjson.dumps(document))


def test_project_context_is_the_published_1_16_0_context(shared: pathlib.Path) -> None:
    published = json.loads((shared / "reference" / "dfc" / "context_1.16.0.json").read_text("utf-8"))
    assert term_definitions() == published["@context"]


def test_state_iris_exist_in_the_taxonomy(shared: pathlib.Path) -> None:
    # The file is one named graph in a top-level array; read its nodes into the default graph.
    [named] = json.loads((shared / "reference" / "dfc" / "vocabulary_v1.3.0.json").read_text("utf-8"))
    vocabulary = Graph().parse(data=json.dumps({"@graph": named["@graph"]}), format="json-ld")
    skos_broader = URIRef("http://www.w3.org/2004/02/skos/core#broader")
    for enum_class, parent in (
        (OrderStatus, "OrderStatus"),
        (PaymentStatus, "PaymentStatus"),
        (FulfilmentStatus, "FulfilmentStatus"),
    ):
        for state in enum_class:
            assert (DFCV[state.value], skos_broader, DFCV[parent]) in vocabulary, state


def test_terms_used_exist_in_the_business_ontology(shared: pathlib.Path) -> None:
    ontology = Graph().parse(
        shared / "reference" / "dfc" / "DFC_BusinessOntology_1.16.0.ttl", format="turtle"
    )
    path = pathlib.Path(__file__).parent.parent / "fixtures/spree/solidus_flat_orders.json"
    graph = _fast_graph(_orders(path))
    for predicate in set(graph.predicates()) - {RDF.type}:
        assert (predicate, None, None) in ontology, predicate
    for cls in set(graph.objects(None, RDF.type)):
        assert (cls, None, None) in ontology, cls


# -- generated orders ---------------------------------------------------------------------------

_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
)
_money = st.decimals(min_value=Decimal("-1000"), max_value=Decimal("100000"), places=2, allow_nan=False)
_dates = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),
    max_value=dt.datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [dt.UTC, dt.timezone(dt.timedelta(hours=-5)), dt.timezone(dt.timedelta(hours=5, minutes=30))]
    ),
)
_lines = st.builds(
    OrderLine,
    id=st.none() | _text,
    item=st.none() | _text,
    name=st.none() | _text,
    quantity=st.decimals(min_value=0, max_value=10_000, places=3, allow_nan=False),
    unit_price=st.none() | _money,
)
_states = st.builds(
    DFCStates,
    order=st.none() | st.sampled_from(OrderStatus),
    payment=st.none() | st.sampled_from(PaymentStatus),
    fulfilment=st.none() | st.sampled_from(FulfilmentStatus),
)
_orders_strategy = st.builds(
    Order,
    platform=st.just("spree"),
    shape=st.just("generated"),
    id=_text,
    number=st.none() | _text,
    created_at=st.none() | _dates,
    placed_at=st.none() | _dates,
    currency=st.none() | st.sampled_from(["EUR", "GBP", "USD", "NOK", "AUD", "CAD"]),
    buyer=st.none()
    | st.builds(
        Buyer,
        id=st.none() | _text,
        email=st.none() | _text,
        kind=st.sampled_from(["Person", "Enterprise"]),
    ),
    lines=st.lists(_lines, max_size=4).map(tuple),
    states=_states,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    orders=st.lists(_orders_strategy, min_size=1, max_size=3, unique_by=lambda o: o.id),
    base=st.sampled_from([None, "https://hub.example.org", "http://localhost:8000/shop/"]),
)
def test_fast_writer_and_rdflib_agree_on_generated_orders(orders: list[Order], base: str | None) -> None:
    minter = IriMinter.for_platform("spree", base)
    reference = Graph()
    for order in orders:
        to_graph(order, minter, reference)
    assert_same_graph(reference, _fast_graph(orders, minter))


def test_lines_never_share_an_iri() -> None:
    order = Order(
        platform="spree",
        shape="generated",
        id="7",
        lines=(
            OrderLine(id="2", quantity=Decimal(1)),
            OrderLine(quantity=Decimal(2)),
            OrderLine(id="2", quantity=Decimal(3)),
        ),
    )
    iris = SPREE.lines(order, SPREE.order("7"))
    assert len(set(iris)) == 3
    graph = _fast_graph([order])
    assert len(set(graph.subjects(RDF.type, DFCB.OrderLine))) == 3


def test_dfc_minter_keeps_absolute_iris_and_mints_the_rest() -> None:
    minter = IriMinter.for_platform("dfc")
    order_iri = "https://hub.example.org/api/dfc/Orders/9"
    assert minter.order(order_iri) == order_iri
    assert minter.order("local-9") == "urn:statebridge:dfc:Orders:local-9"
    assert minter.line(order_iri, "3") == order_iri + "/OrderLines/3"
    assert minter.parts_prefix("https://hub.example.org/o#1") == "https://hub.example.org/o#1-"
    assert minter.enterprise("https://hub.example.org/e/1") == "https://hub.example.org/e/1"
    assert minter.enterprise("e 1") == "urn:statebridge:dfc:Enterprises:e%201"
    assert IriMinter.for_platform("spree").order(order_iri) != order_iri


# -- the shape DFC consumers read: embedded blank nodes, xsd:float numbers, the buyer's class -------

XSD_FLOAT = "http://www.w3.org/2001/XMLSchema#float"


def _line_order(quantity: str, price: str | None, *, currency: str | None = "EUR") -> Order:
    return Order(
        platform="spree",
        shape="generated",
        id="7",
        currency=currency,
        lines=(
            OrderLine(
                id="1",
                item="SKU-1",
                quantity=Decimal(quantity),
                unit_price=None if price is None else Decimal(price),
            ),
        ),
    )


def _all_formats(order: Order) -> dict[str, Graph]:
    graphs = {"jsonld": _fast_graph([order]), "reference": to_graph(order, SPREE)}
    for writer, fmt in ((write_turtle, "turtle"), (write_ntriples, "nt")):
        buffer = io.BytesIO()
        writer([order], SPREE, buffer)
        graphs[fmt] = Graph().parse(data=buffer.getvalue(), format=fmt)
    buffer = io.BytesIO()
    write_ndjson([order], SPREE, buffer)
    graphs["ndjson"] = parse_jsonld(buffer.getvalue())
    return graphs


def test_price_and_quantity_are_blank_nodes_embedded_in_their_line() -> None:
    """As the connectors, OFN and FDC write them: the Ruby importer builds Price and
    QuantitativeValue without an id, and the TypeScript OrderLine.getPrice() reads a blank node."""
    order = _line_order("2", "12.50")
    line_iri = SPREE.lines(order, SPREE.order("7"))[0]
    document = order_document(order, SPREE)
    [line] = [node for node in document["@graph"] if node["@type"] == "dfc-b:OrderLine"]
    assert line["dfc-b:hasPrice"] == {
        "@type": "dfc-b:Price",
        "dfc-b:value": {"@value": "12.5", "@type": XSD_FLOAT},
        "dfc-b:hasUnit": "dfc-m:Euro",
        "dfc-b:isPriceOf": line_iri,
    }
    assert line["dfc-b:hasQuantity"] == {
        "@type": "dfc-b:QuantitativeValue",
        "dfc-b:hasUnit": "dfc-m:Piece",
        "dfc-b:value": {"@value": "2", "@type": XSD_FLOAT},
    }
    assert {node["@type"] for node in document["@graph"]} == {"dfc-b:Order", "dfc-b:OrderLine", "dfc-b:Offer"}
    for fmt, graph in _all_formats(order).items():
        price = graph.value(URIRef(line_iri), DFCB.hasPrice)
        quantity = graph.value(URIRef(line_iri), DFCB.hasQuantity)
        assert isinstance(price, BNode), fmt
        assert isinstance(quantity, BNode), fmt
        assert (price, DFCB.isPriceOf, URIRef(line_iri)) in graph, fmt  # the inverse, from the price
        assert set(graph.subjects(None, price)) == {URIRef(line_iri)}, fmt  # referenced by its line only


@pytest.mark.parametrize(
    ("quantity", "price", "lexical_quantity", "lexical_price"),
    [
        ("2", "12.50", "2", "12.5"),
        ("2.000", "1E+2", "2", "100"),
        ("0.5", "0", "0.5", "0"),
        ("1.25", "-3.10", "1.25", "-3.1"),
        ("999999999999999.123456789", "123456789012345.6789012345678", None, None),
    ],
)
def test_numbers_are_xsd_float_literals_with_the_exact_decimal_digits(
    quantity: str, price: str, lexical_quantity: str | None, lexical_price: str | None
) -> None:
    """`dfc-b:quantity` and `dfc-b:value` are `xsd:float` in the ontology; the lexical form keeps
    every digit (never through a binary float) and a whole number is written without a point."""
    lexical_quantity = lexical_quantity or quantity
    lexical_price = lexical_price or price
    order = _line_order(quantity, price)
    line_iri = URIRef(SPREE.lines(order, SPREE.order("7"))[0])
    for fmt, graph in _all_formats(order).items():
        literals = {
            "quantity": graph.value(line_iri, DFCB.quantity),
            "hasQuantity": graph.value(graph.value(line_iri, DFCB.hasQuantity), DFCB.value),
            "price": graph.value(graph.value(line_iri, DFCB.hasPrice), DFCB.value),
        }
        for name, literal in literals.items():
            assert isinstance(literal, Literal), (fmt, name)
            assert literal.datatype == XSD.float, (fmt, name)
        assert str(literals["quantity"]) == str(literals["hasQuantity"]) == lexical_quantity, fmt
        assert str(literals["price"]) == lexical_price, fmt
    buffer = io.BytesIO()
    write_ntriples([order], SPREE, buffer)
    assert f'"{lexical_price}"^^<{XSD_FLOAT}>'.encode() in buffer.getvalue()


def test_turtle_and_ntriples_are_the_same_bytes_every_time() -> None:
    """Blank node labels are derived from their line, so the output does not change between runs
    (nor between the worker processes of `--jobs`), and no two lines share a price or quantity."""
    path = pathlib.Path(__file__).parent.parent / "fixtures/spree/solidus_flat_orders.json"
    orders = _orders(path)
    written = {}
    for writer in (write_ntriples, write_turtle):
        first, second = io.BytesIO(), io.BytesIO()
        writer(orders, SPREE, first)
        writer(orders, SPREE, second)
        assert first.getvalue() == second.getvalue()
        written[writer] = first.getvalue()
    graph = Graph().parse(data=written[write_ntriples], format="nt")
    lines = set(graph.subjects(RDF.type, DFCB.OrderLine))
    quantities = {graph.value(line, DFCB.hasQuantity) for line in lines}
    assert len(quantities) == len(lines)
    assert all(isinstance(q, BNode) for q in quantities)


@pytest.mark.parametrize(("kind", "path"), [("Person", "Persons"), ("Enterprise", "Enterprises")])
def test_the_buyer_is_written_as_its_own_class(kind: str, path: str) -> None:
    order = Order(
        platform="spree",
        shape="generated",
        id="7",
        buyer=Buyer(id="42", email="buyer@example.org", kind=kind),  # type: ignore[arg-type]
    )
    minter = IriMinter.for_platform("spree", "https://shop.example.org")
    agent = f"https://shop.example.org/api/dfc/{path}/42"
    node = next(n for n in order_document(order, minter)["@graph"] if n["@id"] == agent)
    assert node["@type"] == f"dfc-b:{kind}"
    reference = to_graph(order, minter)
    assert set(reference.objects(URIRef(agent), RDF.type)) == {DFCB[kind]}
    assert reference.value(URIRef(minter.order("7")), DFCB.orderedBy) == URIRef(agent)
    assert_same_graph(reference, _fast_graph([order], minter))


@pytest.mark.parametrize("fmt", ["ntriples", "turtle"])
def test_rdf_text_is_the_same_bytes_whatever_the_hash_seed(fmt: str) -> None:
    """Each process hashes strings with its own seed (and `--jobs` workers may be spawned): the
    output must not follow set order."""
    source = str(sorted((FIXTURES / "spree").glob("*.json"))[0])
    outputs = {
        subprocess.run(
            [
                sys.executable,
                "-m",
                "statebridge",
                "translate",
                "--from",
                "spree",
                "--format",
                fmt,
                str(source),
            ],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
