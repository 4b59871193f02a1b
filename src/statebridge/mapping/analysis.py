"""One walk over a mapping table, shared by its coverage report and its crosswalk.

`analysis_of(table)` tries every combination of the declared field domains (the Spree family has
about 13,000) forward, and every DFC triple (each dimension a state or unset) in reverse, once per
table object, and records what both views need:

- per dimension, the first forward rule that matches (and every rule that matches) each combination
  of the fields that dimension's rules name: a dimension's rules look at a few fields only, so
  this is computed once per distinct projection, not once per combination;
- the combinations rejected on purpose (`then: reject`) and those some dimension has no rule for;
- for every translated combination, its DFC triple, what the reverse writes for it and what that
  reads back as: the round trip platform -> DFC -> platform -> DFC, done once per distinct triple;
- per DFC triple, the reverse rule each platform field takes and what the written values read back as.

`mapping.coverage` and `crosswalk.model` are views of it. The tables are immutable, so the analysis
is cached per table object (`mappings check`, `show` and `export` in one process pay once).
"""

from __future__ import annotations

import dataclasses
import itertools
import operator
import threading
import typing as t
import weakref

from ..errors import StatebridgeError
from ..states import DIMENSION_STATES, DFCStates, Dimension
from .table import REJECT, ForwardRule, MappingTable, ReverseRule

__all__ = ["Analysis", "DimensionWalk", "ReverseWalk", "RoundTripFailure", "analysis_of"]

Value = str | None
#: The values of some fields, in the table's field order.
Combo = tuple[Value, ...]


@dataclasses.dataclass(frozen=True)
class DimensionWalk:
    """How one dimension's forward rules decide, per combination of the fields they name."""

    #: The fields the dimension's rules name, in the table's field order.
    fields: tuple[str, ...]
    #: Each combination of `fields`' values: the first rule that matches it (None: no rule does).
    first: dict[Combo, ForwardRule | None]
    #: Each combination of `fields`' values: the indices of every rule that matches it.
    matching: dict[Combo, frozenset[int]]

    def position(self, field: str) -> int:
        return self.fields.index(field)


@dataclasses.dataclass(frozen=True)
class RoundTripFailure:
    """A combination whose DFC triple changes on the way platform -> DFC -> platform -> DFC."""

    status: dict[str, Value]
    states: DFCStates
    back: dict[str, Value]
    again: DFCStates


@dataclasses.dataclass(frozen=True)
class ReverseWalk:
    """One DFC triple in reverse: the rule each platform field takes, and what it reads back as."""

    #: Per platform field, the first reverse rule that matches the triple (None: no rule does).
    rules: dict[str, ReverseRule | None]
    #: The written values translated forward again; None when the reverse or that translation
    #: fails (the table itself says why: `MappingTable.reverse`).
    read_back: DFCStates | None


@dataclasses.dataclass(frozen=True)
class Analysis:
    """Everything found by trying every combination of a table's domains, forward and back."""

    combinations: int
    rejected: int
    dimensions: dict[Dimension, DimensionWalk]
    #: Combinations some dimension has no rule for: the first such dimension and the status.
    gaps: tuple[tuple[Dimension, dict[str, Value]], ...]
    #: Every DFC triple some combination translates to.
    reachable: frozenset[DFCStates]
    #: Per field and value, the DFC triples (as text) the combinations with that value translate to.
    values: dict[str, dict[Value, frozenset[str]]]
    round_trip_failures: tuple[RoundTripFailure, ...]
    #: Per (dimension, index of the deciding rule, field it names, value): what the reverse writes
    #: for that field instead, where the value does not come back unchanged.
    written_back: dict[tuple[Dimension, int, str, Value], frozenset[Value]]
    #: Every DFC triple (each dimension a state or unset, in `Dimension` order) in reverse.
    reverse: dict[DFCStates, ReverseWalk]


_lock = threading.Lock()
_analyses: dict[int, tuple[weakref.ref[MappingTable], Analysis]] = {}


def analysis_of(table: MappingTable) -> Analysis:
    """The analysis of `table`, computed on first use and kept as long as the table lives."""
    with _lock:
        found = _analyses.get(id(table))
    if found is not None and found[0]() is table:
        return found[1]
    analysis = _analyse(table)
    with _lock:
        _analyses[id(table)] = (weakref.ref(table, _forget(id(table))), analysis)
    return analysis


def _forget(key: int) -> t.Callable[[weakref.ref[MappingTable]], None]:
    def forget(ref: weakref.ref[MappingTable]) -> None:
        with _lock:
            if key in _analyses and _analyses[key][0] is ref:
                del _analyses[key]

    return forget


