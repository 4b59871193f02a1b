"""N-Triples and Turtle writers compiled per node shape: the generic writers' work, without their loop.

The nodes of one kind (an order, a line, a price, a person) come out of the JSON-LD writer with the
same keys in the same order and values of the same JSON types, order after order. For such a shape
(its keys, and the type of each value in the node it was compiled from), `compile_nt` and
`compile_ttl` generate one Python function that unpacks the node's values and spells its triples in
formatted strings, where the generic writer (`rdfwrite.py`) walks the keys, looks each one up and
tests each value's type for every triple.

Plans are found by the node's keys alone (a tuple of them is the cheapest key there is). A plan
checks the type of each value it expects to be a list or an object; a value it expects to be a
string is spelled by functions that raise `TypeError` or `AttributeError` on anything else (a
string pattern searched in a number, a list used as a dict key, `startswith` of a number). Either
way the plan writes nothing (an N-Triples plan takes back the lines it appended and the blank node
labels it counted) and says so, and the node goes to the generic writer, which writes it or raises
its own error. A generated function spells every value with the same functions as the generic writer
(`rdfterms.py`) and hands any value that is not a string (a list, a value object, an embedded node)
to the generic writer's own code, so both write the same bytes, in the same order
(`tests/test_rdf_plans.py` holds them to that).

Safety: the generated source names only variables (`v3`, `P3`) and the helpers passed in; keys,
predicates and values reach it as values bound to those names, never as source text, so nothing in
an input can become code. `PlanCache` compiles a shape only when it comes again, caps the number of
keys a planned shape may have, and keeps a bounded number of plans, so that input made of ever new
shapes costs a cache lookup per node, not a compilation.
"""

from __future__ import annotations

import typing as t

from .rdfterms import (
    NT_REFS,
    NT_TERMS,
    RDF_TYPE,
    TTL_REFS,
    TTL_TERMS,
    Node,
    key_terms,
    nt_literal,
    nt_ref,
    nt_term,
    quoted,
    ttl_ref,
    ttl_term,
)

__all__ = ["MAX_KEYS", "PlanCache", "Shape", "compile_nt", "compile_ttl", "no_plan"]

#: The keys of a node object in order, and the exact type of each value.
Shape = tuple[tuple[str, ...], tuple[type, ...]]

#: The most keys a shape may have to be compiled; larger nodes (kept statements of a DFC order with
#: many properties) stay with the generic writer.
MAX_KEYS = 48
#: How many plans a cache keeps (emptied when full) and how many key tuples it remembers having seen.
_PLANS_KEPT = 1024
#: The value types a plan is compiled for; a node with any other (a `str` subclass, a number) is
#: left to the generic writer, which tests values with `isinstance`.
_KINDS = (str, list, dict)
#: What spelling a value of an unexpected type raises (see above).
_WRONG_TYPE = "(TypeError, AttributeError)"

P = t.TypeVar("P")


class PlanCache(t.Generic[P]):
    """Plans by a node's keys: `plans.get(keys)` is the hot path; `find` compiles a key tuple the
    second time it is asked for (keys seen once cost no compilation) and stores `generic` for a node
    that cannot be compiled."""

    def __init__(self, compile_plan: t.Callable[[Shape, Node], P | None], generic: P) -> None:
        self.plans: dict[tuple[str, ...], P] = {}
        self._seen: set[tuple[str, ...]] = set()
        self._compile = compile_plan
        self._generic = generic

    def find(self, keys: tuple[str, ...], node: Node) -> P:
        if keys not in self._seen:
            if len(self._seen) >= _PLANS_KEPT:
                self._seen.clear()
            self._seen.add(keys)
            return self._generic
        if len(self.plans) >= _PLANS_KEPT:
            self.plans.clear()
        plan = self._compile((keys, tuple(map(type, node.values()))), node)
        found = self.plans[keys] = self._generic if plan is None else plan
        return found


def no_plan(shape: Shape, node: Node) -> None:
    """The compiler of a cache that never compiles (the generic writers' reference)."""
    return None


def _plannable(shape: Shape) -> bool:
    keys, kinds = shape
    return 0 < len(keys) <= MAX_KEYS and all(kind in _KINDS for kind in kinds)


