"""The crosswalk says what the tables do: every row is checked against the tables themselves.

The crosswalk is derived from the rules; these tests check the derived rows against what
`MappingTable.translate` and `MappingTable.reverse` actually do, combination by combination, so a
row that reads well but says something the translation does not do fails here.
"""

from __future__ import annotations

import functools
import importlib.resources
import itertools
import os
import pathlib
import typing as t
import xml.etree.ElementTree as ET

import pytest

from statebridge.crosswalk import Crosswalk, build_crosswalk, load_crosswalks, render_markdown, render_svg
from statebridge.crosswalk.html import render_html
from statebridge.crosswalk.model import ForwardEntry, contexts
from statebridge.errors import RejectedStatusError
from statebridge.mapping import MappingTable, available_tables, load_table_text
from statebridge.mapping.coverage import analyse
from statebridge.mapping.loader import MAPPINGS_ENV
from statebridge.mapping.table import REJECT, UNSET
from statebridge.states import DIMENSION_STATES, DFCStates, Dimension

from .cli_runner import Ran, invoke
from .conftest import ROOT

TABLES = available_tables()
DOCS = ROOT / "docs"
REGENERATE = "run `make docs` (or `statebridge mappings show --format markdown > docs/crosswalk.md`)"


@functools.cache
def shipped(name: str) -> MappingTable:
    """A shipped table, read from the package whatever $STATEBRIDGE_MAPPINGS says."""
    text = importlib.resources.files("statebridge.mappings").joinpath(f"{name}.yaml").read_text("utf-8")
    return load_table_text(text, source=f"statebridge.mappings/{name}.yaml")


@functools.cache
def crosswalk(name: str) -> Crosswalk:
    return build_crosswalk(shipped(name))


def combinations(table: MappingTable) -> t.Iterator[dict[str, str | None]]:
    names = list(table.fields)
    for combo in itertools.product(*(table.fields[name].domain for name in names)):
        yield dict(zip(names, combo, strict=True))


def shows(entry: ForwardEntry, status: dict[str, str | None]) -> bool:
    """Whether the entry, as displayed (its values and its `unless`), says it applies to `status`."""
    if not all(status[term.name] in term.values for term in entry.terms):
        return False
    return not any(all(status[term.name] in term.values for term in u.terms) for u in entry.unless)


def test_the_tables_under_test_are_all_the_shipped_tables() -> None:
    assert sorted(TABLES) == sorted(
        p.name.removesuffix(".yaml")
        for p in importlib.resources.files("statebridge.mappings").iterdir()
        if p.name.endswith(".yaml")
    )


# -- forward ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TABLES)
def test_every_value_of_every_field_appears(name: str) -> None:
    cw = crosswalk(name)
    for field, spec in shipped(name).fields.items():
        for value in spec.domain:
            assert any(
                term.name == field and value in term.values
                for row in cw.rows
                for entry in row.forward
                for term in entry.terms
            ), f"{name}: {field}={value} appears in no row"


@pytest.mark.parametrize("name", TABLES)
def test_every_state_the_table_reaches_has_a_row_with_values(name: str) -> None:
    cw = crosswalk(name)
    reached = analyse(shipped(name)).reachable
    assert reached
    for states in reached:
        for dimension, state in states.items():
            row = cw.row(dimension, state.value if state is not None else UNSET)
            assert row.forward, f"{name}: {dimension.value} {row.state} is reached but its row lists nothing"
    for dimension, states_of in DIMENSION_STATES.items():
        for dfc_state in states_of:
            assert cw.row(dimension, dfc_state.value).definition  # a row for every state, reached or not


@pytest.mark.parametrize("name", TABLES)
def test_rows_say_what_translate_does(name: str) -> None:
    """For every combination, exactly the row of the state translate gives shows it (terms and unless)."""
    table = shipped(name)
    cw = crosswalk(name)
    for status in combinations(table):
        try:
            states = table.translate(status)
        except RejectedStatusError:
            assert any(
                shows(entry, status) for row in cw.rows if row.state == REJECT for entry in row.forward
            ), f"{name}: {status} is rejected but no reject row shows it"
            continue
        for dimension, state in states.items():
            expected = state.value if state is not None else UNSET
            showing = {
                row.state
                for row in cw.rows_of(dimension)
                if row.state != REJECT and any(shows(entry, status) for entry in row.forward)
            }
            assert showing == {expected}, f"{name}: {status}: {dimension.value} is {expected}, rows {showing}"


