"""Reading one DFC order's fields from its RDF graph: names, literals, statuses, lines, prices, buyer."""

from __future__ import annotations

import datetime as dt
import re
import typing as t
from decimal import Decimal, InvalidOperation

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ...dfc.graph import DFCB, DFCM
from ...dfc.parse import INVALID_IRI_CHARACTERS, RELATIVE_BASE
from ...dfc.vocab import CURRENCY_UNITS, DFC_B, DFC_M, DFC_V
from ...errors import InvalidOrderError
from ...states import Dimension
from .kept import Roles

#: ISO 4217 code by DFC currency unit IRI: the inverse of what the writers use.
_CURRENCIES = {DFC_M + unit: code for code, unit in CURRENCY_UNITS.items()}

_NAMESPACES = (("dfc-v:", DFC_V), ("dfc-b:", DFC_B), ("dfc-m:", DFC_M))

#: The agent classes a buyer can be read as, by class IRI (`Buyer.kind`).
_AGENT_KINDS: dict[URIRef, str] = {DFCB.Person: "Person", DFCB.Enterprise: "Enterprise"}

#: An untyped agent IRI that names a DFC server's enterprise: `…/enterprises/{id}` (OFN's route)
#: or `…/Enterprises/{name}` (FDC's), with nothing after the id but a query or fragment.
_ENTERPRISE_IRI = re.compile(r"^[a-z][a-z0-9+.-]*://[^?#]*/enterprises/[^/?#]+/?(?:[?#].*)?$", re.IGNORECASE)


def _iri(node: URIRef) -> str:
    """The IRI as the document wrote it: relative references lose the stand-in base again."""
    text = str(node)
    return text.removeprefix(RELATIVE_BASE) if text.startswith(RELATIVE_BASE) else text


def _name(node: URIRef, field: str) -> str:
    """An IRI that names something in the canonical order (and so in what is written from it)."""
    iri = _iri(node)
    if not iri:  # what rdflib makes of an IRI with a space in it
        msg = "not a valid IRI (an IRI with a space in it reads as an empty one)"
        raise InvalidOrderError(msg, field=field, value=iri, has_value=True)
    if INVALID_IRI_CHARACTERS.intersection(iri):
        msg = 'not a valid IRI (it has a space or one of <>"{}|\\^`)'
        raise InvalidOrderError(msg, field=field, value=iri, has_value=True)
    return iri


def _curie(iri: str) -> str:
    for prefix, namespace in _NAMESPACES:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return prefix + iri[len(namespace) :]
    return iri


def _shown(node: Node) -> str:
    return _curie(_iri(node)) if isinstance(node, URIRef) else str(node)


def _one(graph: Graph, node: Node, prop: URIRef, where: str) -> Node | None:
    """The value of a property that DFC gives at most once; several values are an error."""
    values = list(graph.objects(node, prop, unique=True))
    if len(values) > 1:
        msg = "expected one value, found several"
        raise InvalidOrderError(msg, field=where, value=sorted(_shown(v) for v in values), has_value=True)
    return values[0] if values else None


def _literal(graph: Graph, node: Node, prop: URIRef, where: str) -> Literal | None:
    value = _one(graph, node, prop, where)
    if value is None or isinstance(value, Literal):
        return value
    msg = "expected a literal value, not a node"
    raise InvalidOrderError(msg, field=where, value=_shown(value), has_value=True)


def _text(graph: Graph, node: Node, prop: URIRef, where: str) -> str | None:
    """A literal's text; the empty string is an absent value (what OFN sends for unset fields)."""
    value = _literal(graph, node, prop, where)
    return None if value is None else (str(value) or None)


def _reference(graph: Graph, node: Node, prop: URIRef, where: str) -> URIRef | BNode | None:
    value = _one(graph, node, prop, where)
    if value is None or isinstance(value, URIRef | BNode):
        return value
    msg = "expected an IRI or a node, not a literal"
    raise InvalidOrderError(msg, field=where, value=str(value), has_value=True)


def _blank_order_id(number: str | None) -> str:
    if number is None:
        msg = "a dfc-b:Order without an @id needs a dfc-b:orderNumber to be named by"
        raise InvalidOrderError(msg, field="@id")
    return number


