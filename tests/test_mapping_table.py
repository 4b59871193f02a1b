"""The mapping tables: validation on load, forward and reverse rules, coverage."""

from __future__ import annotations

import importlib.resources

import pytest
import yaml

from statebridge.errors import MappingTableError, RejectedStatusError, UnknownStatusError, UsageError
from statebridge.mapping import available_tables, load_table, load_table_text, resolve_platform
from statebridge.mapping.coverage import analyse
from statebridge.states import DFCStates, Dimension, FulfilmentStatus, OrderStatus, PaymentStatus


def _spree_document() -> dict:
    text = importlib.resources.files("statebridge.mappings").joinpath("spree.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def _load(document: dict) -> None:
    load_table_text(yaml.safe_dump(document), source="edited.yaml")


def test_tables_ship_inside_the_package() -> None:
    names = available_tables()
    assert "spree" in names
    for name in names:
        assert load_table(name).platform == name


@pytest.mark.parametrize("alias", ["spree", "chord", "solidus", "ofn"])
def test_aliases_resolve_to_the_spree_table(alias: str) -> None:
    assert resolve_platform(alias) == "spree"
    assert load_table(alias) is load_table("spree")


def test_unknown_platform_names_the_known_ones() -> None:
    with pytest.raises(UsageError, match=r"no mapping table for platform 'magento' \(known: .*chord.*spree"):
        resolve_platform("magento")


@pytest.mark.parametrize("name", available_tables())
def test_every_table_is_complete_and_round_trips(name: str) -> None:
    report = analyse(load_table(name))
    assert report.problems() == []
    assert report.ok
    assert report.combinations > 0


@pytest.mark.parametrize("name", available_tables())
def test_every_value_of_every_field_is_reached(name: str) -> None:
    report = analyse(load_table(name))
    for field, values in report.values.items():
        for value, outcomes in values.items():
            assert outcomes, f"{field}={value} never yields a DFC triple"


# -- validation: each broken edit is caught with its path --------------------------------------


def _edit_then_expect(edit, pattern: str) -> None:  # type: ignore[no-untyped-def]
    document = _spree_document()
    edit(document)
    with pytest.raises(MappingTableError, match=pattern):
        _load(document)


def test_rule_naming_an_undeclared_field_is_rejected() -> None:
    def edit(d: dict) -> None:
        d["forward"]["order"][1]["when"] = {"sate": ["canceled"]}

    _edit_then_expect(edit, r"\$\.forward\.order\[1\]\.when\.sate: no such field")


def test_rule_naming_a_value_outside_the_domain_is_rejected() -> None:
    def edit(d: dict) -> None:
        d["forward"]["order"][1]["when"] = {"state": ["cancelled"]}

    _edit_then_expect(edit, r"'cancelled' is not in the domain of state")


def test_rule_yielding_a_state_of_another_dimension_is_rejected() -> None:
    def edit(d: dict) -> None:
        d["forward"]["payment"][0]["then"] = "Fulfilled"

    _edit_then_expect(edit, r"\$\.forward\.payment\[0\]\.then: 'Fulfilled' is not one of")


def test_rule_without_an_explanation_is_rejected() -> None:
    def edit(d: dict) -> None:
        del d["forward"]["fulfilment"][0]["why"]

    _edit_then_expect(edit, r"'why' is a required property")


def test_citation_of_an_undeclared_reference_is_rejected() -> None:
    def edit(d: dict) -> None:
        d["forward"]["order"][1]["cite"] = ["seed-nowhere"]

    _edit_then_expect(edit, r"unknown reference 'seed-nowhere'")


def test_reverse_value_outside_the_domain_is_rejected() -> None:
    def edit(d: dict) -> None:
        d["reverse"]["state"][0]["then"] = "basket"

    _edit_then_expect(edit, r"\$\.reverse\.state\[0\]\.then: 'basket' is not in the domain of state")


def test_unquoted_yaml_boolean_key_is_reported() -> None:
    text = "platform: x\nfields:\n  flag:\n    values:\n      yes: ok\n"
    with pytest.raises(MappingTableError, match=r"key True is read as bool; quote it"):
        load_table_text(text, source="bool.yaml")


def test_invalid_yaml_is_reported_with_the_source() -> None:
    with pytest.raises(MappingTableError, match=r"'broken.yaml' is invalid:\n  not valid YAML"):
        load_table_text("fields: [unclosed", source="broken.yaml")


# -- forward -----------------------------------------------------------------------------------


def test_unknown_value_names_field_value_and_the_valid_values() -> None:
    table = load_table("spree")
    with pytest.raises(UnknownStatusError) as caught:
        table.translate({"state": "complete", "payment_state": "partially_voided", "shipment_state": "ready"})
    error = caught.value
    assert (error.field, error.value, error.platform) == ("payment_state", "partially_voided", "spree")
    assert "balance_due" in error.valid
    assert None in error.valid
    assert "value 'partially_voided'" in str(error)


def test_null_is_unknown_where_the_field_does_not_allow_it() -> None:
    document = _spree_document()
    del document["fields"]["shipment_state"]["null"]
    document["forward"]["fulfilment"] = [
        r for r in document["forward"]["fulfilment"] if r["when"].get("shipment_state") != [None]
    ]
    document["reverse"]["shipment_state"] = [r for r in document["reverse"]["shipment_state"] if r["then"]]
    document["reverse"]["shipment_state"].append(
        {"when": {"fulfilment": [None]}, "then": "ready", "why": "test edit: no null", "cite": ["seed-dfc"]}
    )
    table = load_table_text(yaml.safe_dump(document), source="edited.yaml")
    with pytest.raises(UnknownStatusError, match=r"value null"):
        table.translate({"state": "cart"})


def test_an_order_without_state_or_status_is_rejected_with_the_tables_reason() -> None:
    with pytest.raises(RejectedStatusError, match=r"state=null, status=null: rejected by the spree table"):
        load_table("spree").translate({"payment_state": "paid"})


def test_cancellation_overrides_the_shipment_state() -> None:
    table = load_table("spree")
    for shipment in table.fields["shipment_state"].domain:
        states = table.translate({"state": "canceled", "payment_state": "void", "shipment_state": shipment})
        assert states.fulfilment is FulfilmentStatus.CANCELLED
        assert states.order is OrderStatus.CANCELLED


def test_cached_errors_are_independent_copies() -> None:
    table = load_table("spree")
    errors = []
    for _ in range(2):
        with pytest.raises(UnknownStatusError) as caught:
            table.translate({"state": "shipped"})
        errors.append(caught.value)
    errors[0].locate(position="orders[0]", order="R1")
    assert errors[1].position is None
    assert "orders[0]" not in str(errors[1])


def test_adapter_passing_an_undeclared_field_is_a_programming_error() -> None:
    with pytest.raises(Exception, match=r"fields the table does not define: \['financial_status'\]"):
        load_table("spree").translate({"state": "cart", "financial_status": "paid"})


# -- reverse -----------------------------------------------------------------------------------


def test_reverse_uses_the_declared_defaults() -> None:
    table = load_table("spree")
    result = table.reverse(
        DFCStates(
            order=OrderStatus.COMPLETE, payment=PaymentStatus.PAID, fulfilment=FulfilmentStatus.FULFILLED
        )
    )
    assert result.fields == {"state": "complete", "payment_state": "paid", "shipment_state": "shipped"}
    assert result.losses == ()


def test_reverse_of_held_is_lossy_and_says_why() -> None:
    table = load_table("spree")
    result = table.reverse(DFCStates(order=OrderStatus.HELD, payment=PaymentStatus.UNPAID))
    assert result.fields["state"] == "complete"
    [loss] = result.losses
    assert loss.dimension is Dimension.ORDER
    assert (loss.wanted, loss.got) == (OrderStatus.HELD, OrderStatus.COMPLETE)
    assert "Spree has no held order state" in str(loss)


def test_reverse_reports_a_fulfilment_that_a_cancelled_order_cannot_keep() -> None:
    table = load_table("spree")
    result = table.reverse(
        DFCStates(
            order=OrderStatus.CANCELLED,
            payment=PaymentStatus.CANCELLED,
            fulfilment=FulfilmentStatus.UNFULFILLED,
        )
    )
    assert [(loss.dimension, loss.got) for loss in result.losses] == [
        (Dimension.FULFILMENT, FulfilmentStatus.CANCELLED)
    ]


def test_a_stream_of_unknown_values_does_not_grow_the_tables_memory_without_bound() -> None:
    """Each distinct status combination is remembered, the unknown ones too; the table forgets
    them all when it holds 65,536, and still answers every one the same."""
    table = load_table("relatude")
    for number in range(70_000):
        with pytest.raises(UnknownStatusError):
            table.translate({"OrderStatus": f"Unheard{number}"})
        assert table.states_for((f"Unheard{number}",)) is None
        assert len(table._cache) <= 65_536
    assert table.translate({"OrderStatus": "Ordered"}) == table.translate({"OrderStatus": "Ordered"})