def _analyse(table: MappingTable) -> Analysis:
    names = tuple(table.fields)
    position = {name: i for i, name in enumerate(names)}
    walks = {dimension: _walk(table, dimension) for dimension in Dimension}
    project = {dimension: _projector([position[f] for f in walk.fields]) for dimension, walk in walks.items()}
    values: dict[str, dict[Value, set[str]]] = {
        f: {v: set() for v in spec.domain} for f, spec in table.fields.items()
    }
    trips: dict[tuple[int, ...], tuple[DFCStates, str, dict[str, Value], DFCStates]] = {}
    written_back: dict[tuple[Dimension, int, str, Value], set[Value]] = {}
    gaps: list[tuple[Dimension, dict[str, Value]]] = []
    failures: list[RoundTripFailure] = []
    combinations = rejected = 0
    for combo in itertools.product(*(spec.domain for spec in table.fields.values())):
        combinations += 1
        winners: list[ForwardRule] = []
        for dimension in Dimension:
            rule = walks[dimension].first[project[dimension](combo)]
            if rule is None:
                gaps.append((dimension, dict(zip(names, combo, strict=True))))
                break
            if rule.then == REJECT:
                rejected += 1
                break
            winners.append(rule)
        else:
            key = tuple(rule.index for rule in winners)
            trip = trips.get(key)
            if trip is None:
                trip = trips[key] = _round_trip(table, winners)
            states, text, back, again = trip
            for name, value in zip(names, combo, strict=True):
                values[name][value].add(text)
            if again != states:
                failures.append(RoundTripFailure(dict(zip(names, combo, strict=True)), states, back, again))
            for dimension, rule in zip(Dimension, winners, strict=True):
                for field in rule.when:
                    value, written = combo[position[field]], back.get(field)
                    if written != value:
                        written_back.setdefault((dimension, rule.index, field, value), set()).add(written)
    return Analysis(
        combinations=combinations,
        rejected=rejected,
        dimensions=walks,
        gaps=tuple(gaps),
        reachable=frozenset(trip[0] for trip in trips.values()),
        values={f: {v: frozenset(texts) for v, texts in by_value.items()} for f, by_value in values.items()},
        round_trip_failures=tuple(failures),
        written_back={key: frozenset(written) for key, written in written_back.items()},
        reverse=_reverse_walks(table),
    )


def _walk(table: MappingTable, dimension: Dimension) -> DimensionWalk:
    rules = table.forward[dimension]
    named = {field for rule in rules for field in rule.when}
    fields = tuple(field for field in table.fields if field in named)
    first: dict[Combo, ForwardRule | None] = {}
    matching: dict[Combo, frozenset[int]] = {}
    for combo in itertools.product(*(table.fields[field].domain for field in fields)):
        status = dict(zip(fields, combo, strict=True))
        matched = [rule for rule in rules if rule.matches(status)]
        first[combo] = matched[0] if matched else None
        matching[combo] = frozenset(rule.index for rule in matched)
    return DimensionWalk(fields, first, matching)


def _projector(indices: list[int]) -> t.Callable[[Combo], Combo]:
    def project(combo: Combo) -> Combo:
        return tuple(combo[i] for i in indices)

    if len(indices) > 1:  # itemgetter is faster, but returns a bare value for a single index
        getter = operator.itemgetter(*indices)
        return t.cast(t.Callable[[Combo], Combo], getter)
    return project


def _round_trip(
    table: MappingTable, winners: list[ForwardRule]
) -> tuple[DFCStates, str, dict[str, Value], DFCStates]:
    """The triple the deciding rules yield, as text, what the reverse writes, what that reads as."""
    states = DFCStates.model_validate(
        {dimension.value: rule.state for dimension, rule in zip(Dimension, winners, strict=True)}
    )
    back = table.reverse(states).fields
    return states, str(states), back, table.translate(back)


def _reverse_walks(table: MappingTable) -> dict[DFCStates, ReverseWalk]:
    walks = {}
    for triple in itertools.product(*([None, *DIMENSION_STATES[d]] for d in Dimension)):
        states = DFCStates.model_validate(dict(zip((d.value for d in Dimension), triple, strict=True)))
        rules = {
            field: next((rule for rule in rules if rule.matches(states)), None)
            for field, rules in table.reverse_rules.items()
        }
        read_back: DFCStates | None = None
        if all(rule is not None for rule in rules.values()):
            try:
                read_back = table.translate(table.reverse(states).fields)
            except StatebridgeError:
                read_back = None
        walks[states] = ReverseWalk(rules, read_back)
    return walks