def _status(graph: Graph, node: Node, dimension: Dimension) -> str | None:
    """The value of one status property as written: `dfc-v:X`, or the whole IRI otherwise."""
    prop = dimension.property_curie
    value = _one(graph, node, DFCB[prop.split(":", 1)[1]], prop)
    if value is None:
        return None
    if not isinstance(value, URIRef):
        msg = "expected a state IRI such as dfc-v:Held, not a literal"
        raise InvalidOrderError(msg, field=prop, value=str(value), has_value=True)
    iri = _name(value, prop)
    if iri.startswith(("dfc-v:", "dfc-b:")):  # a CURIE that no context expanded
        msg = "this CURIE was not expanded: the document needs the DFC 1.16.0 @context"
        raise InvalidOrderError(msg, field=prop, value=iri, has_value=True)
    return _curie(iri)


def _date(graph: Graph, node: Node) -> dt.datetime | None:
    text = _text(graph, node, DFCB.date, "dfc-b:date")
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        msg = "expected an ISO 8601 xsd:dateTime with its offset"
        raise InvalidOrderError(msg, field="dfc-b:date", value=text, has_value=True) from None
    if value.tzinfo is None:
        msg = "the date has no offset (DFC dates carry one; statebridge does not assume UTC)"
        raise InvalidOrderError(msg, field="dfc-b:date", value=text, has_value=True)
    return value


def _members(graph: Graph, head: Node) -> list[Node]:
    """The items of an RDF list (what `@list` gives), guarding against cycles."""
    items: list[Node] = []
    seen: set[Node] = set()
    while head != RDF.nil and head not in seen:
        seen.add(head)
        first = graph.value(head, RDF.first)
        if first is not None:
            items.append(first)
        rest = graph.value(head, RDF.rest)
        if rest is None:
            break
        head = rest
    return items


def _line_nodes(graph: Graph, order: Node) -> list[Node]:
    nodes: list[Node] = []
    for part in graph.objects(order, DFCB.hasPart, unique=True):
        if (part, RDF.first, None) in graph:
            nodes.extend(_members(graph, part))
        else:
            nodes.append(part)
    nodes.extend(graph.subjects(DFCB.partOf, order, unique=True))  # lines that only say partOf
    return list(dict.fromkeys(nodes))


def _lines(graph: Graph, order: Node) -> tuple[list[dict[str, t.Any]], str | None]:
    lines = []
    currencies: dict[str, str] = {}
    for index, line in enumerate(_line_nodes(graph, order)):
        where = f"dfc-b:hasPart[{index}]"
        if isinstance(line, Literal):
            msg = "expected an OrderLine node, not a literal"
            raise InvalidOrderError(msg, field=where, value=str(line), has_value=True)
        offer = _reference(graph, line, DFCB.concerns, f"{where}.dfc-b:concerns")
        price, currency = _price(graph, line, f"{where}.dfc-b:hasPrice")
        if currency is not None:
            currencies.setdefault(currency, where)
        fields = {
            "id": _name(line, f"{where}.@id") if isinstance(line, URIRef) else None,
            "item": _name(offer, f"{where}.dfc-b:concerns") if isinstance(offer, URIRef) else None,
            "name": _text(graph, line, DFCB.description, f"{where}.dfc-b:description"),
            "unit_price": price,
        }
        quantity = _quantity(graph, line, where)
        if quantity is not None:  # left out, the model reports the missing field as such
            fields["quantity"] = quantity
        lines.append(fields)
    if len(currencies) > 1:
        msg = "the lines are priced in more than one currency"
        raise InvalidOrderError(
            msg, field="dfc-b:hasPart.dfc-b:hasPrice.dfc-b:hasUnit", value=sorted(currencies), has_value=True
        )
    return lines, next(iter(currencies), None)


def _number(graph: Graph, node: Node, where: str) -> str | None:
    """A `dfc-b:value` lexical form (Decimal is built from text, never from a float)."""
    return _text(graph, node, DFCB.value, where)


def _quantity(graph: Graph, line: Node, where: str) -> str | None:
    """The line's count: `dfc-b:quantity` (a literal, or OFN's QuantitativeValue), else `hasQuantity`."""
    found: list[tuple[str, str]] = []
    for prop, name in ((DFCB.quantity, "dfc-b:quantity"), (DFCB.hasQuantity, "dfc-b:hasQuantity")):
        value = _one(graph, line, prop, f"{where}.{name}")
        if isinstance(value, Literal):
            text = str(value) or None
        elif value is not None:
            unit = _reference(graph, value, DFCB.hasUnit, f"{where}.{name}.dfc-b:hasUnit")
            if unit is not None and unit != DFCM.Piece:
                msg = "an order line's quantity is a count (dfc-m:Piece); this unit is not converted"
                raise InvalidOrderError(
                    msg, field=f"{where}.{name}.dfc-b:hasUnit", value=_shown(unit), has_value=True
                )
            text = _number(graph, value, f"{where}.{name}.dfc-b:value")
        else:
            text = None
        if text is not None:
            found.append((name, text))
    if len(found) == 2 and _disagree(found[0][1], found[1][1]):
        msg = "dfc-b:quantity and dfc-b:hasQuantity give different quantities"
        raise InvalidOrderError(
            msg, field=f"{where}.dfc-b:quantity", value=[v for _, v in found], has_value=True
        )
    return found[0][1] if found else None


