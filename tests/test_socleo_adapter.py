"""The Socleo adapter: every shape (JSON envelope, list, single order, NDJSON), every status value.

Socleo publishes no API shape, so the fixtures are synthetic (fixtures/socleo/SOURCES.txt) in the
export shape of docs/socleo-export.md. `SEED` below is the DFC order-state table's Socleo column
(docs/references/dfc-order-states-socleo.md), which the table, the documentation and the seed must
all agree with.

The checks every platform shares (each fixture against its golden file, each shape, every table
value, arbitrary JSON) are in tests/test_conformance.py.
"""

from __future__ import annotations

import io
import json
import pathlib
import re
from decimal import Decimal

import pytest

from statebridge.crosswalk import load_crosswalks
from statebridge.crosswalk.sssom import mapping_sets
from statebridge.errors import InvalidOrderError, OrderError, UnknownStatusError, UnrecognisedShapeError
from statebridge.mapping import load_table
from statebridge.mapping.coverage import analyse
from statebridge.model import Order
from statebridge.platforms import get_adapter
from statebridge.states import DFCStates
from statebridge.translate import OnUnknown, read_orders, translate
from statebridge.validate import fixture_files

from .conftest import FIXTURES, ROOT
from .test_cli import run

FOLDER = FIXTURES / "socleo"
EXPORT = FOLDER / "export.json"
REFERENCE = ROOT / "docs" / "references" / "dfc-order-states-socleo.md"

#: The Socleo column of the DFC table: value -> the DFC state of its dimension.
SEED_ORDER = {
    "draft": "Draft",
    "invoiced": "Held",
    "validated": "Complete",
    "closed": "Complete",
    "awaiting_payment": "Complete",
    "canceled": "Cancelled",
    "retracted": "Cancelled",
    "refused": "Cancelled",
}
SEED_FULFILMENT = {
    "In preparation": "Unfulfilled",
    "prepared": "Unfulfilled",
    "Shipped": "Fulfilled",
    "Delivered": "Fulfilled",
}
CANCELLED = ("canceled", "retracted", "refused")


def _read(data: object) -> list[Order | OrderError]:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return list(read_orders(io.BytesIO(raw), "socleo"))


def _orders(source: pathlib.Path | bytes) -> list[Order]:
    outcomes = _read(source if isinstance(source, bytes) else source.read_bytes())
    assert all(isinstance(o, Order) for o in outcomes), [str(o) for o in outcomes]
    return [o for o in outcomes if isinstance(o, Order)]


def _single() -> dict[str, object]:
    document: dict[str, object] = json.loads((FOLDER / "single_order.json").read_text("utf-8"))
    return document


def _error(record: dict[str, object]) -> OrderError:
    [outcome] = _read({"orders": [_single(), record]})[1:]
    assert isinstance(outcome, OrderError), outcome
    return outcome


# -- fixtures and shapes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "count"),
    [("export.json", 9), ("orders.ndjson", 9), ("single_order.json", 1), ("orders_list.json", 2)],
)
def test_each_shape_is_read(name: str, count: int) -> None:
    orders = _orders(FOLDER / name)
    assert len(orders) == count
    assert {o.platform for o in orders} == {"socleo"}
    assert {o.shape for o in orders} == {"socleo-json"}


def test_fixtures_cover_every_status_value_in_the_envelope_and_in_ndjson() -> None:
    table = load_table("socleo")
    for path in (EXPORT, FOLDER / "orders.ndjson"):
        orders = _orders(path)
        for field in ("status", "preparation_status"):
            seen = {o.platform_status[field] for o in orders}
            assert seen == set(table.fields[field].domain), (path.name, field)


def test_a_full_order_is_read_completely() -> None:
    [order] = _orders(FOLDER / "single_order.json")
    assert (order.id, order.number, order.currency) == ("b7e3", "SO-1", "EUR")
    assert order.created_at is not None
    assert order.created_at.isoformat() == "2026-03-01T10:00:00+01:00"
    assert order.updated_at is not None
    [line] = order.lines
    assert (line.id, line.item, line.name) == ("l-b7e3-1", "TOM-01", "Tomates anciennes")
    assert (line.quantity, line.unit_price) == (Decimal(2), Decimal("3.50"))
    assert order.states == DFCStates(order="Complete", fulfilment="Unfulfilled")


