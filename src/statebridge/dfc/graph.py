"""The reference semantics: an order as an rdflib `Graph` of DFC 1.16.0 triples.

This is the slow, obviously-correct path. The streaming JSON-LD writer in `jsonld.py` must produce
documents that rdflib parses to a graph isomorphic to this one; the tests hold it to that.

For one order:
- the `dfc-b:Order` with its number, date (xsd:dateTime), the three status IRIs that are set,
  `hasPart` its lines and `orderedBy` its buyer;
- each `dfc-b:OrderLine` with `partOf`, description, quantity (the `dfc-b:quantity` literal that
  today's consumers read, and the ontology's `hasQuantity` QuantitativeValue in `dfc-m:Piece`),
  `hasPrice` a `dfc-b:Price` (unit price, currency unit when DFC has one) and `concerns` an Offer;
  the QuantitativeValue and the Price are blank nodes of their line (`blank_node`), as DFC
  consumers read them;
- numbers as `xsd:float` literals with exact decimal digits (`literals.py`);
- the buyer as a `dfc-b:Person`, or a `dfc-b:Enterprise` when the order says so, with its email;
- every inverse link the ontology declares (`partOf`, `orders`, `isPriceOf`, `concernedBy`), as the
  DFC rules require: the price says `isPriceOf` its line;
- for an order read from DFC, the statements it kept (`Order.kept`, written by `kept.py`).
"""

from __future__ import annotations

import hashlib
import typing as t

from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef

from ..model import Order
from . import xsdnumbers  # noqa: F401  (its rdflib bindings keep xsd:float digits: "2", not "2.0")
from .iris import IriMinter
from .kept import add_kept_triples
from .literals import datetime_lexical, number_lexical
from .vocab import CURRENCY_UNITS, DFC_B, DFC_M, DFC_V

__all__ = ["DFCB", "DFCM", "DFCV", "bind_namespaces", "blank_node", "orders_to_graph", "to_graph"]

DFCB = Namespace(DFC_B)
DFCV = Namespace(DFC_V)
DFCM = Namespace(DFC_M)


def bind_namespaces(graph: Graph) -> Graph:
    graph.bind("dfc-b", DFCB)
    graph.bind("dfc-v", DFCV)
    graph.bind("dfc-m", DFCM)
    graph.bind("xsd", XSD)
    return graph


def blank_node(line_iri: str, part: str) -> BNode:
    """The blank node of a line's `part` (`price`, `quantity`), labelled from the line's IRI.

    Deterministic, so that Turtle and N-Triples are the same bytes in every run and in every worker
    process of `--jobs`; distinct for distinct lines, so that two orders never share one.
    """
    digest = hashlib.sha256(line_iri.encode("utf-8")).hexdigest()[:32]
    return BNode(f"{part}{digest}")


def _number(value: t.Any) -> Literal:
    return Literal(number_lexical(value), datatype=XSD.float)


def to_graph(order: Order, minter: IriMinter, graph: Graph | None = None) -> Graph:
    """Add the triples of `order` to `graph` (a new one by default) and return it."""
    g = bind_namespaces(Graph()) if graph is None else graph
    node = URIRef(minter.order(order.id))
    g.add((node, RDF.type, DFCB.Order))
    if order.number is not None:
        g.add((node, DFCB.orderNumber, Literal(order.number)))
    if order.date is not None:
        g.add((node, DFCB.date, Literal(datetime_lexical(order.date), datatype=XSD.dateTime)))
    for dimension, state in order.states.items():
        if state is not None:
            g.add((node, URIRef(DFC_B + dimension.property_curie.split(":", 1)[1]), DFCV[state.value]))
    unit = CURRENCY_UNITS.get(order.currency or "")
    for line, line_iri in zip(order.lines, minter.lines(order, str(node)), strict=True):
        line_node = URIRef(line_iri)
        g.add((node, DFCB.hasPart, line_node))
        g.add((line_node, DFCB.partOf, node))
        g.add((line_node, RDF.type, DFCB.OrderLine))
        if line.name is not None:
            g.add((line_node, DFCB.description, Literal(line.name)))
        quantity = _number(line.quantity)
        g.add((line_node, DFCB.quantity, quantity))
        quantity_node = blank_node(line_iri, "quantity")
        g.add((line_node, DFCB.hasQuantity, quantity_node))
        g.add((quantity_node, RDF.type, DFCB.QuantitativeValue))
        g.add((quantity_node, DFCB.hasUnit, DFCM.Piece))
        g.add((quantity_node, DFCB.value, quantity))
        if line.unit_price is not None:
            price_node = blank_node(line_iri, "price")
            g.add((line_node, DFCB.hasPrice, price_node))
            g.add((price_node, DFCB.isPriceOf, line_node))
            g.add((price_node, RDF.type, DFCB.Price))
            g.add((price_node, DFCB.value, _number(line.unit_price)))
            if unit is not None:
                g.add((price_node, DFCB.hasUnit, DFCM[unit]))
        if line.item is not None:
            offer = URIRef(minter.offer(line.item))
            g.add((line_node, DFCB.concerns, offer))
            g.add((offer, DFCB.concernedBy, line_node))
            g.add((offer, RDF.type, DFCB.Offer))
    person_iri = minter.buyer(order, str(node))
    if person_iri is not None and order.buyer is not None:
        person = URIRef(person_iri)
        g.add((node, DFCB.orderedBy, person))
        g.add((person, DFCB.orders, node))
        g.add((person, RDF.type, DFCB[order.buyer.kind]))
        if order.buyer.email:
            g.add((person, DFCB.email, Literal(order.buyer.email)))
    if order.kept:
        add_kept_triples(order, minter, g, node)
    return g


def orders_to_graph(orders: t.Iterable[Order], minter: IriMinter) -> Graph:
    """One graph holding every order: fine for tests and small batches, not for bulk work."""
    graph = bind_namespaces(Graph())
    for order in orders:
        to_graph(order, minter, graph)
    return graph