@pytest.mark.parametrize("name", TABLES)
def test_values_marked_collapsed_are_those_the_round_trip_changes(name: str) -> None:
    table = shipped(name)
    cw = crosswalk(name)
    changed: set[tuple[str, str, str, str | None]] = set()
    for status in combinations(table):
        try:
            states = table.translate(status)
        except RejectedStatusError:
            continue
        back = table.reverse(states).fields
        for dimension, state in states.items():
            row = cw.row(dimension, state.value if state is not None else UNSET)
            entry = next(e for e in row.forward if shows(e, status))
            for term in entry.terms:
                if back.get(term.name) != status[term.name]:
                    changed.add((dimension.value, entry.label, term.name, status[term.name]))
    marked = {
        (row.dimension.value, entry.label, field, value)
        for row in cw.rows
        for entry in row.forward
        for field, value in entry.written_back
    }
    assert marked == changed


# -- reverse ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TABLES)
def test_reverse_column_says_what_reverse_writes(name: str) -> None:
    """For every DFC triple, the entry whose displayed condition holds names the value written."""
    table = shipped(name)
    cw = crosswalk(name)
    shown_somewhere = set()
    for row in cw.rows:
        if row.state == REJECT:
            continue
        at_home = {field for field, dim in cw.home.items() if dim is row.dimension}
        assert set(row.fields_written()) == at_home
        for field in row.fields_written():
            entries = row.reverse_for(field)
            defaults = [e for e in entries if e.default]
            assert len(defaults) <= 1
            assert all(not e.condition for e in defaults)
            for triple in contexts(row.dimension, None if row.state == UNSET else row.state):
                entry = next(
                    e
                    for e in entries
                    if all(_value(triple, term.name) in term.values for term in e.condition)
                )
                assert entry.value == table.reverse(triple).fields[field], (
                    f"{name}: {triple}: {field} is written as {table.reverse(triple).fields[field]}, "
                    f"the row says {entry.value} ({entry.label})"
                )
            shown_somewhere.add(field)
    assert shown_somewhere == set(table.reverse_rules)


def _value(triple: DFCStates, dimension: str) -> str | None:
    state = triple.get(Dimension(dimension))
    return state.value if state is not None else None


def test_reverse_defaults_are_the_declared_ones() -> None:
    spree = crosswalk("spree")
    assert spree.row(Dimension.ORDER, "Draft").default("state").value == "cart"  # type: ignore[union-attr]
    assert spree.row(Dimension.PAYMENT, "Paid").default("payment_state").value == "paid"  # type: ignore[union-attr]
    unpaid = spree.row(Dimension.PAYMENT, "Unpaid").reverse_for("payment_state")
    assert [(e.value, e.default, [str(c) for c in e.condition]) for e in unpaid] == [
        (None, False, ["order ∈ {Draft, unset}"]),
        ("balance_due", True, []),
    ]
    shopify = crosswalk("shopify")
    assert shopify.row(Dimension.FULFILMENT, "Held").default("fulfillment_status").value == "ON_HOLD"  # type: ignore[union-attr]
    relatude = crosswalk("relatude")
    assert relatude.row(Dimension.ORDER, "Complete").default("OrderStatus").value == "Ordered"  # type: ignore[union-attr]
    assert relatude.row(Dimension.PAYMENT, "Paid").elsewhere == (("OrderStatus", Dimension.ORDER),)


@pytest.mark.parametrize("name", TABLES)
def test_reverse_losses_are_the_round_trip_facts(name: str) -> None:
    table = shipped(name)
    for row in crosswalk(name).rows:
        if row.state == REJECT:
            continue
        facts: dict[str | None, int] = {}
        triples = contexts(row.dimension, None if row.state == UNSET else row.state)
        for triple in triples:
            back = table.translate(table.reverse(triple).fields).get(row.dimension)
            got = back.value if back is not None else None
            if got != (None if row.state == UNSET else row.state):
                facts[got] = facts.get(got, 0) + 1
        assert {loss.got: len(loss.contexts) for loss in row.losses} == facts, (name, row.state)
        for loss in row.losses:
            if loss.condition is not None:  # the described condition holds for exactly those contexts
                described = [
                    x for x in triples if all(_value(x, term.name) in term.values for term in loss.condition)
                ]
                assert described == list(loss.contexts)
        if row.unreachable:
            assert sum(len(loss.contexts) for loss in row.losses) == len(triples)