def test_reference_is_the_number_else_the_id_and_the_id_is_the_id_else_the_reference() -> None:
    by_status = {o.platform_status["status"]: o for o in _orders(FOLDER / "orders.ndjson")}
    assert (by_status["retracted"].id, by_status["retracted"].number) == ("nd-7", "nd-7")
    assert (by_status["refused"].id, by_status["refused"].number) == ("SO-108", "SO-108")


# -- the table is the DFC table's Socleo column ---------------------------------------------------


@pytest.mark.parametrize("status", sorted(SEED_ORDER))
@pytest.mark.parametrize("preparation", [None, *SEED_FULFILMENT])
def test_every_combination_follows_the_socleo_column(status: str, preparation: str | None) -> None:
    states = load_table("socleo").translate({"status": status, "preparation_status": preparation})
    assert states.order == SEED_ORDER[status]
    assert states.payment == ("Unpaid" if status == "awaiting_payment" else None)  # payment only where said
    if status in CANCELLED and preparation not in ("Shipped", "Delivered"):
        assert states.fulfilment == "Cancelled"  # no further fulfilment for a cancelled order
    else:
        assert states.fulfilment == (SEED_FULFILMENT[preparation] if preparation else None)


def test_the_table_covers_every_combination_both_ways() -> None:
    coverage = analyse(load_table("socleo"))
    assert coverage.ok, coverage.problems()
    assert coverage.combinations == 40


def test_the_reference_copy_holds_every_value_under_its_dfc_state() -> None:
    text = REFERENCE.read_text("utf-8")
    for values, state in [
        (SEED_ORDER, "order"),
        (SEED_FULFILMENT, "fulfilment"),
    ]:
        for value, dfc in values.items():
            assert re.search(rf"^\| {state} \| {dfc} \|.*`{value}`", text, re.MULTILINE), value


def test_every_value_is_in_the_seed_row_of_its_dfc_state(shared: pathlib.Path) -> None:
    [seed] = (shared / "seeds").glob("002_*.txt")
    rows = seed.read_text("utf-8").splitlines()
    for value, dfc in [*SEED_ORDER.items(), *SEED_FULFILMENT.items()]:
        assert any(re.search(rf"\b{dfc}\b", r) and re.search(rf"\b{value}\b", r) for r in rows), value


def test_every_rule_cites_the_seed_and_every_reference_is_cited() -> None:
    table = load_table("socleo")
    rules = [
        *(r for rs in table.forward.values() for r in rs),
        *(r for rs in table.reverse_rules.values() for r in rs),
    ]
    assert sorted(set(table.references) - {ref for rule in rules for ref in rule.cite}) == []
    assert all("seed-dfc" in rule.cite for rule in rules)
    assert "docs/references/dfc-order-states-socleo.md" in table.references["dfc-socleo-column"]


def test_the_developer_documentation_shows_every_status() -> None:
    doc = (ROOT / "docs" / "socleo-export.md").read_text("utf-8")
    for status, order in SEED_ORDER.items():
        payment = "Unpaid" if status == "awaiting_payment" else "(not set)"
        assert f"| `{status}` | {order} | {payment} |" in doc
    for value, dfc in SEED_FULFILMENT.items():
        assert f"| `{value}` | {dfc}" in doc


def test_socleo_is_in_the_crosswalk_and_the_sssom_export() -> None:
    assert "socleo" in [c.table.platform for c in load_crosswalks()]
    [crosswalk] = load_crosswalks("socleo")
    sets = {s.field: s for s in mapping_sets(crosswalk)}
    assert set(sets) == {"status", "preparation_status"}
    pairs = {(m.subject_label, m.object_id) for m in sets["status"].mappings}
    assert ("invoiced", "dfc-v:Held") in pairs
    assert ("awaiting_payment", "dfc-v:Unpaid") in pairs
    assert ("Delivered", "dfc-v:Fulfilled") in {
        (m.subject_label, m.object_id) for m in sets["preparation_status"].mappings
    }


# -- bad input: one line naming position, order, field and value ---------------------------------


