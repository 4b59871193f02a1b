"""`translate --to PLATFORM` says when a round trip changes the platform's own status values.

Driven by the mapping tables: for every table, every value of every status field goes through
`statebridge translate --from P --to P` (a real process). Every value that comes back different
(Shopify `refunded` as `voided`, Commerce Layer `unpaid` as `authorized` on a placed order, ...)
must be named on a `lossy:` line; every value that comes back unchanged must not be.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import pathlib
import re
import subprocess
import sys
import typing as t
from decimal import Decimal

import pytest

from statebridge.errors import RejectedStatusError
from statebridge.mapping import MappingTable, available_tables, load_table
from statebridge.model import Buyer, Order, OrderLine
from statebridge.platforms import get_adapter
from statebridge.translate import read_orders

_CHANGE = re.compile(
    r"^lossy: .+?: order (?P<order>.+?): (?P<platform>\w+) (?P<key>\w+) '(?P<old>[^']*)' "
    r"is written as (?:'(?P<new>[^']*)'|(?P<null>null)) \(through DFC "
)
_TRANSLATE = (sys.executable, "-m", "statebridge", "translate")


def _one_combination_per_value(table: MappingTable) -> list[dict[str, str | None]]:
    """For each value of each field, the first combination holding it that the table accepts."""
    names = list(table.fields)
    combos: list[dict[str, str | None]] = []
    for field, spec in table.fields.items():
        for value in spec.values:
            domains = [(value,) if name == field else table.fields[name].domain for name in names]
            for combo in itertools.product(*domains):
                status = dict(zip(names, combo, strict=True))
                try:
                    table.translate(status)
                except RejectedStatusError:
                    continue
                combos.append(status)
                break
            else:
                pytest.fail(f"{table.platform}: no accepted combination has {field}={value}")
    return combos


def _order(platform: str, n: int, status: dict[str, str | None], table: MappingTable) -> Order:
    when = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=n)
    return Order(
        platform=platform,
        shape="written",
        id=str(5_000_000 + n),
        number=str(7000 + n),
        created_at=when,
        updated_at=when,
        placed_at=when,
        currency="EUR",
        total=Decimal("10.00"),
        buyer=Buyer(id=str(9_000_000 + n), email=f"buyer{n}@example.org", name="Test Buyer"),
        lines=(
            OrderLine(
                id=str(8_000_000 + n),
                item=f"SKU-{n}",
                name="Eggs",
                quantity=Decimal(1),
                unit_price=Decimal("10.00"),
            ),
        ),
        platform_status=status,
        states=table.translate(status),
    )


def _status_of(orders: t.Iterable[object]) -> list[dict[str, str | None]]:
    read = list(orders)
    assert all(isinstance(o, Order) for o in read), [str(o) for o in read if not isinstance(o, Order)]
    return [t.cast(Order, o).platform_status for o in read]


@pytest.mark.parametrize("platform", available_tables())
def test_every_changed_platform_value_is_reported_and_no_other(platform: str, tmp_path: pathlib.Path) -> None:
    table = load_table(platform)
    adapter = get_adapter(platform)
    orders = [
        _order(platform, n, status, table) for n, status in enumerate(_one_combination_per_value(table))
    ]
    document = adapter.to_document([adapter.to_record(order, order.platform_status) for order in orders])
    source = tmp_path / f"{platform}.json"
    source.write_bytes(json.dumps(document).encode())
    with source.open("rb") as stream:
        before = _status_of(read_orders(stream, platform))
    assert len(before) == len(orders)

    result = subprocess.run(
        [*_TRANSLATE, "--from", platform, "--to", platform, "--format", "ndjson", str(source)],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    after = _status_of(read_orders(_lines(result.stdout), platform))
    assert len(after) == len(before)

    reported: set[tuple[str, str, str]] = set()
    for line in result.stderr.decode().splitlines():
        match = _CHANGE.match(line)
        if match:
            assert match["platform"] == adapter.name, line
            reported.add((match["order"], match["old"], match["new"] if match["null"] is None else "null"))
    expected = {
        (order.label, str(old), "null" if new is None else str(new))
        for order, was, now in zip(orders, before, after, strict=True)
        for field, old in was.items()
        if old is not None and (new := now.get(field)) != old
    }
    assert reported == expected
    assert expected, f"{platform}: no value changes on a round trip, so the test proves nothing"
    survivors = {
        (o.label, v) for o, was in zip(orders, before, strict=True) for v in was.values() if v is not None
    }
    assert survivors - {(label, old) for label, old, _ in expected}, "some values must come back unchanged"


def _lines(data: bytes) -> t.BinaryIO:
    return io.BytesIO(data)


def _translate_same(platform: str, document: object, tmp_path: pathlib.Path) -> list[str]:
    source = tmp_path / "in.json"
    source.write_bytes(json.dumps(document).encode())
    result = subprocess.run(
        [*_TRANSLATE, "--from", platform, "--to", platform, str(source)],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    return [line for line in result.stderr.decode().splitlines() if _CHANGE.match(line)]


def test_the_changes_the_issue_names_are_reported(tmp_path: pathlib.Path) -> None:
    shopify = {
        "orders": [
            {
                "id": 1,
                "name": "#1",
                "financial_status": "refunded",
                "fulfillment_status": None,
                "line_items": [],
            },
            {"id": 2, "name": "#2", "financial_status": "partially_refunded", "line_items": []},
            {
                "id": 3,
                "name": "#3",
                "financial_status": "paid",
                "fulfillment_status": "fulfilled",
                "line_items": [],
            },
        ]
    }
    lines = _translate_same("shopify", shopify, tmp_path)
    assert [line.split(": ", 2)[2].split(" (")[0] for line in lines] == [
        "order #1: shopify financial_status 'refunded' is written as 'voided'",
        "order #2: shopify financial_status 'partially_refunded' is written as 'paid'",
    ]
    commercelayer = {
        "data": [
            {
                "type": "orders",
                "id": "xYz",
                "attributes": {
                    "number": "42",
                    "status": "placed",
                    "payment_status": "unpaid",
                    "fulfillment_status": "unfulfilled",
                },
            }
        ]
    }
    (line,) = _translate_same("commercelayer", commercelayer, tmp_path)
    assert "order 42: commercelayer payment_status 'unpaid' is written as 'authorized'" in line
