"""SSSOM/TSV export: one mapping set per platform and field (`spree-payment_state.sssom.tsv`).

SSSOM (the Simple Standard for Sharing Ontological Mappings) is how vocabulary alignments are
exchanged and reviewed; the statebridge YAML stays the executable source of truth and the mapping
sets are generated from its crosswalk (`model.build_crosswalk`), so they cannot drift from it.

IRIs. Platform values have no IRIs of their own, so they are minted under a w3id namespace per
platform and field: `https://w3id.org/statebridge/vocab/spree/payment_state/paid`, written as the
CURIE `spree.payment_state:paid` (the prefix is declared in the set's `curie_map`). Values are
percent-encoded as IRI path segments. DFC states are the `dfc-v:` IRIs statebridge writes
(`dfc-v:Paid`); Held and Cancelled are one IRI each, shared by the dimensions that have them, so a
value that reaches `dfc-v:Cancelled` in several dimensions is one row naming them all. `null` (the
platform sends no value) is not an entity and has no row; the crosswalk shows where it leads.

Rows. A value maps to a DFC state when a forward rule that names the value decides that state for
some combination of values. The mapping is *primary* when the rule needs no other field (fields the
rule names with their whole domain, such as Shopify's cancel_reason, do not count), and
*conditional* otherwise; SSSOM cannot express conditions, so a conditional mapping's condition and
every earlier rule that takes precedence (`unless`) go into `comment`, with the rule's `why`. A value
that reaches no DFC state (only `unset`, or only through rules that ignore it) gets one row with
`object_id` `sssom:NoTermFound`, saying so.

Predicates, chosen from the table's lossiness and cardinality. In each dimension, among the primary
mappings of the field: n = the values of the field that reach the state, m = the states the value
reaches; "survives" = the value comes back unchanged from platform -> DFC -> platform (the crosswalk
marks those that do not with °):

- `skos:relatedMatch` when the rule says the step is lossy (its `why` says "lossy": DFC keeps the
  nearest state but drops part of the meaning) and the value does not survive (Spree `refunded` ->
  payment Cancelled, written back as `void`). A value that does survive is the platform's own word
  for the state, so a lossy remark about the rule's other values does not weaken it;
- `skos:exactMatch` for 1:1 when the value survives: lossless both ways (Spree state `canceled`);
- `skos:broadMatch` when the value reaches one state that other values reach too, or that
  statebridge writes with another value (possibly of another field): the DFC state is broader and
  the reverse needs a declared default (Spree `credit_owed` -> Paid, written back as `paid`);
- `skos:narrowMatch` for 1:n (the DFC states are narrower: other fields tell them apart);
- `skos:relatedMatch` for n:n, and for every conditional mapping (the value alone does not mean the
  state: Shopify `closed` = yes is Complete only when the order is not cancelled).

When one row stands for several dimensions (the state IRI is shared) the weakest of their predicates
is kept, so that every dimension supports it (broad against narrow gives related); conditional
mappings count only where the value has no primary mapping to the state. The comment names every
dimension with its rule.

`mapping_cardinality` is computed over the rows of the set, as the SSSOM specification defines it
(how many objects the subject has in the set, and how many subjects the object has), so it may say
`n:n` where the predicate, which looks only at primary mappings in one dimension, says broadMatch.
Every row's `mapping_justification` is `semapv:ManualMappingCuration`: each rule of the tables was
written and reasoned by hand.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import pathlib
import typing as t
import urllib.parse

import yaml

from .. import __version__
from ..dfc.vocab import DFC_V
from ..states import DIMENSION_STATES, Dimension
from .model import DIMENSION_ORDER, Crosswalk, ForwardEntry, Row, show_condition, source_name

__all__ = [
    "COLUMNS",
    "LICENSE",
    "SET_BASE",
    "VOCAB_BASE",
    "Mapping",
    "MappingSet",
    "mapping_sets",
    "write_mapping_sets",
]

VOCAB_BASE = "https://w3id.org/statebridge/vocab/"
SET_BASE = "https://w3id.org/statebridge/mappings/"
#: The licence of the mapping sets: the project's own (MIT), as an SPDX licence IRI.
LICENSE = "https://spdx.org/licenses/MIT.html"

EXACT = "skos:exactMatch"
BROAD = "skos:broadMatch"
NARROW = "skos:narrowMatch"
RELATED = "skos:relatedMatch"
NO_TERM = "sssom:NoTermFound"
JUSTIFICATION = "semapv:ManualMappingCuration"

CURIE_MAP = {
    "dfc-v": DFC_V,
    "semapv": "https://w3id.org/semapv/vocab/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "sssom": "https://w3id.org/sssom/",
}

COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "mapping_cardinality",
    "comment",
)

_STRENGTH = {EXACT: 0, BROAD: 1, NARROW: 1, RELATED: 2}


@dataclasses.dataclass(frozen=True)
class Mapping:
    """One SSSOM row."""

    subject_id: str
    subject_label: str
    predicate_id: str
    object_id: str
    object_label: str
    mapping_justification: str
    mapping_cardinality: str
    comment: str

    def cells(self) -> list[str]:
        return [getattr(self, column) for column in COLUMNS]


@dataclasses.dataclass(frozen=True)
class MappingSet:
    """The mappings of one platform field, with the metadata SSSOM requires."""

    platform: str
    field: str
    description: str
    mappings: tuple[Mapping, ...]

    @property
    def prefix(self) -> str:
        return f"{self.platform}.{self.field}"

    @property
    def namespace(self) -> str:
        return f"{VOCAB_BASE}{self.platform}/{urllib.parse.quote(self.field, safe='')}/"

    @property
    def filename(self) -> str:
        return f"{self.platform}-{self.field}.sssom.tsv"

    @property
    def mapping_set_id(self) -> str:
        return SET_BASE + self.filename

    def metadata(self, mapping_date: dt.date) -> dict[str, t.Any]:
        return {
            "curie_map": {**CURIE_MAP, self.prefix: self.namespace},
            "mapping_set_id": self.mapping_set_id,
            "mapping_set_version": __version__,
            "mapping_set_title": f"{self.platform} {self.field} to DFC order, payment and fulfilment states",
            "mapping_set_description": self.description,
            "license": LICENSE,
            "mapping_date": mapping_date,
            "mapping_tool": "statebridge",
            "mapping_tool_version": __version__,
        }

    def to_tsv(self, mapping_date: dt.date) -> str:
        """The mapping set as SSSOM/TSV: the metadata as YAML in `#` lines, then the table."""
        header = yaml.safe_dump(
            self.metadata(mapping_date), sort_keys=False, allow_unicode=True, width=10_000
        )
        out = io.StringIO()
        out.writelines(f"# {line}\n" for line in header.splitlines())
        writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(COLUMNS)
        for mapping in self.mappings:
            writer.writerow(mapping.cells())
        return out.getvalue()


def mapping_sets(crosswalk: Crosswalk) -> list[MappingSet]:
    """One mapping set per field of the platform's table, in the table's field order."""
    return [_mapping_set(crosswalk, field) for field in crosswalk.table.fields]


def write_mapping_sets(
    sets: t.Iterable[MappingSet], directory: pathlib.Path, mapping_date: dt.date
) -> list[pathlib.Path]:
    """Write each set to `directory/<platform>-<field>.sssom.tsv`; the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for mapping_set in sets:
        path = directory / mapping_set.filename
        path.write_text(mapping_set.to_tsv(mapping_date), encoding="utf-8")
        written.append(path)
    return written


