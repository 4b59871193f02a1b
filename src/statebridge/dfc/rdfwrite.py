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

Escaping follows the N-Triples and Turtle grammars (https://www.w3.org/TR/n-triples/#grammar,
https://www.w3.org/TR/turtle/#sec-grammar): in an IRI, the characters IRIREF forbids are `\\u`
escapes; in a literal, `"`, `\\`, line feed, carriage return and tab are `\\"`, `\\\\`, `\\n`, `\\r`,
`\\t`, and the other control characters `\\u` escapes.
"""

from __future__ import annotations

import hashlib
import re
import typing as t

from .context import term_definitions
from .vocab import DFC_B, DFC_M, DFC_V, XSD

__all__ = ["TURTLE_PREFIXES", "ntriples_text", "turtle_text"]

Node = dict[str, t.Any]

_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

#: The prefixes Turtle output declares once, at the top (as rdflib wrote them before: sorted).
_TURTLE_NAMESPACES = (("dfc-b", DFC_B), ("dfc-m", DFC_M), ("dfc-v", DFC_V), ("xsd", XSD))
TURTLE_PREFIXES = "".join(f"@prefix {prefix}: <{namespace}> .\n" for prefix, namespace in _TURTLE_NAMESPACES)

_DEFINITIONS = term_definitions()
#: Compact IRI prefixes of the context (`dfc-b` -> its namespace), as a JSON-LD processor expands them.
_CONTEXT_PREFIXES = {key: value for key, value in _DEFINITIONS.items() if isinstance(value, str)}
#: Properties whose string values are IRIs: those the context declares `@type: @id`.
_ID_PROPERTIES = frozenset(
    key for key, value in _DEFINITIONS.items() if isinstance(value, dict) and value.get("@type") == "@id"
)

#: What IRIREF does not allow unescaped: controls, space, and `<>"{}|^`\`.
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LITERAL_SPECIAL = re.compile(r'[\x00-\x1f"\\\x7f]')
_LITERAL_ESCAPES = {code: f"\\u{code:04X}" for code in (*range(0x20), 0x7F)} | {
    ord('"'): '\\"',
    ord("\\"): "\\\\",
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}
#: A local name written as `prefix:local` in Turtle; anything else is written as a full IRI.
_LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
#: A blank node label kept as it is after its `k…-` prefix; any other is replaced by a digest.
_LABEL = re.compile(r"[A-Za-z0-9]*")

#: Vocabulary terms (property keys, types, datatypes, compact IRI values), already spelled.
_NT_TERMS: dict[str, str] = {}
_TTL_TERMS: dict[str, str] = {}
#: The values of `@id` properties (instance IRIs too), already spelled, per format.
_NT_REFS: dict[str, str] = {}
_TTL_REFS: dict[str, str] = {}
#: Value objects already spelled, by (format, value, datatype, language).
_LITERALS: dict[tuple[bool, str, str | None, str | None], str] = {}
_TERMS_CACHE = 65536


def _expand(name: str) -> str:
    """The IRI of a compact IRI or IRI, as the 1.16.0 context expands it."""
    prefix, colon, local = name.partition(":")
    if colon and not local.startswith("//"):
        namespace = _CONTEXT_PREFIXES.get(prefix)
        if namespace is not None:
            return namespace + local
    return name


def _iri_ref(iri: str) -> str:
    if _IRI_FORBIDDEN.search(iri) is None:
        return f"<{iri}>"
    return "<" + _IRI_FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04X}", iri) + ">"


def _blank_label(name: str) -> str:
    """`_:k…-name` as a label every N-Triples and Turtle reader takes: `name` is kept when it is
    letters and digits, else replaced by `_` and a digest of it (injective: kept names have no `_`)."""
    head, dash, tail = name[2:].partition("-")
    if _LABEL.fullmatch(tail) is not None and _LABEL.fullmatch(head) is not None:
        return name
    return "_:" + head + dash + "_" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:32]


def _nt_name(name: str) -> str:
    """A named node or vocabulary term (compact IRI, IRI or `_:` label) in N-Triples."""
    if name.startswith("_:"):
        return _blank_label(name)
    return _iri_ref(_expand(name))


def _remembered(cache: dict[str, str], name: str, spell: t.Callable[[str], str]) -> str:
    """`spell(name)`, kept in `cache` (emptied when full): the same few keys and types recur in every
    order."""
    spelled = cache.get(name)
    if spelled is None:
        if len(cache) >= _TERMS_CACHE:
            cache.clear()
        spelled = cache[name] = spell(name)
    return spelled


def _nt_term(name: str) -> str:
    """`_nt_name` of a vocabulary term, remembered."""
    return _remembered(_NT_TERMS, name, _nt_name)


def _ttl_name(name: str) -> str:
    """A named node or term in Turtle: `prefix:local` in a declared namespace, else as in N-Triples."""
    if name.startswith("_:"):
        return _blank_label(name)
    iri = _expand(name)
    for prefix, namespace in _TURTLE_NAMESPACES:
        if iri.startswith(namespace) and _LOCAL_NAME.fullmatch(iri, len(namespace)) is not None:
            return f"{prefix}:{iri[len(namespace) :]}"
    return _iri_ref(iri)


def _ttl_term(name: str) -> str:
    """`_ttl_name` of a vocabulary term, remembered."""
    return _remembered(_TTL_TERMS, name, _ttl_name)


def _nt_ref(name: str) -> str:
    """A string value of an `@id` property in N-Triples, remembered: compact IRIs are vocabulary
    terms; instance IRIs recur within an order (its own, its lines') and across orders (offers)."""
    spelled = _NT_REFS.get(name)
    if spelled is None:
        spelled = _remember_ref(_NT_REFS, name, _spell_nt_ref(name))
    return spelled


def _spell_nt_ref(name: str) -> str:
    spelled = _NT_TERMS.get(name)
    if spelled is not None:
        return spelled
    if name.startswith("_:"):
        return _blank_label(name)
    iri = _expand(name)
    if iri is name:
        return _iri_ref(iri)
    return _nt_term(name)


def _remember_ref(cache: dict[str, str], name: str, spelled: str) -> str:
    if len(cache) >= _TERMS_CACHE:
        cache.clear()
    cache[name] = spelled
    return spelled


def _ttl_ref(name: str) -> str:
    """As `_nt_ref`, in Turtle: an instance IRI is always `<…>`, a compact IRI `prefix:local`."""
    spelled = _TTL_REFS.get(name)
    if spelled is None:
        spelled = _remember_ref(_TTL_REFS, name, _spell_ttl_ref(name))
    return spelled


def _spell_ttl_ref(name: str) -> str:
    spelled = _TTL_TERMS.get(name)
    if spelled is not None:
        return spelled
    if name.startswith("_:"):
        return _blank_label(name)
    if _expand(name) is name:
        return _iri_ref(name)
    return _ttl_term(name)


#: Per property key: (its N-Triples term, its Turtle term, whether its string values are IRIs).
_KEYS: dict[str, tuple[str, str, bool]] = {}


def _key(key: str) -> tuple[str, str, bool]:
    spelled = _KEYS.get(key)
    if spelled is None:
        if len(_KEYS) >= _TERMS_CACHE:
            _KEYS.clear()
        spelled = _KEYS[key] = (_nt_name(key), _ttl_name(key), key in _ID_PROPERTIES)
    return spelled


def _quoted(text: str) -> str:
    if _LITERAL_SPECIAL.search(text) is None:
        return f'"{text}"'
    return '"' + text.translate(_LITERAL_ESCAPES) + '"'


def _not_a_node(value: t.Any) -> TypeError:
    return TypeError(f"not a JSON-LD value the DFC writers make: {value!r}")


# -- N-Triples ------------------------------------------------------------------------------------


class _NTriples:
    """The lines of one order's nodes; embedded blank nodes are labelled `_:b{digest}n{count}`."""

    def __init__(self, seed: str) -> None:
        self.lines: list[str] = []
        self.prefix = "_:b" + hashlib.sha256(seed.encode("utf-8")).hexdigest()[:20] + "n"
        self.count = 0

    def node(self, node: Node) -> str:
        """Write `node`'s triples; returns its term (a new blank node label when it has no `@id`)."""
        named = node.get("@id")
        if named is None:
            self.count += 1
            subject = f"{self.prefix}{self.count}"
        else:
            subject = _nt_ref(named)
        append = self.lines.append
        keys, refs = _KEYS, _NT_REFS  # looked up here before the functions that fill them
        for key, value in node.items():
            if key == "@id":
                continue
            if key == "@type":
                for name in value if isinstance(value, list) else (value,):
                    append(f"{subject} {_RDF_TYPE} {_NT_TERMS.get(name) or _nt_term(name)} .\n")
                continue
            predicate, _, is_id = keys.get(key) or _key(key)
            if isinstance(value, str):  # the common case: one IRI or plain literal
                spelled = (refs.get(value) or _nt_ref(value)) if is_id else _quoted(value)
                append(f"{subject} {predicate} {spelled} .\n")
            elif isinstance(value, list):
                for item in value:
                    append(f"{subject} {predicate} {self.object(item, is_id)} .\n")
            else:
                append(f"{subject} {predicate} {self.object(value, is_id)} .\n")
        return subject

    def object(self, item: t.Any, is_id: bool) -> str:
        if isinstance(item, str):
            return _nt_ref(item) if is_id else _quoted(item)
        if not isinstance(item, dict):
            raise _not_a_node(item)
        if "@value" in item:
            return _literal(item, _nt_term)
        named = item.get("@id")
        if named is None:
            return self.node(item)  # an embedded blank node
        if len(item) > 1:
            raise _not_a_node(item)  # a named node embedded in another: the writers never make one
        return _nt_ref(named)


def _literal(value: Node, term: t.Callable[[str], str]) -> str:
    """A value object (`@value` with `@type` or `@language`) as a literal, its datatype spelled by
    `term` (N-Triples or Turtle); remembered, as amounts, quantities and names recur."""
    key = (term is _nt_term, value["@value"], value.get("@type"), value.get("@language"))
    spelled = _LITERALS.get(key)
    if spelled is None:
        text = _quoted(key[1])
        datatype, language = key[2], key[3]
        if datatype is not None:
            spelled = f"{text}^^{term(datatype)}"
        else:
            spelled = f"{text}@{language}" if language else text
        if len(_LITERALS) >= _TERMS_CACHE:
            _LITERALS.clear()
        _LITERALS[key] = spelled
    return spelled


def ntriples_text(nodes: t.Iterable[Node], seed: str) -> str:
    """N-Triples of `nodes`, one order's node objects (or a part of them); `seed` (the order's IRI)
    names its embedded blank nodes, so it must differ between the orders of one document."""
    writer = _NTriples(seed)
    for node in nodes:
        writer.node(node)
    return "".join(writer.lines)


# -- Turtle ---------------------------------------------------------------------------------------


def _ttl_properties(node: Node, separator: str = " ;\n    ") -> str:
    """`a T ; p o, o ; …` for a node object: embedded blank nodes as `[ … ]`, on one line."""
    parts: list[str] = []
    append = parts.append
    keys, refs, terms = _KEYS, _TTL_REFS, _TTL_TERMS  # looked up here before the functions that fill them
    for key, value in node.items():
        if key == "@id":
            continue
        kind = type(value)
        if key == "@type":
            if kind is list:
                append("a " + ", ".join([terms.get(name) or _ttl_term(name) for name in value]))
            else:
                append("a " + (terms.get(value) or _ttl_term(value)))
            continue
        _, predicate, is_id = keys.get(key) or _key(key)
        if kind is str:  # the common case: one IRI or plain literal
            append(f"{predicate} {(refs.get(value) or _ttl_ref(value)) if is_id else _quoted(value)}")
        elif kind is list:
            append(f"{predicate} {', '.join([_ttl_object(item, is_id) for item in value])}")
        else:
            append(f"{predicate} {_ttl_object(value, is_id)}")
    return separator.join(parts)


def _ttl_object(item: t.Any, is_id: bool) -> str:
    if isinstance(item, str):
        return _ttl_ref(item) if is_id else _quoted(item)
    if not isinstance(item, dict):
        raise _not_a_node(item)
    if "@value" in item:
        return _literal(item, _ttl_term)
    named = item.get("@id")
    if named is None:
        inner = _ttl_properties(item, " ; ")
        return f"[ {inner} ]" if inner else "[]"
    if len(item) > 1:
        raise _not_a_node(item)  # a named node embedded in another: the writers never make one
    return _ttl_ref(named)


def turtle_text(nodes: t.Iterable[Node]) -> str:
    """Turtle statements of `nodes` (after `TURTLE_PREFIXES`): one block per node object, each
    starting with a blank line, its properties grouped with `;` and values with `,`."""
    blocks = []
    for node in nodes:
        named = node.get("@id")
        body = _ttl_properties(node)
        if named is None:
            blocks.append(f"\n[ {body} ] .\n" if body else "\n[] .\n")
        elif body:
            blocks.append(f"\n{_ttl_ref(named)} {body} .\n")
    return "".join(blocks)
