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

from ..memo import remember
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
    "Node",
    "StatusPairs",
    "Written",
    "add_buyer",
    "add_line",
    "nodes_of",
    "order_document",
    "order_head",
    "order_nodes",
    "status_pairs",
    "unit_curie",
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
_PAIRS: dict[int, tuple[DFCStates, StatusPairs]] = {}
_PAIRS_CACHE = 4096


StatusPairs = tuple[tuple[str, str], ...]


def status_pairs(states: DFCStates) -> StatusPairs:
    """(`dfc-b:has…Status`, `dfc-v:…`) for the dimensions that are set; there are few triples."""
    entry = _PAIRS.get(id(states))
    if entry is not None and entry[0] is states:
        return entry[1]
    pairs = tuple(
        (dimension.property_curie, state_curie(state))
        for dimension, state in states.items()
        if state is not None
    )
    remember(_PAIRS, id(states), (states, pairs), _PAIRS_CACHE)
    return pairs


def order_nodes(order: Order, minter: IriMinter) -> list[Node]:
    """The node objects of one order: the Order first, then its lines and their satellites.

    This runs once per order on the hot path of every export: it reads each attribute once and
    builds plain dicts, in the order the nodes and their keys have always been written. The bulk
    path (`statebridge.bulk`) builds the same nodes from unvalidated fields with the same pieces
    (`order_head`, `add_line`, `add_buyer`).
    """
    order_iri = minter.order(order.id)
    date = order.placed_at or order.created_at
    node = order_head(
        order_iri,
        order.number,
        None if date is None else datetime_lexical(date),
        status_pairs(order.states),
    )
    nodes = [node]
    lines = order.lines
    if lines:
        unit = _UNIT_CURIES.get(order.currency or "")
        parts = minter.lines(order, order_iri)
        for line, line_iri in zip(lines, parts, strict=True):
            price = line.unit_price
            add_line(
                nodes,
                order_iri,
                line_iri,
                line.name,
                number_lexical(line.quantity),
                None if price is None else number_lexical(price),
                unit,
                None if line.item is None else minter.offer(line.item),
            )
        node["dfc-b:hasPart"] = parts
    buyer = order.buyer
    if buyer is not None:
        add_buyer(nodes, minter.buyer(order, order_iri), buyer.kind, buyer.email)
    if order.kept:
        add_kept_nodes(order, minter, nodes)
    return nodes


def order_head(order_iri: str, number: str | None, date: str | None, pairs: StatusPairs) -> Node:
    """The Order's own node: its number, date (lexical form) and status pairs (`status_pairs`)."""
    node: Node = {"@id": order_iri, "@type": "dfc-b:Order"}
    if number is not None:
        node["dfc-b:orderNumber"] = number
    if date is not None:
        node["dfc-b:date"] = {"@value": date, "@type": XSD_DATETIME}
    node.update(pairs)
    return node


def add_line(
    nodes: list[Node],
    order_iri: str,
    line_iri: str,
    name: str | None,
    quantity: str,
    price: str | None,
    unit: str | None,
    offer_iri: str | None,
) -> None:
    """Append one line's node (its price and quantity embedded) and its offer's; numbers are lexical
    forms (`number_lexical`), `unit` the price's `dfc-b:hasUnit` (`unit_curie`)."""
    line_node: Node = {"@id": line_iri, "@type": "dfc-b:OrderLine", "dfc-b:partOf": order_iri}
    if name is not None:
        line_node["dfc-b:description"] = name
    line_node["dfc-b:quantity"] = {"@value": quantity, "@type": XSD_FLOAT}
    line_node["dfc-b:hasQuantity"] = {
        "@type": "dfc-b:QuantitativeValue",
        "dfc-b:hasUnit": "dfc-m:Piece",
        "dfc-b:value": {"@value": quantity, "@type": XSD_FLOAT},
    }
    nodes.append(line_node)
    if price is not None:
        price_node: Node = {"@type": "dfc-b:Price", "dfc-b:value": {"@value": price, "@type": XSD_FLOAT}}
        if unit is not None:
            price_node["dfc-b:hasUnit"] = unit
        price_node["dfc-b:isPriceOf"] = line_iri
        line_node["dfc-b:hasPrice"] = price_node
    if offer_iri is not None:
        line_node["dfc-b:concerns"] = offer_iri
        nodes.append({"@id": offer_iri, "@type": "dfc-b:Offer", "dfc-b:concernedBy": line_iri})


def add_buyer(nodes: list[Node], agent_iri: str | None, kind: str, email: str | None) -> None:
    """Link the Order (`nodes[0]`) to its buyer's node and append that node; nothing without an IRI."""
    if agent_iri is None:
        return
    order = nodes[0]
    order["dfc-b:orderedBy"] = agent_iri
    agent: Node = {"@id": agent_iri, "@type": _AGENT_TYPES[kind], "dfc-b:orders": order["@id"]}
    if email:
        agent["dfc-b:email"] = email
    nodes.append(agent)


def unit_curie(currency: str | None) -> str | None:
    """A price's `dfc-b:hasUnit` for an ISO 4217 code, None for one DFC has no unit for."""
    return _UNIT_CURIES.get(currency or "")


def order_document(order: Order, minter: IriMinter) -> Node:
    """A standalone JSON-LD document for one order (what `--format ndjson` writes per line)."""
    return {"@context": CONTEXT_URL, "@graph": order_nodes(order, minter_for(minter, order))}


#: What the streaming writers take: orders, or the nodes already built for them (`statebridge.bulk`).
Written = Order | list[Node]


def nodes_of(item: Written, minter: MinterSource) -> list[Node]:
    """The nodes of one item the writers take: `item` itself when it is the nodes already built."""
    if type(item) is list:
        return item
    order = t.cast(Order, item)
    return order_nodes(order, minter_for(minter, order))


#: What `write_document` writes before the first order's nodes, and after the last.
DOCUMENT_OPEN = b'{"@context":' + orjson.dumps(CONTEXT_URL) + b',"@graph":['
DOCUMENT_CLOSE = b"]}\n"
#: Between two orders' nodes in the `@graph` array.
NODE_SEPARATOR = b",\n"


def write_document(orders: t.Iterable[Written], minter: MinterSource, out: t.BinaryIO) -> int:
    """Stream one JSON-LD document holding every order's nodes; returns how many orders."""
    out.write(DOCUMENT_OPEN)
    count = write_graph_members(orders, minter, out)
    out.write(DOCUMENT_CLOSE)
    return count


def write_graph_members(orders: t.Iterable[Written], minter: MinterSource, out: t.BinaryIO) -> int:
    """The inside of the `@graph` array: each order's nodes, orders separated by `NODE_SEPARATOR`."""
    count = 0
    dumps, write = orjson.dumps, out.write
    for item in orders:
        nodes = item if type(item) is list else nodes_of(item, minter)
        if count:
            write(NODE_SEPARATOR)
        write(dumps(nodes)[1:-1])  # one order's nodes, one encoder call
        count += 1
    return count


def write_ndjson(orders: t.Iterable[Written], minter: MinterSource, out: t.BinaryIO) -> int:
    """One JSON-LD document per order, one per line; returns how many orders."""
    count = 0
    for item in orders:
        out.write(orjson.dumps({"@context": CONTEXT_URL, "@graph": nodes_of(item, minter)}))
        out.write(b"\n")
        count += 1
    return count
