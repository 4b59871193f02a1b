"""The crosswalk of one mapping table: per DFC dimension and state, what reaches it and what is written.

The DFC standard publishes its mapping as a table with one row per DFC state and a column of
platform values per platform (seed 002, docs/references/seed-dfc-order-states.md).
`build_crosswalk(table)` derives the same view from a statebridge table, so that a reviewer reads
rows instead of ordered YAML rules:

- one `Row` per dimension and state (in the seed's order: order, fulfilment, payment), plus an
  `unset` row per dimension (what leaves the dimension out, and what is written when DFC says
  nothing) and a `reject` row where the table rejects combinations;
- `Row.forward`: one `ForwardEntry` per forward rule that decides the state for at least one
  combination of field values. Its `terms` are the values that actually reach the state through
  that rule (a value an earlier rule always takes first is not listed), and `unless` names the
  earlier rules with another outcome that take precedence (Spree's shipment_state `shipped` gives
  Fulfilled unless state = canceled). Both are computed by trying every combination of the
  declared domains, so they are facts about the table, not a reading of its YAML;
- `Row.reverse`: for each platform field whose reverse rules mostly look at this dimension, the
  reverse rules that can fire for this state, each with its condition on the other dimensions;
  the first unconditional one is the *default* (what the table calls the declared default).

What "lossy" means here, three different things, each marked separately:

- *collapsed* (n:1): a platform value that reaches the state but does not survive the round trip
  platform -> DFC -> platform (the reverse writes another value, usually the default): several
  platform values share one DFC state. Found by running every valid combination both ways.
- *not carried*: the forward rule's `why` says the step is lossy: DFC has no state for part of what
  the platform value says (a refund, a partial shipment, a return).
- *reads back differently*: the DFC state, written to the platform and read again, comes back as
  another state (`Row.losses`, found by trying every state, or unset, of the other two dimensions).
  Every state that no platform value reaches is such a loss: Spree has no held order, so Held is
  written as `complete` and reads back as Complete. Reverse rules that declare `lossy` say why;
  they are marked beside the value they write.
"""

from __future__ import annotations

import enum
import typing as t

from ..mapping.analysis import Analysis, analysis_of
from ..mapping.loader import SHIPPED, Tables
from ..mapping.table import REJECT, UNSET, ForwardRule, MappingTable
from ..states import DIMENSION_STATES, DFCStates, Dimension
from .rows import Crosswalk, ForwardEntry, ReverseEntry, ReverseLoss, Row, Unless
from .terms import (
    DEFINITIONS,
    DIMENSION_ORDER,
    Term,
    Value,
    contexts,
    dimension_values,
    reverse_terms,
    rule_terms,
    says_lossy,
    show_condition,
    source_name,
)

__all__ = [
    "DEFINITIONS",
    "DIMENSION_ORDER",
    "Crosswalk",
    "ForwardEntry",
    "ReverseEntry",
    "ReverseLoss",
    "Row",
    "Term",
    "Unless",
    "Value",
    "build_crosswalk",
    "contexts",
    "dimension_values",
    "load_crosswalks",
    "platform_order",
    "reverse_terms",
    "rule_terms",
    "says_lossy",
    "show_condition",
    "source_name",
]

_PSEUDO_DEFINITIONS = {
    UNSET: "No DFC state: statebridge leaves the dimension out rather than invent one.",
    REJECT: "Not a valid order: translation fails with the rule's reason.",
}

# -- building ------------------------------------------------------------------------------------


def build_crosswalk(table: MappingTable) -> Crosswalk:
    """Derive the crosswalk of `table` from its analysis: every combination of its field domains
    tried both ways (`mapping.analysis`, shared with the coverage report and cached per table)."""
    analysis = analysis_of(table)
    home = _homes(table)
    rows: list[Row] = []
    for dimension in DIMENSION_ORDER:
        entries = _forward_entries(table, dimension, analysis)
        states: list[str] = [state.value for state in DIMENSION_STATES[dimension]]
        states.append(UNSET)
        if any(rule.then == REJECT for rule in table.forward[dimension]):
            states.append(REJECT)
        for state in states:
            forward = tuple(entry for entry in entries if entry.rule.then == state)
            definition = DEFINITIONS.get((dimension, state)) or _PSEUDO_DEFINITIONS[state]
            if state == REJECT:
                if forward:
                    rows.append(Row(dimension, state, definition, forward, ()))
                continue
            wanted = None if state == UNSET else state
            reverse = tuple(
                entry
                for field, dim in home.items()
                if dim is dimension
                for entry in _reverse_entries(table, analysis, field, dimension, wanted)
            )
            elsewhere = tuple(
                (field, dim)
                for field, dim in home.items()
                if dim is not dimension and any(dimension in rule.when for rule in table.reverse_rules[field])
            )
            losses = _reverse_losses(table, analysis, dimension, wanted)
            rows.append(Row(dimension, state, definition, forward, reverse, losses, elsewhere))
    return Crosswalk(table, tuple(rows), home)


def _reverse_losses(
    table: MappingTable, analysis: Analysis, dimension: Dimension, state: Value
) -> tuple[ReverseLoss, ...]:
    """Where the state does not survive DFC -> platform -> DFC, grouped by what it reads back as."""
    triples = contexts(dimension, state)
    lost: dict[Value, list[DFCStates]] = {}
    for triple in triples:
        read_back = analysis.reverse[triple].read_back
        if read_back is None:  # the reverse fails for this triple: let the table say why
            read_back = table.translate(table.reverse(triple).fields)
        back = read_back.get(dimension)
        got = back.value if back is not None else None
        if got != state:
            lost.setdefault(got, []).append(triple)
    order = dimension_values(dimension)
    return tuple(
        ReverseLoss(got, tuple(found), len(triples), _describe(dimension, found, triples))
        for got, found in sorted(lost.items(), key=lambda item: order.index(item[0]))
    )


