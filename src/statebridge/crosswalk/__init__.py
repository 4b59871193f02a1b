"""The mapping crosswalk: the status tables as rows per DFC state, in Markdown, HTML, SVG and SSSOM.

`load_crosswalks()` derives the rows from the YAML tables (`model`); `render_markdown`,
`render_html` and `render_svg` present them; `sssom` exports one SSSOM/TSV mapping set per platform
and field. The command line's `statebridge mappings show` and `mappings export` call these.
"""

from __future__ import annotations

from .html import render_html
from .markdown import render_markdown
from .model import (
    Crosswalk,
    ForwardEntry,
    ReverseEntry,
    ReverseLoss,
    Row,
    Term,
    build_crosswalk,
    load_crosswalks,
)
from .svg import render_svg

__all__ = [
    "Crosswalk",
    "ForwardEntry",
    "ReverseEntry",
    "ReverseLoss",
    "Row",
    "Term",
    "build_crosswalk",
    "load_crosswalks",
    "render_html",
    "render_markdown",
    "render_svg",
]
