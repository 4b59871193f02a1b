"""Platform to platform through DFC: every pair, every order; what changes is exactly what is reported."""

from __future__ import annotations

import io
import itertools
import re

import pytest

from statebridge.model import Order
from statebridge.platforms import names
from statebridge.translate import OnUnknown, read_orders, translate

from .conftest import FIXTURES

SOURCES = {
    "spree": FIXTURES / "spree/solidus_flat_orders.json",
    "shopify": FIXTURES / "shopify/rest_orders.json",
    "commercelayer": FIXTURES / "commercelayer/orders_list.json",
    "relatude": FIXTURES / "relatude/export.json",
    "socleo": FIXTURES / "socleo/export.json",
    "dfc": FIXTURES / "dfc/compact_graph_orders.json",
}
TARGETS = [name for name in names(aliases=False) if name != "dfc"]
_LOSS = re.compile(r"^order (?P<order>.+?): (?P<target>\w+) (?P<dimension>order|payment|fulfilment) ")
_CHANGE = re.compile(r"^order .+?: \w+ \w+ '[^']*' is written as (?:'[^']*'|null) \(through DFC ")


def test_every_registered_platform_is_a_source_and_every_writer_a_target() -> None:
    assert sorted(SOURCES) == names(aliases=False)
    assert "socleo" in TARGETS


def _orders(data: bytes, platform: str) -> list[Order]:
    outcomes = list(read_orders(io.BytesIO(data), platform))
    assert all(isinstance(o, Order) for o in outcomes), [str(o) for o in outcomes if not isinstance(o, Order)]
    return outcomes  # type: ignore[return-value]


@pytest.mark.parametrize(("source", "target"), list(itertools.product(SOURCES, TARGETS)))
def test_translation_keeps_numbers_and_every_state_it_does_not_report_lost(source: str, target: str) -> None:
    data = SOURCES[source].read_bytes()
    originals = _orders(data, source)
    out = io.BytesIO()
    report = translate(io.BytesIO(data), out, platform=source, to=target, on_unknown=OnUnknown.SKIP)
    refused = {problem.order for problem in report.problems}
    for problem in report.problems:  # only what the target cannot hold, named precisely
        assert problem.field is not None
        assert problem.has_value
    originals = [o for o in originals if o.label not in refused]
    assert report.written == len(originals)
    written = _orders(out.getvalue(), target)
    assert [o.label for o in written] == [o.label for o in originals]
    lost = set()
    for line in report.losses:
        if source == target and _CHANGE.match(line):
            continue  # a platform value the round trip changes (tests/test_value_changes.py)
        match = _LOSS.match(line)
        assert match, line
        assert match["target"] == target
        lost.add((match["order"], match["dimension"]))
    for before, after in zip(originals, written, strict=True):
        for dimension, state in before.states.items():
            changed = after.states.get(dimension) != state
            assert changed == ((before.label, dimension.value) in lost), (before.label, dimension, state)


def test_a_quantity_commerce_layer_cannot_count_is_refused_not_rounded() -> None:
    data = SOURCES["relatude"].read_bytes()
    out = io.BytesIO()
    report = translate(
        io.BytesIO(data), out, platform="relatude", to="commercelayer", on_unknown=OnUnknown.SKIP
    )
    [problem] = report.problems
    assert problem.field is not None
    assert problem.field.endswith(".quantity")
    assert "whole units" in str(problem)
