"""Turtle and N-Triples written directly (`dfc/rdfwrite.py`) carry exactly rdflib's reference graph.

For every fixture of every registered platform, and for generated orders with awkward text, the
Turtle and N-Triples that `write_turtle` / `write_ntriples` write parse (with rdflib) to a graph
isomorphic to the one `to_graph` builds; the endpoint's Turtle and N-Triples do too.
"""

from __future__ import annotations

import datetime as dt
import io
import pathlib
import typing as t
from decimal import Decimal
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node as Term

from statebridge.dfc import IriMinter, orders_to_graph, to_graph, write_ntriples, write_turtle
from statebridge.dfc.rdftext import turtle_prefixes, write_turtle_statements
from statebridge.dfc.rdfwrite import TURTLE_PREFIXES, ntriples_text, turtle_text
from statebridge.dfc.vocab import DFC_B
from statebridge.model import Buyer, KeptStatement, Order, OrderLine
from statebridge.states import DFCStates, FulfilmentStatus, OrderStatus, PaymentStatus
from statebridge.store import StoredOrder
from statebridge.translate import read_orders
from statebridge.web.access import Access
from statebridge.web.negotiation import NTRIPLES, TURTLE
from statebridge.web.representation import render_collection, render_lines, render_order, served_order
from statebridge.web.scope import Scope

from .graphs import assert_same_graph
from .platforms import fixture_inputs, registered


def _written(orders: list[Order], minter: IriMinter) -> dict[str, bytes]:
    out = {}
    for writer, syntax in ((write_turtle, "turtle"), (write_ntriples, "nt")):
        buffer = io.BytesIO()
        assert writer(orders, minter, buffer) == len(orders)
        out[syntax] = buffer.getvalue()
    return out


def _assert_text_matches_reference(orders: list[Order], minter: IriMinter) -> dict[str, bytes]:
    reference = orders_to_graph(orders, minter)
    written = _written(orders, minter)
    for syntax, data in written.items():
        assert_same_graph(reference, Graph().parse(data=data, format=syntax))
    return written


_FIXTURES = [path for platform in registered() for path in fixture_inputs(platform)]