@pytest.mark.parametrize("value", ["Validated", "VALIDATED", "in_preparation", "shipped", "paid", ""])
def test_an_unknown_status_is_never_guessed(value: str) -> None:
    error = _error({"id": "x", "reference": "SO-9", "status": value})
    assert isinstance(error, UnknownStatusError)
    assert str(error).startswith(
        f"orders[1]: order SO-9: field status: value {value!r}: unknown socleo status"
    )
    assert "draft, invoiced, validated, closed, awaiting_payment, canceled, retracted, refused" in str(error)
    assert "\n" not in str(error)


def test_an_unknown_preparation_status_lists_the_valid_ones() -> None:
    error = _error({"id": "x", "reference": "SO-9", "status": "validated", "preparation_status": "packed"})
    assert isinstance(error, UnknownStatusError)
    assert "field preparation_status: value 'packed'" in str(error)
    assert "In preparation, prepared, Shipped, Delivered" in str(error)


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        ({"quantity": "2,5"}, "lines[0].quantity", "with a decimal point, not a comma"),
        ({"quantity": "two"}, "lines[0].quantity", "expected a decimal number"),
        ({"quantity": True}, "lines[0].quantity", "expected a decimal number"),
        ({"quantity": "-1"}, "lines[0].quantity", "must not be negative"),
        ({"label": "x"}, "lines[0].quantity", "missing: every order line needs its quantity"),
        ({"quantity": "1", "unit_price": "3,50"}, "lines[0].unit_price", "not a comma"),
        ({"quantity": "1", "currency": "euro"}, "lines[0].currency", "ISO 4217"),
        ({"quantity": "1", "unit": 3}, "lines[0].unit", "expected text"),
    ],
)
def test_a_bad_line_names_order_field_and_value(line: dict[str, object], field: str, reason: str) -> None:
    error = _error({"id": "x", "reference": "SO-9", "status": "draft", "lines": [line]})
    assert isinstance(error, InvalidOrderError)
    message = str(error)
    assert message.startswith(f"orders[1]: order SO-9: field {field}"), message
    assert reason in message
    assert "\n" not in message


def test_lines_in_two_currencies_are_refused() -> None:
    lines = [{"quantity": "1", "currency": "EUR"}, {"quantity": "1", "currency": "CHF"}]
    error = _error({"id": "x", "reference": "SO-9", "status": "draft", "lines": lines})
    assert "field lines[1].currency: value 'CHF'" in str(error)
    assert "(EUR)" in str(error)


@pytest.mark.parametrize(
    ("record", "field", "reason"),
    [
        ({"created_at": "2026-03-01T10:00:00"}, "created_at", "has no UTC offset"),
        ({"updated_at": "yesterday"}, "updated_at", "not an ISO 8601 date-time"),
        ({"status": None}, "status", "missing: every Socleo order has a status (draft, invoiced"),
        ({"status": 3}, "status", "expected the status as text"),
        ({"preparation_status": 2}, "preparation_status", "expected the preparation status as text"),
        ({"lines": {"quantity": "1"}}, "lines", "expected a list of order lines"),
    ],
)
def test_bad_order_fields_are_invalid(record: dict[str, object], field: str, reason: str) -> None:
    error = _error({"id": "x", "reference": "SO-9", "status": "draft", **record})
    assert isinstance(error, InvalidOrderError)
    assert f"field {field}" in str(error)
    assert reason in str(error)


@pytest.mark.parametrize(
    ("document", "hint"),
    [
        ({"number": "R1", "state": "complete", "status": "x", "id": 1}, "use --from spree"),
        ({"id": 1, "status": "paid", "financial_status": "paid"}, "use --from shopify"),
        ({"orders": [{"OrderGuid": "g", "OrderStatus": "Ordered"}]}, 'expected {"orders": [...]}'),
        ({"orders": {"id": "x"}}, "`orders` must be a list"),
        ([1], "not a Socleo order (int)"),
    ],
)
def test_a_wrong_shape_is_reported_with_a_hint(document: object, hint: str) -> None:
    [error, *_] = _read(document)
    assert isinstance(error, UnrecognisedShapeError)
    assert hint in str(error)


def test_the_command_line_reports_a_bad_order_on_one_line_and_exits_1() -> None:
    document = {"orders": [_single(), {"id": "x", "reference": "SO-9", "status": "shipped"}]}
    result = run("translate", "--from", "socleo", stdin=json.dumps(document).encode())
    assert result.returncode == 1
    [line, summary] = result.stderr.decode().splitlines()
    assert line.startswith(
        "<stdin>: orders[1]: order SO-9: field status: value 'shipped': unknown socleo status"
    )
    assert summary == "statebridge: 1 problem(s); nothing written"


