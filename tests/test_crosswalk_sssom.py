"""SSSOM export: one valid mapping set per platform and field, its predicates backed by the crosswalk.

sssom-py is not a statebridge dependency: it brings linkml, pandas and rdflib-jsonld, which must not
share a venv with statebridge's rdflib. `make test` installs it into `.venv-sssom`; the validation
test finds it there, in $STATEBRIDGE_SSSOM (an `sssom` executable, or the venv holding it) or on the
PATH, and skips, saying how to install it, when it is nowhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import pathlib
import shutil
import subprocess

import pytest
import yaml

from statebridge.crosswalk.sssom import COLUMNS, LICENSE, Mapping, MappingSet, mapping_sets
from statebridge.dfc.vocab import DFC_V

from .cli_runner import invoke
from .conftest import ROOT
from .test_crosswalk import TABLES, TRICKY, crosswalk, shipped, tricky  # noqa: F401 (fixture)

DATE = dt.date(2026, 5, 1)
PREDICATES = {"skos:exactMatch", "skos:broadMatch", "skos:narrowMatch", "skos:relatedMatch"}
INSTALL = (
    "sssom-py is not installed: `make test` installs it into .venv-sssom, or run "
    "`python3 -m venv .venv-sssom && .venv-sssom/bin/pip install sssom`, or set STATEBRIDGE_SSSOM to "
    "an `sssom` executable"
)


def parse(text: str) -> tuple[dict[str, object], list[dict[str, str]]]:
    """An SSSOM/TSV text as (metadata, rows), read the way the format is specified."""
    header = "".join(line[2:] + "\n" for line in text.splitlines() if line.startswith("# "))
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    rows = list(csv.DictReader(io.StringIO(body), delimiter="\t"))
    return yaml.safe_load(header), rows


def sets_of(name: str) -> dict[str, MappingSet]:
    return {s.field: s for s in mapping_sets(crosswalk(name))}


def row(name: str, field: str, value: str, state: str) -> Mapping:
    target = f"dfc-v:{state}" if state else "sssom:NoTermFound"
    (found,) = [
        m for m in sets_of(name)[field].mappings if m.subject_label == value and m.object_id == target
    ]
    return found


@pytest.mark.parametrize("name", TABLES)
def test_one_set_per_field_with_the_required_metadata(name: str) -> None:
    sets = sets_of(name)
    assert list(sets) == list(shipped(name).fields)
    for field, mapping_set in sets.items():
        assert mapping_set.filename == f"{name}-{field}.sssom.tsv"
        metadata, rows = parse(mapping_set.to_tsv(DATE))
        curie_map = metadata["curie_map"]
        assert isinstance(curie_map, dict)
        assert curie_map["dfc-v"] == DFC_V
        assert curie_map[f"{name}.{field}"] == f"https://w3id.org/statebridge/vocab/{name}/{field}/"
        assert {"skos", "semapv", "sssom"} <= set(curie_map)
        assert metadata["mapping_set_id"] == f"https://w3id.org/statebridge/mappings/{name}-{field}.sssom.tsv"
        assert metadata["license"] == LICENSE
        assert metadata["mapping_date"] == DATE
        assert rows
        assert list(rows[0]) == list(COLUMNS)
        values = set(shipped(name).fields[field].values)
        assert {r["subject_label"] for r in rows} == values, "every value of the field has a row"
        for r in rows:
            assert r["subject_id"].startswith(f"{name}.{field}:")
            assert r["predicate_id"] in PREDICATES
            assert r["mapping_justification"] == "semapv:ManualMappingCuration"
            assert r["mapping_cardinality"] in {"1:1", "1:n", "n:1", "n:n", "1:0"}
            assert r["comment"]
            if r["object_id"] == "sssom:NoTermFound":
                assert r["mapping_cardinality"] == "1:0"
            else:
                assert r["object_id"] == f"dfc-v:{r['object_label']}"
        pairs = [(r["subject_id"], r["object_id"]) for r in rows]
        assert len(pairs) == len(set(pairs)), "one row per subject and object"


@pytest.mark.parametrize("name", TABLES)
def test_exact_matches_are_lossless(name: str) -> None:
    """exactMatch: no rule behind it is lossy, and the value survives the round trip."""
    cw = crosswalk(name)
    for field, mapping_set in sets_of(name).items():
        for mapping in mapping_set.mappings:
            if mapping.predicate_id != "skos:exactMatch" or mapping.object_id == "sssom:NoTermFound":
                continue
            behind = [
                entry
                for r in cw.rows
                if r.state == mapping.object_label
                for entry in r.forward
                if mapping.subject_label in entry.values(field)
            ]
            assert behind, mapping
            primary = [e for e in behind if all(term.whole for term in e.terms if term.name != field)]
            assert primary, f"{mapping.subject_id}: exactMatch without a rule that needs no other field"
            for entry in primary:
                assert not entry.lossy, (mapping.subject_id, entry.label)
                assert not entry.collapsed(field, mapping.subject_label), (mapping.subject_id, entry.label)


@pytest.mark.parametrize("name", TABLES)
def test_conditions_and_precedence_are_in_the_comment(name: str) -> None:
    """SSSOM cannot say `when` or `unless`: the comment does, and a value that reaches a state only
    under a condition is relatedMatch."""
    cw = crosswalk(name)
    for field in shipped(name).fields:
        primary: set[tuple[str, str]] = set()
        conditional: set[tuple[str, str]] = set()
        for state_row in cw.rows:
            if state_row.dfc_state is None:
                continue
            for entry in state_row.forward:
                term = next((t for t in entry.terms if t.name == field), None)
                if term is None or term.whole:
                    continue
                others = [t for t in entry.restricting if t.name != field]
                for value in (v for v in term.values if v is not None):
                    mapping = row(name, field, value, state_row.state)
                    assert f"{state_row.dimension.value} {state_row.state} ({entry.label}" in mapping.comment
                    assert " ".join(entry.rule.why.split()) in mapping.comment
                    if others:
                        assert "when " + " and ".join(str(t) for t in others) in mapping.comment
                    for unless in entry.unless:
                        assert str(unless) in mapping.comment
                    (conditional if others else primary).add((value, state_row.state))
        for value, state in conditional - primary:
            assert row(name, field, value, state).predicate_id == "skos:relatedMatch", (field, value, state)


def test_predicates_follow_lossiness_and_cardinality() -> None:
    assert row("spree", "state", "canceled", "Cancelled").predicate_id == "skos:exactMatch"
    assert row("spree", "shipment_state", "shipped", "Fulfilled").predicate_id == "skos:broadMatch"
    assert row("spree", "shipment_state", "canceled", "Cancelled").predicate_id == "skos:exactMatch"
    refunded = row("spree", "payment_state", "refunded", "Cancelled")
    assert refunded.predicate_id == "skos:relatedMatch"  # the table says lossy
    assert "lossy" in refunded.comment
    assert row("spree", "state", "awaiting_return", "Complete").predicate_id == "skos:relatedMatch"
    assert row("spree", "status", "draft", "Draft").predicate_id == "skos:relatedMatch"  # when state = null
    held = row("shopify", "cancelled", "no", "Held")
    assert (held.predicate_id, held.mapping_cardinality) == ("skos:relatedMatch", "1:n")
    assert "when closed = no" in held.comment
    pending = row("shopify", "financial_status", "pending", "Unpaid")
    assert pending.predicate_id == "skos:broadMatch"
    assert "unless cancelled = yes (Cancelled)" in pending.comment
    assert row("shopify", "financial_status", "pending", "Cancelled").predicate_id == "skos:relatedMatch"
    assert row("commercelayer", "fulfillment_status", "fulfilled", "Fulfilled").mapping_cardinality == "1:1"
    assert row("relatude", "OrderStatus", "Cancelled", "Cancelled").predicate_id == "skos:broadMatch"
    assert row("relatude", "OrderStatus", "Shipped", "Fulfilled").predicate_id == "skos:exactMatch"
    # Values that decide no DFC state say so instead of being left out.
    not_required = row("commercelayer", "fulfillment_status", "not_required", "")
    assert not_required.comment.startswith("no DFC state: fulfilment unset (f4)")
    for value in shipped("shopify").fields["cancel_reason"].values:
        assert "whatever the cancel_reason" in row("shopify", "cancel_reason", value, "").comment


def test_values_are_percent_encoded_into_iris(tricky) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    (mapping_set,) = [s for s in mapping_sets(tricky) if s.field == "OrderStatus"]
    _, rows = parse(mapping_set.to_tsv(DATE))
    subjects = {r["subject_label"]: r["subject_id"] for r in rows}
    assert subjects[TRICKY] == "relatude.OrderStatus:Bas%3Ck%3Eet%26%22%27%7Cx"


# -- the command line and sssom-py ---------------------------------------------------------------------


def export(tmp_path: pathlib.Path, *args: str) -> list[pathlib.Path]:
    env = {k: v for k, v in os.environ.items() if k != "STATEBRIDGE_MAPPINGS"}
    result = invoke("mappings", "export", "--format", "sssom", *args, env=env)
    assert result.returncode == 0, result.stderr
    paths = [pathlib.Path(line) for line in result.stdout.decode().splitlines()]
    assert all(p.is_file() for p in paths)
    return paths


def test_export_writes_one_file_per_platform_and_field(tmp_path: pathlib.Path) -> None:
    paths = export(tmp_path, "--output", str(tmp_path / "out"), "--date", "2026-05-01")
    expected = {f"{n}-{f}.sssom.tsv" for n in TABLES for f in shipped(n).fields}
    assert {p.name for p in paths} == expected
    assert {p.name for p in (tmp_path / "out").iterdir()} == expected
    metadata, _ = parse((tmp_path / "out/spree-payment_state.sssom.tsv").read_text("utf-8"))
    assert metadata["mapping_date"] == DATE
    one = export(tmp_path, "--platform", "ofn", "--output", str(tmp_path / "one"))
    assert sorted(p.name for p in one) == sorted(f"spree-{f}.sssom.tsv" for f in shipped("spree").fields)
    metadata, _ = parse(one[0].read_text("utf-8"))
    assert metadata["mapping_date"] == dt.date.today()


def _sssom_python() -> pathlib.Path:
    candidates = []
    given = os.environ.get("STATEBRIDGE_SSSOM")
    if given:
        path = pathlib.Path(given)
        candidates.append(path / "bin/sssom" if path.is_dir() else path)
    candidates.append(ROOT / ".venv-sssom/bin/sssom")
    on_path = shutil.which("sssom")
    if on_path:
        candidates.append(pathlib.Path(on_path))
    for executable in candidates:
        python = executable.parent / "python"
        if executable.is_file() and python.exists():
            return python
    pytest.skip(INSTALL)


def test_sssom_py_validates_every_set(tmp_path: pathlib.Path) -> None:
    python = _sssom_python()
    paths = export(tmp_path, "--output", str(tmp_path), "--date", "2026-05-01")
    result = subprocess.run(
        [str(python), str(ROOT / "tests/sssom_validate.py"), *map(str, paths)],
        capture_output=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    report = json.loads(result.stdout)
    assert set(report) == {str(p) for p in paths}
    for path in paths:
        found = report[str(path)]
        assert found["error"] is None, (path.name, found)
        assert found["warnings"] == [], (path.name, found["warnings"])
        _, rows = parse(path.read_text("utf-8"))
        assert found["rows"] == len(rows), f"sssom-py dropped rows of {path.name}"
        assert found["metadata"]["license"] == LICENSE
        assert found["metadata"]["mapping_set_id"].endswith(path.name)
        assert set(found["predicates"]) <= PREDICATES


def test_sssom_py_rejects_a_broken_set(tmp_path: pathlib.Path) -> None:
    """The validation above can fail: an unknown justification and an undeclared prefix are caught."""
    python = _sssom_python()
    (good,) = export(tmp_path, "--platform", "relatude", "--output", str(tmp_path))
    broken = tmp_path / "broken.sssom.tsv"
    text = good.read_text("utf-8").replace("semapv:ManualMappingCuration", "semapv:Guesswork", 1)
    broken.write_text(text.replace("dfc-v:Draft", "nowhere:Draft", 1), "utf-8")
    result = subprocess.run(
        [str(python), str(ROOT / "tests/sssom_validate.py"), str(broken)],
        capture_output=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    assert json.loads(result.stdout)[str(broken)]["error"] is not None