@pytest.mark.parametrize("name", TABLES)
def test_declared_lossy_reverse_rules_do_lose_something(name: str) -> None:
    """A ⚠ from a rule's `lossy` is backed by a triple whose round trip changes."""
    table = shipped(name)
    for row in crosswalk(name).rows:
        for entry in row.declared_lossy:
            fired = [
                triple
                for triple in contexts(row.dimension, None if row.state == UNSET else row.state)
                if next(r for r in table.reverse_rules[entry.field] if r.matches(triple)) is entry.rule
            ]
            assert any(table.reverse(triple).losses for triple in fired), (name, entry.label)


def test_spree_held_is_lossy_and_reads_back_as_complete() -> None:
    held = crosswalk("spree").row(Dimension.ORDER, "Held")
    assert held.unreachable
    assert held.lossy
    assert [(loss.got, loss.condition) for loss in held.losses] == [("Complete", ())]
    (entry,) = held.reverse
    assert (entry.value, entry.default, entry.lossy is not None) == ("complete", True, True)


def test_conditions_are_shown_compactly() -> None:
    fulfilled = crosswalk("spree").row(Dimension.FULFILMENT, "Fulfilled")
    shipped_entry = next(e for e in fulfilled.forward if "shipped" in e.values("shipment_state"))
    assert [str(u) for u in shipped_entry.unless] == ["state = canceled", "status = canceled"]
    assert not shipped_entry.conditional
    cancelled = crosswalk("shopify").row(Dimension.PAYMENT, "Cancelled")
    conditional = [e for e in cancelled.forward if e.conditional]
    assert [e.label for e in conditional] == ["p2"]
    order = crosswalk("shopify").row(Dimension.ORDER, "Cancelled")
    assert [str(term) for term in order.forward[0].terms] == ["cancelled = yes", "cancel_reason any"]


def test_lossy_forward_steps_and_collapses_are_marked() -> None:
    paid = crosswalk("spree").row(Dimension.PAYMENT, "Paid")
    assert [e.label for e in paid.not_carried] == ["p11"]  # p9 before the two Spree 6 canceled+none rules
    entry = next(e for e in paid.forward if "credit_owed" in e.values("payment_state"))
    assert entry.written_back[("payment_state", "credit_owed")] == ("paid",)
    assert not entry.collapsed("payment_state", "paid")
    assert paid.is_default("payment_state", "paid")
    assert crosswalk("relatude").row(Dimension.ORDER, "Draft").collapsed  # Saved reads back as Basket


# -- markdown and docs -----------------------------------------------------------------------------


def test_markdown_has_a_row_per_state_and_every_reason() -> None:
    text = render_markdown([crosswalk(name) for name in TABLES])
    assert text.startswith("# Status crosswalk")
    assert "## Overview" in text
    for name in TABLES:
        cw = crosswalk(name)
        section = text.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        table_lines = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
        assert len(table_lines) == 1 + len(cw.rows)
        for dimension in Dimension:
            for rule in shipped(name).forward[dimension]:
                assert " ".join(rule.why.split()).replace("|", "\\|") in section
        for rules in shipped(name).reverse_rules.values():
            for reverse_rule in rules:
                assert " ".join(reverse_rule.why.split()) in section


def _without_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != MAPPINGS_ENV}


def test_docs_crosswalk_md_is_current() -> None:
    shown = invoke("mappings", "show", "--format", "markdown", env=_without_env())
    assert shown.returncode == 0, shown.stderr
    fresh = shown.stdout.decode("utf-8")
    committed = (DOCS / "crosswalk.md").read_text("utf-8") if (DOCS / "crosswalk.md").exists() else ""
    assert committed == fresh, f"docs/crosswalk.md is not current with the mapping tables: {REGENERATE}"


def test_docs_crosswalk_html_and_diagrams_are_current(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MAPPINGS_ENV, raising=False)
    crosswalks = load_crosswalks()
    stale = []
    expected = {DOCS / "crosswalk.html": render_html(crosswalks)}
    expected |= {DOCS / f"crosswalk-{cw.platform}.svg": render_svg(cw) for cw in crosswalks}
    for path, text in expected.items():
        if not path.exists() or path.read_text("utf-8") != text:
            stale.append(path.name)
    assert not stale, f"not current with the mapping tables: {', '.join(stale)}: run `make docs`"
    assert sorted(p.name for p in DOCS.glob("crosswalk-*.svg")) == sorted(
        f"crosswalk-{name}.svg" for name in available_tables()
    ), "docs has a diagram of a table that no longer exists: run `make docs` and remove it"


