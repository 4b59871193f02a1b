"""A loaded mapping table, and how it translates statuses in both directions.

Forward: the platform's status fields (a mapping of field name to verbatim value) become a
`DFCStates` triple. For each DFC dimension the rules are tried in order and the first whose `when`
holds decides. Every value is first checked against its field's declared domain, so a value from a
newer API version fails loudly instead of falling through to some rule.

Reverse: a `DFCStates` triple becomes one value per platform field, again by ordered rules. The
result is translated forward again; any dimension that does not come back unchanged is reported as
a loss, with the table's reason when it declares one.
"""

from __future__ import annotations

import dataclasses
import enum
import typing as t

from ..errors import RejectedStatusError, StatebridgeError, UnknownStatusError
from ..states import DIMENSION_STATES, DFCStates, Dimension

__all__ = ["FieldSpec", "ForwardRule", "Loss", "MappingTable", "ReverseResult", "ReverseRule"]

UNSET = "unset"
REJECT = "reject"

StatusFields = t.Mapping[str, str | None]

#: How many translations a table remembers (the valid combinations are far fewer).
_REMEMBERED = 65536


@dataclasses.dataclass(frozen=True)
class FieldSpec:
    """One platform status field and its full domain of values."""

    name: str
    description: str
    values: dict[str, str]
    null_meaning: str | None

    @property
    def nullable(self) -> bool:
        return self.null_meaning is not None

    @property
    def domain(self) -> tuple[str | None, ...]:
        """Every value the field may take, `None` last when the platform sends null."""
        return (*self.values, None) if self.nullable else tuple(self.values)


@dataclasses.dataclass(frozen=True)
class ForwardRule:
    """`when` every named field has one of the listed values, the dimension is `then`."""

    dimension: Dimension
    index: int
    when: dict[str, frozenset[str | None]]
    then: str
    why: str
    cite: tuple[str, ...]

    def matches(self, status: StatusFields) -> bool:
        return all(status.get(name) in allowed for name, allowed in self.when.items())

    @property
    def state(self) -> enum.StrEnum | None:
        """The DFC state this rule yields; None for `unset` and `reject`."""
        if self.then in (UNSET, REJECT):
            return None
        return DIMENSION_STATES[self.dimension](self.then)


@dataclasses.dataclass(frozen=True)
class ReverseRule:
    """`when` the DFC triple matches, the platform field gets `then` (a value or null)."""

    field: str
    index: int
    when: dict[Dimension, frozenset[str | None]]
    then: str | None
    why: str
    cite: tuple[str, ...]
    lossy: str | None = None

    def matches(self, states: DFCStates) -> bool:
        for dimension, allowed in self.when.items():
            state = states.get(dimension)
            if (state.value if state is not None else None) not in allowed:
                return False
        return True


@dataclasses.dataclass(frozen=True)
class Loss:
    """A DFC state that did not survive the trip to the platform and back."""

    dimension: Dimension
    wanted: enum.StrEnum | None
    got: enum.StrEnum | None
    reason: str

    def __str__(self) -> str:
        wanted = self.wanted.value if self.wanted else "unset"
        got = self.got.value if self.got else "unset"
        return f"{self.dimension.value} {wanted} reads back as {got}: {self.reason}"


@dataclasses.dataclass(frozen=True)
class ReverseResult:
    """Platform field values for a DFC triple, and what was lost on the way."""

    fields: dict[str, str | None]
    losses: tuple[Loss, ...]


