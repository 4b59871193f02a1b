"""Every file in ../shared/fixtures-public/ either translates or is refused with a clear message.

Order payloads must translate without error through the adapter of their folder. Files that are not
orders (a Shopify transaction or refund, a pagination description) must give an `OrderError` that
says what was expected, never an exception.
"""

from __future__ import annotations

import io
import json
import pathlib

import pytest
import yaml

from statebridge.errors import OrderError
from statebridge.model import Order
from statebridge.translate import read_orders

from .conftest import SHARED

PUBLIC = SHARED / "fixtures-public"
PLATFORM = {
    "spree": "spree",
    "ofn": "ofn",
    "shopify": "shopify",
    "commercelayer": "commercelayer",
    "dfc": "dfc",
}
#: Public files that hold no order, and why.
NOT_ORDERS = {
    "shopify/shopify_python_api__transaction.json": "a payment transaction",
    "shopify/shopify_python_api__transactions.json": "a list of payment transactions",
    "shopify/shopify_python_api__refund.json": "a refund",
    "shopify/shopify_python_api__fulfillment.json": "a fulfillment",
    "shopify/gadget_webhook_metadata_2026-04__refunds_create.json": "a refunds/create webhook",
    "shopify/gadget_webhook_metadata_2026-04__fulfillments_create.json": "a fulfillments/create webhook",
}


def _files() -> list[str]:
    if not PUBLIC.is_dir():
        return []
    return sorted(
        str(p.relative_to(PUBLIC))
        for p in PUBLIC.glob("*/*")
        if p.suffix in (".json", ".yaml") and p.parent.name in PLATFORM
    )


def _body(path: pathlib.Path) -> bytes:
    """The payload itself: YAML OpenAPI excerpts unwrapped, Gadget webhook metadata's `response`."""
    if path.suffix == ".yaml":
        document = yaml.safe_load(path.read_text("utf-8"))
        while (
            isinstance(document, dict)
            and len(document) == 1
            and next(iter(document)) in ("Example", "example", "examples", "value")
        ):
            document = next(iter(document.values()))
        return json.dumps(document).encode()
    document = json.loads(path.read_text("utf-8"))
    if path.name.startswith("gadget_") and isinstance(document, dict) and "response" in document:
        return json.dumps(document["response"]).encode()
    return path.read_bytes()


def test_the_public_fixtures_are_there(shared: pathlib.Path) -> None:
    assert len(_files()) >= 15
    assert set(NOT_ORDERS) <= set(_files())


@pytest.mark.parametrize("name", _files() or ["(none)"])
def test_public_file_translates_or_is_refused_clearly(shared: pathlib.Path, name: str) -> None:
    path = PUBLIC / name
    outcomes = list(read_orders(io.BytesIO(_body(path)), PLATFORM[path.parent.name]))
    assert outcomes
    if name in NOT_ORDERS:
        assert all(isinstance(o, OrderError) for o in outcomes), NOT_ORDERS[name]
        assert all("not" in str(o) for o in outcomes)
    else:
        assert [str(o) for o in outcomes if isinstance(o, OrderError)] == []
        assert all(isinstance(o, Order) and o.states.order is not None for o in outcomes)
