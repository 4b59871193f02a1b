"""Every cite resolves inside the repository (issue 14).

The mapping tables' `references:` texts, and the comments, docstrings and pages that cite a source,
point at `docs/references/FILE.md#anchor`: the file must exist and the anchor must be one of its
headings (GitHub's slug). Nothing may cite a document outside the repository any more: the seed
copies (`seeds/...`), the research notes (`reference/...`, `platforms.md §B.1`, ...) or the contract
(`contract §3`). The fixtures' provenance notes (`fixtures/**/SOURCES*` and any Markdown under
fixtures/) follow the same rules and, besides, name no path under `../shared`: a clone of the
repository has no such folder. That every rule's `cite` names a declared reference is the loader's check
(`statebridge.mapping.loader`, tested in test_mapping_table.py).
"""

from __future__ import annotations

import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
REFERENCES = ROOT / "docs" / "references"
SCANNED = ("src", "mappings", "docs", "bench", "tests")
SUFFIXES = {".py", ".yaml", ".md", ".html", ".svg", ".json", ".toml", ".txt"}
FIXTURES = ROOT / "fixtures"

#: A cite of a page of docs/references, with its anchor if it has one.
CITE = re.compile(r"docs/references/([\w.-]+\.md)(?:#([\w-]+))?")

#: Cites of documents outside the repository.
OUTSIDE = {
    "the seed documents": re.compile(r"seeds/"),
    "the research notes": re.compile(r"(?<!docs/)(?<![\w-])reference/"),
    "the contract by section": re.compile(r"contract §"),
    "a research file by name": re.compile(
        r"(?<![\w/.-])(?:platforms|dfc|perf|interop|ecosystem|contract|aesthetics)\.md\b"
    ),
}

#: What the fixtures' notes may not name either: the workspace folder beside the repository.
OUTSIDE_FIXTURES = {**OUTSIDE, "the shared workspace folder": re.compile(r"\.\./shared\b")}

HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: pathlib.Path) -> set[str]:
    """The anchors of a Markdown page's headings (outside code blocks), numbered when repeated."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    fenced = False
    for line in page.read_text("utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            base = slug(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def unresolved(text: str) -> list[str]:
    """The cites in `text` whose page or anchor does not exist."""
    problems = []
    for match in CITE.finditer(text):
        name, anchor = match.groups()
        page = REFERENCES / name
        if not page.is_file():
            problems.append(f"{match.group(0)}: no page {name}")
        elif anchor is not None and anchor not in anchors(page):
            problems.append(f"{match.group(0)}: no heading with anchor #{anchor} in {name}")
    return problems


def scanned_files() -> list[pathlib.Path]:
    this = pathlib.Path(__file__).resolve()
    return sorted(
        path
        for folder in SCANNED
        for path in (ROOT / folder).rglob("*")
        if path.is_file()
        and path.suffix in SUFFIXES
        and path.resolve() != this
        and not any(part in {"node_modules", "__pycache__"} or part.startswith(".") for part in path.parts)
    )


def fixture_notes() -> list[pathlib.Path]:
    """The provenance notes under fixtures/: every SOURCES file and every Markdown page."""
    return sorted(
        path
        for path in FIXTURES.rglob("*")
        if path.is_file() and (path.name.startswith("SOURCES") or path.suffix == ".md")
    )


def outside_cites(text: str, rules: dict[str, re.Pattern[str]]) -> list[str]:
    """`number: cites what: line` for each line of `text` that cites a document outside the repository."""
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        for what, pattern in rules.items():
            if pattern.search(line):
                problems.append(f"{number}: cites {what}: {line.strip()}")
    return problems


def outside_cites_in(path: pathlib.Path, rules: dict[str, re.Pattern[str]]) -> list[str]:
    text = path.read_text("utf-8", errors="replace")
    return [f"{path.relative_to(ROOT)}:{problem}" for problem in outside_cites(text, rules)]


def tables() -> list[pathlib.Path]:
    return sorted((ROOT / "mappings").glob("*.yaml"))


def test_slugs_follow_github() -> None:
    assert slug("Admin REST order") == "admin-rest-order"
    assert slug("Fulfillment not required (2026-10)") == "fulfillment-not-required-2026-10"
    assert slug("Spree::Payment `state`") == "spreepayment-state"


def test_a_missing_page_or_anchor_is_reported() -> None:
    assert unresolved("see docs/references/no-such-page.md#x") == [
        "docs/references/no-such-page.md#x: no page no-such-page.md"
    ]
    assert unresolved("see docs/references/shopify.md#no-such-anchor") == [
        "docs/references/shopify.md#no-such-anchor: no heading with anchor #no-such-anchor in shopify.md"
    ]
    assert unresolved("see docs/references/shopify.md#admin-rest-order") == []


@pytest.mark.parametrize("table", tables(), ids=lambda p: p.name)
def test_every_reference_of_a_table_cites_a_page_that_resolves(table: pathlib.Path) -> None:
    references = yaml.safe_load(table.read_text("utf-8"))["references"]
    assert references, f"{table.name} declares no references"
    problems = []
    for key, text in references.items():
        if not CITE.search(text):
            problems.append(f"{key}: cites no page of docs/references/: {text!r}")
        problems += [f"{key}: {problem}" for problem in unresolved(text)]
    assert not problems, f"{table.name}:\n" + "\n".join(problems)


def test_every_cite_in_the_repository_resolves() -> None:
    problems = []
    for path in scanned_files() + fixture_notes():
        for number, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(), 1):
            problems += [f"{path.relative_to(ROOT)}:{number}: {p}" for p in unresolved(line)]
    assert not problems, "\n".join(problems)


def test_nothing_cites_a_document_outside_the_repository() -> None:
    problems = []
    for path in scanned_files():
        problems += outside_cites_in(path, OUTSIDE)
    assert not problems, "\n".join(problems)


def test_every_fixture_folder_has_notes_that_are_scanned() -> None:
    folders = {path.parent for path in fixture_notes() if path.name.startswith("SOURCES")}
    platforms = {path for path in FIXTURES.iterdir() if path.is_dir()}
    assert platforms, "no fixture folders found"
    assert platforms <= folders, f"fixture folders without SOURCES: {sorted(map(str, platforms - folders))}"


@pytest.mark.parametrize("notes", fixture_notes(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_notes_cite_only_the_repository_and_public_upstream(notes: pathlib.Path) -> None:
    problems = outside_cites_in(notes, OUTSIDE_FIXTURES)
    assert not problems, "\n".join(problems)


def test_an_outside_cite_in_fixture_notes_is_reported() -> None:
    notes = (
        "a.json <- copied from ../shared/fixtures-public/a.json\n"
        "b.json <- fields as in platforms.md B.1\n"
        "c.json <- docs/references/shopify.md#webhooks, github.com/o/r @ abc : docs/api-reference/c.yaml\n"
        "d.json <- as in ../shared/reference/contract.md §4\n"
    )
    assert outside_cites(notes, OUTSIDE_FIXTURES) == [
        "1: cites the shared workspace folder: a.json <- copied from ../shared/fixtures-public/a.json",
        "2: cites a research file by name: b.json <- fields as in platforms.md B.1",
        "4: cites the research notes: d.json <- as in ../shared/reference/contract.md §4",
        "4: cites the shared workspace folder: d.json <- as in ../shared/reference/contract.md §4",
    ]
