"""The crosswalk as Markdown (GitHub-flavoured): what `docs/crosswalk.md` is generated as.

With several platforms the page opens with an overview in the shape of the DFC standard's own table
(one row per DFC state, one column per platform), then gives each platform its own table with both
directions and the losses, and the reason (`why`) of every rule the table refers to.
"""

from __future__ import annotations

import typing as t

from ..mapping.table import REJECT, UNSET
from .model import (
    DIMENSION_ORDER,
    Crosswalk,
    ForwardEntry,
    ReverseEntry,
    Row,
    Term,
    Value,
    reverse_terms,
    rule_terms,
    source_name,
)

__all__ = ["LEGEND", "render_markdown"]

#: What the marks mean; the HTML page shows the same list.
LEGEND: tuple[tuple[str, str], ...] = (
    ("★", "the value statebridge writes back for this DFC state (the table's declared default)"),
    (
        "°",
        "the value does not survive the round trip platform → DFC → platform: statebridge writes "
        "another one back (several platform values share the DFC state: n:1)",
    ),
    ("†", "reached only together with another field's value (the whole condition is shown)"),
    (
        "unless",
        "an earlier rule with another outcome takes precedence when its condition holds "
        "(a cancelled order's shipment is Cancelled, whatever its shipment state)",
    ),
    (
        "⚠",
        "lossy: DFC cannot carry part of what the platform value says (forward), or the DFC state "
        "has no faithful platform value and reads back differently (reverse)",
    ),
    (
        "o3, f2, p5",
        "forward rules of the order, fulfilment and payment dimensions, numbered in the table's order; "
        "state#2 is the second reverse rule of the field state",
    ),
)

_CLASS = {"order": "Order", "fulfilment": "Fulfilment", "payment": "Payment"}


def render_markdown(crosswalks: t.Sequence[Crosswalk]) -> str:
    """The crosswalk page for `crosswalks` (one platform, or all of them with an overview)."""
    names = ", ".join(cw.platform for cw in crosswalks)
    lines = [
        "# Status crosswalk: platform statuses and DFC states",
        "",
        "<!-- Generated from the mapping tables by `statebridge mappings show --format markdown`. "
        "Do not edit: run `make docs` to regenerate. -->",
        "",
        f"Generated from the statebridge mapping tables ({names}). Each row is a DFC state: the "
        "platform values that reach it (forward), what statebridge writes back to the platform for it "
        "(reverse), and what is lost on the way. Conditions and precedence are derived from the "
        "ordered rules of each table.",
        "",
        "Marks:",
        "",
        *[f"- {mark}: {meaning}" for mark, meaning in LEGEND],
        "",
    ]
    if len(crosswalks) > 1:
        lines += _overview(crosswalks)
    for crosswalk in crosswalks:
        lines += _platform(crosswalk)
    return "\n".join(lines).rstrip("\n") + "\n"


