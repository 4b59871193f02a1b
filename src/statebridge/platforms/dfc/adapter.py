"""DFC adapter: reads DFC 1.16.0 JSON-LD orders, the inverse of statebridge's own DFC writers.

Every document (a whole file, or one NDJSON line) is parsed with rdflib, strictly offline (known
DFC context URLs resolve to the bundled 1.16.0 copy at any depth, any other is refused), so that
compact or expanded JSON-LD, an `@graph` or a single node, a top-level array, nested or flat
nodes, and status values written as `"dfc-v:Held"`, `{"@id": "dfc-v:Held"}` or full IRIs all give
the same triples. Each subject typed `dfc-b:Order` is one order, in document order; its position
in messages is its IRI (`<https://…/Orders/7>`).

What is read, per order (`graph.to_graph` writes the same triples):

- `Order.id`: the order's IRI as written (a relative reference stays relative). A blank-node
  order has no name of its own: its `dfc-b:orderNumber` is its id, and without one it is refused.
- `number`: `dfc-b:orderNumber`. `date`: `dfc-b:date`, an ISO 8601 `xsd:dateTime` that must carry
  its offset (one without is an error, never assumed UTC). It becomes `created_at` for a Draft
  order or one without an order state (a cart has not been placed) and `placed_at` otherwise,
  which is how the writers chose it (`Order.date` is placed_at, else created_at).
- An empty literal is an absent value: OFN sends `"dfc-b:orderNumber": ""` and `"dfc-b:date": ""`
  (and empty descriptions) for what the receiving server fills in.
- Lines: the `dfc-b:hasPart` nodes in document order (an `@list` is followed), then any node
  that only says `dfc-b:partOf` the order. `Line.id` is the line's IRI; `quantity` is the
  `dfc-b:quantity` literal (or OFN's QuantitativeValue there), else `dfc-b:hasQuantity` →
  `dfc-b:value`, counted in `dfc-m:Piece` (another unit, or two values that disagree, is an
  error); `unit_price` is `dfc-b:hasPrice` → `dfc-b:value`; `name` is `dfc-b:description`; `item`
  is the `dfc-b:concerns` Offer's IRI, whole: the last path segment would be ambiguous (OFN's
  offers end in `/Offer`) and the IRI is what names the offer in DFC.
- `currency`: the ISO code of the lines' price unit (`dfc-m:Euro` → `EUR`, the inverse of
  `vocab.CURRENCY_UNITS`); prices in two currencies, or a unit that is not a DFC currency, are
  errors. No priced line, no currency. An Offer's catalogue price is not the line's price and is
  not read.
- `buyer`: the `dfc-b:orderedBy` agent (or the one that says `dfc-b:orders` the order): its IRI as
  `id` (not for a blank node, nor for the `…#buyer` IRI the writers make up for a buyer without
  one), its `dfc-b:email`, and its class as `kind`: `Enterprise` when it is typed
  `dfc-b:Enterprise`, `Person` when typed `dfc-b:Person` (both is an error). An agent sent without
  a type is an `Enterprise` when its IRI is a DFC server's enterprise resource (a path segment
  `enterprises`, any case, followed by an id: OFN sends only
  `"dfc-b:orderedBy": ".../api/dfc/enterprises/3886"` when it orders as its enterprise, and FDC
  serves its enterprises at `.../Enterprises/{name}`), otherwise a `Person`.
- `platform_status`: the three status properties, keyed by their CURIE, with their values as
  written (`dfc-v:Held`, or the full IRI outside the vocabulary). There is no mapping table:
  `states` checks each value against its own dimension's states (`dfc-v:Fulfilled` is not an
  order state, `dfc-v:Shipped` is no state at all: `UnknownStatusError` listing the valid ones).

The IRIs kept (order, lines, offers, buyer) must be valid: JSON-LD turns an IRI with a space into
nothing, and rdflib keeps one with `<>"{}|\\^`` only with a warning, so both are errors naming the
field (rdflib's warnings are kept off stderr while parsing).

- `kept`: everything else the DFC defines in the order's graph (the offers' `dfc-b:offeredItem`
  and prices, the SuppliedProducts, the SaleSession the order `dfc-b:belongsTo`, a line price's VAT
  rate, …), as statements the writers give back (`dfc_kept.py` says exactly what is kept). Terms
  outside the DFC (OFN's `ofn:image`) are left out.

A minter for the `dfc` platform keeps absolute IRIs, so writing these orders to DFC again gives
the order, its lines, offers and buyer the IRIs they were read with.
"""

