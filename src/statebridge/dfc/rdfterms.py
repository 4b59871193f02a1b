"""How the N-Triples and Turtle writers spell terms, IRIs and literals, remembered where they recur.

The writers (`rdfwrite.py`, `rdfplan.py`) read the JSON-LD writer's node objects as a JSON-LD
processor reads them under the DFC 1.16.0 context; this module holds what they share: a compact
IRI's expansion, the spelling of a vocabulary term, an `@id` value, a property key and a value object
in each syntax, and the escaping of IRIs and literals.

Escaping follows the N-Triples and Turtle grammars (https://www.w3.org/TR/n-triples/#grammar,
https://www.w3.org/TR/turtle/#sec-grammar): in an IRI, the characters IRIREF forbids are `\\u`
escapes; in a literal, `"`, `\\`, line feed, carriage return and tab are `\\"`, `\\\\`, `\\n`, `\\r`,
`\\t`, and the other control characters `\\u` escapes.

Every cache here is bounded (emptied when full), so memory stays flat however many orders pass.
"""

from __future__ import annotations

import hashlib
import re
import typing as t

from ..memo import remember
from .context import term_definitions
from .vocab import DFC_B, DFC_M, DFC_V, XSD

__all__ = [
    "KEYS",
    "NT_REFS",
    "NT_TERMS",
    "RDF_TYPE",
    "TTL_REFS",
    "TTL_TERMS",
    "TURTLE_PREFIXES",
    "Node",
    "key_terms",
    "not_a_node",
    "nt_literal",
    "nt_ref",
    "nt_term",
    "quoted",
    "ttl_literal",
    "ttl_ref",
    "ttl_term",
]

Node = dict[str, t.Any]

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

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
NT_TERMS: dict[str, str] = {}
TTL_TERMS: dict[str, str] = {}
#: The values of `@id` properties (instance IRIs too), already spelled, per format.
NT_REFS: dict[str, str] = {}
TTL_REFS: dict[str, str] = {}
#: Value objects already spelled, per format, by (value, datatype, language).
_NT_LITERALS: dict[tuple[t.Any, t.Any, t.Any], str] = {}
_TTL_LITERALS: dict[tuple[t.Any, t.Any, t.Any], str] = {}
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
        spelled = remember(cache, name, spell(name), _TERMS_CACHE)
    return spelled


def nt_term(name: str) -> str:
    """`_nt_name` of a vocabulary term, remembered."""
    return _remembered(NT_TERMS, name, _nt_name)


def _ttl_name(name: str) -> str:
    """A named node or term in Turtle: `prefix:local` in a declared namespace, else as in N-Triples."""
    if name.startswith("_:"):
        return _blank_label(name)
    iri = _expand(name)
    for prefix, namespace in _TURTLE_NAMESPACES:
        if iri.startswith(namespace) and _LOCAL_NAME.fullmatch(iri, len(namespace)) is not None:
            return f"{prefix}:{iri[len(namespace) :]}"
    return _iri_ref(iri)


def ttl_term(name: str) -> str:
    """`_ttl_name` of a vocabulary term, remembered."""
    return _remembered(TTL_TERMS, name, _ttl_name)


def nt_ref(name: str) -> str:
    """A string value of an `@id` property in N-Triples, remembered: compact IRIs are vocabulary
    terms; instance IRIs recur within an order (its own, its lines') and across orders (offers)."""
    spelled = NT_REFS.get(name)
    if spelled is None:
        spelled = remember(NT_REFS, name, _spell_nt_ref(name), _TERMS_CACHE)
    return spelled


def _spell_nt_ref(name: str) -> str:
    spelled = NT_TERMS.get(name)
    if spelled is not None:
        return spelled
    if name.startswith("_:"):
        return _blank_label(name)
    iri = _expand(name)
    if iri is name:
        return _iri_ref(iri)
    return nt_term(name)


def ttl_ref(name: str) -> str:
    """As `nt_ref`, in Turtle: an instance IRI is always `<…>`, a compact IRI `prefix:local`."""
    spelled = TTL_REFS.get(name)
    if spelled is None:
        spelled = remember(TTL_REFS, name, _spell_ttl_ref(name), _TERMS_CACHE)
    return spelled


def _spell_ttl_ref(name: str) -> str:
    spelled = TTL_TERMS.get(name)
    if spelled is not None:
        return spelled
    if name.startswith("_:"):
        return _blank_label(name)
    if _expand(name) is name:
        return _iri_ref(name)
    return ttl_term(name)


#: Per property key: (its N-Triples term, its Turtle term, whether its string values are IRIs).
KEYS: dict[str, tuple[str, str, bool]] = {}


def key_terms(key: str) -> tuple[str, str, bool]:
    spelled = KEYS.get(key)
    if spelled is None:
        spelled = remember(KEYS, key, (_nt_name(key), _ttl_name(key), key in _ID_PROPERTIES), _TERMS_CACHE)
    return spelled


def quoted(text: str) -> str:
    if _LITERAL_SPECIAL.search(text) is None:
        return f'"{text}"'
    return '"' + text.translate(_LITERAL_ESCAPES) + '"'


def not_a_node(value: t.Any) -> TypeError:
    return TypeError(f"not a JSON-LD value the DFC writers make: {value!r}")


def _spell_literal(key: tuple[t.Any, t.Any, t.Any], term: t.Callable[[str], str]) -> str:
    text = quoted(key[0])
    datatype, language = key[1], key[2]
    if datatype is not None:
        return f"{text}^^{term(datatype)}"
    return f"{text}@{language}" if language else text


def nt_literal(value: Node) -> str:
    """A value object (`@value` with `@type` or `@language`) in N-Triples; remembered, as amounts,
    quantities and names recur."""
    key = (value["@value"], value.get("@type"), value.get("@language"))
    spelled = _NT_LITERALS.get(key)
    if spelled is None:
        spelled = remember(_NT_LITERALS, key, _spell_literal(key, nt_term), _TERMS_CACHE)
    return spelled


def ttl_literal(value: Node) -> str:
    """`nt_literal` in Turtle (its datatype a prefixed name where it can be)."""
    key = (value["@value"], value.get("@type"), value.get("@language"))
    spelled = _TTL_LITERALS.get(key)
    if spelled is None:
        spelled = remember(_TTL_LITERALS, key, _spell_literal(key, ttl_term), _TERMS_CACHE)
    return spelled
