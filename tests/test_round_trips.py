"""Property-based round trips: platform -> DFC -> platform -> DFC, and DFC -> platform -> DFC."""

from __future__ import annotations

from hypothesis import given, strategies as st

from statebridge.errors import RejectedStatusError
from statebridge.mapping import available_tables, load_table
from statebridge.states import DFCStates, FulfilmentStatus, OrderStatus, PaymentStatus


@st.composite
def platform_status(draw: st.DrawFn) -> tuple[str, dict[str, str | None]]:
    name = draw(st.sampled_from(available_tables()))
    table = load_table(name)
    return name, {field: draw(st.sampled_from(spec.domain)) for field, spec in table.fields.items()}


@given(platform_status())
def test_platform_to_dfc_and_back_keeps_the_triple(case: tuple[str, dict[str, str | None]]) -> None:
    name, status = case
    table = load_table(name)
    try:
        states = table.translate(status)
    except RejectedStatusError:
        return  # a combination the table rejects on purpose (e.g. neither state nor status)
    back = table.reverse(states)
    assert back.losses == ()
    assert table.translate(back.fields) == states


_triples = st.builds(
    DFCStates,
    order=st.none() | st.sampled_from(OrderStatus),
    payment=st.none() | st.sampled_from(PaymentStatus),
    fulfilment=st.none() | st.sampled_from(FulfilmentStatus),
)


@given(st.sampled_from(available_tables()), _triples)
def test_every_dfc_triple_reverses_and_losses_are_exactly_the_changes(name: str, states: DFCStates) -> None:
    table = load_table(name)
    result = table.reverse(states)
    again = table.translate(result.fields)
    changed = {d for d, s in states.items() if again.get(d) != s}
    assert {loss.dimension for loss in result.losses} == changed
    for loss in result.losses:
        assert loss.wanted == states.get(loss.dimension)
        assert loss.got == again.get(loss.dimension)
