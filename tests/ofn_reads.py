"""What Open Food Network makes of a DFC answer: its Ruby connector's import, then the reads of its
backorder code. docs/references/ofn-order-reads.md gives the sources (file and line) of each rule.

`ofn_import` follows connector-ruby's `importer.rb`: one object per typed subject (a type it does
not know fails the import, lines 55-65; a named Price or QuantitativeValue fails its constructor,
`price.rb:44`, `quantitative_value.rb:40`), every statement applied to its subject's object (a
statement about an untyped subject fails, lines 73-80), and objects that are subjects of the graph
resolved to them (lines 95-97). Failures raise `ImportFailed` with the Ruby error OFN would see.

Named prices and quantities (issue 12, item 1) are refused only with `blank_values=True`: another
part of the suite holds every output to that, and these tests are about what the endpoint keeps.
"""

from __future__ import annotations

import dataclasses
import typing as t

from rdflib import RDF, BNode, Literal, URIRef
from rdflib.term import Node

from statebridge.dfc import parse_jsonld
from statebridge.dfc.vocab import DFC_B, DFC_V

__all__ = ["ImportFailed", "Subject", "ofn_import", "ofn_order", "ofn_reads"]

#: The `SEMANTIC_TYPE`s of connector-ruby's classes (docs/references/ofn-order-reads.md).
RUBY_TYPES = frozenset(
    [
        "Address",
        "Agent",
        "AllergenCharacteristic",
        "AsPlannedConsumptionFlow",
        "AsPlannedLocalConsumptionFlow",
        "AsPlannedLocalProductionFlow",
        "AsPlannedLocalTransformation",
        "AsPlannedProductionFlow",
        "AsPlannedTransformation",
        "AsRealizedConsumptionFlow",
        "AsRealizedProductionFlow",
        "AsRealizedTransformation",
        "Catalog",
        "CatalogItem",
        "CustomerCategory",
        "DefinedProduct",
        "DeliveryOption",
        "Enterprise",
        "LocalizedProduct",
        "NutrientCharacteristic",
        "Offer",
        "Order",
        "OrderLine",
        "PaymentMethod",
        "Person",
        "PhoneNumber",
        "PhysicalCharacteristic",
        "PhysicalPlace",
        "PhysicalProduct",
        "PickupOption",
        "Price",
        "ProductBatch",
        "QuantitativeValue",
        "Quantity",
        "RealStock",
        "SaleSession",
        "SocialMedia",
        "SuppliedProduct",
        "TechnicalProduct",
        "TheoreticalStock",
        "VirtualPlace",
    ]
)
_NO_ID = frozenset({"Price", "QuantitativeValue"})
HELD = URIRef(DFC_V + "Held")


class ImportFailed(AssertionError):
    """The Ruby connector would raise here, and OFN's job with it."""


@dataclasses.dataclass
class Subject:
    """One object the importer builds: its semanticId (None for a blank node), type and values."""

    semantic_id: str | None
    type: str
    values: dict[str, list[t.Any]] = dataclasses.field(default_factory=dict)

    def one(self, name: str) -> t.Any:
        """The value of a property the connector holds once (`property.value = value`, the last)."""
        found = self.values.get(name, [])
        return found[-1] if found else None

    def many(self, name: str) -> list[t.Any]:
        return list(self.values.get(name, []))


def ofn_import(body: bytes | dict[str, t.Any], *, blank_values: bool = False) -> list[Subject]:
    graph = parse_jsonld(body)
    subjects: dict[Node, Subject] = {}
    for subject, kind in graph.subject_objects(RDF.type):
        name = str(kind).removeprefix(DFC_B) if str(kind).startswith(DFC_B) else str(kind)
        if name not in RUBY_TYPES:
            raise ImportFailed(f"undefined method 'new' for nil (type {kind} of {subject})")
        if blank_values and name in _NO_ID and isinstance(subject, URIRef):
            raise ImportFailed(f"ArgumentError: {name}.new({subject}) takes no id")
        subjects[subject] = Subject(str(subject) if isinstance(subject, URIRef) else None, name)
    for subject, predicate, value in graph:
        if predicate == RDF.type:
            continue
        built = subjects.get(subject)
        if built is None:
            raise ImportFailed(f"undefined method 'hasSemanticProperty?' for nil (subject {subject})")
        key = str(predicate).removeprefix(DFC_B)
        resolved: t.Any = subjects.get(value) if value in subjects else _plain(value)
        built.values.setdefault(key, []).append(resolved)
    return list(subjects.values())


def _plain(value: Node) -> t.Any:
    if isinstance(value, Literal):
        return value.toPython()
    if isinstance(value, BNode):
        return None
    return value


def ofn_order(body: bytes | dict[str, t.Any]) -> Subject:
    """`FdcBackorderer#find_order`: the imported subject typed dfc-b:Order."""
    [order] = [s for s in ofn_import(body) if s.type == "Order"]
    return order


def ofn_reads(order: Subject) -> dict[str, t.Any]:
    """What the backorder code reads of an order, each read as OFN's Ruby would make it.

    Every `offer.offeredItem.semanticId` raises `ImportFailed` where Ruby raises NoMethodError.
    """
    lines = []
    for line in order.many("hasPart"):
        if not isinstance(line, Subject):
            raise ImportFailed(f"undefined method 'offer' for {line!r}: the line is not a subject")
        offer = line.one("concerns")
        if not isinstance(offer, Subject):
            raise ImportFailed(f"undefined method 'offeredItem' for {offer!r} (line {line.semantic_id})")
        item = offer.one("offeredItem")
        if not isinstance(item, Subject):
            raise ImportFailed(f"undefined method 'semanticId' for {item!r} (offer {offer.semantic_id})")
        lines.append(
            {
                "id": line.semantic_id,
                "offered_item": item.semantic_id,
                "quantity": int(float(line.one("quantity"))),
                "offer": offer,
            }
        )
    session = order.one("belongsTo")
    return {
        "id": order.semantic_id,
        "held": order.one("hasOrderStatus") == HELD,
        "lines": lines,
        "sale_session": session.semantic_id if isinstance(session, Subject) else session,
    }
