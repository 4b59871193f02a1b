"""`statebridge validate`: fixtures against their expected output, and mapping edits caught."""

from __future__ import annotations

import pathlib
import shutil

import pytest

from statebridge.errors import UsageError
from statebridge.validate import expected_path, validate_fixtures

from .conftest import FIXTURES, ROOT
from .test_cli import run


def _copy(tmp_path: pathlib.Path, *names: str) -> pathlib.Path:
    folder = tmp_path / "spree"
    folder.mkdir()
    for name in names:
        shutil.copy(FIXTURES / "spree" / name, folder / name)
        shutil.copy(expected_path(FIXTURES / "spree" / name), folder)
    return folder


def test_a_changed_expectation_is_shown_per_subject(tmp_path: pathlib.Path) -> None:
    folder = _copy(tmp_path, "chord_single_order.json")
    expected = expected_path(folder / "chord_single_order.json")
    expected.write_text(expected.read_text().replace('"dfc-v:Paid"', '"dfc-v:Unpaid"'))
    [result] = validate_fixtures(folder)
    assert not result.ok
    assert result.details == [
        "  <urn:statebridge:spree:Orders:2001>",
        "    - dfc-b:hasPaymentStatus dfc-v:Unpaid",
        "    + dfc-b:hasPaymentStatus dfc-v:Paid",
    ]


def test_an_edited_mapping_table_is_caught_through_the_cli(tmp_path: pathlib.Path) -> None:
    folder = _copy(tmp_path, "chord_single_order.json", "public_ofn_api_v0_orders_list.json")
    tables = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", tables)
    table = tables / "spree.yaml"
    text = table.read_text()
    edited = text.replace(
        "- when: {shipment_state: [ready]}\n      then: Unfulfilled",
        "- when: {shipment_state: [ready]}\n      then: Held",
    )
    assert edited != text
    table.write_text(edited)
    result = run("validate", str(folder), "--mappings", str(tables))
    assert result.returncode == 1
    out = result.stdout.decode()
    assert "FAIL" in out
    assert "+ dfc-b:hasFulfilmentStatus dfc-v:Held" in out
    assert out.rstrip().endswith("0 passed, 2 failed")
    check = run("mappings", "check", "--mappings", str(tables))
    assert check.returncode == 1
    assert "GAP round trip" in check.stdout.decode()


def test_update_writes_expected_files_that_then_validate(tmp_path: pathlib.Path) -> None:
    folder = tmp_path / "spree"
    folder.mkdir()
    shutil.copy(FIXTURES / "spree/orders.ndjson", folder)
    [missing] = validate_fixtures(folder)
    assert not missing.ok
    assert "write one with --update" in missing.details[0]
    [written] = validate_fixtures(folder, update=True)
    assert written.ok
    assert expected_path(folder / "orders.ndjson").is_file()
    assert all(r.ok for r in validate_fixtures(folder))


def test_a_fixture_that_does_not_translate_fails(tmp_path: pathlib.Path) -> None:
    folder = tmp_path / "spree"
    folder.mkdir()
    (folder / "bad.json").write_text('{"number": "R1", "state": "teleported"}')
    [result] = validate_fixtures(folder)
    assert not result.ok
    assert "does not translate" in result.details[0]
    assert "value 'teleported'" in result.details[0]


def test_unknown_folder_or_platform_is_a_usage_error(tmp_path: pathlib.Path) -> None:
    with pytest.raises(UsageError, match="is not a folder"):
        validate_fixtures(tmp_path / "nope")
    (tmp_path / "woo").mkdir()
    with pytest.raises(UsageError, match="unknown platform 'woo'"):
        validate_fixtures(tmp_path / "woo")