def _describe(
    dimension: Dimension, found: list[DFCStates], triples: list[DFCStates]
) -> tuple[Term, ...] | None:
    """A condition on one or two other dimensions that holds for exactly `found`, if there is one."""
    if len(found) == len(triples):
        return ()
    others = [dim for dim in DIMENSION_ORDER if dim is not dimension]
    chosen = {dim: {_state_value(t.get(dim)) for t in found} for dim in others}
    for subset in ([others[0]], [others[1]], others):
        if {id(t) for t in triples if all(_state_value(t.get(d)) in chosen[d] for d in subset)} == {
            id(t) for t in found
        }:
            return tuple(
                Term(d.value, tuple(v for v in dimension_values(d) if v in chosen[d]), none_word="unset")
                for d in subset
            )
    return None


def _state_value(state: enum.StrEnum | None) -> Value:
    return state.value if state is not None else None


def _forward_entries(
    table: MappingTable,
    dimension: Dimension,
    analysis: Analysis,
) -> list[ForwardEntry]:
    walk = analysis.dimensions[dimension]
    written_back = analysis.written_back
    entries = []
    for rule in table.forward[dimension]:
        reached: dict[str, set[Value]] = {field: set() for field in rule.when}
        positions = {field: walk.position(field) for field in rule.when}
        pre_empted: dict[int, ForwardRule] = {}
        for combo, winner in walk.first.items():
            if winner is rule:
                for field, i in positions.items():
                    reached[field].add(combo[i])
            elif winner is not None and winner.then != rule.then and rule.index in walk.matching[combo]:
                pre_empted[winner.index] = winner
        if not any(reached.values()):
            continue  # every combination it names is decided earlier: it never fires
        terms = tuple(
            Term(
                field,
                tuple(v for v in table.fields[field].domain if v in values),
                whole=values == set(table.fields[field].domain),
            )
            for field, values in reached.items()
        )
        unless = tuple(
            u for u in (_unless(table, earlier, terms) for _, earlier in sorted(pre_empted.items())) if u
        )
        lost = {
            (field, value): tuple(sorted(written, key=_sort_key))
            for (dim, index, field, value), written in sorted(
                written_back.items(), key=lambda item: (item[0][1], item[0][2], _sort_key(item[0][3]))
            )
            if dim is dimension and index == rule.index
        }
        entries.append(ForwardEntry(rule, terms, unless, lost))
    return entries


def _unless(table: MappingTable, earlier: ForwardRule, terms: tuple[Term, ...]) -> Unless | None:
    """The earlier rule's condition, minus what the entry's own values already imply."""
    own = {term.name: set(term.values) for term in terms}
    shown = []
    for field, allowed in earlier.when.items():
        if field in own:
            common = own[field] & allowed
            if not common:
                return None  # only values this entry never reaches: already left out of its terms
            if common == own[field]:
                continue
            values: t.Iterable[Value] = common
        else:
            values = allowed
        shown.append(Term(field, tuple(v for v in table.fields[field].domain if v in set(values))))
    return Unless(earlier, tuple(shown)) if shown else None


def _sort_key(value: Value) -> tuple[int, str]:
    return (1, "") if value is None else (0, value)


def _homes(table: MappingTable) -> dict[str, Dimension]:
    """The dimension each reverse field is shown under: the one most of its rules look at."""
    homes = {}
    for field, rules in table.reverse_rules.items():
        counts = {dim: sum(dim in rule.when for rule in rules) for dim in DIMENSION_ORDER}
        homes[field] = max(DIMENSION_ORDER, key=lambda dim: counts[dim])
    return homes


def _reverse_entries(
    table: MappingTable, analysis: Analysis, field: str, dimension: Dimension, state: Value
) -> list[ReverseEntry]:
    """The reverse rules of `field` that fire for some triple whose `dimension` is `state`."""
    rules = table.reverse_rules[field]
    fired = set()
    for triple in contexts(dimension, state):
        rule = analysis.reverse[triple].rules[field]
        if rule is not None:
            fired.add(rule.index)
    entries = []
    default_seen = False
    for rule in rules:
        if rule.index not in fired:
            continue
        condition = tuple(
            Term(dim.value, tuple(v for v in dimension_values(dim) if v in rule.when[dim]), none_word="unset")
            for dim in DIMENSION_ORDER
            if dim is not dimension and dim in rule.when and set(dimension_values(dim)) - rule.when[dim]
        )
        default = not condition and not default_seen
        default_seen = default_seen or default
        entries.append(ReverseEntry(field, rule, condition, default))
    return entries


def platform_order() -> tuple[str, ...]:
    """The order platforms' tables are shown in: the registry's (`Platform.position`): the Spree family
    first (the DFC table's OFN column), then Shopify and Socleo (its Shopify and Socleo columns),
    then the platforms it has no column for."""
    from ..platforms import platforms

    return tuple(described.table for described in platforms() if described.table is not None)


def load_crosswalks(platform: str | None = None, *, tables: Tables = SHIPPED) -> list[Crosswalk]:
    """The crosswalk of one platform (an alias such as `chord` is accepted), or of every table in
    `tables` (default: the shipped ones)."""
    if platform is not None:
        return [build_crosswalk(tables.load(tables.resolve(platform)))]
    names = tables.names()
    order = platform_order()
    ordered = [n for n in order if n in names] + [n for n in names if n not in order]
    return [build_crosswalk(tables.load(name)) for name in ordered]