def _head(shape: Shape, refused: str) -> list[str]:
    """Unpack the node's values; return `refused` if a list or an object is not one any more."""
    keys, kinds = shape
    lines = ["    " + "".join(f"v{i}, " for i in range(len(keys))) + "= node.values()"]
    checks = [f"type(v{i}) is not {kind.__name__}" for i, kind in enumerate(kinds) if kind is not str]
    if checks:
        lines += [f"    if {' or '.join(checks)}:", f"        return {refused}"]
    return lines


def _string(value: str, is_id: bool) -> str:
    """Code that spells the string in variable `value`: an IRI for a property the context declares
    `@type: @id`, else a plain literal (the generic writers' `refs.get(...) or ref(...)`/`quoted`)."""
    return f"refs.get({value}) or ref({value})" if is_id else f"quoted({value})"


def _generated(source: str, names: dict[str, t.Any], kind: str) -> t.Any:
    """The function `plan` that `source` defines, with `names` as its globals."""
    exec(compile(source, f"<statebridge {kind} plan>", "exec"), names)  # only names in `source`: see above
    return names["plan"]


NTPlan = t.Callable[[Node, str, t.Any], bool]


def compile_nt(shape: Shape, node: Node) -> NTPlan | None:
    """`plan(node, subject, writer)`: appends the node's lines to `writer.lines` as the generic
    N-Triples writer does and returns True, calling `writer.object` for every value that is a list
    item or an object (which writes an embedded node's lines first, as the generic writer does);
    returns False, having written nothing, for a node it was not compiled for. An embedded node
    like the one `node` holds at a key (the same keys, strings and value objects) is written inline,
    under the label `writer.blank` would give it."""
    if not _plannable(shape):
        return None
    keys, kinds = shape
    names: dict[str, t.Any] = {
        "RT": RDF_TYPE,
        "types": NT_TERMS,
        "type_term": nt_term,
        "refs": NT_REFS,
        "ref": nt_ref,
        "quoted": quoted,
        "lit": nt_literal,
    }
    body = _head(shape, "False")
    body += [
        "    lines = w.lines",
        "    mark, count = len(lines), w.count",
        "    append = lines.append",
        "    try:",
    ]
    pending: list[str] = []

    def flush() -> None:
        if pending:
            body.append(f'        append(f"{"".join(pending)}")')
            pending.clear()

    for i, (key, kind) in enumerate(zip(keys, kinds, strict=True)):
        value = f"v{i}"
        if key == "@id":
            continue
        if key == "@type":
            if kind is str:
                pending.append(f"{{subject}} {{RT}} {{types.get({value}) or type_term({value})}} .\\n")
            elif kind is list:
                flush()
                body.append(f"        for name in {value}:")
                body.append('            append(f"{subject} {RT} {types.get(name) or type_term(name)} .\\n")')
            else:
                return None
            continue
        predicate, _, is_id = key_terms(key)
        names[f"P{i}"] = predicate
        if kind is str:
            spelled = _string(value, is_id)
            pending.append(f"{{subject}} {{P{i}}} {{{spelled}}} .\\n")
        elif kind is list:
            flush()
            text = f"({_string('item', is_id)})"
            spelled = f"{text} if type(item) is str else w.object(item, {is_id})"
            body.append(f"        for item in {value}:")
            body.append(f'            append(f"{{subject}} {{P{i}}} {{{spelled}}} .\\n")')
        else:  # a value object (spelled here) or a node (whose lines come first: flushed before)
            flush()
            other = f'w.blank({value}) if "@id" not in {value} else w.object({value}, {is_id})'
            other = f'lit({value}) if "@value" in {value} else ({other})'
            if not _inline_embedded(i, node[key], names, body, other):
                body.append(f"        o{i} = {other}")
            pending.append(f"{{subject}} {{P{i}}} {{o{i}}} .\\n")
    flush()
    if body[-1] == "    try:":  # a node of only an `@id`: no triples
        body.append("        pass")
    body += [
        f"    except {_WRONG_TYPE}:",
        "        del lines[mark:]",
        "        w.count = count",
        "        return False",
        "    return True",
    ]
    source = "def plan(node, subject, w):\n" + "\n".join(body) + "\n"
    plan: NTPlan = _generated(source, names, "N-Triples")
    return plan


