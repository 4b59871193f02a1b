"""DFC adapter: reads DFC 1.16.0 JSON-LD orders, the inverse of statebridge's own DFC writers.

Every document (a whole file, or one NDJSON line) is parsed with rdflib, strictly offline (known
DFC context URLs resolve to the bundled 1.16.0 copy at any depth, any other is refused), so that
compact or expanded JSON-LD, an `@graph` or a single node, a top-level array, nested or flat
nodes, and status values written as `"dfc-v:Held"`, `{"@id": "dfc-v:Held"}` or full IRIs all give
the same triples (a document of the simple compact form statebridge and OFN write is read into
that graph by `direct.py`, without rdflib's JSON-LD parser). Each subject typed `dfc-b:Order` is
one order, in document order; its position in messages is its IRI (`<https://…/Orders/7>`).

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

import typing as t

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.term import Node

from ...dfc.graph import DFCB
from ...dfc.parse import parse_untrusted_jsonld
from ...dfc.vocab import CONTEXT_URL, DFC_B
from ...errors import OrderError, UnknownStatusError, UnrecognisedShapeError
from ...states import DIMENSION_STATES, DFCStates, Dimension
from ..base import Adapter, RawOrder
from ..hints import envelope_hint
from .direct import compact_graph
from .graph_fields import (
    _agent,
    _blank_order_id,
    _buyer,
    _curie,
    _date,
    _iri,
    _lines,
    _name,
    _roles,
    _status,
    _text,
)
from .kept import kept_statements

__all__ = ["DfcAdapter"]

SHAPE = "dfc-jsonld"


#: Keys that say a document is some platform's own JSON rather than JSON-LD.


class DfcAdapter(Adapter):
    """Reads DFC JSON-LD into canonical orders whose states are the document's own."""

    name = "dfc"
    shapes = (SHAPE,)
    #: Its fields come from an RDF graph and carry kept statements and states: the bulk path
    #: would read each order twice for nothing.
    reads_fields = False
    #: Whether a document of the simple compact form is read into its graph without rdflib's JSON-LD
    #: parser (`direct.py`); the tests turn it off to read the same documents the reference way.
    direct = True
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
            graph = compact_graph(document) if self.direct else None
            if graph is None:
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


# -- why there is no order -----------------------------------------------------------------------


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
