"""The graph of a simple compact DFC JSON-LD document, built without rdflib's JSON-LD parser (issue 17).

`parse_untrusted_jsonld` copies the 1.16.0 context into every document, has rdflib load its 170
terms again, and walks the document through the general JSON-LD machinery: most of the time the
Orders endpoint spends on a write body. `compact_graph` takes only the common form, what
statebridge's writer and Open Food Network send: `{"@context": "<a known DFC context URL>",
"@graph": [node, …]}`, nodes with an `@id` and `@type` strings and properties whose values are
strings, numbers, `{"@value": …, "@type": …}` literals, `{"@id": …}` references and embedded nodes
of the same kind. For those it adds to the graph the same triples, in the same order, that rdflib's
parser adds (`rdflib.plugins.parsers.jsonld.Parser`, whose steps each branch below names), expanding
terms and IRIs with rdflib's own `Context` loaded once from the bundled context. The adapter then
reads the order from that graph with the same code as always (fields, kept statements, errors).

Anything else (another context, a keyword it does not handle, a blank node label, `@list`, a
language tag, an IRI with a space or `<>"{}|\\^``, a number orjson cannot write, text that is not
valid UTF-8, nesting deeper than `_MAX_DEPTH`) gives None, and the document goes through
`parse_untrusted_jsonld`. `tests/test_dfc_direct.py` holds the two to isomorphic graphs and equal
orders.
"""

from __future__ import annotations

import copy
import functools
import math
import re
import typing as t

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.plugins.shared.jsonld.context import Context, Term
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.term import Node

from ...dfc.context import term_definitions
from ...dfc.parse import INVALID_IRI_CHARACTERS, RELATIVE_BASE
from ...dfc.vocab import KNOWN_CONTEXT_URLS
from ...dfc.xsdnumbers import quiet_term_warnings
from ...memo import remember

__all__ = ["compact_graph"]

#: Embedded nodes deeper than this (the writer's line price is at depth 1) are left to rdflib.
_MAX_DEPTH = 3
#: The integers orjson writes (the reference path serialises the document with it).
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1
#: An IRI or CURIE as written: a scheme or prefix, then no character that rdflib would warn about.
_IRI_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*\Z")
#: Whitespace and control characters, which rdflib keeps in an IRI: left to the reference.
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


class _Decline(Exception):
    """The document is not in the form read here: the reference parser reads it."""


@functools.cache
def _context() -> Context:
    """The 1.16.0 context as rdflib's parser loads it for each document (`to_rdf`, then `Parser.parse`)."""
    context = Context(base=RELATIVE_BASE, version=1.1)
    context.load(copy.deepcopy(term_definitions()), context.base)
    if context.vocab or context.language or context._alias:  # what the walk assumes
        msg = "the bundled DFC context changed: the direct reader needs review"
        raise RuntimeError(msg)
    return context


def compact_graph(document: t.Any) -> Graph | None:
    """The graph `parse_untrusted_jsonld(document)` gives, or None when `document` is not of the
    simple compact form read here."""
    if type(document) is not dict or len(document) != 2:
        return None
    source = document.get("@context")
    nodes = document.get("@graph")
    if type(source) is not str or source not in KNOWN_CONTEXT_URLS or type(nodes) is not list:
        return None
    walk = _Walk(_context())
    try:
        with quiet_term_warnings():
            for node in nodes:  # `Parser._key_to_graph`, `@graph`: each node into the one graph
                walk.node(node, 0)
    except _Decline:
        return None
    # The store without named graphs: the same indexes, in the same order, at half the cost of adding
    # to `Memory` (rdflib's default, which a parse into a `Graph` uses); a document has one graph.
    graph = Graph(store=SimpleMemory())
    add = graph.add
    for triple in walk.triples:
        add(triple)
    return graph


class _Walk:
    """One document's triples, in the order rdflib's parser adds them."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.triples: list[tuple[Node, URIRef, Node]] = []

    def node(self, node: t.Any, depth: int) -> Node:
        """`Parser._add_to_graph` for a node object without `@context`: its subject, after its triples."""
        if type(node) is not dict or depth > _MAX_DEPTH:
            raise _Decline
        id_value = node.get("@id")
        subject: Node
        if id_value is None:
            subject = BNode()
        elif type(id_value) is str:
            subject = _iri(self.context, id_value)
        else:
            raise _Decline
        add = self.triples.append
        for key, value in node.items():
            if key == "@id":
                continue
            if key == "@type":
                for item in value if type(value) is list else (value,):
                    add((subject, RDF.type, _type(self.context, item)))
                continue
            predicate, by_reference = _predicate(self.context, key)
            for item in value if type(value) is list else (value,):
                add((subject, predicate, self._object(item, by_reference, depth)))
        return subject

    def _object(self, value: t.Any, by_reference: bool, depth: int) -> Node:
        """`Parser._to_object`: an IRI, a literal, or an embedded node's subject."""
        kind = type(value)
        if kind is dict:
            if "@value" in value:
                return _value_object(self.context, value)
            if "@list" in value or "@set" in value:
                raise _Decline
            return self.node(value, depth + 1)
        if by_reference:
            if kind is not str:
                raise _Decline
            # `{"@id": context.resolve(value)}`, then `_add_to_graph`, which resolves it again
            return _iri(self.context, value)
        return _literal(value)