def _inline_embedded(i: int, example: t.Any, names: dict[str, t.Any], body: list[str], other: str) -> bool:
    """Code that writes an embedded node at slot `i` like `example` (no `@id`, a string `@type`,
    strings and value objects) inline, labelled as `NTriples.blank` labels it, into `o{i}`, and
    anything else through `other`; False (nothing added) for an `example` not like that."""
    if type(example) is not dict or "@value" in example or "@id" in example or not example:
        return False
    keys, kinds = tuple(example), tuple(map(type, example.values()))
    if len(keys) > MAX_KEYS or any(k is not str and k is not dict for k in kinds):
        return False
    if any(
        kind is dict and "@value" not in value for kind, value in zip(kinds, example.values(), strict=True)
    ):
        return False
    if "@type" in example and type(example["@type"]) is not str:
        return False
    names[f"K{i}"] = keys
    parts = []
    checks = []
    for j, (key, kind) in enumerate(zip(keys, kinds, strict=True)):
        value = f"e{i}_{j}"
        if key == "@type":
            parts.append(f"{{o{i}}} {{RT}} {{types.get({value}) or type_term({value})}} .\\n")
            continue
        predicate, _, is_id = key_terms(key)
        names[f"Q{i}_{j}"] = predicate
        if kind is str:
            spelled = _string(value, is_id)
        else:
            checks.append(f'type({value}) is dict and "@value" in {value}')
            spelled = f"lit({value})"
        parts.append(f"{{o{i}}} {{Q{i}_{j}}} {{{spelled}}} .\\n")
    unpacked = "".join(f"e{i}_{j}, " for j in range(len(keys)))
    body += [
        f"        if tuple(v{i}) == K{i}:",
        f"            {unpacked}= v{i}.values()",
        f"            inline = {' and '.join(checks) or 'True'}",
        "        else:",
        "            inline = False",
        "        if inline:",
        "            w.count = labels = w.count + 1",
        f'            o{i} = f"{{w.prefix}}{{labels}}"',
        f'            append(f"{"".join(parts)}")',
        "        else:",
        f"            o{i} = {other}",
    ]
    return True


TTLPlan = t.Callable[[Node], str | None]


class TurtleObjects(t.NamedTuple):
    """The generic Turtle writer's functions a plan calls for values that are not strings."""

    object: t.Callable[[t.Any, bool], str]
    objects: t.Callable[[list[t.Any], bool], str]
    types: t.Callable[[list[t.Any]], str]


def compile_ttl(shape: Shape, node: Node, separator: str, helpers: TurtleObjects) -> TTLPlan | None:
    """`plan(node)`: the node's `a T ; p o, o ; …` as the generic Turtle writer spells it, its
    properties joined by `separator`; None for a node it was not compiled for."""
    if not _plannable(shape):
        return None
    keys, kinds = shape
    names: dict[str, t.Any] = {
        "SEP": separator,
        "types": TTL_TERMS,
        "type_term": ttl_term,
        "type_list": helpers.types,
        "refs": TTL_REFS,
        "ref": ttl_ref,
        "quoted": quoted,
        "obj": helpers.object,
        "objects": helpers.objects,
    }
    parts: list[str] = []
    for i, (key, kind) in enumerate(zip(keys, kinds, strict=True)):
        value = f"v{i}"
        if key == "@id":
            continue
        if key == "@type":
            if kind is str:
                parts.append(f"a {{types.get({value}) or type_term({value})}}")
            elif kind is list:
                parts.append(f"a {{type_list({value})}}")
            else:
                return None
            continue
        _, predicate, is_id = key_terms(key)
        names[f"P{i}"] = predicate
        if kind is str:
            spelled = _string(value, is_id)
        elif kind is list:
            spelled = f"objects({value}, {is_id})"
        else:
            spelled = f"obj({value}, {is_id})"
        parts.append(f"{{P{i}}} {{{spelled}}}")
    body = _head(shape, "None")
    body += [
        "    try:",
        f'        return f"{"{SEP}".join(parts)}"',
        f"    except {_WRONG_TYPE}:",
        "        return None",
    ]
    source = "def plan(node):\n" + "\n".join(body) + "\n"
    plan: TTLPlan = _generated(source, names, "Turtle")
    return plan
