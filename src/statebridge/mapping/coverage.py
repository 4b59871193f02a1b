"""How completely a table covers its platform: every value, every combination, both directions.

`analyse(table)` reads the table's analysis (`mapping.analysis`: every combination of the declared
field domains, forward and back, walked once per table) and reports:

- values that no forward rule names explicitly (every choice must be written down and explained);
- combinations for which some dimension has no rule at all (a gap);
- DFC states that no reverse rule produces for a platform field (a reverse gap);
- combinations whose round trip platform -> DFC -> platform -> DFC changes the DFC triple.

Combinations the table rejects on purpose (`then: reject`) are counted, not treated as gaps.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ..states import DFCStates
from .analysis import analysis_of
from .table import MappingTable

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
    analysis = analysis_of(table)
    report = Coverage(table, combinations=analysis.combinations, rejected=analysis.rejected)
    named = _named(table)
    report.unnamed = [(f, v) for f, spec in table.fields.items() for v in spec.domain if (f, v) not in named]
    report.values = {
        f: {v: set(texts) for v, texts in by_value.items()} for f, by_value in analysis.values.items()
    }
    report.reachable = set(analysis.reachable)
    report.gaps = [
        f"{dimension.value}: no rule matches {_show(status)}" for dimension, status in analysis.gaps[:limit]
    ]
    report.round_trip_failures = [
        f"round trip of {_show(f.status)}: {f.states} -> {_show(f.back)} -> {f.again}"
        for f in analysis.round_trip_failures[:limit]
    ]
    report.gaps.extend(
        f"reverse {field}: no rule for {states}"
        for states, walk in analysis.reverse.items()
        for field, rule in walk.rules.items()
        if rule is None
    )
    return report


def _show(status: t.Mapping[str, str | None]) -> str:
    return ", ".join(f"{k}={'null' if v is None else v}" for k, v in status.items())
