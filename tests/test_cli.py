"""The command line as a user runs it: real files, stdin, messages and exit statuses, through
click's CliRunner (tests/cli_runner.py); a few smoke tests start the real `statebridge` process."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import typing as t

import click
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from statebridge.cli import cli, exits
from statebridge.dfc import parse_jsonld
from statebridge.errors import (
    ConfigurationError,
    MalformedInputError,
    StatebridgeError,
    StoreError,
    UsageError,
)

from .cli_runner import Ran, invoke
from .conftest import FIXTURES

CHORD = FIXTURES / "spree/chord_single_order.json"
FLAT = FIXTURES / "spree/solidus_flat_orders.json"


def run(*args: str, stdin: bytes | None = None) -> Ran:
    """`statebridge ARGS` in this process (CliRunner), `stdin` its standard input."""
    return invoke(*args, stdin=stdin)


def _flat_with(edit) -> bytes:  # type: ignore[no-untyped-def]
    document = json.loads(FLAT.read_text("utf-8"))
    edit(document)
    return json.dumps(document).encode()


def test_translate_a_file_to_jsonld() -> None:
    result = run("translate", "--from", "chord", str(CHORD))
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    document = json.loads(result.stdout)
    assert document["@context"] == "https://w3id.org/dfc/ontology/context/context_1.16.0.json"
    expected = parse_jsonld((FIXTURES / "spree/chord_single_order.expected.jsonld").read_bytes())
    assert isomorphic(parse_jsonld(result.stdout), expected)


def test_translate_reads_stdin_and_writes_each_format() -> None:
    data = FLAT.read_bytes()
    reference = parse_jsonld(run("translate", "--from", "spree", stdin=data).stdout)
    for fmt, parse in (
        ("turtle", lambda b: Graph().parse(data=b, format="turtle")),
        ("ntriples", lambda b: Graph().parse(data=b, format="nt")),
    ):
        result = run("translate", "--from", "spree", "--format", fmt, "-", stdin=data)
        assert result.returncode == 0, result.stderr
        assert isomorphic(parse(result.stdout), reference), fmt
    result = run("translate", "--from", "spree", "--format", "ndjson", stdin=data)
    lines = result.stdout.splitlines()
    assert len(lines) == 17
    assert all(json.loads(line)["@graph"][0]["@type"] == "dfc-b:Order" for line in lines)


def test_base_url_names_orders_under_the_platform_root() -> None:
    result = run("translate", "--from", "spree", "--base-url", "https://shop.example.org", str(CHORD))
    node = json.loads(result.stdout)["@graph"][0]
    assert node["@id"] == "https://shop.example.org/api/dfc/Orders/2001"


def test_malformed_json_fails_with_its_position() -> None:
    result = run("translate", "--from", "spree", stdin=b'{"orders": [\n  {"number": "R1",\n  oops}\n]}')
    assert result.returncode == 1
    assert result.stdout == b""
    first = result.stderr.decode().splitlines()[0]
    assert first.startswith("<stdin>: line 3 column 3: not valid JSON")
    assert b"Traceback" not in result.stderr


def test_wrong_shape_fails_with_a_hint() -> None:
    shopify = json.dumps({"id": 1, "number": 1001, "name": "#1001", "financial_status": "paid"}).encode()
    result = run("translate", "--from", "spree", stdin=shopify)
    assert result.returncode == 1
    assert "looks like a shopify order: use --from shopify" in result.stderr.decode()


def test_unknown_state_fails_and_writes_nothing() -> None:
    data = _flat_with(lambda d: d["orders"][4].update(payment_state="partially_voided"))
    result = run("translate", "--from", "spree", stdin=data)
    assert result.returncode == 1
    assert result.stdout == b""
    lines = result.stderr.decode().splitlines()
    number = json.loads(data)["orders"][4]["number"]
    assert lines[0].startswith(
        f"<stdin>: orders[4]: order {number}: field payment_state: value 'partially_voided': unknown spree"
    )
    assert "balance_due" in lines[0]
    assert lines[-1] == "statebridge: 1 problem(s); nothing written"


def test_negative_quantity_fails() -> None:
    data = _flat_with(lambda d: d["orders"][5]["line_items"][0].update(quantity=-1))
    result = run("translate", "--from", "spree", stdin=data)
    assert result.returncode == 1
    assert "field line_items[0].quantity: value -1: input should be greater than or equal to 0" in (
        result.stderr.decode()
    )


def test_skip_translates_the_rest_and_exits_3() -> None:
    def edit(document: dict) -> None:
        document["orders"][0]["state"] = "archived"
        document["orders"][3]["state"] = "on_hold"

    result = run("translate", "--from", "spree", "--on-unknown", "skip", stdin=_flat_with(edit))
    assert result.returncode == 3
    stderr = result.stderr.decode().splitlines()
    assert [line.split(": ")[2] for line in stderr if line.startswith("skipped:")] == [
        "orders[0]",
        "orders[3]",
    ]
    assert stderr[-1] == "statebridge: 15 order(s) written, 2 skipped"
    orders = [n for n in json.loads(result.stdout)["@graph"] if n["@type"] == "dfc-b:Order"]
    assert len(orders) == 15


def test_ndjson_with_a_broken_line_reports_that_line() -> None:
    lines = (FIXTURES / "spree/orders.ndjson").read_bytes().splitlines()
    lines.insert(2, b'{"number": "R1", "state": ')
    result = run("translate", "--from", "spree", "--on-unknown", "skip", stdin=b"\n".join(lines))
    assert result.returncode == 3
    assert "skipped: <stdin>: line 3: not valid JSON" in result.stderr.decode()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["translate", "--from", "magento"], "Invalid value for '--from'"),
        (
            ["translate", "--from", "spree", "--to", "spree", "--format", "turtle", str(CHORD)],
            "format 'turtle' is for DFC output",
        ),
        (["translate", "--from", "spree", "--to", "dfc", "--format", "xml"], "Invalid value for '--format'"),
        (["translate", "--from", "spree", "--format", "xml"], "Invalid value for '--format'"),
        (["translate", "--from", "spree", "--base-url", "shop", str(CHORD)], "--base-url must be an http"),
        (["translate", "--from", "spree", "/nonexistent/orders.json"], "No such file"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr.decode()
    assert b"Traceback" not in result.stderr


def test_empty_input_is_an_error() -> None:
    result = run("translate", "--from", "spree", stdin=b"\n\n")
    assert result.returncode == 1
    assert "no input" in result.stderr.decode()


def test_help_teaches_the_options() -> None:
    text = run("translate", "--help").stdout.decode()
    for option in ("--from", "--to", "--format", "--base-url", "--on-unknown", "[INPUT|-]", "chord"):
        assert option in text


def test_mappings_check_passes_and_prints_coverage() -> None:
    result = run("mappings", "check")
    assert result.returncode == 0, result.stdout
    out = result.stdout.decode()
    assert "spree:" in out
    assert "payment_state" in out
    assert out.rstrip().endswith("ok")


def test_main_job_output_is_what_the_readme_promises(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "out.jsonld"
    result = run("translate", "--from", "spree", str(FIXTURES / "spree/orders.ndjson"))
    out.write_bytes(result.stdout)
    assert result.returncode == 0
    orders = [n for n in json.loads(out.read_text())["@graph"] if n["@type"] == "dfc-b:Order"]
    assert len(orders) == 6


def test_to_spree_writes_the_solidus_shape_and_reads_back_the_same() -> None:
    dfc = run("translate", "--from", "spree", str(FLAT)).stdout
    back = run("translate", "--from", "spree", "--to", "spree", str(FLAT))
    assert back.returncode == 0, back.stderr
    document = json.loads(back.stdout)
    source = json.loads(FLAT.read_text("utf-8"))
    assert [o["number"] for o in document["orders"]] == [o["number"] for o in source["orders"]]
    assert set(document["orders"][0]) >= {"number", "state", "payment_state", "shipment_state"}
    again = run("translate", "--from", "spree", stdin=back.stdout)
    assert isomorphic(parse_jsonld(again.stdout), parse_jsonld(dfc))


def test_to_platform_reports_what_it_cannot_hold() -> None:
    held = json.dumps(
        {
            "@context": "https://www.datafoodconsortium.org",
            "@graph": [
                {
                    "@id": "https://hub.example.org/api/dfc/Orders/9",
                    "@type": "dfc-b:Order",
                    "dfc-b:orderNumber": "H-9",
                    "dfc-b:hasOrderStatus": "dfc-v:Held",
                }
            ],
        }
    ).encode()
    result = run("translate", "--from", "dfc", "--to", "spree", stdin=held)
    assert result.returncode == 0, result.stderr
    [order] = json.loads(result.stdout)["orders"]
    assert (order["number"], order["state"]) == ("H-9", "complete")
    assert "lossy: <stdin>: order H-9: spree order Held reads back as Complete" in result.stderr.decode()


def test_cli_defaults_match_the_library() -> None:
    from statebridge import cli
    from statebridge.pull import DEFAULT_OVERLAP
    from statebridge.store import DEFAULT_STORE, STORE_ENV

    assert (cli.STORE_ENV, cli.DEFAULT_STORE) == (STORE_ENV, DEFAULT_STORE)
    assert DEFAULT_OVERLAP.total_seconds() == cli.DEFAULT_OVERLAP_SECONDS


def test_translate_does_not_load_the_store_or_http_clients() -> None:
    code = (
        "import sys, statebridge.cli; "
        "print('sqlalchemy' in sys.modules, 'statebridge.clients' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


# -- exit statuses: one mapping for every command -------------------------------------------------


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UsageError("unknown platform 'magento'"), 2),
        (ConfigurationError("STATEBRIDGE_ENTERPRISES is not valid JSON"), 1),
        (StoreError("cannot open the store"), 1),
        (MalformedInputError("not valid JSON"), 1),
    ],
)
def test_each_error_has_one_exit_status(
    error: StatebridgeError, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert exits.code_for(error) == code
    with pytest.raises(SystemExit) as stopped, exits.reported():
        raise error
    assert stopped.value.code == code
    assert capsys.readouterr().err == f"statebridge: {error}\n"


def test_a_command_may_say_what_an_error_means_to_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped, exits.reported(code=exits.EXIT_USAGE):
        raise ConfigurationError("STATEBRIDGE_OIDC_AUDIENCE is missing")
    assert stopped.value.code == 2
    assert capsys.readouterr().err == "statebridge: STATEBRIDGE_OIDC_AUDIENCE is missing\n"


def test_reported_lets_other_exceptions_and_success_through() -> None:
    with exits.reported():
        done = True
    assert done
    with pytest.raises(KeyError), exits.reported():
        raise KeyError("not statebridge's")


def test_every_command_has_help() -> None:
    def walk(command: click.Command, path: list[str]) -> t.Iterator[list[str]]:
        yield path
        if isinstance(command, click.Group):
            for name, sub in sorted(command.commands.items()):
                yield from walk(sub, [*path, name])

    paths = list(walk(cli, []))
    assert len(paths) == 25  # the group, 13 commands, 11 subcommands
    for path in paths:
        result = run(*path, "-h")
        assert result.returncode == 0, (path, result.stderr)
        assert result.stdout.decode().startswith(f"Usage: {' '.join(['statebridge', *path])} "), path


# -- smoke tests: the real process -----------------------------------------------------------------


def test_the_installed_script_and_python_m_run_the_same_command_line() -> None:
    script = pathlib.Path(sys.executable).parent / "statebridge"
    in_process = run("translate", "--from", "chord", str(CHORD))
    for command in ([str(script)], [sys.executable, "-m", "statebridge"]):
        done = subprocess.run(
            [*command, "translate", "--from", "chord", str(CHORD)],
            capture_output=True,
            check=False,
            timeout=120,
        )
        assert (done.returncode, done.stderr) == (0, b""), command
        assert done.stdout == in_process.stdout, command
    failed = subprocess.run(
        [str(script), "translate", "--from", "spree", "-"], input=b"{oops", capture_output=True, check=False
    )
    assert failed.returncode == 1
    assert failed.stderr.decode().splitlines()[-1] == "statebridge: 1 problem(s); nothing written"
    assert b"Traceback" not in failed.stderr
