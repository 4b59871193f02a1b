"""Orders as the DFC endpoint sends them: rendered in the negotiated media type, with strong
validators, answered 304 to a matching `If-None-Match`.

Every media type is written from the same node objects (`order_nodes`): JSON-LD with orjson,
Turtle and N-Triples directly by `dfc/rdfwrite.py`, never through an rdflib graph."""

from __future__ import annotations

import dataclasses
import hashlib
import typing as t

import orjson
from starlette.requests import Request
from starlette.responses import Response

from .. import __version__
from ..dfc import order_document, order_nodes
from ..dfc.rdfwrite import TURTLE_PREFIXES, ntriples_text, turtle_text
from ..dfc.vocab import CONTEXT_URL
from ..model import Order
from ..store import StoredOrder
from .lines import line_nodes
from .negotiation import JSON, JSONLD, TURTLE
from .scope import Scope

__all__ = [
    "Rendered",
    "body_etag",
    "etag_matches",
    "order_etag",
    "render_collection",
    "render_lines",
    "render_order",
    "respond",
    "served_order",
]

Node = dict[str, t.Any]


def order_etag(stored: StoredOrder, scope: Scope, media: str, part: str = "") -> str:
    """A strong validator for one order's representation (or `part` of it, its `OrderLines`): the
    same whenever the same bytes are served (stored version, IRI base, media type, statebridge's
    version, which fixes the writer)."""
    key = f"{__version__}\n{stored.public_id}\n{stored.version}\n{scope.base}\n{media}\n{part}"
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def served_order(stored: StoredOrder) -> Order:
    return stored.order.model_copy(update={"id": stored.public_id})


def render_order(stored: StoredOrder, scope: Scope, media: str) -> bytes:
    order = served_order(stored)
    if media in (JSONLD, JSON):
        return orjson.dumps(order_document(order, scope.minter))
    nodes = order_nodes(order, scope.minter)
    return rdf_text([(nodes[0]["@id"], nodes)], media)


def render_collection(rows: list[StoredOrder], scope: Scope, media: str) -> bytes:
    """A page of orders as FDC's server lists them: every order's nodes in one flat graph, and
    nothing else (no container node: a consumer such as the Ruby DFC connector fails on a type it
    does not know). The page's place in the collection is in the `Link` header."""
    minter = scope.minter
    orders = [served_order(stored) for stored in rows]
    if media in (JSONLD, JSON):
        nodes = [node for order in orders for node in order_nodes(order, minter)]
        return orjson.dumps({"@context": CONTEXT_URL, "@graph": nodes})
    each = [order_nodes(order, minter) for order in orders]
    return rdf_text([(nodes[0]["@id"], nodes) for nodes in each], media)


def render_lines(order: Order, lines: list[str], scope: Scope, media: str) -> bytes:
    """`lines` (IRIs of lines of `order`) and the nodes they point at, not the order itself."""
    minter = scope.minter
    if media in (JSONLD, JSON):
        nodes = line_nodes(order_nodes(order, minter), lines)
        return orjson.dumps({"@context": CONTEXT_URL, "@graph": nodes})
    nodes = order_nodes(order, minter)
    return rdf_text([(nodes[0]["@id"], line_nodes(nodes, lines))], media)


def rdf_text(written: t.Iterable[tuple[str, list[Node]]], media: str) -> bytes:
    """Turtle or N-Triples of node objects, each list with the IRI of the order they belong to
    (which names their blank nodes in N-Triples, so that two orders never share one)."""
    if media == TURTLE:
        return (TURTLE_PREFIXES + "".join(turtle_text(nodes) for _, nodes in written)).encode()
    return "".join(ntriples_text(nodes, order_iri) for order_iri, nodes in written).encode()


def body_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@dataclasses.dataclass(frozen=True)
class Rendered:
    """A representation ready to send: its bytes, their strong validator and extra headers."""

    body: bytes
    etag: str
    headers: t.Mapping[str, str]


def respond(request: Request, rendered: Rendered, media: str, *, status: int = 200) -> Response:
    common = {"ETag": rendered.etag, "Vary": "Accept, Authorization", **rendered.headers}
    if (
        status == 200
        and request.method in ("GET", "HEAD")
        and etag_matches(request.headers.get("if-none-match"), rendered.etag)
    ):
        return Response(status_code=304, headers={k: v for k, v in common.items() if k != "Link"})
    return Response(rendered.body, status_code=status, media_type=media, headers=common)


def etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    candidates = [part.strip() for part in header.split(",")]
    return "*" in candidates or etag in candidates
