"""The crosswalk as one self-contained HTML page: inline CSS, inline SVG, no script, nothing fetched.

Built for reading on a phone as well as a desk: a viewport meta, system fonts, and every table and
diagram in its own horizontally scrolling box, so the page itself never scrolls sideways. Every
rule's reason (`why`) is available twice: as the `title` of each value and rule reference (hover or
long-press), and in a "Rules and reasons" list per platform whose items the references link to.
Every piece of table text is escaped with `html.escape`.
"""

from __future__ import annotations

import html
import typing as t

from ..mapping.table import REJECT, UNSET
from .markdown import LEGEND
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
from .svg import render_svg

__all__ = ["render_html"]

_CLASS = {"order": "Order", "fulfilment": "Fulfilment", "payment": "Payment"}

_CSS = """
:root { --ink: #1f2937; --muted: #6b7280; --line: #d1d5db; --bg: #ffffff; --soft: #f3f4f6;
  --lossy: #c2410c; --accent: #1d4ed8; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main { max-width: 84rem; margin: 0 auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 1rem 0 .5rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .25rem; border-bottom: 2px solid var(--line); }
p, li, dd { overflow-wrap: anywhere; }
a { color: var(--accent); }
nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
nav a { white-space: nowrap; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .86em;
  background: var(--soft); border-radius: 3px; padding: 0 .2em; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; max-width: 100%;
  border: 1px solid var(--line); border-radius: 6px; margin: .5rem 0 1rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
table.crosswalk { min-width: 46rem; }
table.overview { min-width: 62rem; }
caption { text-align: left; padding: .4rem .5rem; color: var(--muted); font-size: .85rem; }
th, td { text-align: left; vertical-align: top; padding: .4rem .5rem; border-top: 1px solid var(--line); }
thead th { background: var(--soft); position: sticky; top: 0; }
th.group { background: var(--soft); font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; }
td.definition { color: var(--muted); font-size: .85rem; min-width: 14rem; }
.pseudo { font-style: italic; color: var(--muted); }
.entry + .entry, .written + .written { margin-top: .3rem; }
.unless, .ref, .cond { color: var(--muted); font-size: .85em; }
.mark { font-weight: bold; }
.lossy { color: var(--lossy); }
.none { color: var(--muted); }
details { margin: .5rem 0 1rem; }
summary { cursor: pointer; font-weight: 600; }
ol.rules { padding-left: 1.2rem; font-size: .9rem; }
ol.rules li { margin: .35rem 0; }
ul.legend { list-style: none; padding: 0; margin: .25rem 0; font-size: .9rem; }
ul.legend li { margin: .15rem 0; }
ul.legend b { display: inline-block; min-width: 1.5rem; }
svg.diagram { display: block; max-width: none; height: auto; }
td { overflow-wrap: anywhere; }
@media (max-width: 40rem) {
  body { font-size: 15px; }
  h1 { font-size: 1.35rem; }
  /* On a phone each platform row becomes a card: the state, then each direction under its label. */
  table.crosswalk { min-width: 0; }
  table.crosswalk thead { display: none; }
  table.crosswalk tr, table.crosswalk th, table.crosswalk td { display: block; }
  table.crosswalk tr { border-top: 1px solid var(--line); padding: .25rem 0; }
  table.crosswalk th, table.crosswalk td { border-top: 0; padding: .15rem .6rem; }
  table.crosswalk td::before { content: attr(data-label); display: block; color: var(--muted);
    font-size: .72rem; text-transform: uppercase; letter-spacing: .04em; }
}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def render_html(crosswalks: t.Sequence[Crosswalk]) -> str:
    """One HTML page for `crosswalks`: an overview when there are several, then each platform."""
    names = [cw.platform for cw in crosswalks]
    nav = ([("overview", "Overview")] if len(crosswalks) > 1 else []) + [(f"platform-{n}", n) for n in names]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="statebridge mappings show --format html">',
        f"<title>Status crosswalk: {_e(', '.join(names))} and DFC</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        "<h1>Status crosswalk: platform statuses and DFC states</h1>",
        f"<p>Generated from the statebridge mapping tables ({_e(', '.join(names))}). Each row is a DFC "
        "state: the platform values that reach it (forward), what statebridge writes back to the "
        "platform for it (reverse), and what is lost on the way. Hover or long-press a value or a rule "
        "reference for its reason; every reason is also listed under each table.</p>",
        "<nav>" + "".join(f'<a href="#{_e(anchor)}">{_e(label)}</a>' for anchor, label in nav) + "</nav>",
        '<details open><summary>Marks</summary><ul class="legend">'
        + "".join(f"<li><b>{_e(mark)}</b> {_e(meaning)}</li>" for mark, meaning in LEGEND)
        + "</ul></details>",
        "</header>",
        "<main>",
    ]
    if len(crosswalks) > 1:
        parts += _overview(crosswalks)
    for crosswalk in crosswalks:
        parts += _platform(crosswalk)
    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def _overview(crosswalks: t.Sequence[Crosswalk]) -> list[str]:
    head = "".join(f'<th scope="col">{_e(cw.platform)}</th>' for cw in crosswalks)
    rows = []
    for dimension in DIMENSION_ORDER:
        states = [row for row in crosswalks[0].rows_of(dimension) if row.dfc_state is not None]
        rows.append(
            f'<tr><th class="group" colspan="{2 + len(crosswalks)}" scope="rowgroup">'
            f"{_CLASS[dimension.value]} states</th></tr>"
        )
        for row in states:
            cells = "".join(
                f"<td>{_forward(cw, cw.row(dimension, row.state), brief=True)}</td>" for cw in crosswalks
            )
            rows.append(
                f'<tr><th scope="row">{_e(row.state)}</th><td class="definition">{_e(row.definition)}</td>'
                f"{cells}</tr>"
            )
    return [
        '<section id="overview">',
        "<h2>Overview</h2>",
        "<p>The shape of the DFC standard's own table: one row per DFC state, the platform values that "
        "reach it in each column. Conditions, the reverse and the losses are in each platform's "
        "section.</p>",
        '<div class="scroll"><table class="overview">',
        "<caption>DFC states and the platform values that reach them</caption>",
        f'<thead><tr><th scope="col">DFC state</th><th scope="col">Description</th>{head}</tr></thead>',
        "<tbody>",
        *rows,
        "</tbody></table></div>",
        "</section>",
    ]


def _platform(crosswalk: Crosswalk) -> list[str]:
    name = crosswalk.platform
    table = crosswalk.table
    body = []
    for dimension in DIMENSION_ORDER:
        body.append(
            f'<tr><th class="group" colspan="4" scope="rowgroup">{_CLASS[dimension.value]} states</th></tr>'
        )
        for row in crosswalk.rows_of(dimension):
            state = f'<span class="pseudo">{_e(row.state)}</span>' if row.dfc_state is None else _e(row.state)
            body.append(
                f'<tr data-dimension="{_e(dimension.value)}" data-state="{_e(row.state)}">'
                f'<th scope="row" title="{_e(row.definition)}">{state}</th>'
                f'<td data-label="from {_e(name)}">{_forward(crosswalk, row, brief=False)}</td>'
                f'<td data-label="to {_e(name)}">{_reverse(crosswalk, row)}</td>'
                f'<td data-label="loss">{_loss(crosswalk, row)}</td></tr>'
            )
    aliases = f" (also read for: {_e(', '.join(table.aliases))})" if table.aliases else ""
    return [
        f'<section id="platform-{_e(name)}" class="platform" data-platform="{_e(name)}">',
        f"<h2>{_e(name)}</h2>",
        f"<p>{_e(' '.join(table.description.split()))}</p>",
        f"<p>Table: <code>{_e(source_name(table))}</code>{aliases}</p>",
        f'<div class="scroll"><table class="crosswalk" id="crosswalk-{_e(name)}">',
        f"<caption>{_e(name)} and DFC, both directions</caption>",
        f'<thead><tr><th scope="col">DFC state</th><th scope="col">from {_e(name)} (forward)</th>'
        f'<th scope="col">to {_e(name)} (reverse)</th><th scope="col">loss</th></tr></thead>',
        "<tbody>",
        *body,
        "</tbody></table></div>",
        "<details open><summary>State diagram</summary>",
        f'<div class="scroll">{render_svg(crosswalk)}</div>',
        "</details>",
        f"<details><summary>Rules and reasons ({_e(name)})</summary>",
        '<ol class="rules">',
        *_reasons(crosswalk),
        "</ol>",
        "</details>",
        "</section>",
    ]


# -- cells ---------------------------------------------------------------------------------------


def _anchor(crosswalk: Crosswalk, label: str) -> str:
    return f"{crosswalk.platform}-{label.replace('#', '-')}"


def _ref(crosswalk: Crosswalk, label: str, why: str) -> str:
    return f'<a class="ref" href="#{_e(_anchor(crosswalk, label))}" title="{_e(why)}">{_e(label)}</a>'


def _show(value: Value) -> str:
    return "null" if value is None else value


def _value(row: Row, entry: ForwardEntry, field: str, value: Value) -> str:
    tip = f"{field} = {_show(value)} → {row.state} ({entry.label}): {entry.rule.why}"
    marks = ""
    if row.is_default(field, value):
        marks += '<span class="mark" title="statebridge writes this value back for this state">★</span>'
    written = entry.written_back.get((field, value))
    if written is not None:
        back = " or ".join(_show(v) for v in written)
        marks += (
            f'<span class="mark" title="does not survive the round trip: written back as {_e(back)}">°</span>'
        )
    return f'<code title="{_e(tip)}">{_e(_show(value))}</code>{marks}'


def _term(row: Row, group: t.Sequence[ForwardEntry], term: Term) -> str:
    if term.whole:
        return f"{_e(term.name)} <i>any</i>"
    values = [_value(row, entry, term.name, v) for entry in group for v in entry.values(term.name)]
    sign = "=" if len(values) == 1 else "∈"
    return f"{_e(term.name)} {sign} {', '.join(values)}"


def _forward(crosswalk: Crosswalk, row: Row, *, brief: bool) -> str:
    if not row.forward:
        return '<span class="none">—</span>'
    out = []
    for group in row.groups():
        first = group[0]
        terms = first.terms if not brief else (first.restricting or first.terms)
        text = " and ".join(_term(row, group, term) for term in terms)
        if first.conditional:
            text += '<span class="mark" title="only together with another field\'s value">†</span>'
        if first.unless and not brief:
            text += (
                ' <span class="unless">unless '
                + " or ".join(_e(f"({u})" if len(u.terms) > 1 else str(u)) for u in first.unless)
                + "</span>"
            )
        if first.lossy:
            text += f' <span class="lossy" title="{_e(first.rule.why)}">⚠</span>'
        if not brief:
            text += " " + ", ".join(_ref(crosswalk, entry.label, entry.rule.why) for entry in group)
        out.append(f'<div class="entry">{text}</div>')
    return "".join(out)


def _reverse_entry(crosswalk: Crosswalk, entry: ReverseEntry, position: int) -> str:
    text = f'<code title="{_e(entry.rule.why)}">{_e(_show(entry.value))}</code>'
    if entry.default:
        text += '<span class="mark" title="the default: written when no other condition holds">★</span>'
    if entry.condition:
        text += (
            ' <span class="cond">if ' + _e(" and ".join(str(term) for term in entry.condition)) + "</span>"
        )
    elif position:
        text += ' <span class="cond">otherwise</span>'
    if entry.lossy:
        text += f' <span class="lossy" title="{_e(entry.lossy)}">⚠</span>'
    return text + " " + _ref(crosswalk, entry.label, entry.rule.why)


def _reverse(crosswalk: Crosswalk, row: Row) -> str:
    if row.state == REJECT:
        return '<span class="none">—</span>'
    out = []
    for field in row.fields_written():
        entries = "; ".join(_reverse_entry(crosswalk, e, i) for i, e in enumerate(row.reverse_for(field)))
        out.append(f'<div class="written">{_e(field)} ← {entries}</div>')
    if not out:
        out = [
            f'<div class="written">{_e(field)}: see the {_e(dim.value)} rows</div>'
            for field, dim in row.elsewhere
        ]
    return "".join(out) or '<span class="none">—</span>'


def _loss(crosswalk: Crosswalk, row: Row) -> str:
    parts = []
    if row.collapsed:
        parts.append('<span title="some values reaching this state are written back as another">n:1</span>')
    for entry in row.not_carried:
        parts.append(
            f'<span class="lossy">⚠ not carried:</span> {_ref(crosswalk, entry.label, entry.rule.why)}'
        )
    if row.unreachable:
        parts.append('<span class="lossy">⚠ no platform value reads as this state</span>')
    for loss in row.losses:
        parts.append(f'<span class="lossy">⚠ {_e(loss.describe())}</span>')
    if not parts:
        return '<span class="none">—</span>' if row.state in (UNSET, REJECT) else "none"
    return "<br>".join(parts)


def _reasons(crosswalk: Crosswalk) -> list[str]:
    table = crosswalk.table
    items = []
    for dimension in DIMENSION_ORDER:
        for rule in table.forward[dimension]:
            label = f"{dimension.value[0]}{rule.index + 1}"
            when = " and ".join(str(term) for term in rule_terms(table, rule))
            items.append(
                f'<li id="{_e(_anchor(crosswalk, label))}"><b>{_e(label)}</b> {_e(when)} → '
                f"{_e(dimension.value)} <b>{_e(rule.then)}</b>: {_e(' '.join(rule.why.split()))} "
                f"<i>({_e(', '.join(rule.cite))})</i></li>"
            )
    for field, reverse_rules in table.reverse_rules.items():
        for reverse_rule in reverse_rules:
            label = f"{field}#{reverse_rule.index + 1}"
            when = " and ".join(str(term) for term in reverse_terms(reverse_rule)) or "always"
            lossy = (
                f' <span class="lossy">⚠ Lossy: {_e(reverse_rule.lossy)}</span>' if reverse_rule.lossy else ""
            )
            items.append(
                f'<li id="{_e(_anchor(crosswalk, label))}"><b>{_e(label)}</b> (reverse) {_e(when)} → '
                f"{_e(field)} = <code>{_e(_show(reverse_rule.then))}</code>: "
                f"{_e(' '.join(reverse_rule.why.split()))}{lossy} "
                f"<i>({_e(', '.join(reverse_rule.cite))})</i></li>"
            )
    return items
