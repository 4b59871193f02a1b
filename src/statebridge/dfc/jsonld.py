"""The fast DFC JSON-LD writer: plain dicts and orjson, one order at a time.

Output is compact JSON-LD against the 1.16.0 context (`dfc-b:` / `dfc-v:` CURIEs), with one node
object per subject in a flat `@graph`, the same triples as `graph.to_graph`. It never builds a graph,
so memory stays flat however many orders stream through.
"""

from __future__ import annotations

import typing as t

import orjson

from ..model import Order
from ..states import DFCStates
from .iris import IriMinter, MinterSource, minter_for
from .literals import datetime_lexical, decimal_lexical
from .vocab import CONTEXT_URL, CURRENCY_UNITS, XSD_DATETIME, XSD_DECIMAL, state_curie

__all__ = ["order_document", "order_nodes", "write_document", "write_ndjson"]

Node = dict[str, t.Any]


def _decimal(text: str) -> Node:
    return {"@value": text, "@type": XSD_DECIMAL}


_PAIRS: dict[DFCStates, tuple[tuple[str, str], ...]] = {}


def _status_pairs(states: DFCStates) -> tuple[tuple[str, str], ...]:
    """(`dfc-b:has…Status`, `dfc-v:…`) for the dimensions that are set; there are few triples."""
    pairs = _PAIRS.get(states)
    if pairs is None:
        pairs = _PAIRS[states] = tuple(
            (dimension.property_curie, state_curie(state))
            for dimension, state in states.items()
            if state is not None
        )
    return pairs


def order_nodes(order: Order, minter: IriMinter) -> list[Node]:
    """The node objects of one order: the Order first, then its lines and their satellites."""
    order_iri = minter.order(order.id)
    node: Node = {"@id": order_iri, "@type": "dfc-b:Order"}
    nodes = [node]
    if order.number is not None:
        node["dfc-b:orderNumber"] = order.number
    if order.date is not None:
        node["dfc-b:date"] = {"@value": datetime_lexical(order.date), "@type": XSD_DATETIME}
    node.update(_status_pairs(order.states))
    unit = CURRENCY_UNITS.get(order.currency or "")
    parts = []
    for line, line_iri in zip(order.lines, minter.lines(order, order_iri), strict=True):
        parts.append(line_iri)
        quantity = _decimal(decimal_lexical(line.quantity))
        line_node: Node = {"@id": line_iri, "@type": "dfc-b:OrderLine", "dfc-b:partOf": order_iri}
        if line.name is not None:
            line_node["dfc-b:description"] = line.name
        line_node["dfc-b:quantity"] = quantity
        quantity_iri = minter.quantity(line_iri)
        line_node["dfc-b:hasQuantity"] = quantity_iri
        nodes.append(line_node)
        nodes.append(
            {
                "@id": quantity_iri,
                "@type": "dfc-b:QuantitativeValue",
                "dfc-b:hasUnit": "dfc-m:Piece",
                "dfc-b:value": quantity,
            }
        )
        if line.unit_price is not None:
            price_iri = minter.price(line_iri)
            line_node["dfc-b:hasPrice"] = price_iri
            price: Node = {
                "@id": price_iri,
                "@type": "dfc-b:Price",
                "dfc-b:isPriceOf": line_iri,
                "dfc-b:value": _decimal(decimal_lexical(line.unit_price)),
            }
            if unit is not None:
                price["dfc-b:hasUnit"] = f"dfc-m:{unit}"
            nodes.append(price)
        if line.item is not None:
            offer_iri = minter.offer(line.item)
            line_node["dfc-b:concerns"] = offer_iri
            nodes.append({"@id": offer_iri, "@type": "dfc-b:Offer", "dfc-b:concernedBy": line_iri})
    if parts:
        node["dfc-b:hasPart"] = parts
    person_iri = minter.buyer(order, order_iri)
    if person_iri is not None and order.buyer is not None:
        node["dfc-b:orderedBy"] = person_iri
        person: Node = {"@id": person_iri, "@type": "dfc-b:Person", "dfc-b:orders": order_iri}
        if order.buyer.email:
            person["dfc-b:email"] = order.buyer.email
        nodes.append(person)
    return nodes


def order_document(order: Order, minter: IriMinter) -> Node:
    """A standalone JSON-LD document for one order (what `--format ndjson` writes per line)."""
    return {"@context": CONTEXT_URL, "@graph": order_nodes(order, minter_for(minter, order))}


_OPEN = b'{"@context":' + orjson.dumps(CONTEXT_URL) + b',"@graph":['


def write_document(orders: t.Iterable[Order], minter: MinterSource, out: t.BinaryIO) -> int:
    """Stream one JSON-LD document holding every order's nodes; returns how many orders."""
    out.write(_OPEN)
    count = 0
    for order in orders:
        nodes = order_nodes(order, minter_for(minter, order))
        if count:
            out.write(b",\n")
        out.write(orjson.dumps(nodes)[1:-1])  # one order's nodes, one encoder call
        count += 1
    out.write(b"]}\n")
    return count


def write_ndjson(orders: t.Iterable[Order], minter: MinterSource, out: t.BinaryIO) -> int:
    """One JSON-LD document per order, one per line; returns how many orders."""
    count = 0
    for order in orders:
        out.write(orjson.dumps(order_document(order, minter_for(minter, order))))
        out.write(b"\n")
        count += 1
    return count
