"""N-Triples and Turtle written straight from the node objects of the JSON-LD writer.

`jsonld.order_nodes` is the one mapping of an order to RDF that the fast writers share: this module
reads its node objects as a JSON-LD processor reads them under the DFC 1.16.0 context, and spells
the same triples as text, without building a graph. The subset it reads is the one the writer makes:

- a node object's `@id` (an IRI, a compact IRI such as `dfc-b:…`, or a `_:` blank node label) and
  `@type` (a compact IRI or an IRI, or a list of them);
- any other key is a property (a compact IRI or an IRI); its value is a list of values or one value;
- a string value is an IRI when the context declares the property `@type: @id`, else a plain literal;
- `{"@value": …}` with `@type` (a datatype IRI) or `@language` is a literal;
- `{"@id": …}` is a reference; a dict without `@id` or `@value` is a blank node embedded there.

Blank node labels are deterministic (no hash seed, no counter shared across orders), so the same
orders are the same bytes in every run and every `--jobs` worker: a node the writer labelled
(`_:k…`, `kept.py`) keeps its label, made safe for the N-Triples grammar; an embedded blank node
gets, in N-Triples, a label from a digest of the order's IRI and its place in the order. Turtle
writes embedded blank nodes as `[ … ]` where they are, so they need no label.

Each node is written by a plan compiled for its shape (`rdfplan.py`) once the shape has come twice,
and by the generic code here otherwise; `generic_ntriples_text` and `generic_turtle_text` always
take the generic code, the reference the plans are tested against.
"""

from __future__ import annotations

import functools
import hashlib
import typing as t

from .rdfplan import NTPlan, PlanCache, Shape, TTLPlan, TurtleObjects, compile_nt, compile_ttl, no_plan
from .rdfterms import (
    KEYS,
    NT_REFS,
    NT_TERMS,
    RDF_TYPE,
    TTL_REFS,
    TTL_TERMS,
    TURTLE_PREFIXES,
    Node,
    key_terms,
    not_a_node,
    nt_literal,
    nt_ref,
    nt_term,
    quoted,
    ttl_literal,
    ttl_ref,
    ttl_term,
)

__all__ = ["TURTLE_PREFIXES", "generic_ntriples_text", "generic_turtle_text", "ntriples_text", "turtle_text"]


# -- N-Triples ------------------------------------------------------------------------------------


def _nt_generic(node: Node, subject: str, writer: _NTriples) -> bool:
    """Append `node`'s lines to `writer.lines`, key by key (True: as a plan says it wrote them)."""
    append = writer.lines.append
    keys, refs = KEYS, NT_REFS  # looked up here before the functions that fill them
    for key, value in node.items():
        if key == "@id":
            continue
        if key == "@type":
            for name in value if isinstance(value, list) else (value,):
                append(f"{subject} {RDF_TYPE} {NT_TERMS.get(name) or nt_term(name)} .\n")
            continue
        predicate, _, is_id = keys.get(key) or key_terms(key)
        if isinstance(value, str):  # the common case: one IRI or plain literal
            spelled = (refs.get(value) or nt_ref(value)) if is_id else quoted(value)
            append(f"{subject} {predicate} {spelled} .\n")
        elif isinstance(value, list):
            for item in value:
                append(f"{subject} {predicate} {writer.object(item, is_id)} .\n")
        else:
            append(f"{subject} {predicate} {writer.object(value, is_id)} .\n")
    return True


_NT_PLANS: PlanCache[NTPlan] = PlanCache(compile_nt, _nt_generic)
_NT_GENERIC: PlanCache[NTPlan] = PlanCache(no_plan, _nt_generic)


class _NTriples:
    """The lines of one order's nodes; embedded blank nodes are labelled `_:b{digest}n{count}`."""

    def __init__(self, seed: str, plans: PlanCache[NTPlan]) -> None:
        self.lines: list[str] = []
        self.prefix = "_:b" + hashlib.sha256(seed.encode("utf-8")).hexdigest()[:20] + "n"
        self.count = 0
        self.plans = plans

    def node(self, node: Node) -> str:
        """Write `node`'s triples; returns its term (a new blank node label when it has no `@id`)."""
        named = node.get("@id")
        if named is None:
            return self.blank(node)
        subject = NT_REFS.get(named) or nt_ref(named)
        keys = tuple(node)
        plans = self.plans
        if not (plans.plans.get(keys) or plans.find(keys, node))(node, subject, self):
            _nt_generic(node, subject, self)
        return subject

    def blank(self, node: Node) -> str:
        """Write the triples of `node`, which has no `@id`, under a new label; returns the label."""
        self.count += 1
        subject = f"{self.prefix}{self.count}"
        keys = tuple(node)
        plans = self.plans
        if not (plans.plans.get(keys) or plans.find(keys, node))(node, subject, self):
            _nt_generic(node, subject, self)
        return subject

    def object(self, item: t.Any, is_id: bool) -> str:
        if isinstance(item, str):
            return nt_ref(item) if is_id else quoted(item)
        if not isinstance(item, dict):
            raise not_a_node(item)
        if "@value" in item:
            return nt_literal(item)
        named = item.get("@id")
        if named is None:
            return self.node(item)  # an embedded blank node
        if len(item) > 1:
            raise not_a_node(item)  # a named node embedded in another: the writers never make one
        return nt_ref(named)