def _disagree(first: str, second: str) -> bool:
    try:
        return Decimal(first) != Decimal(second)
    except (InvalidOperation, ValueError):
        return False  # the model reports the one it reads


def _price(graph: Graph, line: Node, where: str) -> tuple[str | None, str | None]:
    """The line's unit price (lexical form) and the ISO code of its currency unit."""
    price = _one(graph, line, DFCB.hasPrice, where)
    if price is None:
        return None, None
    if isinstance(price, Literal):  # a bare amount, as some expanded documents write it
        return str(price) or None, None
    unit = _reference(graph, price, DFCB.hasUnit, f"{where}.dfc-b:hasUnit")
    currency = None
    if unit is not None:
        currency = _CURRENCIES.get(str(unit))
        if currency is None:
            known = ", ".join(f"dfc-m:{name}" for name in CURRENCY_UNITS.values())
            msg = f"not a DFC currency unit (known: {known})"
            raise InvalidOrderError(msg, field=f"{where}.dfc-b:hasUnit", value=_shown(unit), has_value=True)
    return _number(graph, price, f"{where}.dfc-b:value"), currency


def _agent(graph: Graph, order: Node) -> Node | None:
    """The agent the order is `dfc-b:orderedBy` (or that says it `dfc-b:orders` it)."""
    agent: Node | None = _reference(graph, order, DFCB.orderedBy, "dfc-b:orderedBy")
    if agent is None:
        agents = list(graph.subjects(DFCB.orders, order, unique=True))
        if len(agents) > 1:
            msg = "expected one agent ordering it, found several"
            raise InvalidOrderError(
                msg, field="dfc-b:orderedBy", value=sorted(map(_shown, agents)), has_value=True
            )
        agent = agents[0] if agents else None
    return agent


def _buyer(graph: Graph, order: Node, agent: Node | None) -> dict[str, t.Any] | None:
    if agent is None:
        return None
    made_up = isinstance(order, URIRef) and agent == URIRef(f"{order}#buyer")  # the writers' stand-in
    buyer = {
        "id": _name(agent, "dfc-b:orderedBy") if isinstance(agent, URIRef) and not made_up else None,
        "email": _text(graph, agent, DFCB.email, "dfc-b:orderedBy.dfc-b:email"),
    }
    if not any(buyer.values()):
        return None
    return {**buyer, "kind": _agent_kind(graph, agent)}


def _agent_kind(graph: Graph, agent: Node) -> str:
    """`Enterprise` or `Person`: the class the agent was sent with, else what its IRI names."""
    kinds = {kind for cls, kind in _AGENT_KINDS.items() if (agent, RDF.type, cls) in graph}
    if len(kinds) > 1:
        msg = "a buyer is a dfc-b:Person or a dfc-b:Enterprise, not both"
        raise InvalidOrderError(
            msg, field="dfc-b:orderedBy.@type", value=["dfc-b:Enterprise", "dfc-b:Person"], has_value=True
        )
    if kinds:
        return kinds.pop()
    if isinstance(agent, URIRef) and _ENTERPRISE_IRI.match(str(agent)):
        return "Enterprise"
    return "Person"


def _roles(graph: Graph, order: Node, lines: list[dict[str, t.Any]], buyer: Node | None) -> Roles:
    """Which nodes of the order the writers write from the fields read (the rest is kept)."""
    nodes = _line_nodes(graph, order)
    offers: list[Node | None] = []
    prices: list[Node | None] = []
    values: set[Node] = set()
    for line, fields in zip(nodes, lines, strict=True):
        offers.append(next(graph.objects(line, DFCB.concerns), None) if fields["item"] is not None else None)
        price = next(graph.objects(line, DFCB.hasPrice), None)
        priced = fields["unit_price"] is not None
        prices.append(price if priced and not isinstance(price, Literal) else None)
        for prop in (DFCB.quantity, DFCB.hasQuantity):
            values.update(v for v in graph.objects(line, prop) if not isinstance(v, Literal))
    return Roles(
        order=order,
        lines=nodes,
        offers=offers,
        prices=prices,
        priced=[fields["unit_price"] is not None for fields in lines],
        values=frozenset(values),
        buyer=buyer,
    )
