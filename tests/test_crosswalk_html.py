"""The crosswalk page: self-contained, escaped, and readable on a phone in a real headless Chromium.

Headless Chromium never lays a window out narrower than 500 CSS pixels, whatever
`--window-size` says (a 390-pixel screenshot is then the left part of a 500-pixel page). So the
phone checks load the page into a 390x844 iframe, which does get a 390-pixel viewport (its media
queries and its scroll width are those of a phone), and screenshot a 390x844 window showing exactly
that iframe. A copy of the page with a measuring script posts its viewport and overflow to the
wrapper, which `--dump-dom` then shows; the page itself ships without any script.

Set STATEBRIDGE_SCREENSHOT_DIR to keep the screenshots for a person to look at.
"""

from __future__ import annotations

import html
import html.parser
import json
import os
import pathlib
import re
import shutil
import struct
import subprocess

import pytest

from statebridge.crosswalk import Crosswalk, render_html
from statebridge.mapping.table import REJECT

from .test_crosswalk import TABLES, crosswalk

INSTALL = (
    "Chromium is not installed: install it with `apt-get install chromium` (Debian/Ubuntu, as root; "
    "`make test` does it when run as root), or set STATEBRIDGE_CHROMIUM to a Chromium or Chrome binary"
)


class Page(html.parser.HTMLParser):
    """Tags, attributes and text of a page, as a browser's tokenizer reads them (entities decoded)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    def attribute_text(self) -> str:
        return " ".join(v for _, attrs in self.tags for v in attrs.values() if v)


@pytest.fixture(scope="module")
def crosswalks() -> list[Crosswalk]:
    return [crosswalk(name) for name in TABLES]


@pytest.fixture(scope="module")
def page(crosswalks: list[Crosswalk]) -> str:
    return render_html(crosswalks)


def test_page_is_self_contained(page: str) -> None:
    parsed = Page(page)
    assert parsed.named("script") == []
    assert parsed.named("link") == []
    assert parsed.named("iframe") == []
    assert [a.get("name") for a in parsed.named("meta") if a.get("name") == "viewport"] == ["viewport"]
    assert any("width=device-width" in (a.get("content") or "") for a in parsed.named("meta"))
    for _, attrs in parsed.tags:
        for name in ("src", "href"):
            value = attrs.get(name)
            assert value is None or value.startswith("#"), f"{name}={value} leaves the page"
    assert "@import" not in page
    assert "url(" not in page


def test_every_platform_table_has_every_row(page: str, crosswalks: list[Crosswalk]) -> None:
    parsed = Page(page)
    tables = {a.get("id") for a in parsed.named("table")}
    rows = [(a.get("data-dimension"), a.get("data-state")) for a in parsed.named("tr") if a.get("data-state")]
    for cw in crosswalks:
        assert f"crosswalk-{cw.platform}" in tables
    assert len(rows) == sum(len(cw.rows) for cw in crosswalks)
    svgs = parsed.named("svg")
    assert len(svgs) == len(crosswalks)


def test_every_reason_is_on_the_page(page: str, crosswalks: list[Crosswalk]) -> None:
    """Each row's rules carry their `why` in a title, and every rule of a table is in its list."""
    parsed = Page(page)
    titles = parsed.attribute_text()
    text = " ".join(" ".join(parsed.text).split())
    anchors = {a.get("id") for _, a in parsed.tags if a.get("id")}
    for cw in crosswalks:
        for row in cw.rows:
            for entry in row.forward:
                assert entry.rule.why in titles
                assert f"{cw.platform}-{entry.label}" in anchors
            for reverse in row.reverse:
                assert reverse.rule.why in titles
                assert f"{cw.platform}-{reverse.label.replace('#', '-')}" in anchors
        for rules in cw.table.reverse_rules.values():
            for rule in rules:
                assert " ".join(rule.why.split()) in text
                if rule.lossy:
                    assert rule.lossy in titles


def test_links_point_at_anchors_on_the_page(page: str) -> None:
    parsed = Page(page)
    anchors = {a.get("id") for _, a in parsed.tags if a.get("id")}
    hrefs = {a.get("href") for a in parsed.named("a")}
    assert hrefs
    assert {h.removeprefix("#") for h in hrefs if h} <= anchors


# -- a real browser ------------------------------------------------------------------------------------

_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=390,844",
)