@pytest.mark.parametrize("base", [None, "https://shop.example.org"])
@pytest.mark.parametrize("path", _FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fixture_in_turtle_and_ntriples_is_the_reference_graph(
    path: pathlib.Path, base: str | None
) -> None:
    platform = path.parent.name
    with path.open("rb") as stream:
        orders = [o for o in read_orders(stream, platform) if isinstance(o, Order)]
    minter = IriMinter.for_platform(platform, base)
    written = _assert_text_matches_reference(orders, minter)
    assert written == _written(orders, minter)  # the same bytes again


# -- generated orders, with text that needs escaping ------------------------------------------------

_awkward = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(['"', "\\", "\n", "\r", "\t", "\x00", "\x7f", "'", "<", ">", "é", "😀"]),
    ),
    min_size=1,
    max_size=12,
)
_dates = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),
    max_value=dt.datetime(2100, 1, 1),
    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30))]),
)
_lines = st.builds(
    OrderLine,
    id=st.none() | _awkward,
    item=st.none() | _awkward,
    name=st.none() | _awkward,
    quantity=st.decimals(min_value=0, max_value=10_000, places=3, allow_nan=False),
    unit_price=st.none() | st.decimals(min_value=-1000, max_value=100_000, places=2, allow_nan=False),
)
_orders = st.builds(
    Order,
    platform=st.just("spree"),
    shape=st.just("generated"),
    id=_awkward,
    number=st.none() | _awkward,
    created_at=st.none() | _dates,
    placed_at=st.none() | _dates,
    currency=st.none() | st.sampled_from(["EUR", "GBP", "NOK"]),
    buyer=st.none()
    | st.builds(
        Buyer,
        id=st.none() | _awkward,
        email=st.none() | _awkward,
        kind=st.sampled_from(["Person", "Enterprise"]),
    ),
    lines=st.lists(_lines, max_size=4).map(tuple),
    states=st.builds(
        DFCStates,
        order=st.none() | st.sampled_from(OrderStatus),
        payment=st.none() | st.sampled_from(PaymentStatus),
        fulfilment=st.none() | st.sampled_from(FulfilmentStatus),
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    orders=st.lists(_orders, min_size=1, max_size=3, unique_by=lambda o: o.id),
    base=st.sampled_from([None, "https://hub.example.org", "http://localhost:8000/shop/"]),
)
def test_generated_orders_in_turtle_and_ntriples_are_the_reference_graph(
    orders: list[Order], base: str | None
) -> None:
    _assert_text_matches_reference(orders, IriMinter.for_platform("spree", base))


# -- kept statements: IRIs, labels, languages and datatypes from outside -----------------------------

DFC = IriMinter.for_platform("dfc")
_B = "https://github.com/datafoodconsortium/ontology/releases/latest/download/DFC_BusinessOntology.owl#"


def _kept_order(kept: list[KeptStatement]) -> Order:
    return Order(
        platform="dfc",
        shape="generated",
        id="https://hub.example.org/api/dfc/Orders/1",
        lines=(OrderLine(id="https://hub.example.org/api/dfc/Orders/1/OrderLines/1", quantity=Decimal(1)),),
        kept=tuple(kept),
    )


def _quoted_iris(graph: Graph) -> Graph:
    """`graph` with its IRIs percent-encoded (injectively: `%` too), because rdflib cannot compare
    graphs holding IRIs with characters an IRI may not have, which an N-Triples `\\u` escape can."""

    def term(node: t.Any) -> t.Any:
        if isinstance(node, URIRef):
            return URIRef(quote(str(node), safe="/:#?&=@!$'()*+,;[]~"))
        if isinstance(node, Literal) and node.datatype is not None:
            return Literal(str(node), datatype=term(node.datatype))
        return node

    quoted = Graph()
    for triple in graph:
        quoted.add(tuple(term(node) for node in triple))  # type: ignore[arg-type]
    return quoted


def test_kept_iris_labels_languages_and_datatypes_are_escaped_and_read_back() -> None:
    odd_iri = 'https://example.org/a b<c>"d{e}|f^g`h\\i'
    kept = [
        KeptStatement(subject="@order", predicate=_B + "note", value='say "hi"\\\n\tnow', language="en-GB"),
        KeptStatement(subject="@order", predicate=_B + "hasObject", node=odd_iri),
        KeptStatement(subject="@order", predicate=_B + "hasBlank", node="_:odd label!"),
        KeptStatement(subject="@order", predicate=_B + "hasBlank", node="_:odd label!"),
        KeptStatement(subject="_:odd label!", predicate=_B + "name", value="x\x00y\x7f"),
        KeptStatement(subject="@line:0", predicate=_B + "weight", value="1.5", datatype=_B + "odd type"),
        KeptStatement(subject="@order", predicate="https://example.org/other#p", value="plain"),
    ]
    order = _kept_order(kept)
    written = _written([order], DFC)
    reference = _quoted_iris(to_graph(order, DFC))
    for syntax, data in written.items():
        assert_same_graph(reference, _quoted_iris(Graph().parse(data=data, format=syntax)))
    graph = Graph().parse(data=written["nt"], format="nt")
    assert (None, None, URIRef(odd_iri)) in graph
    assert (None, None, Literal('say "hi"\\\n\tnow', lang="en-GB")) in graph
    assert b"\\u0020" in written["nt"]
    assert b"\\u003C" in written["turtle"]


# -- the writer itself ----------------------------------------------------------------------------


def test_turtle_uses_prefixes_groups_and_embedded_blank_nodes() -> None:
    order = Order(
        platform="spree",
        shape="generated",
        id="7",
        currency="EUR",
        lines=(OrderLine(id="1", item="SKU-1", quantity=Decimal(2), unit_price=Decimal("12.50")),),
    )
    minter = IriMinter.for_platform("spree")
    buffer = io.BytesIO()
    write_turtle([order], minter, buffer)
    text = buffer.getvalue().decode()
    assert text.startswith(TURTLE_PREFIXES)
    assert turtle_prefixes() == TURTLE_PREFIXES.encode()
    assert "<urn:statebridge:spree:Orders:7> a dfc-b:Order ;" in text
    assert '[ a dfc-b:Price ; dfc-b:value "12.5"^^xsd:float ; dfc-b:hasUnit dfc-m:Euro ;' in text
    statements = io.BytesIO()
    write_turtle_statements([order], minter, statements)
    assert buffer.getvalue() == TURTLE_PREFIXES.encode() + statements.getvalue()
    assert_same_graph(to_graph(order, minter), Graph().parse(data=text, format="turtle"))


def test_embedded_blank_nodes_get_labels_from_their_order_in_ntriples() -> None:
    """Two orders' prices are distinct blank nodes in one document; the labels depend on the
    order's IRI only, never on where the order is in the input (so `--jobs` chunks agree)."""
    nodes = [{"@id": "urn:o:1", "dfc-b:hasPrice": {"dfc-b:value": "1"}}]
    other = [{"@id": "urn:o:2", "dfc-b:hasPrice": {"dfc-b:value": "1"}}]
    first = ntriples_text(nodes, "urn:o:1")
    assert first == ntriples_text(nodes, "urn:o:1")
    assert first.split()[0] != ntriples_text(other, "urn:o:2").split()[0]
    graph = Graph().parse(data=first + ntriples_text(other, "urn:o:2"), format="nt")
    assert len(set(graph.subjects(URIRef(_B + "value"), None))) == 2
    assert turtle_text(nodes).startswith("\n<urn:o:1> dfc-b:hasPrice [ dfc-b:value")


def test_what_the_writers_never_make_is_refused() -> None:
    with pytest.raises(TypeError, match="not a JSON-LD value"):
        ntriples_text([{"@id": "urn:o:1", "dfc-b:orderNumber": 3}], "urn:o:1")
    with pytest.raises(TypeError, match="not a JSON-LD value"):
        turtle_text([{"@id": "urn:o:1", "dfc-b:hasPart": {"@id": "urn:l:1", "dfc-b:partOf": "urn:o:1"}}])


# -- the endpoint's Turtle and N-Triples ------------------------------------------------------------


@pytest.mark.parametrize("media", [TURTLE, NTRIPLES])
@pytest.mark.parametrize("path", fixture_inputs("dfc") + fixture_inputs("spree")[:3], ids=lambda p: p.name)
def test_the_endpoint_serves_the_reference_graph_in_turtle_and_ntriples(
    path: pathlib.Path, media: str
) -> None:
    """A single order, a page of orders and an order's lines, each against rdflib's graph of the
    same nodes (`to_graph`, and `_line_triples` for the lines)."""
    platform = path.parent.name
    with path.open("rb") as stream:
        orders = [o for o in read_orders(stream, platform) if isinstance(o, Order)]
    scope = Scope(enterprise=None, base="https://hub.example.org/api/dfc", access=Access())
    minter = scope.minter
    stored = [
        StoredOrder(platform, "https://shop.example.org", order, None, public_id=f"p{n}")
        for n, order in enumerate(orders)
    ]
    syntax = "turtle" if media == TURTLE else "nt"
    served = [served_order(s) for s in stored]
    assert_same_graph(
        to_graph(served[0], minter), Graph().parse(data=render_order(stored[0], scope, media), format=syntax)
    )
    assert_same_graph(
        orders_to_graph(served, minter),
        Graph().parse(data=render_collection(stored, scope, media), format=syntax),
    )
    order = served[0]
    iris = minter.lines(order, minter.order(order.id))
    for wanted in (iris, iris[:1]):
        reference = _line_triples(to_graph(order, minter), URIRef(minter.order(order.id)), wanted)
        body = render_lines(order, wanted, scope, media)
        assert_same_graph(reference, Graph().parse(data=body, format=syntax))


def _line_triples(graph: Graph, order: URIRef, lines: t.Collection[str]) -> Graph:
    """The same selection as `web.lines.line_nodes`, made independently from an rdflib graph of one
    order: the reference the endpoint's line renderings are checked against."""
    stop: set[Term] = {
        order,
        *(p for p in graph.objects(order, URIRef(DFC_B + "hasPart")) if str(p) not in lines),
    }
    found: set[Term] = set()
    queue: list[Term] = [URIRef(iri) for iri in lines]
    while queue:
        term = queue.pop()
        if term in found or term in stop:
            continue
        found.add(term)
        queue.extend(o for o in graph.objects(term) if not isinstance(o, Literal))
    selected = Graph(namespace_manager=graph.namespace_manager)
    for term in found:
        for triple in graph.triples((term, None, None)):
            selected.add(triple)
    return selected
