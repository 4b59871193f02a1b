"""What a DFC order keeps beyond its fields (issue 12, item 3): `translate --from dfc --to dfc`, and
both writers, give back every node and property of the order's graph that the DFC defines.

Open Food Network's recorded POST (fixtures/dfc/…_5_post_request.json) is the case that matters:
Offers pointing at SuppliedProducts through `dfc-b:offeredItem` (written by its connector as a
plain string), the products, a SaleSession and the offers' prices, which OFN reads back
(docs/references/ofn-order-reads.md).
"""

from __future__ import annotations

import copy
import io
import json
import pathlib
import typing as t

import pytest
from rdflib import RDF, BNode, Graph, Literal, URIRef

from statebridge.dfc import (
    IriMinter,
    orders_to_graph,
    parse_jsonld,
    write_document,
    write_ntriples,
    write_turtle,
)
from statebridge.dfc.terms import CONTEXT_ID_PROPERTIES, DFC_CLASSES, DFC_PROPERTIES
from statebridge.dfc.vocab import DFC_B
from statebridge.model import Order
from statebridge.translate import read_orders
from statebridge.validate import reference_document

from .conftest import FIXTURES, fixture_inputs
from .graphs import assert_same_graph
from .test_cli import run

POST = FIXTURES / "dfc/public_ofn_cassette_completes_an_order_5_post_request.json"
HOD = "https://env-0105831.jcloud-ver-jpe.ik-server.com/api/dfc/Enterprises/test-hodmedod/"
BEANS = URIRef(HOD + "SuppliedProducts/44519466500403")
CHIA = URIRef(HOD + "SuppliedProducts/44519468400947")
SESSION = URIRef(HOD + "SalesSession/#")
DFC = IriMinter.for_platform("dfc")


def _b(name: str) -> URIRef:
    return URIRef(DFC_B + name)


def _read(data: bytes) -> list[Order]:
    orders = list(read_orders(io.BytesIO(data), "dfc"))
    assert all(isinstance(o, Order) for o in orders), [str(o) for o in orders]
    return orders  # type: ignore[return-value]


def _fast(orders: list[Order]) -> bytes:
    buffer = io.BytesIO()
    write_document(orders, DFC, buffer)
    return buffer.getvalue()


def test_translate_dfc_to_dfc_keeps_what_ofn_sent() -> None:
    result = run("translate", "--from", "dfc", "--to", "dfc", str(POST))
    assert result.returncode == 0, result.stderr
    graph = parse_jsonld(result.stdout)
    offers = {offer: graph.value(offer, _b("offeredItem")) for offer in graph.subjects(RDF.type, _b("Offer"))}
    assert offers == {URIRef(f"{BEANS}/Offer"): BEANS, URIRef(f"{CHIA}/Offer"): CHIA}
    for product, name in (
        (BEANS, "Baked British Beans - Case, 12 x 400g (can)"),
        (CHIA, "Chia Seed, Organic - Retail pack, 300g"),
    ):
        assert (product, RDF.type, _b("SuppliedProduct")) in graph
        assert graph.value(product, _b("name")) == Literal(name)
        quantity = graph.value(product, _b("hasQuantity"))
        assert isinstance(quantity, BNode)
        assert (quantity, _b("hasUnit"), None) in graph
    price = graph.value(URIRef(f"{BEANS}/Offer"), _b("hasPrice"))
    assert isinstance(price, BNode)  # the connectors' Price takes no id
    assert (price, RDF.type, _b("Price")) in graph
    assert str(graph.value(price, _b("value"))) == "18.85"
    [order] = graph.subjects(RDF.type, _b("Order"))
    assert graph.value(order, _b("belongsTo")) == SESSION
    assert (SESSION, RDF.type, _b("SaleSession")) in graph
    assert str(graph.value(SESSION, _b("endDate"))) == "Thu Oct 10 2024 04:55:32 UTC"
    # Only DFC terms: OFN's own `ofn:image` is not a DFC property, and is left out.
    for _, predicate, value in graph:
        assert predicate == RDF.type or str(predicate).removeprefix(DFC_B) in DFC_PROPERTIES, predicate
        if predicate == RDF.type:
            assert str(value).removeprefix(DFC_B) in DFC_CLASSES
    assert b"ofn:image" not in result.stdout


@pytest.mark.parametrize("path", fixture_inputs("dfc"), ids=lambda p: p.name)
def test_the_fast_writer_and_rdflib_write_the_same_kept_statements(path: pathlib.Path) -> None:
    orders = _read(path.read_bytes())
    reference = orders_to_graph(orders, DFC)
    assert_same_graph(reference, parse_jsonld(_fast(orders)))
    for writer, syntax in ((write_turtle, "turtle"), (write_ntriples, "nt")):
        buffer = io.BytesIO()
        writer(orders, DFC, buffer)
        assert_same_graph(reference, Graph().parse(data=buffer.getvalue(), format=syntax))


