"""The one pipeline: documents to outcomes, accepted and rejected apart, DFC states to a platform."""

from __future__ import annotations

import ast
import json
import pathlib

from statebridge.errors import OrderError
from statebridge.model import Order
from statebridge.pipeline import outcomes, partition, platform_fields
from statebridge.platforms import get_adapter
from statebridge.position import Position
from statebridge.reading import Document
from statebridge.states import DFCStates, FulfilmentStatus, OrderStatus, PaymentStatus

from .conftest import FIXTURES

PACKAGE = pathlib.Path(__file__).parents[1] / "src" / "statebridge"


def _spree_orders() -> list[dict[str, object]]:
    lines = (FIXTURES / "spree" / "orders.ndjson").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_outcomes_keep_each_raw_record_and_partition_sets_rejects_apart() -> None:
    good, bad = _spree_orders()[:2]
    bad = {**bad, "payment_state": "no-such-state"}
    document = {"orders": [good, bad]}
    items = list(outcomes(get_adapter("spree"), [Document(Position(3), document)]))
    assert [type(result) for result, _ in items] == [Order, type(items[1].result)]
    assert isinstance(items[1].result, OrderError)
    assert items[0].raw is not None
    assert items[0].raw.record == good
    accepted, rejected = partition(items, document)
    assert [(order.number, record) for order, record in accepted] == [(good["number"], good)]
    [(position, reason, record)] = rejected
    assert position == "line 3: orders[1]"
    assert reason.startswith("line 3: orders[1]: order ")
    assert "no-such-state" in reason
    assert record == bad


def test_a_document_that_cannot_be_split_is_rejected_with_the_whole_document() -> None:
    document = {"not": "orders"}
    accepted, rejected = partition(outcomes(get_adapter("spree"), [Document(None, document)]), document)
    assert accepted == []
    [(_, reason, record)] = rejected
    assert "spree" in reason.lower() or "order" in reason.lower()
    assert record == document


def test_platform_fields_name_what_the_platform_cannot_hold() -> None:
    held = DFCStates(order=OrderStatus.HELD, payment=PaymentStatus.UNPAID, fulfilment=FulfilmentStatus.HELD)
    fields, losses = platform_fields(held, get_adapter("spree"))
    assert fields == {"state": "complete", "payment_state": "balance_due", "shipment_state": "pending"}
    assert losses == [
        "order Held reads back as Complete: Spree has no held order state "
        "(the DFC table's OFN column is empty for Held)."
    ]
    complete = held.model_copy(update={"order": OrderStatus.COMPLETE})
    assert platform_fields(complete, get_adapter("spree"))[1] == []


def _imports(module: str) -> set[str]:
    """The statebridge modules `module` imports, at any level of its code."""
    path = PACKAGE / (module.replace(".", "/") + ".py")
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_parallel_and_the_pipeline_do_not_import_translate() -> None:
    assert "translate" not in _imports("parallel")
    assert "translate" not in _imports("pipeline")
    assert "parallel" not in _imports("pipeline")
    assert "pipeline" in _imports("parallel")
