"""How completely a table covers its platform: every value, every combination, both directions.

`analyse(table)` enumerates every combination of the declared field domains (the tables are small:
the Spree family has about 13,000) and reports:

- values that no forward rule names explicitly (every choice must be written down and explained);
- combinations for which some dimension has no rule at all (a gap);
- DFC states that no reverse rule produces for a platform field (a reverse gap);
- combinations whose round trip platform -> DFC -> platform -> DFC changes the DFC triple.

Combinations the table rejects on purpose (`then: reject`) are counted, not treated as gaps.
"""

from __future__ import annotations

import dataclasses
import itertools
import typing as t

from ..errors import RejectedStatusError
from ..states import DFCStates, Dimension
from .table import REJECT, MappingTable

__all__ = ["Coverage", "analyse"]


@dataclasses.dataclass
class Coverage:
    """The findings of `analyse`; `ok` when there is nothing to fix."""

    table: MappingTable
    combinations: int = 0
    rejected: int = 0
    values: dict[str, dict[str | None, set[str]]] = dataclasses.field(default_factory=dict)
    unnamed: list[tuple[str, str | None]] = dataclasses.field(default_factory=list)
    gaps: list[str] = dataclasses.field(default_factory=list)
    round_trip_failures: list[str] = dataclasses.field(default_factory=list)
    reachable: set[DFCStates] = dataclasses.field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not (self.unnamed or self.gaps or self.round_trip_failures)

    def problems(self) -> list[str]:
        """Every finding as one line of text."""
        lines = [
            f"{field}={'null' if value is None else value}: named by no forward rule"
            for field, value in self.unnamed
        ]
        return lines + self.gaps + self.round_trip_failures


def _named(table: MappingTable) -> set[tuple[str, str | None]]:
    return {
        (field, value)
        for rules in table.forward.values()
        for rule in rules
        for field, allowed in rule.when.items()
        for value in allowed
    }


def analyse(table: MappingTable, *, limit: int = 20) -> Coverage:
    """Check `table` exhaustively; at most `limit` examples are kept per kind of problem."""
    report = Coverage(table)
    named = _named(table)
    report.unnamed = [(f, v) for f, spec in table.fields.items() for v in spec.domain if (f, v) not in named]
    report.values = {f: {v: set() for v in spec.domain} for f, spec in table.fields.items()}
    names = list(table.fields)
    for combo in itertools.product(*(table.fields[f].domain for f in names)):
        status = dict(zip(names, combo, strict=True))
        report.combinations += 1
        states = _forward(table, status, report, limit)
        if states is None:
            continue
        report.reachable.add(states)
        for field, value in status.items():
            report.values[field][value].add(str(states))
        back = table.reverse(states)
        again = table.translate(back.fields)
        if again != states and len(report.round_trip_failures) < limit:
            report.round_trip_failures.append(
                f"round trip of {_show(status)}: {states} -> {_show(back.fields)} -> {again}"
            )
    report.gaps.extend(_reverse_gaps(table))
    return report


def _forward(
    table: MappingTable, status: dict[str, str | None], report: Coverage, limit: int
) -> DFCStates | None:
    decided: dict[str, t.Any] = {}
    for dimension in Dimension:
        try:
            rule = table.decide(dimension, status)
        except RejectedStatusError:
            if any(r.then == REJECT and r.matches(status) for r in table.forward[dimension]):
                report.rejected += 1
            elif len(report.gaps) < limit:
                report.gaps.append(f"{dimension.value}: no rule matches {_show(status)}")
            return None
        decided[dimension.value] = rule.state
    return DFCStates.model_validate(decided)


def _reverse_gaps(table: MappingTable) -> t.Iterator[str]:
    from ..states import DIMENSION_STATES

    for triple in itertools.product(*([None, *DIMENSION_STATES[d]] for d in Dimension)):
        states = DFCStates.model_validate(dict(zip((d.value for d in Dimension), triple, strict=True)))
        for field, rules in table.reverse_rules.items():
            if not any(rule.matches(states) for rule in rules):
                yield f"reverse {field}: no rule for {states}"


def _show(status: t.Mapping[str, str | None]) -> str:
    return ", ".join(f"{k}={'null' if v is None else v}" for k, v in status.items())
