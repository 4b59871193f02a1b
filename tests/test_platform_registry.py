"""The platform registry: one descriptor per platform, found by name or alias, in one order; and a
platform registered by an entry point of its own shows up everywhere without other edits."""

from __future__ import annotations

import importlib.metadata
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from statebridge import platforms as registry
from statebridge.cli import cli
from statebridge.clients import client_for, pullable
from statebridge.crosswalk.model import load_crosswalks, platform_order
from statebridge.errors import MappingTableError, UsageError
from statebridge.mapping import Tables
from statebridge.platforms import alias_problems, get_adapter, names, platform, platforms
from statebridge.platforms.hints import envelope_hint, marker_hint


def test_platforms_come_in_their_position_order_with_dfc_last() -> None:
    assert [p.name for p in platforms()] == ["spree", "shopify", "socleo", "commercelayer", "relatude", "dfc"]
    assert platform_order() == ("spree", "shopify", "socleo", "commercelayer", "relatude")
    assert [c.table.platform for c in load_crosswalks()] == list(platform_order())


def test_a_platform_is_found_by_name_or_alias_and_an_unknown_one_names_the_known() -> None:
    assert platform("chord") is platform("spree")
    assert get_adapter("ofn").name == "spree"
    assert platform("dfc").table is None
    with pytest.raises(UsageError, match=r"unknown platform 'woo' \(known: chord, commercelayer, dfc, ofn"):
        platform("woo")
    assert names(aliases=False) == sorted(p.name for p in platforms())


def test_an_alias_picks_its_client_options_unless_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATEBRIDGE_SPREE_TOKEN", "fake-token")
    assert client_for("ofn", "https://ofn.example.org").flavour == "ofn"  # type: ignore[attr-defined]
    assert client_for("solidus", "https://solidus.example.org").flavour == "solidus"  # type: ignore[attr-defined]
    chord = client_for("chord", "https://chord.example.org", flavour="spree-v2")
    assert chord.flavour == "spree-v2"  # type: ignore[attr-defined]
    assert pullable() == ["commercelayer", "relatude", "shopify", "spree"]
    with pytest.raises(UsageError, match="cannot pull from 'socleo'"):
        client_for("socleo", "https://socleo.example.org")
    with pytest.raises(UsageError, match="statebridge pulls spree through one API only, not --api rest"):
        client_for("spree", "https://spree.example.org", api="rest")


def test_loading_the_registry_does_not_import_the_http_clients() -> None:
    code = "import sys, statebridge.platforms as p; p.platforms(); print('httpx' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False"]


@pytest.fixture
def entry_points(monkeypatch: pytest.MonkeyPatch) -> list[importlib.metadata.EntryPoint]:
    """The registry's entry points, to add to; the registry is reloaded from them."""
    found = list(importlib.metadata.entry_points(group=registry.GROUP))
    monkeypatch.setattr(registry, "_entry_points", lambda: found)
    registry._registry.cache_clear()
    yield found
    registry._registry.cache_clear()


def test_the_registry_refuses_what_is_not_a_platform(
    entry_points: list[importlib.metadata.EntryPoint],
) -> None:
    entry_points.append(
        importlib.metadata.EntryPoint("bogus", "statebridge.errors:UsageError", registry.GROUP)
    )
    with pytest.raises(UsageError, match=r"entry point 'bogus' in statebridge\.platforms is not a Platform"):
        platforms()


def test_the_registry_refuses_a_name_claimed_twice(entry_points: list[importlib.metadata.EntryPoint]) -> None:
    entry_points.append(
        importlib.metadata.EntryPoint("spree", "statebridge.platforms.spree:PLATFORM", registry.GROUP)
    )
    with pytest.raises(
        UsageError, match=r"platform 'spree' in statebridge\.platforms claims 'spree', already"
    ):
        platforms()


def test_hints_name_every_platform_a_marker_belongs_to() -> None:
    assert marker_hint({"payment_status": "paid"}, "shopify") == (
        "; it has 'payment_status', so it looks like a spree or commercelayer order: use --from spree"
    )
    assert marker_hint({"number": "R1"}, "shopify") == ""  # Shopify orders have a number too
    assert marker_hint({"OrderStatus": "Ordered"}, "relatude") == ""  # its own
    assert all(not p.recognises({"id": 1}) for p in platforms())
    assert platform("relatude").recognises({"OrderStatus": "Ordered"})


_FAKE_PLATFORM = """
from statebridge.platforms import Adapter, Platform, RawOrder


class FakeAdapter(Adapter):
    name = "fakeplat"
    shapes = ("fake",)

    def split(self, document):
        yield RawOrder(None, "fake", document)

    def fields(self, raw):
        return {}


PLATFORM = Platform(
    name="fakeplat", position=35, adapter=FakeAdapter, aliases=("fakealias",), markers=("fake_status",)
)
"""


