"""The first hour of a new user: what `make run` does, and how the CLI fails.

Every test runs the real thing: `make -n` on the real Makefile, the real `statebridge` script as a
subprocess where a process matters (closed or full streams, Ctrl-C as a real SIGINT, serve, pull's
retries), the command line in this process through CliRunner elsewhere, and asserts one-line
messages and exit codes, never a traceback.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import typing as t

import pytest

from .cli_runner import RanText, invoke_text

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_installs_the_package_only() -> None:
    """`make run` (all its prerequisites remade, -B) runs no apt-get, sssom, npm or dev install."""
    plan = subprocess.run(
        ["make", "-n", "-B", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for command in ("apt-get", "sssom", "npm", "chromium", "[dev]"):
        assert command not in plan, f"`make run` would run {command}:\n{plan}"
    assert "statebridge translate" in plan
    tests_plan = subprocess.run(
        ["make", "-n", "-B", "pytest"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for command in ("apt-get install -y chromium", "pip install --quiet sssom", "npm ci", "[dev]"):
        assert command in tests_plan, f"the test set-up no longer tries {command}"


STATEBRIDGE = [sys.executable, "-m", "statebridge"]
FIXTURE = str(ROOT / "fixtures" / "spree" / "solidus_flat_orders.json")


def _one_line_failure(result: subprocess.CompletedProcess[str] | RanText, code: int, *phrases: str) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == code, (result.returncode, result.stderr)
    first = result.stderr.strip().splitlines()[0] if result.stderr.strip() else ""
    assert first.startswith("statebridge: "), result.stderr
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr


def _run(args: list[str], **options: t.Any) -> subprocess.CompletedProcess[str]:
    options.setdefault("stdout", subprocess.PIPE)
    options.setdefault("timeout", 60)
    return subprocess.run([*STATEBRIDGE, *args], stderr=subprocess.PIPE, text=True, check=False, **options)


@pytest.mark.skipif(not pathlib.Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args", [["translate", "--from", "spree", FIXTURE], ["mappings", "show", "--platform", "spree"]]
)
def test_a_full_stdout_is_one_line_and_exit_1(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        result = _run(args, stdout=full)
    _one_line_failure(result, 1, "cannot write the output: No space left on device")


def test_a_closed_stdout_is_one_line_and_exit_1() -> None:
    result = _run(["translate", "--from", "spree", FIXTURE], stdout=None, preexec_fn=lambda: os.close(1))
    _one_line_failure(result, 1, "stdout is closed")


def test_a_closed_stdin_is_one_line_and_exit_1() -> None:
    result = _run(["translate", "--from", "spree"], preexec_fn=lambda: os.close(0))
    _one_line_failure(result, 1, "stdin is closed")


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path: pathlib.Path) -> None:
    for table in (ROOT / "mappings").glob("*.yaml"):
        shutil.copy(table, tmp_path)
    (tmp_path / "spree.yaml").write_text("fields:\n  status: [open\n  payment: paid\n")
    for args in (["mappings", "check"], ["mappings", "show"], ["validate", str(ROOT / "fixtures" / "spree")]):
        result = invoke_text(*args, "--mappings", str(tmp_path))
        _one_line_failure(result, 1, f"{tmp_path / 'spree.yaml'}", "not valid YAML at line 3, column 10")
    result = invoke_text(
        "translate", "--from", "spree", FIXTURE, env={**os.environ, "STATEBRIDGE_MAPPINGS": str(tmp_path)}
    )
    _one_line_failure(result, 1, "spree.yaml", "line 3")


@pytest.mark.parametrize(
    ("setting", "phrase"),
    [
        ({"STATEBRIDGE_ENTERPRISES": "{not json"}, "STATEBRIDGE_ENTERPRISES is not valid JSON"),
        ({"STATEBRIDGE_OIDC_ISSUER": "issuer.example"}, "STATEBRIDGE_OIDC_AUDIENCE"),
        (
            {"STATEBRIDGE_OIDC_ISSUER": "not-a-url", "STATEBRIDGE_OIDC_AUDIENCE": "statebridge"},
            "STATEBRIDGE_OIDC_ISSUER must be an absolute https:// URL",
        ),
    ],
)
def test_a_bad_serve_setting_is_one_line_and_exit_2(
    setting: dict[str, str], phrase: str, tmp_path: pathlib.Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEBRIDGE_")} | setting
    result = _run(["serve", "--port", "0", "--store", f"sqlite:///{tmp_path / 'store.db'}"], env=env)
    _one_line_failure(result, 2, phrase)


def _interrupt(args: list[str], delay: float, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    process = subprocess.Popen(
        [*STATEBRIDGE, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    time.sleep(delay)  # when to press Ctrl-C, not a timing assertion
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        pytest.fail(f"still running {timeout}s after Ctrl-C at {delay:.2f}s: {err}")
    return subprocess.CompletedProcess(process.args, process.returncode, "", err)


def _interpreter_start_up() -> float:
    """How long, on this machine under its present load, Python takes to reach statebridge's first
    line (`statebridge.console`). No program can guard the interpreter's own start-up: a Ctrl-C in
    it is Python's, so the presses below are counted from the end of it."""
    began = time.monotonic()
    subprocess.run([sys.executable, "-c", "import statebridge.console"], check=True)
    return time.monotonic() - began


