"""The crosswalk of one mapping table: per DFC dimension and state, what reaches it and what is written.

The DFC standard publishes its mapping as a table with one row per DFC state and a column of
platform values per platform (seed `002_de6af5c0cc3c4d31.txt`). `build_crosswalk(table)` derives the
same view from a statebridge table, so that a reviewer reads rows instead of ordered YAML rules:

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

import dataclasses
import enum
import itertools
import re
import typing as t

from ..errors import RejectedStatusError, StatebridgeError
from ..mapping.loader import available_tables, load_table, resolve_platform
from ..mapping.table import REJECT, UNSET, ForwardRule, MappingTable, ReverseRule
from ..states import DIMENSION_STATES, DFCStates, Dimension

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

Value = str | None

#: The seed table lists Order, then Fulfilment, then Payment states.
DIMENSION_ORDER: tuple[Dimension, ...] = (Dimension.ORDER, Dimension.FULFILMENT, Dimension.PAYMENT)

#: The DFC definition of every state, as the standard's table words it (seed 002).
DEFINITIONS: dict[tuple[Dimension, str], str] = {
    (Dimension.ORDER, "Draft"): (
        "Order is in a draft state - generally before it is ready for completion - customer can still "
        "amend the order. Stock is not reserved."
    ),
    (Dimension.ORDER, "Held"): (
        "Order is held - no activity should be carried out, but order cannot be amended by the customer. "
        "Could be due to a variety of conditions (e.g. payment rejected, out of stock errors)"
    ),
    (Dimension.ORDER, "Complete"): (
        "Order is finalized and will be ready for fulfilment (although that may not be yet, see "
        "Fulfilment States)"
    ),
    (Dimension.ORDER, "Cancelled"): (
        "Order has been cancelled - no further activity should be carried out on the order"
    ),
    (Dimension.FULFILMENT, "Held"): (
        "Order is Complete, but cannot be fulfilled at this time (e.g. order is a scheduled future order)"
    ),
    (Dimension.FULFILMENT, "Unfulfilled"): "Order is ready for fulfilment/shipment",
    (Dimension.FULFILMENT, "Fulfilled"): "Order has been fulfilled/shipped",
    (Dimension.FULFILMENT, "Cancelled"): (
        "Order is cancelled, no further fulfilment activity should be carried out"
    ),
    (Dimension.PAYMENT, "Unpaid"): "Full or partial payment is still required on the order",
    (Dimension.PAYMENT, "Paid"): "Full payment has been successfully received on the order",
    (Dimension.PAYMENT, "Cancelled"): (
        "Payment has been cancelled, Order State should be Held or Cancelled & no further activity "
        "should be carried out until Payment issues are resolved."
    ),
}

_PSEUDO_DEFINITIONS = {
    UNSET: "No DFC state: statebridge leaves the dimension out rather than invent one.",
    REJECT: "Not a valid order: translation fails with the rule's reason.",
}

_LOSSY = re.compile(r"\blossy\b", re.IGNORECASE)


def says_lossy(text: str | None) -> bool:
    """Whether a rule's `why` declares the step lossy (the tables write '(lossy)' where they do)."""
    return bool(text and _LOSSY.search(text))


@dataclasses.dataclass(frozen=True)
class Term:
    """`name` (a platform field or a DFC dimension) takes one of `values`.

    `whole` is set when `values` is the whole domain: the rule names the field but does not restrict
    it (Shopify's cancel_reason, any of which is a cancellation).
    """

    name: str
    values: tuple[Value, ...]
    whole: bool = False
    none_word: str = "null"

    def show(self, value: Value) -> str:
        return self.none_word if value is None else value

    def __str__(self) -> str:
        if self.whole:
            return f"{self.name} any"
        shown = [self.show(v) for v in self.values]
        return f"{self.name} = {shown[0]}" if len(shown) == 1 else f"{self.name} ∈ {{{', '.join(shown)}}}"


def show_condition(terms: t.Iterable[Term]) -> str:
    """A conjunction of terms as text: `state = canceled and status = draft`."""
    return " and ".join(str(term) for term in terms)


@dataclasses.dataclass(frozen=True)
class Unless:
    """An earlier rule that takes precedence: when `terms` hold, the outcome is `then` instead."""

    rule: ForwardRule
    terms: tuple[Term, ...]

    @property
    def then(self) -> str:
        return self.rule.then

    def __str__(self) -> str:
        return show_condition(self.terms)