@pytest.fixture
def fake_distribution(tmp_path: pathlib.Path) -> dict[str, str]:
    """An installed distribution (on PYTHONPATH) whose entry point registers platform `fakeplat`."""
    (tmp_path / "statebridge_fakeplat.py").write_text(textwrap.dedent(_FAKE_PLATFORM), "utf-8")
    info = tmp_path / "statebridge_fakeplat-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: statebridge-fakeplat\nVersion: 0.1\n", "utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[statebridge.platforms]\nfakeplat = statebridge_fakeplat:PLATFORM\n", "utf-8"
    )
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}


def _run(env: dict[str, str], *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "statebridge", *args],
        input=stdin.decode() if stdin else None,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_a_platform_registered_by_its_own_entry_point_shows_up_in_choices_and_hints(
    fake_distribution: dict[str, str],
) -> None:
    help_text = _run(fake_distribution, "translate", "--help").stdout
    assert "fakeplat" in help_text
    assert "fakealias" in help_text

    record = json.dumps({"number": "R1", "fake_status": "open"}).encode()
    refused = _run(fake_distribution, "translate", "--from", "spree", stdin=record)
    assert refused.returncode == 1
    assert "it has 'fake_status', so it looks like a fakeplat order: use --from fakeplat" in refused.stderr

    pulled = _run(fake_distribution, "pull", "fakealias", "--base-url", "https://fake.example.org")
    assert pulled.returncode == 2
    assert "cannot pull from 'fakealias': it has no API client" in pulled.stderr
    assert "Traceback" not in refused.stderr + pulled.stderr


def test_without_the_entry_point_the_fake_platform_is_unknown() -> None:
    assert "fakeplat" not in names()
    assert "fake_status" not in {key for p in platforms() for key in p.markers}


def test_the_dfc_reader_names_the_platforms_whose_documents_have_that_key_most_telling_first() -> None:
    assert envelope_hint(["data"], "dfc") == ("data", ("commercelayer", "spree", "shopify"))
    assert envelope_hint(["orders"], "dfc") == ("orders", ("spree", "shopify"))
    assert envelope_hint(["number"], "dfc") == ("number", ("spree", "commercelayer"))
    assert envelope_hint(["@id"], "dfc") is None


def _spree_without_ofn(folder: pathlib.Path) -> pathlib.Path:
    """A copy of the repository's tables in `folder` whose Spree table no longer lists `ofn`."""
    folder.mkdir()
    shipped = pathlib.Path(__file__).resolve().parent.parent / "mappings"
    for table in shipped.glob("*.yaml"):
        text = table.read_text("utf-8")
        if table.name == "spree.yaml":
            text = text.replace("aliases: [chord, solidus, ofn]", "aliases: [chord, solidus]")
        (folder / table.name).write_text(text, "utf-8")
    return folder


def test_a_table_whose_aliases_differ_from_its_platform_is_refused(tmp_path: pathlib.Path) -> None:
    tables = Tables(_spree_without_ofn(tmp_path / "edited"))
    with pytest.raises(
        MappingTableError, match=r"aliases: \['chord', 'solidus'\] differ from platform 'spree'"
    ):
        get_adapter("chord", tables=tables)
    [problem] = alias_problems(tables)
    assert problem.table == str(tmp_path / "edited" / "spree.yaml")
    assert alias_problems(tables, "shopify") == []
    assert alias_problems(Tables()) == []  # the shipped tables agree with their platforms
    assert alias_problems(Tables(pathlib.Path(__file__).resolve().parent.parent / "mappings")) == []


def test_mappings_check_reports_a_table_whose_aliases_differ_as_translate_would(
    tmp_path: pathlib.Path,
) -> None:
    edited = _spree_without_ofn(tmp_path / "edited")
    checked = CliRunner().invoke(cli, ["mappings", "check", "--mappings", str(edited)])
    assert checked.exit_code == 1, checked.output
    assert f"mapping table '{edited / 'spree.yaml'}' is invalid" in checked.output
    assert "aliases: ['chord', 'solidus'] differ from platform 'spree''s" in checked.output
    assert "Traceback" not in checked.output
    assert checked.output.count("  ok") == 4  # the other tables are still checked, and pass
    one = CliRunner().invoke(cli, ["mappings", "check", "--platform", "chord", "--mappings", str(edited)])
    assert one.exit_code == 1, one.output
    assert "differ from platform 'spree'" in one.output
    other = CliRunner().invoke(cli, ["mappings", "check", "--platform", "shopify", "--mappings", str(edited)])
    assert other.exit_code == 0, other.output
    # what `mappings check` refuses is what `translate` refuses with the same tables
    order = pathlib.Path(__file__).resolve().parent.parent / "fixtures/spree/chord_single_order.json"
    translated = CliRunner().invoke(
        cli, ["translate", "--from", "spree", str(order)], env={"STATEBRIDGE_MAPPINGS": str(edited)}
    )
    assert translated.exit_code == 1, translated.output
    assert "differ from platform 'spree'" in translated.output
