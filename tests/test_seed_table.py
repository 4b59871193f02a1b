"""Every Spree-family value in the seeds translates to the DFC state the seeds give.

`SEED_DFC` transcribes the OFN column of the DFC standard's order-state table (seed
`002_de6af5c0cc3c4d31.txt`, docs/references/seed-dfc-order-states.md#ofn-column), the only published
mapping for the Spree family; `SEED_CHORD` lists the Chord OMS states (seed `000_d97004dda1ca15c0.txt`,
docs/references/seed-chord-oms.md). When ../shared is present the transcription itself is checked
against the seed text.
"""

from __future__ import annotations

import pathlib

import pytest

from statebridge.mapping import load_table
from statebridge.states import DFCStates, Dimension

# (dimension, DFC state, the seed's tokens, the Spree field and values they stand for)
SEED_DFC: list[tuple[Dimension, str, str, str, tuple[str, ...]]] = [
    (
        Dimension.ORDER,
        "Draft",
        "cart address delivery confirmation payment resumed",
        "state",
        ("cart", "address", "delivery", "confirmation", "payment", "resumed"),
    ),
    (Dimension.ORDER, "Complete", "complete", "state", ("complete",)),
    (Dimension.ORDER, "Cancelled", "canceled", "state", ("canceled",)),
    (Dimension.FULFILMENT, "Held", "shipment/pending", "shipment_state", ("pending",)),
    (Dimension.FULFILMENT, "Unfulfilled", "shipment/ready", "shipment_state", ("ready",)),
    (Dimension.FULFILMENT, "Fulfilled", "shipment/shipped", "shipment_state", ("shipped",)),
    # The seed spells it "cancelled"; Spree's value is "canceled".
    (Dimension.FULFILMENT, "Cancelled", "shipment/cancelled", "shipment_state", ("canceled",)),
    (
        Dimension.PAYMENT,
        "Unpaid",
        "payment/checkout payment/balance_due payment/processing "
        "payment/requires_authorization payment/failed",
        "payment_state",
        ("checkout", "balance_due", "processing", "requires_authorization", "failed"),
    ),
    (
        Dimension.PAYMENT,
        "Paid",
        "payment/credit_owed payment/completed",
        "payment_state",
        ("credit_owed", "completed"),
    ),
    (Dimension.PAYMENT, "Cancelled", "payment/void", "payment_state", ("void",)),
]

# Values the Chord seed names: (field, values)
SEED_CHORD: list[tuple[str, tuple[str, ...]]] = [
    ("shipment_state", ("pending", "ready", "partial", "shipped", "canceled", "backorder")),
    ("state", ("cart", "address", "delivery", "payment", "confirm", "complete")),
    (
        "payment_state",
        (
            "balance_due",
            "credit_owed",
            "failed",
            "checkout",
            "processing",
            "pending",
            "paid",
            "invalid",
            "void",
            "completed",
        ),
    ),
]

# A neutral completed order, so that only the field under test decides its dimension.
NEUTRAL = {"state": "complete", "payment_state": "paid", "shipment_state": "ready"}


def _cases() -> list[tuple[Dimension, str, str, str]]:
    return [(dim, state, field, value) for dim, state, _, field, values in SEED_DFC for value in values]


@pytest.mark.parametrize(("dimension", "state", "field", "value"), _cases())
def test_seed_value_translates_to_the_seeds_dfc_state(
    dimension: Dimension, state: str, field: str, value: str
) -> None:
    status = {**NEUTRAL, field: value}
    if field == "state" and value != "complete":
        status.update(payment_state=None, shipment_state=None)  # as Spree sends before completion
    assert load_table("spree").translate(status).get(dimension) == state


def test_the_perfect_chord_order_is_complete_paid_unfulfilled() -> None:
    # Chord: "a perfect order will have the statuses of paid ready complete".
    assert load_table("spree").translate(NEUTRAL) == DFCStates(
        order="Complete", payment="Paid", fulfilment="Unfulfilled"
    )


@pytest.mark.parametrize(("field", "value"), [(f, v) for f, values in SEED_CHORD for v in values])
def test_every_chord_value_is_known_and_explained(field: str, value: str) -> None:
    table = load_table("spree")
    assert value in table.fields[field].values
    explaining = [
        rule for rules in table.forward.values() for rule in rules if value in rule.when.get(field, ())
    ]
    assert explaining, f"no rule names {field}={value}"
    assert all(len(rule.why) > 20 and rule.cite for rule in explaining)


@pytest.mark.parametrize(("dimension", "state", "tokens"), [(d, s, tok) for d, s, tok, _, _ in SEED_DFC])
def test_transcription_matches_the_seed(
    shared: pathlib.Path, dimension: Dimension, state: str, tokens: str
) -> None:
    seed = (shared / "seeds" / "002_de6af5c0cc3c4d31.txt").read_text("utf-8")
    rows = [line for line in seed.splitlines() if tokens in line]
    assert rows, f"{tokens!r} is not in the seed"
    assert any(state in row for row in rows), f"no seed row puts {tokens!r} under {state}"


def test_chord_values_are_in_the_chord_seed(shared: pathlib.Path) -> None:
    seed = (shared / "seeds" / "000_d97004dda1ca15c0.txt").read_text("utf-8")
    for _, values in SEED_CHORD:
        for value in values:
            assert value.replace("_", " ") in seed, value
