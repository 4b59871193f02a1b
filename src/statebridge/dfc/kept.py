"""Writing an order's kept statements (`Order.kept`) beside what the writers make of its fields.

Both writers call in here after they have written an order's own nodes, so that they give the same
triples: `add_kept_nodes` for the fast JSON-LD writer (`jsonld.py`), `add_kept_triples` for the
rdflib reference (`graph.py`). Anchors (`@order`, `@line:N`, `@line:N:offer`, `@line:N:price`,
`@buyer`) are resolved to the nodes the writers just wrote, whatever their names under this minter
and whether they are named or blank; a statement whose anchor was not written is left out.

In JSON-LD, statements about a node the writer wrote are added to its node object; other nodes get
their own node object, and a blank node that only one statement points at is embedded there, as
the DFC connectors write prices and quantities (a blank node several statements point at gets a
label that is unique to its order). References are always `{"@id": …}` objects: the 1.16.0 context
does not declare every DFC object property `@id` (`dfc-b:offeredItem` is not). Literals are plain
strings where the context leaves them plain, value objects otherwise (typed, or the value of a
property the context declares `@id`).
"""

from __future__ import annotations

import hashlib
import typing as t

from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node as Term

from ..model import KeptStatement, Order
from .iris import IriMinter
from .terms import CONTEXT_ID_PROPERTIES
from .vocab import DFC_B, DFC_M, DFC_V

__all__ = ["add_kept_nodes", "add_kept_triples"]

Node = dict[str, t.Any]

_RDF_TYPE = str(RDF.type)
_XSD_STRING = str(XSD.string)
#: How deep blank nodes are embedded in one another before they get a label instead.
_EMBED_DEPTH = 16
_PREFIXES = (("dfc-b:", DFC_B), ("dfc-v:", DFC_V), ("dfc-m:", DFC_M))


def _compact(iri: str) -> str:
    for prefix, namespace in _PREFIXES:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return prefix + iri[len(namespace) :]
    return iri


def _line_anchor(anchor: str) -> tuple[int, str]:
    """(`N`, `` / `offer` / `price`) of `@line:N[:part]`."""
    parts = anchor.split(":")
    return int(parts[1]), parts[2] if len(parts) > 2 else ""


# -- JSON-LD -------------------------------------------------------------------------------------


def add_kept_nodes(order: Order, minter: IriMinter, nodes: list[Node]) -> None:
    """Add `order.kept` to `nodes`, the node objects the JSON-LD writer made of `order` (Order first)."""
    head = nodes[0]
    by_id = {node["@id"]: node for node in nodes if "@id" in node}
    line_nodes = [by_id.get(iri) for iri in minter.lines(order, head["@id"])]
    groups = _by_subject(order.kept)
    pointed = _blank_references(order.kept)
    label_prefix = f"_:k{hashlib.sha256(head['@id'].encode()).hexdigest()[:12]}-"
    labelled = {s for s in groups if s.startswith("_:") and pointed.get(s) != 1}
    built: set[str] = set()

    def written(anchor: str) -> Node | None:
        if anchor == "@order":
            return head
        if anchor == "@buyer":
            return _referenced(head.get("dfc-b:orderedBy"), by_id)
        index, part = _line_anchor(anchor)
        line = line_nodes[index] if index < len(line_nodes) else None
        if line is None or not part:
            return line
        return _referenced(line.get("dfc-b:concerns" if part == "offer" else "dfc-b:hasPrice"), by_id)

    def reference(name: str, depth: int) -> t.Any:
        if name.startswith("@"):
            node = written(name)
            return {"@id": node["@id"]} if node is not None and "@id" in node else None
        if name.startswith("_:"):
            if name in groups and name not in labelled and name not in built and depth < _EMBED_DEPTH:
                return fill({}, name, depth + 1)
            labelled.add(name)
            return {"@id": label_prefix + name[2:]}
        return {"@id": _compact(name)}

    def fill(node: Node, subject: str, depth: int) -> Node:
        built.add(subject)
        for statement in groups[subject]:
            if statement.node is None:
                _put(node, _compact(statement.predicate), _literal(statement))
            elif statement.predicate == _RDF_TYPE:
                _put(node, "@type", _compact(statement.node))
            else:
                item = reference(statement.node, depth)
                if item is not None:
                    _put(node, _compact(statement.predicate), item)
        return node

    for subject in groups:
        if subject in built or (subject.startswith("_:") and subject not in labelled):
            continue  # a blank node one statement points at is embedded there
        node = written(subject) if subject.startswith("@") else _new_node(subject, label_prefix, nodes)
        if node is not None:
            fill(node, subject, 0)
    while unreached := [s for s in groups if s.startswith("_:") and s not in built]:
        labelled.update(unreached)  # blank nodes pointed at only from each other, in a cycle
        for subject in unreached:
            if subject not in built:
                fill(_new_node(subject, label_prefix, nodes), subject, 0)