# -- building ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Candidate:
    field: str
    value: str
    row: Row
    entry: ForwardEntry
    primary: bool

    @property
    def dimension(self) -> Dimension:
        return self.row.dimension


def _candidates(crosswalk: Crosswalk, field: str) -> list[_Candidate]:
    found = []
    for dimension in DIMENSION_ORDER:
        for row in crosswalk.rows_of(dimension):
            if row.dfc_state is None:
                continue
            for entry in row.forward:
                term = next((term for term in entry.terms if term.name == field), None)
                if term is None or term.whole:
                    continue
                primary = all(other.whole for other in entry.terms if other.name != field)
                found += [_Candidate(field, v, row, entry, primary) for v in term.values if v is not None]
    return found


def _predicate(candidate: _Candidate, candidates: list[_Candidate]) -> str:
    """The predicate of one primary mapping in its dimension (see the module's docstring)."""
    survives = not candidate.entry.collapsed(candidate.field, candidate.value)
    if candidate.entry.lossy and not survives:
        return RELATED
    same = [c for c in candidates if c.primary and c.dimension is candidate.dimension]
    values = {c.value for c in same if c.row.state == candidate.row.state}
    states = {c.row.state for c in same if c.value == candidate.value}
    if len(states) == 1:
        return EXACT if len(values) == 1 and survives else BROAD
    return NARROW if len(values) == 1 else RELATED