@dataclasses.dataclass(frozen=True)
class ForwardEntry:
    """One forward rule, as far as it decides this row's state.

    `terms`: per field the rule names, the values that reach the state through it. `unless`: earlier
    rules with another outcome that can take precedence. `written_back`: values that do not survive
    the round trip, with what the reverse writes for that field instead (None: null or not written).
    """

    rule: ForwardRule
    terms: tuple[Term, ...]
    unless: tuple[Unless, ...]
    written_back: dict[tuple[str, Value], tuple[Value, ...]]

    @property
    def label(self) -> str:
        """A short reference to the rule: `o3` is the third order rule (f: fulfilment, p: payment)."""
        return f"{self.rule.dimension.value[0]}{self.rule.index + 1}"

    @property
    def lossy(self) -> bool:
        """The rule says the step loses something DFC cannot carry."""
        return says_lossy(self.rule.why)

    @property
    def restricting(self) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if not term.whole)

    @property
    def conditional(self) -> bool:
        """The state is reached only together with another field's value (`unless` aside)."""
        return len(self.restricting) > 1

    def values(self, field: str) -> tuple[Value, ...]:
        for term in self.terms:
            if term.name == field:
                return term.values
        return ()

    def collapsed(self, field: str, value: Value) -> bool:
        return (field, value) in self.written_back


@dataclasses.dataclass(frozen=True)
class ReverseEntry:
    """A reverse rule that can fire for this row's state, and its condition on the other dimensions."""

    field: str
    rule: ReverseRule
    condition: tuple[Term, ...]
    default: bool

    @property
    def label(self) -> str:
        return f"{self.field}#{self.rule.index + 1}"

    @property
    def value(self) -> Value:
        return self.rule.then

    @property
    def lossy(self) -> str | None:
        return self.rule.lossy


@dataclasses.dataclass(frozen=True)
class ReverseLoss:
    """The row's state, written to the platform, reads back as `got` in `contexts` of `total`.

    A context is a pair of states (or unset) of the other two dimensions. `condition` describes the
    contexts when they have a simple shape (every context whose payment is Paid: `payment = Paid`);
    None when they do not, and empty when the loss happens in every context.
    """

    got: Value
    contexts: tuple[DFCStates, ...]
    total: int
    condition: tuple[Term, ...] | None

    def describe(self) -> str:
        got = "unset" if self.got is None else self.got
        if self.condition is None:
            return f"reads back as {got} in {len(self.contexts)} of {self.total} contexts"
        if not self.condition:
            return f"reads back as {got}"
        return f"reads back as {got} when {show_condition(self.condition)}"


@dataclasses.dataclass(frozen=True)
class Row:
    """One DFC dimension and state (or `unset` / `reject`), seen from one platform."""

    dimension: Dimension
    state: str
    definition: str
    forward: tuple[ForwardEntry, ...]
    reverse: tuple[ReverseEntry, ...]
    #: What this state reads back as when written to the platform and read again, where it changes.
    losses: tuple[ReverseLoss, ...] = ()
    #: Fields whose reverse looks at this dimension but is shown in another dimension's rows.
    elsewhere: tuple[tuple[str, Dimension], ...] = ()

    @property
    def dfc_state(self) -> enum.StrEnum | None:
        """The DFC state, or None for the `unset` and `reject` rows."""
        if self.state in (UNSET, REJECT):
            return None
        return DIMENSION_STATES[self.dimension](self.state)

    @property
    def collapsed(self) -> bool:
        """Some platform value reaching this state does not survive the round trip (n:1)."""
        return any(entry.written_back for entry in self.forward)

    @property
    def not_carried(self) -> tuple[ForwardEntry, ...]:
        return tuple(entry for entry in self.forward if entry.lossy)

    @property
    def declared_lossy(self) -> tuple[ReverseEntry, ...]:
        """The reverse entries whose rule declares itself lossy (and says why)."""
        return tuple(entry for entry in self.reverse if entry.lossy)

    @property
    def unreachable(self) -> bool:
        """A DFC state no platform value reads as: whatever is written for it reads back otherwise."""
        return self.dfc_state is not None and not self.forward

    @property
    def lossy(self) -> bool:
        """Any kind of loss: collapsed values, a step DFC cannot carry, or a state that reads back
        differently (which includes every state no platform value reaches)."""
        return self.collapsed or bool(self.not_carried) or bool(self.losses)

    def fields_written(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(entry.field for entry in self.reverse))

    def reverse_for(self, field: str) -> tuple[ReverseEntry, ...]:
        return tuple(entry for entry in self.reverse if entry.field == field)

    def default(self, field: str) -> ReverseEntry | None:
        """The entry that applies when no other condition holds (the table's declared default)."""
        return next((e for e in self.reverse_for(field) if e.default), None)

    def is_default(self, field: str, value: Value) -> bool:
        """`value` of `field` is what the reverse writes for this state by default (shown ★)."""
        default = self.default(field)
        return default is not None and default.value == value

    def groups(self) -> list[tuple[ForwardEntry, ...]]:
        """The forward entries, consecutive ones that differ only in their values of one field merged.

        Spree's three Draft rules over `state` read as one list of values; a rule with another
        condition, another `unless` or another lossiness stays on its own.
        """
        groups: list[list[ForwardEntry]] = []
        for entry in self.forward:
            last = groups[-1][-1] if groups else None
            if last is not None and _same_shape(last, entry):
                groups[-1].append(entry)
            else:
                groups.append([entry])
        return [tuple(group) for group in groups]