from __future__ import annotations

import datetime as dt
import re
import typing as t
from decimal import Decimal, InvalidOperation

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ...dfc.graph import DFCB, DFCM
from ...dfc.parse import INVALID_IRI_CHARACTERS, RELATIVE_BASE, parse_untrusted_jsonld
from ...dfc.vocab import CONTEXT_URL, CURRENCY_UNITS, DFC_B, DFC_M, DFC_V
from ...errors import InvalidOrderError, OrderError, UnknownStatusError, UnrecognisedShapeError
from ...states import DIMENSION_STATES, DFCStates, Dimension
from ..base import Adapter, RawOrder
from ..hints import envelope_hint
from .kept import Roles, kept_statements

__all__ = ["DfcAdapter"]

SHAPE = "dfc-jsonld"

#: ISO 4217 code by DFC currency unit IRI: the inverse of what the writers use.
_CURRENCIES = {DFC_M + unit: code for code, unit in CURRENCY_UNITS.items()}

_NAMESPACES = (("dfc-v:", DFC_V), ("dfc-b:", DFC_B), ("dfc-m:", DFC_M))

#: The agent classes a buyer can be read as, by class IRI (`Buyer.kind`).
_AGENT_KINDS: dict[URIRef, str] = {DFCB.Person: "Person", DFCB.Enterprise: "Enterprise"}

#: An untyped agent IRI that names a DFC server's enterprise: `…/enterprises/{id}` (OFN's route)
#: or `…/Enterprises/{name}` (FDC's), with nothing after the id but a query or fragment.
_ENTERPRISE_IRI = re.compile(r"^[a-z][a-z0-9+.-]*://[^?#]*/enterprises/[^/?#]+/?(?:[?#].*)?$", re.IGNORECASE)

#: Keys that say a document is some platform's own JSON rather than JSON-LD.