def test_ctrl_c_during_serve_start_up_exits_130(tmp_path: pathlib.Path) -> None:
    """Ctrl-C while the command imports, opens the store, builds the app and once it listens."""
    store = f"sqlite:///{tmp_path / 'store.db'}"
    for step in (0.05, 0.3, 1.4):
        delay = _interpreter_start_up() + step
        result = _interrupt(["serve", "--port", "0", "--store", store], delay)
        assert "Traceback" not in result.stderr, (delay, result.stderr)
        # 130, or death by SIGINT when the signal lands while the interpreter exits: a shell
        # reports both as 130 (128 + SIGINT), as test_parallel's Ctrl-C test accepts too.
        assert result.returncode in (130, -signal.SIGINT), (delay, result.returncode, result.stderr)
        assert result.stderr.strip().splitlines()[-1] == "statebridge: interrupted", result.stderr


def _pull(base_url: str, tmp_path: pathlib.Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEBRIDGE_")}
    env["STATEBRIDGE_SHOPIFY_TOKEN"] = "shpat_test"
    return _run(
        ["pull", "shopify", "--base-url", base_url, "--store", f"sqlite:///{tmp_path / 'store.db'}"],
        env=env,
        timeout=120,  # the old eight retries took 41-50 s: the assertions below fail, not the clock
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_pull_without_a_scheme_fails_before_any_request(tmp_path: pathlib.Path) -> None:
    result = _pull("shop.example.org", tmp_path)
    _one_line_failure(
        result, 2, "'shop.example.org' needs http:// or https://", "e.g. https://shop.example.org"
    )
    assert "attempt" not in result.stderr


def test_pull_from_a_host_that_does_not_exist_fails_at_once(tmp_path: pathlib.Path) -> None:
    result = _pull("https://shop.invalid", tmp_path)  # .invalid never resolves (RFC 2606)
    _one_line_failure(result, 1, "host 'shop.invalid' not found", "check the base URL https://shop.invalid")
    assert "attempt" not in result.stderr, result.stderr


def test_pull_from_a_refused_port_retries_briefly(tmp_path: pathlib.Path) -> None:
    base_url = f"http://127.0.0.1:{_free_port()}"
    result = _pull(base_url, tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    retries = [line for line in result.stderr.splitlines() if "Connection refused; attempt" in line]
    assert [line.rsplit("; attempt ", 1)[1].split(" in ")[0] for line in retries] == [
        "2 of 4",
        "3 of 4",
        "4 of 4",
    ]
    assert f"cannot connect to {base_url} after 4 attempts" in result.stderr.splitlines()[-1]


def test_mappings_commands_refuse_a_folder_without_tables(tmp_path: pathlib.Path) -> None:
    for args in (
        ["mappings", "check"],
        ["mappings", "show"],
        ["mappings", "export", "--output", str(tmp_path)],
    ):
        result = invoke_text(*args, "--mappings", str(tmp_path))
        _one_line_failure(result, 2, f"no mapping tables (PLATFORM.yaml) in {tmp_path}")


def test_mappings_check_accepts_the_aliases_show_accepts() -> None:
    check = invoke_text("mappings", "check", "--platform", "chord")
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("spree: ")
    assert invoke_text("mappings", "show", "--platform", "chord").returncode == 0
    unknown = invoke_text("mappings", "check", "--platform", "nope")
    _one_line_failure(unknown, 2, "no mapping table for platform 'nope'", "chord", "shopify")


@pytest.mark.parametrize("command", ["pull", "sync"])
def test_pull_and_sync_offer_only_platforms_they_can_pull(command: str) -> None:
    help_text = invoke_text(command, "--help").stdout
    assert "dfc" not in help_text.split("\n", 2)[0] + help_text.split("\n", 2)[1]
    assert "shopify" in help_text
    result = invoke_text(command, "dfc", "--base-url", "https://shop.example.org")
    assert result.returncode == 2
    named = "'PLATFORM'" if command == "pull" else "'[PLATFORM]'"  # sync can run without one
    assert f"Invalid value for {named}: statebridge cannot pull from 'dfc'" in result.stderr
    assert "can pull: chord, commercelayer, ofn, relatude, shopify, solidus, spree" in result.stderr
    made_up = invoke_text(command, "nope", "--base-url", "https://shop.example.org")
    assert made_up.returncode == 2
    assert f"Invalid value for {named}: 'nope' is not one of" in made_up.stderr


@pytest.mark.parametrize("args", [["export"], ["clients", "list"], ["clients", "revoke", "hub"]])
def test_reading_a_store_that_is_not_there_says_so(args: list[str], tmp_path: pathlib.Path) -> None:
    missing = tmp_path / "missing.db"
    result = invoke_text(*args, "--store", f"sqlite:///{missing}")
    _one_line_failure(result, 2, f"no store at {missing}")
    assert not missing.exists()