def _overview(crosswalks: t.Sequence[Crosswalk]) -> list[str]:
    lines = [
        "## Overview",
        "",
        "The shape of the DFC standard's own table: one row per DFC state, the platform values that "
        "reach it in each column. Details and reasons are in each platform's section.",
        "",
        "| DFC class | DFC state | Description | " + " | ".join(cw.platform for cw in crosswalks) + " |",
        "|---|---|---|" + "---|" * len(crosswalks),
    ]
    for dimension in DIMENSION_ORDER:
        rows = [row for row in crosswalks[0].rows_of(dimension) if row.dfc_state is not None]
        for i, row in enumerate(rows):
            cells = [
                _CLASS[dimension.value] if i == 0 else "",
                f"**{row.state}**",
                _cell(row.definition),
                *(_forward_brief(cw.row(dimension, row.state)) for cw in crosswalks),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def _platform(crosswalk: Crosswalk) -> list[str]:
    table = crosswalk.table
    name = crosswalk.platform
    lines = [
        f"## {name}",
        "",
        _cell(table.description),
        "",
        f"Table: `{source_name(table)}`"
        + (f" (also read for: {', '.join(table.aliases)})" if table.aliases else "")
        + f". Diagram: [crosswalk-{name}.svg](crosswalk-{name}.svg).",
        "",
        f"| DFC class | DFC state | from {name} (forward) | to {name} (reverse) | loss |",
        "|---|---|---|---|---|",
    ]
    for dimension in DIMENSION_ORDER:
        for i, row in enumerate(crosswalk.rows_of(dimension)):
            state = f"**{row.state}**" if row.dfc_state is not None else f"*{row.state}*"
            cells = [
                _CLASS[dimension.value] if i == 0 else "",
                state,
                _forward_full(row),
                _reverse(row),
                _loss(row),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"### {name}: rules and reasons", ""]
    lines += _reasons(crosswalk)
    return [*lines, ""]


# -- cells ---------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """Text safe inside a table cell: no line breaks, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def _code(value: Value) -> str:
    return "`null`" if value is None else f"`{_cell(value)}`"


def _value(row: Row, entry: ForwardEntry, field: str, value: Value) -> str:
    marks = ("★" if row.is_default(field, value) else "") + ("°" if entry.collapsed(field, value) else "")
    return _code(value) + marks


def _term(row: Row, group: t.Sequence[ForwardEntry], term: Term) -> str:
    if term.whole:
        return f"{term.name} any" + (
            "°" if any(e.collapsed(term.name, v) for e in group for v in term.values) else ""
        )
    values = [_value(row, entry, term.name, value) for entry in group for value in entry.values(term.name)]
    return f"{term.name} = {values[0]}" if len(values) == 1 else f"{term.name} ∈ {', '.join(values)}"


def _forward_text(row: Row, group: t.Sequence[ForwardEntry], *, refs: bool) -> str:
    first = group[0]
    text = " and ".join(_term(row, group, term) for term in first.terms)
    if first.conditional:
        text += "†"
    if first.unless:
        text += " unless " + " or ".join(_cell(_grouped(u.terms)) for u in first.unless)
    if first.lossy:
        text += " ⚠"
    if refs:
        text += " (" + ", ".join(entry.label for entry in group) + ")"
    return text


def _grouped(terms: t.Sequence[Term]) -> str:
    text = " and ".join(str(term) for term in terms)
    return f"({text})" if len(terms) > 1 else text


def _forward_full(row: Row) -> str:
    if not row.forward:
        return "—"
    return "<br>".join(_forward_text(row, group, refs=True) for group in row.groups())


def _forward_brief(row: Row) -> str:
    """Overview cell: the values only, conditions reduced to † (details in the platform section)."""
    parts = []
    for group in row.groups():
        first = group[0]
        terms = [term for term in first.restricting] or list(first.terms)
        text = " and ".join(_term(row, group, term) for term in terms)
        text += ("†" if first.conditional else "") + (" ⚠" if first.lossy else "")
        parts.append(text)
    return "<br>".join(parts) if parts else "—"


def _reverse_text(entries: t.Sequence[ReverseEntry]) -> str:
    parts = []
    for i, entry in enumerate(entries):
        text = _code(entry.value) + ("★" if entry.default else "")
        if entry.condition:
            text += " if " + _cell(" and ".join(str(term) for term in entry.condition))
        elif i:
            text += " otherwise"
        if entry.lossy:
            text += " ⚠"
        parts.append(f"{text} ({entry.label})")
    return "; ".join(parts)


def _reverse(row: Row) -> str:
    if row.state == REJECT:
        return "—"
    lines = [f"{field} ← {_reverse_text(row.reverse_for(field))}" for field in row.fields_written()]
    if not lines:  # Relatude's one field is shown in the order rows, which its rules mostly look at
        lines = [f"{field}: see the {dim.value} rows" for field, dim in row.elsewhere]
    return "<br>".join(lines) if lines else "—"


def _loss(row: Row) -> str:
    parts = []
    if row.collapsed:
        parts.append("n:1")
    if row.not_carried:
        parts.append("⚠ not carried: " + ", ".join(e.label for e in row.not_carried))
    if row.unreachable:
        parts.append("⚠ no platform value reads as this state")
    parts += [f"⚠ {loss.describe()}" for loss in row.losses]
    if not parts:
        return "—" if row.state in (UNSET, REJECT) else "none"
    return "; ".join(parts)


def _reasons(crosswalk: Crosswalk) -> list[str]:
    """Every rule of the table, with its outcome, reason and citations."""
    table = crosswalk.table
    used = {entry.label for row in crosswalk.rows for entry in row.forward}
    lines = []
    for dimension in DIMENSION_ORDER:
        for rule in table.forward[dimension]:
            label = f"{dimension.value[0]}{rule.index + 1}"
            when = " and ".join(str(term) for term in rule_terms(table, rule))
            text = f"- **{label}** {when} → {dimension.value} {rule.then}: {_cell(rule.why)}"
            if label not in used:
                text += " (never decides: earlier rules take every combination it names)"
            lines.append(text + f" *({', '.join(rule.cite)})*")
    for field, reverse_rules in table.reverse_rules.items():
        for reverse_rule in reverse_rules:
            when = " and ".join(str(term) for term in reverse_terms(reverse_rule))
            text = (
                f"- **{field}#{reverse_rule.index + 1}** {when or 'always'} → {field} = "
                f"{_code(reverse_rule.then)}: {_cell(reverse_rule.why)}"
            )
            if reverse_rule.lossy:
                text += f" ⚠ Lossy: {_cell(reverse_rule.lossy)}"
            lines.append(text + f" *({', '.join(reverse_rule.cite)})*")
    return lines
