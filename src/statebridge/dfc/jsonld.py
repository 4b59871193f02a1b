"""The fast DFC JSON-LD writer: plain dicts and orjson, one order at a time.

Output is compact JSON-LD against the 1.16.0 context (`dfc-b:` / `dfc-v:` CURIEs), with one node
object per named subject in a flat `@graph`, the same triples as `graph.to_graph`. A line's price
and quantity are blank nodes embedded in the line (`"dfc-b:hasPrice": {"@type": "dfc-b:Price", …}`),
as the DFC connectors, OFN and FDC write them and read them back: the Ruby connector builds
`Price` and `QuantitativeValue` without an id, and the TypeScript `OrderLine.getPrice()` reads only
a blank node. Embedding needs no blank node labels, so orders never share one. Numbers are
`xsd:float` literals with exact decimal digits (`literals.py`). It never builds a graph, so memory
stays flat however many orders stream through.
"""

from __future__ import annotations

import typing as t

import orjson

from ..model import Order
from ..states import DFCStates
from .iris import IriMinter, MinterSource, minter_for
from .kept import add_kept_nodes
from .literals import datetime_lexical, number_lexical
from .vocab import CONTEXT_URL, CURRENCY_UNITS, XSD_DATETIME, XSD_FLOAT, state_curie

__all__ = [
    "DOCUMENT_CLOSE",
    "DOCUMENT_OPEN",
    "NODE_SEPARATOR",
    "order_document",
    "order_nodes",
    "write_document",
    "write_graph_members",
    "write_ndjson",
]

Node = dict[str, t.Any]


#: `dfc-b:hasUnit` of a price, by ISO 4217 code.
_UNIT_CURIES = {code: f"dfc-m:{unit}" for code, unit in CURRENCY_UNITS.items()}

#: `@type` of the agent an order is `dfc-b:orderedBy`, by `Buyer.kind`.
_AGENT_TYPES = {"Person": "dfc-b:Person", "Enterprise": "dfc-b:Enterprise"}

#: Status pairs by the identity of the `DFCStates` they were made from (tables hand out one
#: instance per combination, so this hits for nearly every order without hashing a model); the
#: instance is kept beside its pairs so that its id cannot be reused while the entry exists.
_PAIRS: dict[int, tuple[DFCStates, tuple[tuple[str, str], ...]]] = {}
_PAIRS_CACHE = 4096


def _status_pairs(states: DFCStates) -> tuple[tuple[str, str], ...]:
    """(`dfc-b:has…Status`, `dfc-v:…`) for the dimensions that are set; there are few triples."""
    entry = _PAIRS.get(id(states))
    if entry is not None and entry[0] is states:
        return entry[1]
    pairs = tuple(
        (dimension.property_curie, state_curie(state))
        for dimension, state in states.items()
        if state is not None
    )
    if len(_PAIRS) >= _PAIRS_CACHE:
        _PAIRS.clear()
    _PAIRS[id(states)] = (states, pairs)
    return pairs


def order_nodes(order: Order, minter: IriMinter) -> list[Node]:
    """The node objects of one order: the Order first, then its lines and their satellites.

    This runs once per order on the hot path of every export: it reads each attribute once and
    builds plain dicts, in the order the nodes and their keys have always been written.
    """
    order_iri = minter.order(order.id)
    node: Node = {"@id": order_iri, "@type": "dfc-b:Order"}
    nodes = [node]
    if order.number is not None:
        node["dfc-b:orderNumber"] = order.number
    date = order.placed_at or order.created_at
    if date is not None:
        node["dfc-b:date"] = {"@value": datetime_lexical(date), "@type": XSD_DATETIME}
    node.update(_status_pairs(order.states))
    lines = order.lines
    if lines:
        unit = _UNIT_CURIES.get(order.currency or "")
        parts = minter.lines(order, order_iri)
        append = nodes.append
        for line, line_iri in zip(lines, parts, strict=True):
            quantity = number_lexical(line.quantity)
            line_node: Node = {"@id": line_iri, "@type": "dfc-b:OrderLine", "dfc-b:partOf": order_iri}
            if line.name is not None:
                line_node["dfc-b:description"] = line.name
            line_node["dfc-b:quantity"] = {"@value": quantity, "@type": XSD_FLOAT}
            line_node["dfc-b:hasQuantity"] = {
                "@type": "dfc-b:QuantitativeValue",
                "dfc-b:hasUnit": "dfc-m:Piece",
                "dfc-b:value": {"@value": quantity, "@type": XSD_FLOAT},
            }
            append(line_node)
            if line.unit_price is not None:
                price: Node = {
                    "@type": "dfc-b:Price",
                    "dfc-b:value": {"@value": number_lexical(line.unit_price), "@type": XSD_FLOAT},
                }
                if unit is not None:
                    price["dfc-b:hasUnit"] = unit
                price["dfc-b:isPriceOf"] = line_iri
                line_node["dfc-b:hasPrice"] = price
            if line.item is not None:
                offer_iri = minter.offer(line.item)
                line_node["dfc-b:concerns"] = offer_iri
                append({"@id": offer_iri, "@type": "dfc-b:Offer", "dfc-b:concernedBy": line_iri})
        node["dfc-b:hasPart"] = parts
    buyer = order.buyer
    if buyer is not None:
        person_iri = minter.buyer(order, order_iri)
        if person_iri is not None:
            node["dfc-b:orderedBy"] = person_iri
            person: Node = {"@id": person_iri, "@type": _AGENT_TYPES[buyer.kind], "dfc-b:orders": order_iri}
            if buyer.email:
                person["dfc-b:email"] = buyer.email
            nodes.append(person)
    if order.kept:
        add_kept_nodes(order, minter, nodes)
    return nodes


def order_document(order: Order, minter: IriMinter) -> Node:
    """A standalone JSON-LD document for one order (what `--format ndjson` writes per line)."""
    return {"@context": CONTEXT_URL, "@graph": order_nodes(order, minter_for(minter, order))}


#: What `write_document` writes before the first order's nodes, and after the last.
DOCUMENT_OPEN = b'{"@context":' + orjson.dumps(CONTEXT_URL) + b',"@graph":['
DOCUMENT_CLOSE = b"]}\n"
#: Between two orders' nodes in the `@graph` array.
NODE_SEPARATOR = b",\n"


def write_document(orders: t.Iterable[Order], minter: MinterSource, out: t.BinaryIO) -> int:
    """Stream one JSON-LD document holding every order's nodes; returns how many orders."""
    out.write(DOCUMENT_OPEN)
    count = write_graph_members(orders, minter, out)
    out.write(DOCUMENT_CLOSE)
    return count


def write_graph_members(orders: t.Iterable[Order], minter: MinterSource, out: t.BinaryIO) -> int:
    """The inside of the `@graph` array: each order's nodes, orders separated by `NODE_SEPARATOR`."""
    count = 0
    for order in orders:
        nodes = order_nodes(order, minter_for(minter, order))
        if count:
            out.write(NODE_SEPARATOR)
        out.write(orjson.dumps(nodes)[1:-1])  # one order's nodes, one encoder call
        count += 1
    return count


def write_ndjson(orders: t.Iterable[Order], minter: MinterSource, out: t.BinaryIO) -> int:
    """One JSON-LD document per order, one per line; returns how many orders."""
    count = 0
    for order in orders:
        out.write(orjson.dumps(order_document(order, minter_for(minter, order))))
        out.write(b"\n")
        count += 1
    return count
