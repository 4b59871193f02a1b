"""Exhaustive round trips of every mapping table: the domains are finite, so every case is tried.

- platform -> DFC -> platform -> DFC: every combination of every field's values (the product of the
  domains, 14,144 for Shopify, the largest) either is rejected by the table on purpose, or reverses
  with no loss to values that translate to the same triple;
- DFC -> platform -> DFC: every DFC triple (each dimension's states and unset) reverses, and the
  losses named are exactly the dimensions that do not read back the same.

One test per platform (from tests/platforms.py); a failure lists the combinations that failed.
"""

from __future__ import annotations

import itertools
import typing as t

import pytest

from statebridge.errors import RejectedStatusError
from statebridge.states import DFCStates, FulfilmentStatus, OrderStatus, PaymentStatus

from .platforms import table, table_platforms


def _combinations(name: str) -> t.Iterator[dict[str, str | None]]:
    fields = table(name).fields
    for values in itertools.product(*(spec.domain for spec in fields.values())):
        yield dict(zip(fields, values, strict=True))


def _triples() -> t.Iterator[DFCStates]:
    for order, payment, fulfilment in itertools.product(
        [None, *OrderStatus], [None, *PaymentStatus], [None, *FulfilmentStatus]
    ):
        yield DFCStates(order=order, payment=payment, fulfilment=fulfilment)


@pytest.mark.parametrize("name", table_platforms())
def test_every_status_to_dfc_and_back_keeps_the_triple(name: str) -> None:
    tbl = table(name)
    failures: list[str] = []
    translated = 0
    for status in _combinations(name):
        try:
            states = tbl.translate(status)
        except RejectedStatusError:
            continue  # a combination the table rejects on purpose (e.g. neither state nor status)
        translated += 1
        back = tbl.reverse(states)
        if back.losses != () or tbl.translate(back.fields) != states:
            losses = [str(loss) for loss in back.losses]
            failures.append(f"{status} -> {states} -> {back.fields} (losses: {losses})")
    assert translated > 0, f"the {name} table rejects every combination"
    assert failures == [], f"{len(failures)} of {translated} {name} statuses do not round-trip"


@pytest.mark.parametrize("name", table_platforms())
def test_every_dfc_triple_reverses_and_losses_are_exactly_the_changes(name: str) -> None:
    tbl = table(name)
    failures: list[str] = []
    for states in _triples():
        result = tbl.reverse(states)
        again = tbl.translate(result.fields)
        changed = {d for d, s in states.items() if again.get(d) != s}
        named = {loss.dimension for loss in result.losses}
        wrong = [
            str(loss)
            for loss in result.losses
            if loss.wanted != states.get(loss.dimension) or loss.got != again.get(loss.dimension)
        ]
        if named != changed or wrong:
            failures.append(
                f"{states} -> {result.fields} -> {again}: changed {changed}, named {named}, {wrong}"
            )
    assert failures == [], f"{len(failures)} {name} triples"
