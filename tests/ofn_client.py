"""Open Food Network's backorder client, as far as the replay in test_ofn_backorder_replay.py needs it.

Two parts:

- `Cassette`: OFN's recorded DFC traffic (fixtures/dfc/ofn_backorder/, extracted from OFN's VCR
  cassettes): each interaction's method, URI, request headers and body, and the recorded server's
  status and body, verbatim.
- `read_like_ofn`: what OFN's code can read from a DFC document. OFN imports every response with
  the DFC Ruby connector, whose importer builds one object per typed subject of the graph and
  links a property to another object only when that object is a typed subject of the same
  document; any other value stays a bare IRI or literal, on which OFN's calls (`line.offer
  .offeredItem.semanticId`) raise `undefined method` (docs/references/ofn-backorder-flow.md, §1).
  So a line counts as OFN reads it only when the line, its offer and the offered item are typed
  nodes in the document.

The facts, with the OFN and connector source lines they come from, are in
docs/references/ofn-backorder-flow.md.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import typing as t
from decimal import Decimal, InvalidOperation

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from statebridge.dfc.graph import DFCB
from statebridge.dfc.parse import parse_untrusted_jsonld
from statebridge.dfc.vocab import DFC_V

from .conftest import FIXTURES

__all__ = [
    "CASSETTES",
    "COMPLETE",
    "HELD",
    "RECORDED_ORIGIN",
    "RECORDED_SLUG",
    "Cassette",
    "Interaction",
    "OfnLine",
    "OfnOrder",
    "cassettes",
    "read_like_ofn",
]

CASSETTES = FIXTURES / "dfc" / "ofn_backorder"
#: Where the recorded FDC server ran, and the enterprise OFN ordered from.
RECORDED_ORIGIN = "https://env-0105831.jcloud-ver-jpe.ik-server.com"
RECORDED_SLUG = "test-hodmedod"
HELD = DFC_V + "Held"
COMPLETE = DFC_V + "Complete"


@dataclasses.dataclass(frozen=True)
class Interaction:
    index: int
    method: str
    uri: str
    headers: dict[str, str]
    body: str
    status: int
    response: str


@dataclasses.dataclass(frozen=True)
class Cassette:
    name: str
    source: str
    interactions: tuple[Interaction, ...]

    @classmethod
    def load(cls, path: pathlib.Path) -> Cassette:
        document = json.loads(path.read_text("utf-8"))
        interactions = tuple(
            Interaction(
                index=i["index"],
                method=i["request"]["method"],
                uri=i["request"]["uri"],
                headers=i["request"]["headers"],
                body=i["request"]["body"],
                status=i["response"]["status"],
                response=i["response"]["body"],
            )
            for i in document["interactions"]
        )
        return cls(path.stem, document["source"], interactions)

    def first(self, method: str, *, after: Interaction | None = None) -> Interaction | None:
        """The first interaction with `method` (after `after`, when given)."""
        start = 0 if after is None else self.interactions.index(after) + 1
        return next((i for i in self.interactions[start:] if i.method == method), None)

    @property
    def post(self) -> Interaction:
        found = self.first("POST")
        assert found is not None, f"{self.name} records no POST"
        return found

    @property
    def put(self) -> Interaction:
        found = self.first("PUT")
        assert found is not None, f"{self.name} records no PUT"
        return found

    def gets_before(self, interaction: Interaction) -> list[Interaction]:
        end = self.interactions.index(interaction)
        return [i for i in self.interactions[:end] if i.method == "GET"]


@dataclasses.dataclass(frozen=True)
class OfnLine:
    """One order line as OFN's code sees it; `None` where the Ruby importer leaves no object."""

    iri: str | None
    quantity: Decimal | None
    offer: str | None
    offered_item: str | None
    price_is_named: bool

    @property
    def whole_quantity(self) -> int | None:
        """`line.quantity.to_i`, as BackorderUpdater and the specs read it."""
        return None if self.quantity is None else int(self.quantity)


@dataclasses.dataclass(frozen=True)
class OfnOrder:
    iri: str
    status: str | None
    lines: tuple[OfnLine, ...]
    untyped_parts: tuple[str, ...]  # dfc-b:hasPart values with no typed OrderLine node

    def quantities(self) -> list[tuple[str | None, int | None]]:
        """(offered item, whole quantity) of each line, sorted: how BackorderUpdater matches lines
        to products (FdcBackorderer#find_order_line) and reads their quantities."""
        return sorted(((line.offered_item, line.whole_quantity) for line in self.lines), key=str)


def _typed(graph: Graph, node: Node, kind: URIRef) -> bool:
    return (node, RDF.type, kind) in graph


def _iri(node: Node | None) -> str | None:
    return str(node) if isinstance(node, URIRef) else None


def _quantity(value: Node | None) -> Decimal | None:
    if not isinstance(value, Literal):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _line(graph: Graph, node: Node, *, sent: bool) -> OfnLine:
    offer = graph.value(node, DFCB.concerns)
    if offer is not None and not _typed(graph, offer, DFCB.Offer):
        offer = None
    item = None if offer is None else graph.value(offer, DFCB.offeredItem)
    if sent and isinstance(item, Literal):
        # The DFC 1.16.0 context does not declare dfc-b:offeredItem `@type: @id`, and OFN writes
        # it as a plain string: in RDF a literal. What OFN meant is the IRI it holds.
        item = URIRef(str(item))
    elif item is not None and not _typed(graph, item, DFCB.SuppliedProduct):
        item = None
    price = graph.value(node, DFCB.hasPrice)
    return OfnLine(
        iri=_iri(node),
        quantity=_quantity(graph.value(node, DFCB.quantity)),
        offer=_iri(offer),
        offered_item=_iri(item),
        price_is_named=price is not None and not isinstance(price, BNode),
    )


def read_like_ofn(document: str | bytes | t.Any, *, sent: bool = False) -> list[OfnOrder]:
    """Every `dfc-b:Order` of a DFC JSON-LD document, as OFN's backorder code reads it.

    With `sent`, the document is one OFN sent, read for what OFN meant by it (its offered items
    are plain strings); otherwise it is a response, read as OFN's importer builds it: an offered
    item counts only as an IRI naming a typed `dfc-b:SuppliedProduct` node of the response.
    """
    if isinstance(document, str | bytes):
        document = json.loads(document)
    graph = parse_untrusted_jsonld(document)
    orders = []
    for node in sorted(graph.subjects(RDF.type, DFCB.Order), key=str):
        if not isinstance(node, URIRef):
            continue
        parts = sorted(graph.objects(node, DFCB.hasPart), key=str)
        lines = tuple(_line(graph, part, sent=sent) for part in parts if _typed(graph, part, DFCB.OrderLine))
        untyped = tuple(str(part) for part in parts if not _typed(graph, part, DFCB.OrderLine))
        status = graph.value(node, DFCB.hasOrderStatus)
        orders.append(OfnOrder(str(node), _iri(status), lines, untyped))
    return orders


def cassettes() -> list[Cassette]:
    return [Cassette.load(path) for path in sorted(CASSETTES.glob("*.json"))]
