"""The crosswalk's rows: per DFC dimension and state, the forward entries that reach it, the reverse
entries that write it, and what it reads back as. `model.build_crosswalk` derives them from a table.
"""

from __future__ import annotations

import dataclasses
import enum

from ..errors import StatebridgeError
from ..mapping.table import REJECT, UNSET, ForwardRule, MappingTable, ReverseRule
from ..states import DIMENSION_STATES, DFCStates, Dimension
from .terms import Term, Value, says_lossy, show_condition

__all__ = ["Crosswalk", "ForwardEntry", "ReverseEntry", "ReverseLoss", "Row", "Unless"]


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


def _same_shape(a: ForwardEntry, b: ForwardEntry) -> bool:
    single = len(a.terms) == 1 and len(b.terms) == 1 and a.terms[0].name == b.terms[0].name
    return (
        single
        and not a.terms[0].whole
        and not b.terms[0].whole
        and [str(u) for u in a.unless] == [str(u) for u in b.unless]
        and a.lossy == b.lossy
    )
