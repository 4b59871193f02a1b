"""What a DFC order's graph says beyond the canonical fields: the statements `Order.kept` holds.

A DFC client sends more than an order's own fields. Open Food Network's backorder POSTs Offers that
point at its SuppliedProducts (`dfc-b:offeredItem`), the products, a SaleSession the order
`dfc-b:belongsTo` and the offers' prices, and later reads `line.offer.offeredItem` back
(docs/references/ofn-order-reads.md). `kept_statements` collects those statements so that the
writers can give them back.

What is kept: every statement about a node reachable from the order (following its properties,
not stepping into other orders or their lines) whose property is a DFC business term
(`dfc/terms.py`: the ontology 1.16.0 and the terms the DFC connectors add), and `rdf:type` where the
type is a DFC class, except the statements the writers make themselves from the fields (the order's
number, date, states, lines and buyer; each line's description, quantities, price and offer; the
price's value and unit; the offer's and buyer's type; every inverse link the writers add). A node
that is not one of the order's own and has no DFC type is left out with everything said about it,
since a consumer cannot build it (the Ruby connector fails on a statement about an untyped subject);
an IRI that only appears as a value stays, as a reference.

Nodes the writers name themselves are anchored (`@order`, `@line:N`, …; see `KeptStatement`), blank
nodes are labelled `_:b0`, `_:b1`, … in an order fixed by their content, so that reading the same
document twice, in any process, gives the same statements. An object property that the context does
not declare `@type: @id` (`dfc-b:offeredItem`) arrives as a string literal when the connectors write
it; when that string is an absolute IRI it is read back as the IRI it names.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ...dfc.parse import INVALID_IRI_CHARACTERS, RELATIVE_BASE
from ...dfc.terms import CONNECTOR_OBJECT_PROPERTIES, DFC_CLASSES, DFC_PROPERTIES
from ...dfc.vocab import DFC_B

__all__ = ["Roles", "kept_statements"]

_ABSOLUTE_IRI = re.compile(r"^(?:https?://\S+|urn:[A-Za-z0-9][A-Za-z0-9-]*:\S+)$")


def _b(name: str) -> URIRef:
    return URIRef(DFC_B + name)


_STATUS = {_b("hasOrderStatus"), _b("hasPaymentStatus"), _b("hasFulfilmentStatus")}
_ORDER_OWNED = {RDF.type, _b("orderNumber"), _b("date"), _b("hasPart"), *_STATUS}
_LINE_OWNED = {RDF.type, _b("partOf"), _b("description"), _b("quantity"), _b("hasQuantity")}
_OFFER_OWNED = {RDF.type, _b("concernedBy")}
_PRICE_OWNED = {RDF.type, _b("value"), _b("hasUnit"), _b("isPriceOf")}
_BUYER_OWNED = {RDF.type, _b("email"), _b("orders")}
_ORDER, _ORDER_LINE = _b("Order"), _b("OrderLine")
#: How deep a blank node's content is looked at to order it among its siblings.
_SIGNATURE_DEPTH = 6


@dataclasses.dataclass(frozen=True)
class Roles:
    """The nodes of one order that the writers write from its fields.

    `offers[i]` is the offer of line i when the writers write it (the line has an item), `prices[i]`
    the price node of line i when they write its price; `values` are the lines' quantity nodes,
    which hold nothing beyond the quantity read; `buyer` is the agent written as the buyer, if any.
    """

    order: Node
    lines: t.Sequence[Node]
    offers: t.Sequence[Node | None]
    prices: t.Sequence[Node | None]
    priced: t.Sequence[bool]
    values: frozenset[Node]
    buyer: Node | None


def kept_statements(graph: Graph, roles: Roles) -> list[dict[str, str | None]]:
    """The statements of the order's graph that the writers do not make, as `KeptStatement` fields."""
    anchors = _anchors(roles)
    owned = _owned(roles)
    found: list[tuple[Node, URIRef, Node]] = []
    typed: set[Node] = set()
    queue: list[Node] = list(anchors)  # every node the writers write, then what they reach
    seen = set(queue)
    while queue:
        subject = queue.pop()
        skip = owned.get(subject, set())
        for predicate, value in graph.predicate_objects(subject):
            if predicate in skip or not isinstance(predicate, URIRef):
                continue
            if predicate == RDF.type:
                if isinstance(value, URIRef) and _dfc_local(value) in DFC_CLASSES:
                    found.append((subject, RDF.type, value))
                    typed.add(subject)
                continue
            name = _dfc_local(predicate)
            if name not in DFC_PROPERTIES:
                continue
            if name in CONNECTOR_OBJECT_PROPERTIES and isinstance(value, Literal):
                value = _as_iri(value)
            found.append((subject, predicate, value))
            if isinstance(value, URIRef | BNode) and value not in seen and _enters(graph, value, anchors):
                seen.add(value)
                queue.append(value)
    prices = {price for price in roles.prices if price is not None}  # may be written as blank nodes
    kept = [
        (s, p, o)
        for s, p, o in found
        if _usable(s, anchors, typed, subject=True)
        and _usable(o, anchors, typed, subject=False)
        and o not in prices
    ]
    return _encode(kept, anchors)


def _anchors(roles: Roles) -> dict[Node, str]:
    anchors: dict[Node, str] = {}
    for index, line in enumerate(roles.lines):
        anchors.setdefault(line, f"@line:{index}")
    for index, offer in enumerate(roles.offers):
        if offer is not None:
            anchors.setdefault(offer, f"@line:{index}:offer")
    for index, price in enumerate(roles.prices):
        if price is not None:
            anchors.setdefault(price, f"@line:{index}:price")
    if roles.buyer is not None:
        anchors.setdefault(roles.buyer, "@buyer")
    anchors[roles.order] = "@order"
    return anchors


