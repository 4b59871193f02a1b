"""The one analysis of a mapping table that the coverage report and the crosswalk are views of."""

from __future__ import annotations

import gc
import importlib.resources
import itertools
import math
import weakref

import pytest

from statebridge.crosswalk import build_crosswalk
from statebridge.errors import RejectedStatusError
from statebridge.mapping import MappingTable, available_tables, load_table, load_table_text
from statebridge.mapping.analysis import analysis_of
from statebridge.mapping.coverage import analyse
from statebridge.mapping.table import REJECT
from statebridge.states import DIMENSION_STATES, DFCStates, Dimension

# One field; `two` is rejected on purpose, `three` has no order rule (a gap), and the reverse
# writes a value only for order Complete (a reverse gap for every other triple).
TINY = """\
platform: tiny
description: A table with a forward gap, a rejected value and a reverse gap.
references:
  r: "a reference"
fields:
  a:
    description: the only field
    values: {one: "the first", two: "the second", three: "the third"}
forward:
  order:
    - {when: {a: [one]}, then: Complete, why: one is complete, cite: [r]}
    - {when: {a: [two]}, then: reject, why: two is not an order, cite: [r]}
  payment:
    - {when: {a: [one, two, three]}, then: unset, why: nothing is said, cite: [r]}
  fulfilment:
    - {when: {a: [one, two, three]}, then: unset, why: nothing is said, cite: [r]}
reverse:
  a:
    - {when: {order: [Complete]}, then: one, why: the only way back, cite: [r]}
"""


def _tiny() -> MappingTable:
    return load_table_text(TINY, source="tiny.yaml")


def test_the_analysis_is_made_once_per_table_object_and_shared_by_both_views() -> None:
    table = load_table("socleo")
    analysis = analysis_of(table)
    assert analysis_of(table) is analysis
    report = analyse(table)
    build_crosswalk(table)
    assert analysis_of(table) is analysis
    assert report.combinations == analysis.combinations
    other = load_table_text(_socleo_text(), source="copy.yaml")
    assert analysis_of(other) is not analysis  # another table object, even with the same rules


def _socleo_text() -> str:
    return importlib.resources.files("statebridge.mappings").joinpath("socleo.yaml").read_text("utf-8")


def test_the_analysis_goes_with_its_table() -> None:
    table = _tiny()
    analysis = weakref.ref(analysis_of(table))
    assert analysis() is not None
    del table
    gc.collect()
    assert analysis() is None


@pytest.mark.parametrize("name", available_tables())
def test_every_combination_is_counted_once_and_agrees_with_translate(name: str) -> None:
    table = load_table(name)
    analysis = analysis_of(table)
    domains = [spec.domain for spec in table.fields.values()]
    assert analysis.combinations == math.prod(len(domain) for domain in domains)
    reached, rejected = set(), 0
    for combo in itertools.product(*domains):
        status = dict(zip(table.fields, combo, strict=True))
        for dimension, walk in analysis.dimensions.items():
            projection = tuple(status[field] for field in walk.fields)
            first = next((rule for rule in table.forward[dimension] if rule.matches(status)), None)
            assert walk.first[projection] is first
        try:
            reached.add(table.translate(status))
        except RejectedStatusError:
            rejected += 1
    assert analysis.reachable == reached
    assert analysis.rejected + len(analysis.gaps) == rejected


def test_each_dfc_triple_is_walked_in_reverse() -> None:
    table = load_table("spree")
    analysis = analysis_of(table)
    assert len(analysis.reverse) == math.prod(len(DIMENSION_STATES[d]) + 1 for d in Dimension)
    for states, walk in analysis.reverse.items():
        back = table.reverse(states)
        assert walk.read_back == table.translate(back.fields)
        assert {field: rule.then for field, rule in walk.rules.items() if rule is not None} == back.fields


def test_gaps_rejections_and_reverse_gaps_are_told_apart() -> None:
    table = _tiny()
    analysis = analysis_of(table)
    assert (analysis.combinations, analysis.rejected) == (3, 1)
    assert [(d, s) for d, s in analysis.gaps] == [(Dimension.ORDER, {"a": "three"})]
    assert analysis.reachable == {DFCStates(order=DIMENSION_STATES[Dimension.ORDER]("Complete"))}
    assert any(rule.then == REJECT for rule in table.forward[Dimension.ORDER])
    report = analyse(table)
    assert not report.ok
    problems = report.problems()
    assert problems[0] == "order: no rule matches a=three"
    reverse_gaps = [p for p in problems if p.startswith("reverse a: no rule for ")]
    assert len(reverse_gaps) == len(analysis.reverse) - 4 * 5  # order Complete has a rule
    assert "reverse a: no rule for order=Draft / payment=unset / fulfilment=unset" in reverse_gaps


def test_a_crosswalk_of_a_table_with_a_reverse_gap_fails_with_the_tables_reason() -> None:
    with pytest.raises(
        RejectedStatusError, match=r"no reverse rule of the tiny table for a matches order=Draft"
    ):
        build_crosswalk(_tiny())


def test_coverage_keeps_at_most_limit_examples() -> None:
    text = TINY.replace(
        'values: {one: "the first"',
        "values: {" + ", ".join(f"v{i}: x" for i in range(30)) + ', one: "the first"',
    )
    table = load_table_text(
        text.replace("[one, two, three]", "[one, two, three, " + ", ".join(f"v{i}" for i in range(30)) + "]"),
        source="wide.yaml",
    )
    report = analyse(table, limit=5)
    forward = [p for p in report.gaps if p.startswith("order: no rule matches")]
    assert len(analysis_of(table).gaps) == 31
    assert forward == [f"order: no rule matches a=v{i}" for i in range(5)]