# -- terms, each made once: a document repeats its keys, types, IRIs and most of its values ------------

#: Texts longer than this (descriptions) are not remembered.
_CACHED_TEXT = 256
_IRIS: dict[str, URIRef] = {}
_TYPES: dict[str, URIRef] = {}
_PREDICATES: dict[str, tuple[URIRef, bool]] = {}
_LITERALS: dict[tuple[type, t.Any, str | None], Literal] = {}
_XSD_DOUBLE = URIRef("http://www.w3.org/2001/XMLSchema#double")


def _iri(context: Context, iri: str) -> URIRef:
    """`Context.resolve` (a CURIE expanded, the rest resolved against the base), for IRIs that rdflib
    keeps as written: no blank node label, no space nor `<>"{}|\\^``, valid UTF-8. A reference is
    resolved twice by rdflib, an `@id` once: only IRIs for which that is the same are taken."""
    known = _IRIS.get(iri)
    if known is not None:
        return known
    if iri.startswith("_:") or INVALID_IRI_CHARACTERS.intersection(iri) or _CONTROL.search(iri):
        raise _Decline
    if not _valid_text(iri):
        raise _Decline
    resolved = context.resolve(iri)
    if not resolved or ":" not in resolved or INVALID_IRI_CHARACTERS.intersection(resolved):
        raise _Decline
    if context.resolve(resolved) != resolved:
        raise _Decline
    return remember(_IRIS, iri, URIRef(resolved))


def _type(context: Context, value: t.Any) -> URIRef:
    """`_to_object` with the `@type` term (`@vocab` expansion), then `_add_to_graph` of `{"@id": …}`."""
    if type(value) is not str:
        raise _Decline
    known = _TYPES.get(value)
    if known is not None:
        return known
    if not _IRI_TEXT.match(value) or not _valid_text(value):
        raise _Decline
    expanded = context.expand(value) or context.resolve_iri(value)
    if not expanded or INVALID_IRI_CHARACTERS.intersection(expanded) or expanded.startswith("_:"):
        raise _Decline
    resolved = context.resolve(expanded)
    if not resolved or ":" not in resolved:
        raise _Decline
    return remember(_TYPES, value, URIRef(resolved))


def _predicate(context: Context, key: t.Any) -> tuple[URIRef, bool]:
    """`Parser._key_to_graph` for a term or CURIE key of the context (none has a container): the
    property, and whether a string value is an IRI (`@type: @id`)."""
    known = _PREDICATES.get(key)
    if known is not None:
        return known
    if type(key) is not str or key.startswith("@") or not _valid_text(key):
        raise _Decline  # @context, @reverse, @graph, @included, @nest, …
    term: Term | None = context.terms.get(key)
    if term is None:
        if not _IRI_TEXT.match(key):
            raise _Decline
        predicate = context.expand(key)
    else:
        predicate = term.id
        if term.container or term.reverse or term.type not in (0, "@id"):
            raise _Decline  # checked anyway: the 1.16.0 context has no such term
    if not predicate or predicate.startswith("_:") or not _IRI_TEXT.match(predicate):
        raise _Decline
    by_reference = term is not None and term.type == "@id"
    return remember(_PREDICATES, key, (URIRef(predicate), by_reference))


def _literal(value: t.Any) -> Literal:
    """A JSON string, number or boolean as `Parser._to_object` makes it (`null` gives no triple)."""
    kind = type(value)
    if kind is not str and kind is not int and kind is not bool and kind is not float:
        raise _Decline  # null (no triple), a nested list, or something JSON does not have
    key = (kind, repr(value) if kind is float else value, None)
    known = _LITERALS.get(key)
    if known is not None:
        return known
    if kind is str:
        if not _valid_text(value):
            raise _Decline
        literal = Literal(value, lang=None)
    elif kind is float:
        if not math.isfinite(value):  # orjson writes NaN and Infinity as null
            raise _Decline
        literal = Literal(value, datatype=_XSD_DOUBLE)
    else:
        if kind is int and not _INT_MIN <= value <= _INT_MAX:
            raise _Decline
        literal = Literal(value, lang=None)
    if kind is str and len(value) > _CACHED_TEXT:
        return literal
    return remember(_LITERALS, key, literal)


def _value_object(context: Context, value: dict[str, t.Any]) -> Literal:
    """A `{"@value": "…"}` or `{"@value": "…", "@type": "…"}` value object: text only."""
    text = value["@value"]
    datatype = value.get("@type")
    if type(text) is not str or len(value) != (1 if datatype is None else 2):
        raise _Decline
    if datatype is not None and type(datatype) is not str:
        raise _Decline
    key = (dict, text, datatype)
    known = _LITERALS.get(key)
    if known is not None:
        return known
    if not _valid_text(text):
        raise _Decline
    if datatype is None:
        literal = Literal(text)
    else:
        if not _IRI_TEXT.match(datatype) or not _valid_text(datatype):
            raise _Decline
        expanded = context.expand(datatype)
        if not expanded or not _IRI_TEXT.match(expanded):
            raise _Decline
        literal = Literal(text, datatype=expanded)
    if len(text) > _CACHED_TEXT:
        return literal
    return remember(_LITERALS, key, literal)


def _valid_text(text: str) -> bool:
    """Whether orjson can write `text` (the reference path does): no lone surrogate."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
