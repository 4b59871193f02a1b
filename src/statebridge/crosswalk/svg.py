"""A state diagram per platform, as hand-written SVG: platform values on the left, DFC states right.

One panel per DFC dimension (order, fulfilment, payment, as in the DFC table). Each line is one
platform value reaching one state through one forward rule: solid when the value decides alone,
dashed when it needs another field's value or gives way to an earlier rule, orange when the rule
says the step is lossy. Beside each state, in grey, what statebridge writes back for it.

The SVG uses presentation attributes only (no `<style>` element, which would leak into an HTML page
that embeds it) and a monospace font, so that text widths can be estimated without a renderer.
Every line and state carries a `<title>` with the rule's reason, which browsers show on hover.
"""

from __future__ import annotations

import html
import typing as t

from ..states import Dimension
from .model import DIMENSION_ORDER, Crosswalk, ForwardEntry, Row, Value

__all__ = ["render_svg"]

_FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace"
_SIZE = 12
_CHAR = 7.3  # advance of one monospace character at 12px, generously rounded up
_LINE = 20
_GAP = 170  # horizontal room for the lines between the two columns
_MARGIN = 16
_INK = "#1f2937"
_MUTED = "#6b7280"
_PLAIN = "#475569"
_LOSSY = "#c2410c"


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _text(x: float, y: float, text: str, **attrs: str) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{_esc(value)}"' for name, value in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{_esc(text)}</text>'


def _show(value: Value) -> str:
    return "null" if value is None else value


def render_svg(crosswalk: Crosswalk) -> str:
    """The diagram of one platform's forward mapping, with the reverse defaults beside each state."""
    name = crosswalk.platform
    panels = [_panel(crosswalk, dimension) for dimension in DIMENSION_ORDER]
    left = max(len(label) for panel in panels for label in panel.left_labels()) * _CHAR
    right = max(len(label) for panel in panels for label in panel.right_labels()) * _CHAR
    x_left = _MARGIN + left  # right edge of the value labels
    x_right = x_left + _GAP
    width = x_right + 12 + right + _MARGIN
    legend, y = _legend(_MARGIN, _MARGIN + 14, name)
    body: list[str] = []
    for panel in panels:
        drawn, y = panel.draw(x_left, x_right, y + 10)
        body += drawn
    height = y + _MARGIN
    title_id = f"crosswalk-{name}-title"
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram" width="{width:.0f}" '
            f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
            f'aria-labelledby="{title_id}" font-family="{_esc(_FONT)}" font-size="{_SIZE}" fill="{_INK}">',
            f'<title id="{title_id}">{_esc(name)}: platform status values and the DFC states they '
            "reach</title>",
            f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
            *legend,
            *body,
            "</svg>",
            "",
        ]
    )


def _legend(x: float, y: float, name: str) -> tuple[list[str], float]:
    parts = [_text(x, y, f"{name} → DFC", font_weight="bold", font_size="14")]
    samples = (
        ("decides alone", _PLAIN, None),
        ("only together with another field's value", _PLAIN, "5 4"),
        ("lossy: DFC cannot carry all of it", _LOSSY, None),
    )
    y += 8
    for label, colour, dash in samples:
        y += 16
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 36:.1f}" y2="{y - 4:.1f}" stroke="{colour}" '
            f'stroke-width="2"{dashed}/>'
        )
        parts.append(_text(x + 44, y, label))
    y += 16
    parts.append(_text(x, y, "← value: what statebridge writes back for the state (★ default)", fill=_MUTED))
    y += 16
    parts.append(_text(x, y, "Earlier rules take precedence (hover a line for its exceptions)", fill=_MUTED))
    return parts, y + 6