@dataclasses.dataclass(frozen=True)
class Crosswalk:
    """Every row of one platform's table."""

    table: MappingTable
    rows: tuple[Row, ...]
    #: Each field the reverse writes, and the dimension whose rows show its reverse (the dimension
    #: most of its reverse rules look at).
    home: dict[str, Dimension]

    @property
    def platform(self) -> str:
        return self.table.platform

    def row(self, dimension: Dimension, state: str) -> Row:
        for row in self.rows:
            if row.dimension is dimension and row.state == state:
                return row
        msg = f"the {self.platform} crosswalk has no row {dimension.value} {state}"
        raise StatebridgeError(msg)

    def rows_of(self, dimension: Dimension) -> tuple[Row, ...]:
        return tuple(row for row in self.rows if row.dimension is dimension)


# -- building ------------------------------------------------------------------------------------


def build_crosswalk(table: MappingTable) -> Crosswalk:
    """Derive the crosswalk of `table` by trying every combination of its field domains both ways."""
    names = list(table.fields)
    combos = [
        dict(zip(names, combo, strict=True))
        for combo in itertools.product(*(table.fields[name].domain for name in names))
    ]
    first = {dim: [_first_rule(table.forward[dim], combo) for combo in combos] for dim in Dimension}
    written_back = _round_trips(table, combos, first)
    home = _homes(table)
    rows: list[Row] = []
    for dimension in DIMENSION_ORDER:
        entries = _forward_entries(table, dimension, combos, first[dimension], written_back)
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
                for entry in _reverse_entries(table, field, dimension, wanted)
            )
            elsewhere = tuple(
                (field, dim)
                for field, dim in home.items()
                if dim is not dimension and any(dimension in rule.when for rule in table.reverse_rules[field])
            )
            losses = _reverse_losses(table, dimension, wanted)
            rows.append(Row(dimension, state, definition, forward, reverse, losses, elsewhere))
    return Crosswalk(table, tuple(rows), home)


def contexts(dimension: Dimension, state: Value) -> list[DFCStates]:
    """Every DFC triple whose `dimension` is `state`: the other two dimensions take every state or unset."""
    others = [dim for dim in DIMENSION_ORDER if dim is not dimension]
    triples = []
    for context in itertools.product(*(dimension_values(dim) for dim in others)):
        triple: dict[str, Value] = dict(zip((dim.value for dim in others), context, strict=True))
        triple[dimension.value] = state
        triples.append(DFCStates.model_validate(triple))
    return triples


def _reverse_losses(table: MappingTable, dimension: Dimension, state: Value) -> tuple[ReverseLoss, ...]:
    """Where the state does not survive DFC -> platform -> DFC, grouped by what it reads back as."""
    triples = contexts(dimension, state)
    lost: dict[Value, list[DFCStates]] = {}
    for triple in triples:
        back = table.translate(table.reverse(triple).fields).get(dimension)
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