def _new_node(subject: str, label_prefix: str, nodes: list[Node]) -> Node:
    node: Node = {"@id": label_prefix + subject[2:] if subject.startswith("_:") else subject}
    nodes.append(node)
    return node


def _literal(statement: KeptStatement) -> t.Any:
    """A plain string where the context reads it as one, else a value object."""
    if statement.language:
        return {"@value": statement.value, "@language": statement.language}
    if statement.datatype and statement.datatype != _XSD_STRING:
        return {"@value": statement.value, "@type": statement.datatype}
    if statement.predicate.removeprefix(DFC_B) in CONTEXT_ID_PROPERTIES:
        return {"@value": statement.value}
    return statement.value


def _put(node: Node, key: str, item: t.Any) -> None:
    present = node.get(key)
    if present is None:
        node[key] = item
    elif isinstance(present, list):
        present.append(item)
    else:
        node[key] = [present, item]


def _referenced(value: t.Any, by_id: t.Mapping[str, Node]) -> Node | None:
    """The node object a property's value names: itself when embedded, else the one with its @id."""
    if isinstance(value, dict):
        return by_id.get(value["@id"], value) if "@id" in value else value
    if isinstance(value, str):
        return by_id.get(value)
    return None


def _by_subject(kept: t.Sequence[KeptStatement]) -> dict[str, list[KeptStatement]]:
    groups: dict[str, list[KeptStatement]] = {}
    for statement in kept:
        groups.setdefault(statement.subject, []).append(statement)
    return groups


def _blank_references(kept: t.Sequence[KeptStatement]) -> dict[str, int]:
    """How many statements point at each blank node."""
    counts: dict[str, int] = {}
    for statement in kept:
        if statement.node is not None and statement.node.startswith("_:"):
            counts[statement.node] = counts.get(statement.node, 0) + 1
    return counts


# -- rdflib ---------------------------------------------------------------------------------------


def add_kept_triples(order: Order, minter: IriMinter, graph: Graph, order_node: URIRef) -> None:
    """Add `order.kept` to `graph`, which `graph.to_graph` has just given `order`'s own triples."""
    lines = [URIRef(iri) for iri in minter.lines(order, str(order_node))]
    blanks: dict[str, BNode] = {}

    def term(name: str) -> Term | None:
        if name == "@order":
            return order_node
        if name == "@buyer":
            return graph.value(order_node, URIRef(DFC_B + "orderedBy"))
        if name.startswith("@"):
            index, part = _line_anchor(name)
            if index >= len(lines):
                return None
            if not part:
                return lines[index]
            return graph.value(lines[index], URIRef(DFC_B + ("concerns" if part == "offer" else "hasPrice")))
        if name.startswith("_:"):
            return blanks.setdefault(name, BNode())
        return URIRef(name)

    for statement in order.kept:
        subject = term(statement.subject)
        if subject is None:
            continue
        if statement.node is not None:
            value = term(statement.node)
            if value is None:
                continue
        else:
            datatype = statement.datatype if statement.datatype and not statement.language else None
            value = Literal(
                statement.value, lang=statement.language, datatype=URIRef(datatype) if datatype else None
            )
        graph.add((subject, URIRef(statement.predicate), value))