def _merge(predicates: list[str]) -> str:
    """The predicate every dimension supports: the weakest (broad against narrow: related)."""
    weakest = max(predicates, key=lambda p: _STRENGTH[p])
    if _STRENGTH[weakest] == 1 and {BROAD, NARROW} <= set(predicates):
        return RELATED
    return weakest


def _describe(candidate: _Candidate) -> str:
    entry = candidate.entry
    text = f"{candidate.dimension.value} {candidate.row.state} ({entry.label}"
    others = [term for term in entry.restricting if term.name != candidate.field]
    if others:
        text += f", when {show_condition(others)}"
    if entry.unless:
        text += ", unless " + " or ".join(
            f"{u} ({u.then})" if len(u.terms) == 1 else f"({u}) ({u.then})" for u in entry.unless
        )
    if entry.lossy:
        text += ", lossy"
    return text + f"): {' '.join(entry.rule.why.split())}"


def _mapping_set(crosswalk: Crosswalk, field: str) -> MappingSet:
    table = crosswalk.table
    spec = table.fields[field]
    platform = crosswalk.platform
    prefix = f"{platform}.{field}"
    candidates = _candidates(crosswalk, field)
    grouped: dict[tuple[str, str], list[_Candidate]] = {}
    for candidate in candidates:
        grouped.setdefault((candidate.value, candidate.row.state), []).append(candidate)
    order = {state: i for i, state in enumerate(_state_order())}
    rows: list[tuple[str, str, str, str]] = []  # value, state, predicate, comment
    for value in spec.values:
        pairs = sorted((pair for pair in grouped if pair[0] == value), key=lambda pair: order[pair[1]])
        for pair in pairs:
            group = grouped[pair]
            primary = [c for c in group if c.primary]
            predicate = _merge([_predicate(c, candidates) for c in primary]) if primary else RELATED
            comment = " | ".join(_describe(c) for c in group)
            rows.append((value, pair[1], predicate, comment))
        if not pairs:
            rows.append((value, "", EXACT, _no_term(crosswalk, field, value)))
    objects: dict[str, set[str]] = {}
    subjects: dict[str, set[str]] = {}
    for value, state, _, _ in rows:
        if state:
            objects.setdefault(value, set()).add(state)
            subjects.setdefault(state, set()).add(value)
    mappings = []
    for value, state, predicate, comment in rows:
        subject = f"{prefix}:{urllib.parse.quote(value, safe='')}"
        if not state:
            cardinality = "1:0"
        else:
            many_objects = len(objects[value]) > 1
            many_subjects = len(subjects[state]) > 1
            cardinality = f"{'n' if many_subjects else '1'}:{'n' if many_objects else '1'}"
        mappings.append(
            Mapping(
                subject_id=subject,
                subject_label=value,
                predicate_id=predicate,
                object_id=f"dfc-v:{state}" if state else NO_TERM,
                object_label=state,
                mapping_justification=JUSTIFICATION,
                mapping_cardinality=cardinality,
                comment=_clean(comment),
            )
        )
    description = (
        f"{_clean(spec.description)} Generated by statebridge from {source_name(table)}; each comment "
        "gives the DFC dimension, the rule (o: order, f: fulfilment, p: payment, numbered in the "
        "table's order), its condition and its reason."
    )
    return MappingSet(platform, field, description, tuple(mappings))


def _no_term(crosswalk: Crosswalk, field: str, value: str) -> str:
    """Why a value reaches no DFC state: the rules that name it, which leave the dimension out."""
    reasons = []
    for row in crosswalk.rows:
        for entry in row.forward:
            term = next((term for term in entry.terms if term.name == field), None)
            if term is not None and value in term.values:
                whatever = f" whatever the {field}" if term.whole else ""
                reasons.append(
                    f"{row.dimension.value} {row.state} ({entry.label}){whatever}: "
                    f"{' '.join(entry.rule.why.split())}"
                )
    return "no DFC state: " + (" | ".join(reasons) if reasons else "no rule decides a state from it")


def _state_order() -> list[str]:
    seen: list[str] = []
    for dimension in DIMENSION_ORDER:
        seen += [s.value for s in DIMENSION_STATES[dimension] if s.value not in seen]
    return seen


def _clean(text: str) -> str:
    """One line, no tabs: SSSOM/TSV cells cannot hold either."""
    return " ".join(text.split())