def _same_shape(a: ForwardEntry, b: ForwardEntry) -> bool:
    single = len(a.terms) == 1 and len(b.terms) == 1 and a.terms[0].name == b.terms[0].name
    return (
        single
        and not a.terms[0].whole
        and not b.terms[0].whole
        and [str(u) for u in a.unless] == [str(u) for u in b.unless]
        and a.lossy == b.lossy
    )


def _first_rule(rules: tuple[ForwardRule, ...], status: dict[str, Value]) -> ForwardRule | None:
    return next((rule for rule in rules if rule.matches(status)), None)


def _round_trips(
    table: MappingTable,
    combos: list[dict[str, Value]],
    first: dict[Dimension, list[ForwardRule | None]],
) -> dict[tuple[Dimension, int, str, Value], set[Value]]:
    """For each (rule, field, value) that does not come back unchanged: what is written instead."""
    lost: dict[tuple[Dimension, int, str, Value], set[Value]] = {}
    for i, combo in enumerate(combos):
        try:
            states = table.translate(combo)
        except RejectedStatusError:
            continue  # rejected on purpose: nothing is translated, nothing comes back
        back = table.reverse(states).fields
        for dimension in Dimension:
            rule = first[dimension][i]
            if rule is None:
                continue
            for field in rule.when:
                if back.get(field) != combo[field]:
                    key = (dimension, rule.index, field, combo[field])
                    lost.setdefault(key, set()).add(back.get(field))
    return lost


def _forward_entries(
    table: MappingTable,
    dimension: Dimension,
    combos: list[dict[str, Value]],
    first: list[ForwardRule | None],
    written_back: dict[tuple[Dimension, int, str, Value], set[Value]],
) -> list[ForwardEntry]:
    entries = []
    for rule in table.forward[dimension]:
        reached: dict[str, set[Value]] = {field: set() for field in rule.when}
        pre_empted: dict[int, ForwardRule] = {}
        for combo, winner in zip(combos, first, strict=True):
            if winner is rule:
                for field in rule.when:
                    reached[field].add(combo[field])
            elif winner is not None and winner.then != rule.then and rule.matches(combo):
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
    table: MappingTable, field: str, dimension: Dimension, state: Value
) -> list[ReverseEntry]:
    """The reverse rules of `field` that fire for some triple whose `dimension` is `state`."""
    rules = table.reverse_rules[field]
    fired = set()
    for triple in contexts(dimension, state):
        rule = next((r for r in rules if r.matches(triple)), None)
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


def dimension_values(dimension: Dimension) -> list[Value]:
    """The states of a dimension in the DFC order, then None (unset)."""
    return [*(state.value for state in DIMENSION_STATES[dimension]), None]


def rule_terms(table: MappingTable, rule: ForwardRule) -> tuple[Term, ...]:
    """A forward rule's `when` as written in the table, values in their domain's order."""
    return tuple(
        Term(field, tuple(v for v in table.fields[field].domain if v in allowed))
        for field, allowed in rule.when.items()
    )


def reverse_terms(rule: ReverseRule) -> tuple[Term, ...]:
    """A reverse rule's `when` as written in the table, states in the DFC order."""
    return tuple(
        Term(dim.value, tuple(v for v in dimension_values(dim) if v in allowed), none_word="unset")
        for dim, allowed in rule.when.items()
    )


def source_name(table: MappingTable) -> str:
    """Where a reader finds the table: `mappings/spree.yaml` for a shipped one (its repository path)."""
    prefix = "statebridge.mappings/"
    return (
        "mappings/" + table.source.removeprefix(prefix) if table.source.startswith(prefix) else table.source
    )


def platform_order() -> tuple[str, ...]:
    """The order platforms' tables are shown in: the registry's (`Platform.position`): the Spree family
    first (the DFC table's OFN column), then Shopify and Socleo (its Shopify and Socleo columns),
    then the platforms it has no column for."""
    from ..platforms import platforms

    return tuple(described.table for described in platforms() if described.table is not None)


def load_crosswalks(platform: str | None = None) -> list[Crosswalk]:
    """The crosswalk of one platform (an alias such as `chord` is accepted), or of every table."""
    if platform is not None:
        return [build_crosswalk(load_table(resolve_platform(platform)))]
    names = available_tables()
    order = platform_order()
    ordered = [n for n in order if n in names] + [n for n in names if n not in order]
    return [build_crosswalk(load_table(name)) for name in ordered]