class DfcAdapter(Adapter):
    """Reads DFC JSON-LD into canonical orders whose states are the document's own."""

    name = "dfc"
    shapes = (SHAPE,)
    field_names: t.ClassVar[t.Mapping[str, t.Mapping[str, str]]] = {
        SHAPE: {
            "id": "@id",
            "number": "dfc-b:orderNumber",
            "created_at": "dfc-b:date",
            "placed_at": "dfc-b:date",
            "currency": "dfc-b:hasPrice.dfc-b:hasUnit",
            "buyer": "dfc-b:orderedBy",
            "email": "dfc-b:email",
            "lines": "dfc-b:hasPart",
            "item": "dfc-b:concerns",
            "name": "dfc-b:description",
            "quantity": "dfc-b:quantity",
            "unit_price": "dfc-b:hasPrice",
        }
    }

    # -- documents -------------------------------------------------------------------------------

    def split(self, document: t.Any) -> t.Iterator[RawOrder | OrderError]:
        if not isinstance(document, dict | list):
            kind = "XML" if hasattr(document, "tag") else type(document).__name__
            yield UnrecognisedShapeError(
                f"not DFC JSON-LD ({kind}): expected a JSON-LD object or array, "
                'e.g. {"@context": …, "@graph": [{"@type": "dfc-b:Order", …}]}'
            )
            return
        try:
            graph = parse_untrusted_jsonld(document)
        except OrderError as exc:  # a context statebridge will not fetch
            yield exc
            return
        except Exception as exc:  # rdflib raises many kinds of error for JSON that is not JSON-LD
            yield UnrecognisedShapeError(f"not valid JSON-LD ({type(exc).__name__}: {exc})")
            return
        orders = list(graph.subjects(RDF.type, DFCB.Order, unique=True))
        if not orders:
            yield UnrecognisedShapeError(_no_order_reason(document, graph))
            return
        for index, node in enumerate(orders, start=1):
            position = f"<{_iri(node)}>" if isinstance(node, URIRef) else f"blank-node order {index}"
            yield RawOrder(position, SHAPE, {"graph": graph, "node": node})

    # -- one order -------------------------------------------------------------------------------

    def label(self, raw: RawOrder) -> str | None:
        """The order number when there is one (the IRI is already the position)."""
        graph, node = raw.record["graph"], raw.record["node"]
        numbers = [str(v) for v in graph.objects(node, DFCB.orderNumber) if isinstance(v, Literal)]
        return numbers[0] if len(numbers) == 1 and numbers[0] else None

    def fields(self, raw: RawOrder) -> dict[str, t.Any]:
        graph: Graph = raw.record["graph"]
        node: Node = raw.record["node"]
        number = _text(graph, node, DFCB.orderNumber, "dfc-b:orderNumber")
        status = {dimension.property_curie: _status(graph, node, dimension) for dimension in Dimension}
        date = _date(graph, node)
        draft = status[Dimension.ORDER.property_curie] in (None, "dfc-v:Draft")
        lines, currency = _lines(graph, node)
        agent = _agent(graph, node)
        buyer = _buyer(graph, node, agent)
        return {
            "platform": self.name,
            "shape": raw.shape,
            "id": _name(node, "@id") if isinstance(node, URIRef) else _blank_order_id(number),
            "number": number,
            "created_at": date if draft else None,
            "placed_at": None if draft else date,
            "currency": currency,
            "buyer": buyer,
            "lines": lines,
            "platform_status": status,
            "kept": kept_statements(graph, _roles(graph, node, lines, agent if buyer else None)),
        }

    def states(self, status: t.Mapping[str, str | None], shape: str) -> DFCStates:
        """The states the document gives, each checked against its own dimension's vocabulary."""
        found: dict[str, t.Any] = {}
        for dimension in Dimension:
            prop = dimension.property_curie
            value = status.get(prop)
            if value is None:
                continue
            states = DIMENSION_STATES[dimension]
            local = value.removeprefix("dfc-v:") if value.startswith("dfc-v:") else None
            if local not in {state.value for state in states}:
                raise UnknownStatusError(
                    platform=self.name,
                    field=prop,
                    value=value,
                    valid=[f"dfc-v:{state.value}" for state in states],
                )
            found[dimension.value] = states(local)
        return DFCStates(**found)


# -- reading the graph ---------------------------------------------------------------------------


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


def _no_order_reason(document: t.Any, graph: Graph) -> str:
    reason = "no dfc-b:Order in this JSON-LD document"
    types = sorted({str(cls) for cls in graph.objects(None, RDF.type)})
    first = document[0] if isinstance(document, list) and document else document
    keys = first.keys() if isinstance(first, dict) and "@context" not in first else ()
    unexpanded = any(isinstance(key, str) and key.startswith("dfc-b:") for key in keys)
    if unexpanded or any(cls.startswith(("dfc-b:", "dfc-v:")) for cls in types):  # CURIEs left as they are
        return f'{reason}: it uses dfc-b: terms without an @context (add "@context": "{CONTEXT_URL}")'
    if _types_an_order(document):
        return (
            f"{reason}: a node is typed dfc-b:Order, but JSON-LD drops a node whose @id is not a valid "
            "IRI (spaces, say), and its statements with it"
        )
    if types:
        shown = sorted({_curie(cls) for cls in types})
        return f"{reason} (it has {', '.join(shown[:5])}{', …' if len(shown) > 5 else ''})"
    found = envelope_hint(keys, "dfc")
    if found is not None:
        key, platforms = found
        options = " or ".join(f"--from {name}" for name in platforms)
        return f"{reason}: it has {key!r} and no @context, like a platform's own JSON: use {options}"
    return reason


def _types_an_order(value: t.Any) -> bool:
    """Whether the JSON names the type `dfc-b:Order` anywhere (to explain why no order was found)."""
    if isinstance(value, list):
        return any(_types_an_order(item) for item in value)
    if not isinstance(value, dict):
        return False
    types = value.get("@type")
    named = types if isinstance(types, list) else [types]
    if any(name in ("dfc-b:Order", DFC_B + "Order") for name in named):
        return True
    return any(_types_an_order(item) for key, item in value.items() if key != "@context")