def ntriples_text(nodes: t.Iterable[Node], seed: str) -> str:
    """N-Triples of `nodes`, one order's node objects (or a part of them); `seed` (the order's IRI)
    names its embedded blank nodes, so it must differ between the orders of one document."""
    writer = _NTriples(seed, _NT_PLANS)
    for node in nodes:
        writer.node(node)
    return "".join(writer.lines)


def generic_ntriples_text(nodes: t.Iterable[Node], seed: str) -> str:
    """`ntriples_text` without plans: the reference `tests/test_rdf_plans.py` holds plans to."""
    writer = _NTriples(seed, _NT_GENERIC)
    for node in nodes:
        writer.node(node)
    return "".join(writer.lines)


# -- Turtle ---------------------------------------------------------------------------------------

#: Between the properties of a node written as a statement, and of an embedded `[ … ]`.
_STATEMENT = " ;\n    "
_EMBEDDED = " ; "


class _Turtle:
    """Turtle of node objects, with plans (or none) for statements and for embedded nodes."""

    def __init__(self, planned: bool) -> None:
        helpers = TurtleObjects(self.object, self.objects, _type_list)
        statement: t.Callable[[Shape, Node], TTLPlan | None] = no_plan
        embedded: t.Callable[[Shape, Node], TTLPlan | None] = no_plan
        if planned:
            statement = functools.partial(compile_ttl, separator=_STATEMENT, helpers=helpers)
            embedded = functools.partial(compile_ttl, separator=_EMBEDDED, helpers=helpers)
        self.statements: PlanCache[TTLPlan] = PlanCache(statement, self._statement)
        self.embedded: PlanCache[TTLPlan] = PlanCache(embedded, self._embedded)

    def _statement(self, node: Node) -> str:
        return self.generic(node, _STATEMENT)

    def _embedded(self, node: Node) -> str:
        return self.generic(node, _EMBEDDED)

    def generic(self, node: Node, separator: str) -> str:
        """`a T ; p o, o ; …` for a node object: embedded blank nodes as `[ … ]`, on one line."""
        parts: list[str] = []
        append = parts.append
        keys, refs, terms = KEYS, TTL_REFS, TTL_TERMS  # looked up here before the functions that fill them
        for key, value in node.items():
            if key == "@id":
                continue
            kind = type(value)
            if key == "@type":
                if kind is list:
                    append("a " + _type_list(value))
                else:
                    append("a " + (terms.get(value) or ttl_term(value)))
                continue
            _, predicate, is_id = keys.get(key) or key_terms(key)
            if kind is str:  # the common case: one IRI or plain literal
                append(f"{predicate} {(refs.get(value) or ttl_ref(value)) if is_id else quoted(value)}")
            elif kind is list:
                append(f"{predicate} {self.objects(value, is_id)}")
            else:
                append(f"{predicate} {self.object(value, is_id)}")
        return separator.join(parts)

    def properties(self, node: Node, plans: PlanCache[TTLPlan], separator: str) -> str:
        keys = tuple(node)
        text = (plans.plans.get(keys) or plans.find(keys, node))(node)
        return self.generic(node, separator) if text is None else text

    def objects(self, items: list[t.Any], is_id: bool) -> str:
        return ", ".join([self.object(item, is_id) for item in items])

    def object(self, item: t.Any, is_id: bool) -> str:
        if isinstance(item, str):
            return ttl_ref(item) if is_id else quoted(item)
        if not isinstance(item, dict):
            raise not_a_node(item)
        if "@value" in item:
            return ttl_literal(item)
        named = item.get("@id")
        if named is None:
            inner = self.properties(item, self.embedded, _EMBEDDED)
            return f"[ {inner} ]" if inner else "[]"
        if len(item) > 1:
            raise not_a_node(item)  # a named node embedded in another: the writers never make one
        return ttl_ref(named)

    def text(self, nodes: t.Iterable[Node]) -> str:
        blocks = []
        statements = self.statements
        for node in nodes:
            named = node.get("@id")
            body = self.properties(node, statements, _STATEMENT)
            if named is None:
                blocks.append(f"\n[ {body} ] .\n" if body else "\n[] .\n")
            elif body:
                blocks.append(f"\n{ttl_ref(named)} {body} .\n")
        return "".join(blocks)


def _type_list(names: list[t.Any]) -> str:
    terms = TTL_TERMS
    return ", ".join([terms.get(name) or ttl_term(name) for name in names])


_TURTLE = _Turtle(planned=True)
_TURTLE_GENERIC = _Turtle(planned=False)


def turtle_text(nodes: t.Iterable[Node]) -> str:
    """Turtle statements of `nodes` (after `TURTLE_PREFIXES`): one block per node object, each
    starting with a blank line, its properties grouped with `;` and values with `,`."""
    return _TURTLE.text(nodes)


def generic_turtle_text(nodes: t.Iterable[Node]) -> str:
    """`turtle_text` without plans: the reference `tests/test_rdf_plans.py` holds plans to."""
    return _TURTLE_GENERIC.text(nodes)