_MEASURE = """<script>
(function () {
  var wide = [];
  document.querySelectorAll("body *").forEach(function (el) {
    var box = el.getBoundingClientRect();
    if (box.right > window.innerWidth + 1 && !el.closest(".scroll")) { wide.push(el.tagName); }
  });
  var boxes = document.querySelectorAll(".scroll");
  var inside = 0;
  boxes.forEach(function (box) { if (box.scrollWidth > box.clientWidth) { inside += 1; } });
  var cards = document.querySelectorAll("table.crosswalk td");
  var stacked = cards.length > 0 && getComputedStyle(cards[0]).display === "block";
  parent.postMessage(JSON.stringify({
    width: window.innerWidth,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    wide: wide.slice(0, 5),
    scrolling: inside,
    stacked: stacked
  }), "*");
})();
</script>"""

_FRAME = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">
<iframe src="{src}" style="border:0;width:390px;height:844px;display:block"></iframe>
<script>
window.addEventListener("message", function (e) {{ document.body.setAttribute("data-result", e.data); }});
</script></body></html>"""


@pytest.fixture(scope="module")
def chromium() -> str:
    for candidate in (
        os.environ.get("STATEBRIDGE_CHROMIUM"),
        "chromium",
        "chromium-browser",
        "google-chrome",
    ):
        found = candidate and shutil.which(candidate)
        if found:
            return found
    pytest.skip(INSTALL)


def _run(chromium: str, profile: pathlib.Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium, *_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _png_size(path: pathlib.Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_chromium_renders_every_table(chromium: str, page: str, tmp_path: pathlib.Path) -> None:
    target = tmp_path / "crosswalk.html"
    target.write_text(page, "utf-8")
    result = _run(chromium, tmp_path / "profile", "--dump-dom", target.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = Page(result.stdout)
    tables = {a.get("id") for a in dom.named("table")}
    for name in TABLES:
        assert f"crosswalk-{name}" in tables, f"the rendered DOM has no table for {name}"
        rows = [a for a in dom.named("tr") if a.get("data-state")]
        assert len(rows) == sum(len(crosswalk(n).rows) for n in TABLES)
    assert len(dom.named("svg")) == len(TABLES)
    assert any(a.get("data-state") == REJECT for a in dom.named("tr"))


def test_chromium_at_phone_width(chromium: str, page: str, tmp_path: pathlib.Path) -> None:
    """At 390 CSS pixels the page does not scroll sideways; tables become cards; screenshots look full."""
    (tmp_path / "crosswalk.html").write_text(page, "utf-8")
    (tmp_path / "measure.html").write_text(page.replace("</body>", _MEASURE + "</body>"), "utf-8")
    (tmp_path / "measure.frame.html").write_text(_FRAME.format(src="measure.html"), "utf-8")
    result = _run(
        chromium,
        tmp_path / "profile",
        "--virtual-time-budget=10000",
        "--dump-dom",
        (tmp_path / "measure.frame.html").as_uri(),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found = re.search(r'data-result="([^"]*)"', result.stdout)
    assert found, "the measuring script did not report: " + result.stdout[-500:]
    measured = json.loads(html.unescape(found.group(1)))
    assert measured["width"] == 390, measured
    assert measured["overflow"] <= 0, f"the page scrolls sideways at phone width: {measured}"
    assert measured["wide"] == [], f"elements stick out of the phone's viewport: {measured}"
    assert measured["stacked"], "the platform tables should reflow into cards at phone width"
    assert measured["scrolling"] >= 1, "the overview and diagrams should scroll inside their own box"

    shots = {}
    for label, src in (("top", "crosswalk.html"), ("spree-table", "crosswalk.html#crosswalk-spree")):
        frame = tmp_path / f"{label}.frame.html"
        frame.write_text(_FRAME.format(src=src), "utf-8")
        png = tmp_path / f"{label}.png"
        shot = _run(chromium, tmp_path / "profile", f"--screenshot={png}", frame.as_uri())
        assert shot.returncode == 0, shot.stderr[-2000:]
        assert png.exists(), f"no screenshot: {shot.stderr[-2000:]}"
        assert _png_size(png) == (390, 844)
        # A blank or nearly blank 390x844 PNG compresses to a few kilobytes; a page of text does not.
        assert png.stat().st_size > 20_000, f"{png} looks empty ({png.stat().st_size} bytes)"
        shots[label] = png
    keep = os.environ.get("STATEBRIDGE_SCREENSHOT_DIR")
    if keep:
        pathlib.Path(keep).mkdir(parents=True, exist_ok=True)
        for label, png in shots.items():
            shutil.copy(png, pathlib.Path(keep) / f"crosswalk-phone-{label}.png")