@pytest.mark.parametrize("command", ["pull", "sync"])
def test_pull_and_sync_say_socleo_cannot_be_pulled(command: str, tmp_path: pathlib.Path) -> None:
    extra = ["--output", str(tmp_path / "out.jsonld")] if command == "sync" else []
    store = f"sqlite:///{tmp_path / 'store.db'}"
    result = run(command, "socleo", "--base-url", "http://127.0.0.1:9", "--store", store, *extra)
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert "Traceback" not in stderr
    [line] = [line for line in stderr.splitlines() if "socleo" in line]  # one line says why
    assert "pull" in line


# -- writing (--to socleo) ------------------------------------------------------------------------


@pytest.mark.parametrize("path", fixture_files(FOLDER), ids=lambda p: p.name)
def test_written_orders_read_back_the_same(path: pathlib.Path) -> None:
    out = io.BytesIO()
    report = translate(io.BytesIO(path.read_bytes()), out, platform="socleo", to="socleo")
    assert not report.problems
    originals = _orders(path)
    written = _orders(out.getvalue())
    for before, after in zip(originals, written, strict=True):
        assert after.states == before.states, before.label
        assert (after.id, after.number, after.currency) == (before.id, before.number, before.currency)
        assert after.lines == before.lines
        assert after.created_at == before.created_at
    # only what Socleo cannot tell apart in DFC is lost: retracted/refused -> canceled, closed -> validated
    assert all(re.search(r"socleo \w+ \w+ reads back", line) is None for line in report.losses)


def test_statuses_written_are_the_declared_defaults() -> None:
    adapter = get_adapter("socleo")
    table = load_table("socleo")
    cases = {
        DFCStates(order="Complete"): ("validated", None),
        DFCStates(order="Complete", payment="Unpaid", fulfilment="Unfulfilled"): (
            "awaiting_payment",
            "In preparation",
        ),
        DFCStates(order="Cancelled", fulfilment="Cancelled"): ("canceled", None),
        DFCStates(order="Complete", fulfilment="Fulfilled"): ("validated", "Shipped"),
        DFCStates(order="Held"): ("invoiced", None),
        DFCStates(order="Draft"): ("draft", None),
    }
    [order] = _orders(FOLDER / "single_order.json")
    for states, (status, preparation) in cases.items():
        values = table.reverse(states).fields
        record = adapter.to_record(order, values)
        assert (record["status"], record["preparation_status"]) == (status, preparation), states


def test_the_command_line_writes_socleo_and_reports_what_is_lost() -> None:
    result = run(
        "translate", "--from", "spree", "--to", "socleo", str(FIXTURES / "spree/chord_single_order.json")
    )
    assert result.returncode == 0, result.stderr
    [record] = json.loads(result.stdout)["orders"]
    assert record["reference"] == "R902615384"
    assert record["status"] in SEED_ORDER
    assert b"socleo payment Paid reads back as unset" in result.stderr


def test_the_translate_call_skips_a_bad_order_and_keeps_the_others() -> None:
    document = {"orders": [_single(), {"id": "x", "status": "lost"}, _single()]}
    out = io.BytesIO()
    report = translate(
        io.BytesIO(json.dumps(document).encode()), out, platform="socleo", on_unknown=OnUnknown.SKIP
    )
    assert report.written == 2
    assert [p.position for p in report.problems] == ["orders[1]"]


@pytest.mark.parametrize("reader", ["shopify", "spree"])
def test_a_socleo_order_read_as_another_platform_names_socleo(reader: str) -> None:
    """The hint comes from Socleo's descriptor (`markers`), not from a list in the other reader."""
    order = {
        "id": "1",
        "reference": "SO-1",
        "status": "validated",
        "preparation_status": "prepared",
        "created_at": "2026-03-01T10:00:00+01:00",
        "updated_at": "2026-03-01T10:00:00+01:00",
        "lines": [],
    }
    stream = io.BytesIO(json.dumps({"orders": [order]}).encode())
    (outcome,) = read_orders(stream, reader)
    assert isinstance(outcome, OrderError)
    assert str(outcome).endswith(
        "it has 'preparation_status', so it looks like a socleo order: use --from socleo"
    )