def _owned(roles: Roles) -> dict[Node, set[URIRef]]:
    """Per node the writers write, the properties they write of it (the rest of it is kept)."""
    owned: dict[Node, set[URIRef]] = {}
    for node in roles.values:
        owned[node] = {RDF.type, *(_b(name) for name in DFC_PROPERTIES)}  # all of it: nothing kept
    if roles.buyer is not None:
        owned[roles.buyer] = set(_BUYER_OWNED)
    for price in roles.prices:
        if price is not None:
            owned[price] = set(_PRICE_OWNED)
    for offer in roles.offers:
        if offer is not None:
            owned[offer] = set(_OFFER_OWNED)
    for line, offer, priced in zip(roles.lines, roles.offers, roles.priced, strict=True):
        line_owned = owned.setdefault(line, set())
        line_owned.update(_LINE_OWNED)
        if offer is not None:
            line_owned.add(_b("concerns"))
        if priced:
            line_owned.add(_b("hasPrice"))
    order = owned.setdefault(roles.order, set())
    order.update(_ORDER_OWNED)
    if roles.buyer is not None:
        order.add(_b("orderedBy"))
    return owned


def _dfc_local(iri: URIRef) -> str | None:
    text = str(iri)
    return text[len(DFC_B) :] if text.startswith(DFC_B) else None


def _as_iri(value: Literal) -> Node:
    """A plain string that is an absolute IRI, as the IRI; any other literal as it is."""
    text = str(value)
    plain = value.language is None and value.datatype in (None, XSD.string)
    if plain and _ABSOLUTE_IRI.match(text) and not INVALID_IRI_CHARACTERS.intersection(text):
        return URIRef(text)
    return value


def _enters(graph: Graph, node: Node, anchors: t.Mapping[Node, str]) -> bool:
    """Whether to follow a reference into `node`: not into another order, nor another order's line."""
    if node in anchors:
        return True
    types = set(graph.objects(node, RDF.type))
    return _ORDER not in types and _ORDER_LINE not in types


def _usable(node: Node, anchors: t.Mapping[Node, str], typed: set[Node], *, subject: bool) -> bool:
    if node in anchors:
        return True
    if isinstance(node, Literal):
        return True
    if isinstance(node, URIRef):
        text = str(node)
        if not text or text.startswith(RELATIVE_BASE) or INVALID_IRI_CHARACTERS.intersection(text):
            return False
        return node in typed or not subject  # an untyped IRI stays as a reference, never a subject
    return node in typed  # a blank node: only with a DFC type


def _encode(
    statements: list[tuple[Node, URIRef, Node]], anchors: t.Mapping[Node, str]
) -> list[dict[str, str | None]]:
    labels = _blank_labels(statements, anchors)

    def name(node: Node) -> str:
        if node in anchors:
            return anchors[node]
        if isinstance(node, BNode):
            return labels[node]
        return str(node)

    encoded: dict[tuple[str, str, str, str | None, str | None], dict[str, str | None]] = {}
    for subject, predicate, value in statements:
        entry: dict[str, str | None] = {"subject": name(subject), "predicate": str(predicate)}
        if isinstance(value, Literal):
            entry["value"] = str(value)
            plain = value.datatype is None or value.datatype == XSD.string  # one term in RDF 1.1
            entry["datatype"] = None if plain else str(value.datatype)
            entry["language"] = value.language
        else:
            entry["node"] = name(value)
        key = (
            entry["subject"] or "",
            str(predicate),
            entry.get("node") or entry.get("value") or "",
            entry.get("datatype"),
            entry.get("language"),
        )
        encoded[key] = entry
    return [encoded[key] for key in sorted(encoded, key=lambda k: tuple(part or "" for part in k))]


def _blank_labels(
    statements: list[tuple[Node, URIRef, Node]], anchors: t.Mapping[Node, str]
) -> dict[Node, str]:
    """`_:b0`, `_:b1`, … for the blank nodes, numbered by where they hang and what they hold, never by
    the parser's random ids: the same document read twice gives the same labels."""
    about: dict[Node, list[tuple[URIRef, Node]]] = {}
    for subject, predicate, value in statements:
        about.setdefault(subject, []).append((predicate, value))

    def signature(node: Node, depth: int) -> tuple[t.Any, ...]:
        if node in anchors:
            return ("anchor", anchors[node])
        if isinstance(node, Literal):
            return ("literal", str(node), str(node.datatype or ""), node.language or "")
        if not isinstance(node, BNode):
            return ("iri", str(node))
        if depth == 0:
            return ("blank",)
        inner = sorted((str(p), signature(v, depth - 1)) for p, v in about.get(node, []))
        return ("blank", tuple(inner))

    labels: dict[Node, str] = {}
    roots = sorted(
        (s for s in about if not isinstance(s, BNode) or s in anchors),
        key=lambda s: signature(s, 0),
    )
    queue = list(roots)
    while queue:
        subject = queue.pop(0)
        children = sorted(
            (
                (str(predicate), signature(value, _SIGNATURE_DEPTH), value)
                for predicate, value in about.get(subject, [])
                if isinstance(value, BNode) and value not in anchors and value not in labels
            ),
            key=lambda item: (item[0], item[1]),
        )
        for _, _, child in children:
            if child not in labels:
                labels[child] = f"_:b{len(labels)}"
                queue.append(child)
    for orphan in sorted(
        (s for s in about if isinstance(s, BNode) and s not in anchors and s not in labels),
        key=lambda s: signature(s, _SIGNATURE_DEPTH),
    ):  # blank nodes only other blank nodes point at, in a cycle
        labels[orphan] = f"_:b{len(labels)}"
    return labels