# -- svg -------------------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("name", TABLES)
def test_svg_draws_one_line_per_value_and_state(name: str) -> None:
    cw = crosswalk(name)
    root = ET.fromstring(render_svg(cw))
    assert root.tag == f"{SVG}svg"
    paths = root.findall(f".//{SVG}path")
    expected = [
        (entry, term.name, value)
        for row in cw.rows
        for entry in row.forward
        for term in entry.restricting
        for value in term.values
    ]
    assert len(paths) == len(expected)
    lossy = [p for p in paths if p.get("stroke") == "#c2410c"]
    assert len(lossy) == sum(1 for entry, _, _ in expected if entry.lossy)
    dashed = [p for p in paths if p.get("stroke-dasharray")]
    assert len(dashed) == sum(1 for entry, _, _ in expected if entry.conditional)
    tips = [p.findtext(f"{SVG}title") or "" for p in paths]
    for entry, field, value in expected:
        shown = "null" if value is None else value
        assert any(tip.startswith(f"{field} = {shown} → ") and entry.label in tip for tip in tips)
    texts = " ".join(el.text or "" for el in root.iter(f"{SVG}text"))
    for label in ("decides alone", "only together with another field's value", "lossy"):
        assert label in texts  # the legend


# -- escaping, with a table whose values carry markup ------------------------------------------------

TRICKY = "Bas<k>et&\"'|x"


@pytest.fixture(scope="module")
def tricky() -> Crosswalk:
    text = importlib.resources.files("statebridge.mappings").joinpath("relatude.yaml").read_text("utf-8")
    text = text.replace("Basket:", f"{_yaml(TRICKY)}:").replace("[Basket", f"[{_yaml(TRICKY)}")
    text = text.replace("then: Basket", f"then: {_yaml(TRICKY)}")
    return build_crosswalk(load_table_text(text, source="tricky.yaml"))


def _yaml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_markup_in_values_is_escaped_everywhere(tricky: Crosswalk) -> None:
    assert TRICKY in tricky.table.fields["OrderStatus"].values
    svg = render_svg(tricky)
    root = ET.fromstring(svg)  # well-formed despite < & " '
    assert any(el.text == TRICKY for el in root.iter(f"{SVG}text"))
    page = render_html([tricky])
    assert "<k>" not in page
    assert "Bas&lt;k&gt;et&amp;&quot;&#x27;|x" in page
    markdown = render_markdown([tricky])
    assert "Bas<k>et&\"'\\|x" in markdown  # pipes escaped inside table cells


# -- command line ----------------------------------------------------------------------------------


def run(*args: str, env: dict[str, str] | None = None) -> Ran:
    return invoke(*args, env=env if env is not None else _without_env())


def test_show_one_platform_by_alias() -> None:
    result = run("mappings", "show", "--platform", "chord")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "\n## spree\n" in out
    assert "## shopify" not in out
    assert "## Overview" not in out


def test_show_svg_needs_a_platform_and_names_them() -> None:
    result = run("mappings", "show", "--format", "svg")
    assert result.returncode == 2
    assert b"--platform" in result.stderr
    assert b"relatude" in result.stderr
    result = run("mappings", "show", "--format", "svg", "--platform", "relatude")
    assert result.returncode == 0
    assert ET.fromstring(result.stdout).tag == f"{SVG}svg"


def test_show_unknown_platform_is_a_usage_error() -> None:
    result = run("mappings", "show", "--platform", "magento")
    assert result.returncode == 2
    assert b"magento" in result.stderr
    assert b"spree" in result.stderr


def test_show_reads_edited_tables(tmp_path: pathlib.Path) -> None:
    folder = tmp_path / "mappings"
    folder.mkdir()
    source = importlib.resources.files("statebridge.mappings").joinpath("spree.yaml").read_text("utf-8")
    edited = source.replace(
        'then: cart\n      why: "Draft has many', 'then: address\n      why: "Draft has many'
    )
    assert edited != source
    (folder / "spree.yaml").write_text(edited, "utf-8")
    shipped_draft = run("mappings", "show", "--platform", "spree").stdout.decode().split("| **Held**")[0]
    edited_out = run("mappings", "show", "--platform", "spree", "--mappings", str(folder)).stdout.decode()
    edited_draft = edited_out.split("| **Held**")[0]
    assert "`cart`★" in shipped_draft
    assert "`address`★" in edited_draft
    assert "`cart`°" in edited_draft
    assert f"Table: `{folder / 'spree.yaml'}`" in edited_out