@dataclasses.dataclass(frozen=True)
class MappingTable:
    """A validated mapping table for one platform family. Build it with `load_table`."""

    platform: str
    aliases: tuple[str, ...]
    description: str
    references: dict[str, str]
    fields: dict[str, FieldSpec]
    forward: dict[Dimension, tuple[ForwardRule, ...]]
    reverse_rules: dict[str, tuple[ReverseRule, ...]]
    source: str
    _cache: dict[tuple[str | None, ...], DFCStates | StatebridgeError] = dataclasses.field(
        default_factory=dict, repr=False, compare=False
    )

    def __repr__(self) -> str:
        return f"MappingTable(platform={self.platform!r}, source={self.source!r})"

    # -- forward ---------------------------------------------------------------------------------

    def check_value(self, field: str, value: str | None) -> None:
        """Raise `UnknownStatusError` unless `value` is in the declared domain of `field`."""
        spec = self.fields[field]
        if value is None and spec.nullable:
            return
        if value is not None and value in spec.values:
            return
        raise UnknownStatusError(platform=self.platform, field=field, value=value, valid=spec.domain)

    def translate(self, status: StatusFields) -> DFCStates:
        """Translate the platform's status fields to a DFC triple.

        `status` maps field names of this table to the values the platform sent (missing = null).
        Raises `UnknownStatusError` for a value outside a field's domain and `RejectedStatusError`
        for a combination the table rejects.
        """
        if not status.keys() <= self.fields.keys():
            unknown = set(status) - set(self.fields)
            msg = (
                f"the {self.platform} adapter passed fields the table does not define: "
                f"{sorted(unknown)} (defined: {sorted(self.fields)})"
            )
            raise StatebridgeError(msg)
        key = tuple(map(status.get, self.fields))
        cached = self._cache.get(key)
        if cached is None:
            cached = self._translate_uncached(dict(zip(self.fields, key, strict=True)))
            self._remember(key, cached)
        if isinstance(cached, StatebridgeError):
            raise _copy_error(cached)
        return cached

    def states_for(self, key: tuple[str | None, ...]) -> DFCStates | None:
        """`translate` for the values of every field in `fields` order (missing = null), without an
        error: None when they do not translate (`translate` then says why). For the bulk path."""
        cached = self._cache.get(key)
        if cached is None:
            if len(key) != len(self.fields):
                return None
            cached = self._translate_uncached(dict(zip(self.fields, key, strict=True)))
            self._remember(key, cached)
        return None if isinstance(cached, StatebridgeError) else cached

    def _remember(self, key: tuple[str | None, ...], answer: DFCStates | StatebridgeError) -> None:
        """Keep `answer` for `key`; the cache is emptied when full, so that a stream of unknown
        values (each one an entry) cannot grow it without bound."""
        if len(self._cache) >= _REMEMBERED:
            self._cache.clear()
        self._cache[key] = answer

    def _translate_uncached(self, status: dict[str, str | None]) -> DFCStates | StatebridgeError:
        try:
            for name, value in status.items():
                self.check_value(name, value)
            decided = {dim.value: self.decide(dim, status).state for dim in Dimension}
            return DFCStates.model_validate(decided)
        except StatebridgeError as exc:
            return exc

    def decide(self, dimension: Dimension, status: StatusFields) -> ForwardRule:
        """The rule that decides `dimension` for `status` (values are assumed to be known)."""
        for rule in self.forward[dimension]:
            if rule.matches(status):
                if rule.then == REJECT:
                    named = ", ".join(f"{name}={_text(status.get(name))}" for name in rule.when)
                    msg = f"{named}: rejected by the {self.platform} table: {rule.why}"
                    raise RejectedStatusError(
                        msg,
                        platform=self.platform,
                    )
                return rule
        shown = ", ".join(f"{k}={_text(v)}" for k, v in status.items())
        msg = f"no {dimension.value} rule of the {self.platform} table matches {shown}"
        raise RejectedStatusError(
            msg,
            platform=self.platform,
        )

    # -- reverse ---------------------------------------------------------------------------------

    def reverse(self, states: DFCStates) -> ReverseResult:
        """Platform status field values for a DFC triple, with every loss named."""
        fields: dict[str, str | None] = {}
        reasons: list[str] = []
        for field, rules in self.reverse_rules.items():
            rule = next((r for r in rules if r.matches(states)), None)
            if rule is None:
                msg = f"no reverse rule of the {self.platform} table for {field} matches {states}"
                raise RejectedStatusError(msg, platform=self.platform, field=field)
            fields[field] = rule.then
            if rule.lossy:
                reasons.append(rule.lossy)
        back = self.translate(fields)
        losses = []
        for dimension, wanted in states.items():
            got = back.get(dimension)
            if got != wanted:
                reason = "; ".join(reasons) or "the platform has no value that reads back the same"
                losses.append(Loss(dimension, wanted, got, reason))
        return ReverseResult(fields, tuple(losses))


def _text(value: str | None) -> str:
    return "null" if value is None else value


def _copy_error(error: StatebridgeError) -> StatebridgeError:
    """A fresh copy of a cached error, so that callers may locate() it without sharing state."""
    clone = error.__class__.__new__(error.__class__)
    clone.__dict__.update(error.__dict__)
    clone.args = error.args
    return clone