class _Panel:
    """One dimension: its value nodes, its state nodes and the lines between them."""

    def __init__(self, crosswalk: Crosswalk, title: str, rows: t.Sequence[Row]) -> None:
        self.crosswalk = crosswalk
        self.title = title
        self.rows = rows
        self.values: dict[str, list[Value]] = {}
        for row in rows:
            for entry in row.forward:
                for term in entry.restricting:
                    known = self.values.setdefault(term.name, [])
                    known += [v for v in term.values if v not in known]
        domain = crosswalk.table.fields
        self.values = {
            field: [v for v in domain[field].domain if v in self.values[field]]
            for field in domain
            if field in self.values
        }

    def left_labels(self) -> list[str]:
        return [*self.values, *(f"{_show(v)}  " for values in self.values.values() for v in values)]

    def right_labels(self) -> list[str]:
        return [f"{row.state}  {self._written(row)}" for row in self.rows] + [self.title]

    def _written(self, row: Row) -> str:
        parts = []
        for field in row.fields_written():
            default = row.default(field)
            others = len(row.reverse_for(field)) - (1 if default else 0)
            if default is not None:
                shown = f"← {field} {_show(default.value)}★" + (f" (+{others} if …)" if others else "")
            else:
                shown = f"← {field}: {others} cases"
            parts.append(shown)
        if not parts and row.elsewhere:
            parts = [f"← {field}: see {dim.value}" for field, dim in row.elsewhere]
        return "; ".join(parts)

    def draw(self, x_left: float, x_right: float, top: float) -> tuple[list[str], float]:
        out = [
            _text(_MARGIN, top + 14, self.title, font_weight="bold", font_size="13"),
            f'<line x1="{_MARGIN}" y1="{top + 20:.1f}" x2="{x_right + 120:.1f}" y2="{top + 20:.1f}" '
            'stroke="#d1d5db"/>',
        ]
        y = top + 20 + _LINE
        where: dict[tuple[str, Value], float] = {}
        labels: list[str] = []
        for field, values in self.values.items():
            labels.append(_text(x_left, y, field, text_anchor="end", font_weight="bold", fill=_MUTED))
            y += _LINE
            for value in values:
                where[(field, value)] = y - 4
                labels.append(_text(x_left - 8, y, _show(value), text_anchor="end"))
                labels.append(f'<circle cx="{x_left:.1f}" cy="{y - 4:.1f}" r="2.5" fill="{_PLAIN}"/>')
                y += _LINE
        left_bottom = y
        first = top + 20 + _LINE
        span = max(left_bottom - first, len(self.rows) * _LINE)
        states: dict[str, float] = {}
        for i, row in enumerate(self.rows):
            states[row.state] = first + (i + 0.5) * span / len(self.rows)
        lines = [
            self._line(entry, row, field, value, where[(field, value)], states[row.state], x_left, x_right)
            for row in self.rows
            for entry in row.forward
            for term in entry.restricting
            for field, value in ((term.name, v) for v in term.values)
        ]
        nodes = []
        for row in self.rows:
            cy = states[row.state]
            italic = {"font_style": "italic", "fill": _MUTED} if row.dfc_state is None else {}
            nodes.append(
                f"<g><title>{_esc(row.definition)}</title>"
                f'<circle cx="{x_right:.1f}" cy="{cy:.1f}" r="4" fill="{_INK}"/>'
                + _text(x_right + 10, cy + 4, row.state, font_weight="bold", **italic)
                + _text(x_right + 10 + (len(row.state) + 2) * _CHAR, cy + 4, self._written(row), fill=_MUTED)
                + "</g>"
            )
        bottom = max(left_bottom, first + span)
        return [*out, *lines, *labels, *nodes], bottom

    def _line(
        self,
        entry: ForwardEntry,
        row: Row,
        field: str,
        value: Value,
        y1: float,
        y2: float,
        x1: float,
        x2: float,
    ) -> str:
        colour = _LOSSY if entry.lossy else _PLAIN
        dash = ' stroke-dasharray="5 4"' if entry.conditional else ""
        middle = (x1 + x2) / 2
        tip = f"{field} = {_show(value)} → {row.state} ({entry.label}): {entry.rule.why}"
        if entry.unless:
            tip += " Unless: " + "; or ".join(str(u) for u in entry.unless) + "."
        path = f"M{x1 + 3:.1f},{y1:.1f} C{middle:.1f},{y1:.1f} {middle:.1f},{y2:.1f} {x2 - 5:.1f},{y2:.1f}"
        return (
            f'<path d="{path}" '
            f'fill="none" stroke="{colour}" stroke-width="1.4" stroke-opacity="0.85"{dash}>'
            f"<title>{_esc(tip)}</title></path>"
        )


def _panel(crosswalk: Crosswalk, dimension: Dimension) -> _Panel:
    titles = {"order": "Order state", "fulfilment": "Fulfilment state", "payment": "Payment state"}
    rows = [row for row in crosswalk.rows_of(dimension) if row.forward or row.dfc_state is not None]
    return _Panel(crosswalk, titles[dimension.value], rows)