@pytest.mark.parametrize("path", fixture_inputs("dfc"), ids=lambda p: p.name)
def test_reading_what_was_written_gives_the_same_orders(path: pathlib.Path) -> None:
    first = _read(path.read_bytes())
    again = _read(_fast(first))
    assert [o.model_dump(exclude={"shape"}) for o in again] == [
        o.model_dump(exclude={"shape"}) for o in first
    ]


def _with(*nodes: dict[str, t.Any], on_order: dict[str, t.Any] | None = None) -> bytes:
    document = copy.deepcopy(json.loads(POST.read_text()))
    document["@graph"][0].update(on_order or {})
    document["@graph"].extend(nodes)
    return json.dumps(document).encode()


def test_only_dfc_nodes_and_properties_are_kept() -> None:
    data = _with(
        {
            "@id": "https://x.example/shop",
            "@type": ["dfc-b:Enterprise", "https://x.example/Shop"],
            "dfc-b:name": "A",
        },
        {"@id": "https://x.example/thing", "@type": "https://x.example/Thing", "dfc-b:name": "not DFC"},
        {"@id": "https://x.example/untyped", "dfc-b:name": "no type"},
        on_order={
            "dfc-b:soldBy": [
                "https://x.example/shop",
                "https://x.example/thing",
                "https://x.example/untyped",
            ],
            "dfc-b:madeUpProperty": "dropped",
            "https://x.example/note": "dropped",
            "dfc-b:hasPaymentMethod": {"dfc-b:name": "an untyped blank node"},
        },
    )
    [order] = _read(data)
    graph = parse_jsonld(_fast([order]))
    assert_same_graph(orders_to_graph([order], DFC), graph)
    node = URIRef(order.id)
    sellers = set(graph.objects(node, _b("soldBy")))
    assert sellers == {
        URIRef("https://x.example/shop"),
        URIRef("https://x.example/thing"),
        URIRef("https://x.example/untyped"),
    }
    assert set(graph.objects(URIRef("https://x.example/shop"), RDF.type)) == {_b("Enterprise")}
    assert graph.value(URIRef("https://x.example/shop"), _b("name")) == Literal("A")
    for dropped in ("https://x.example/thing", "https://x.example/untyped"):  # references only
        assert (URIRef(dropped), None, None) not in graph
    assert (node, _b("hasPaymentMethod"), None) not in graph
    assert (node, URIRef("https://x.example/note"), None) not in graph
    assert all("madeUpProperty" not in str(p) for p in graph.predicates())


def test_blank_nodes_read_in_any_process_are_written_the_same() -> None:
    """rdflib names blank nodes at random; kept statements are labelled by content, so the same
    document gives the same bytes in another process (as `translate --jobs` needs)."""
    outputs = {run("translate", "--from", "dfc", str(POST)).stdout for _ in range(2)}
    assert len(outputs) == 1
    [output] = outputs
    assert b'"@id":"_:' not in output  # every kept blank node is embedded where it is pointed at


def test_the_context_declares_exactly_the_ontologys_object_properties_as_iris() -> None:
    context = json.loads(
        (pathlib.Path(__file__).parent.parent / "src/statebridge/data/context_1.16.0.json").read_text()
    )
    declared = {
        key.removeprefix("dfc-b:")
        for key, value in context["@context"].items()
        if key.startswith("dfc-b:") and isinstance(value, dict) and value.get("@type") == "@id"
    }
    assert declared == CONTEXT_ID_PROPERTIES
    assert "offeredItem" not in declared  # so OFN's connector writes it as a string literal
    assert "offeredItem" in DFC_PROPERTIES


def test_a_blank_node_pointed_at_twice_is_labelled_per_order() -> None:
    price = {"@id": "_:shared", "@type": "dfc-b:Price", "dfc-b:value": "1.5", "dfc-b:hasUnit": "dfc-m:Euro"}
    document = copy.deepcopy(json.loads(POST.read_text()))
    for node in document["@graph"]:
        if node.get("@type") == "dfc-b:Offer":
            node["dfc-b:hasPrice"] = "_:shared"
    document["@graph"].append(price)
    text = json.dumps(document)
    [order] = _read(text.encode())
    [second] = _read(text.replace(f"{HOD}Orders", f"{HOD}Orders/2").encode())  # another order, its own lines
    output = _fast([order, second])
    graph = parse_jsonld(output)
    assert_same_graph(orders_to_graph([order, second], DFC), graph)
    offers = set(graph.subjects(RDF.type, _b("Offer")))
    prices = {price for offer in offers for price in graph.objects(offer, _b("hasPrice"))}
    assert len(prices) == 2  # one shared price per order: labels do not collide between orders


@pytest.mark.parametrize("path", fixture_inputs("dfc"), ids=lambda p: p.name)
def test_validate_update_writes_every_blank_node(path: pathlib.Path) -> None:
    """`validate --update` writes the expected files through rdflib's JSON-LD serializer, which
    leaves out a blank node that is the value of a property the context declares `@id` (an
    Offer's `dfc-b:hasPrice`): the file written must still hold the whole reference graph."""
    orders = _read(path.read_bytes())
    written = parse_jsonld(json.dumps(reference_document(orders, DFC)).encode())
    assert_same_graph(orders_to_graph(orders, DFC), written)
