"""`python -m tests.standin`: each platform's stand-in run as a process, and `statebridge pull`
run against it as a user would, from the line it prints (real processes, real HTTP on loopback)."""

from __future__ import annotations

import collections
import os
import pathlib
import re
import shlex
import signal
import subprocess
import sys
import typing as t

import httpx
import pytest

from statebridge.clients import RetryPolicy, client_for
from statebridge.errors import FatalAPIError
from statebridge.platforms.spree.client import FLAVOURS
from statebridge.store import Store

from .platforms import api_choices, pullable
from .standin import demo
from .standin.__main__ import main as standin_main

ROOT = pathlib.Path(__file__).resolve().parent.parent
ORDERS = 30

#: Every way a client pulls (platform, and its --api or --flavour), from the clients themselves.
CASES = (
    [[name] for name in pullable() if name not in api_choices() and name != "spree"]
    + [[name, "--api", api] for name, apis in api_choices().items() for api in apis]
    + [["spree", "--flavour", flavour] for flavour in FLAVOURS]
)


class Running(t.NamedTuple):
    process: subprocess.Popen[str]
    url: str
    env: dict[str, str]
    command: list[str]


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.standin", *args, "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _running(process: subprocess.Popen[str]) -> Running:
    """The URL and the command a started stand-in printed on its first line."""
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"listening on (http://127\.0\.0\.1:\d+\S*); try: (.*)$", line)
    assert match is not None, f"no URL in the first line: {line!r}"
    words = shlex.split(match.group(2))
    env = dict(word.split("=", 1) for word in words if re.fullmatch(r"[A-Z_]+=.*", word))
    command = [word for word in words if not re.fullmatch(r"[A-Z_]+=.*", word)]
    assert command[:2] == ["statebridge", "pull"]
    return Running(process, match.group(1), env, command)


def _stop(running: Running, signum: int = signal.SIGTERM) -> tuple[int, str]:
    running.process.send_signal(signum)
    _, err = running.process.communicate(timeout=10)
    return running.process.returncode, err


def _pull(running: Running, store: str) -> subprocess.Popen[str]:
    """`statebridge pull` as printed, with the printed environment, into `store`."""
    command = [*running.command[1:]]
    command[command.index("--store") + 1] = store
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STATEBRIDGE_")}
    return subprocess.Popen(
        [sys.executable, "-m", "statebridge", *command],
        env={**clean, **running.env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def standins() -> t.Iterator[dict[str, Running]]:
    """One stand-in process per case, started at once; SIGTERM must stop each cleanly."""
    processes = {" ".join(case): _spawn(*case, "--orders", str(ORDERS)) for case in CASES}
    try:
        running = {name: _running(process) for name, process in processes.items()}
    except BaseException:
        for process in processes.values():
            process.kill()
            process.communicate()
        raise
    yield running
    stopped = {name: _stop(each) for name, each in running.items()}
    assert stopped == {name: (0, "") for name in running}, "SIGTERM stops a stand-in cleanly"


@pytest.fixture(scope="module")
def pulls(
    standins: dict[str, Running], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[int, str, str]]:
    """(exit status, stderr, store URL) of the printed `statebridge pull` of each stand-in, run at once."""
    folder = tmp_path_factory.mktemp("pulls")
    stores = {name: f"sqlite:///{folder / name.replace(' ', '_')}.db" for name in standins}
    processes = {name: _pull(running, stores[name]) for name, running in standins.items()}
    done = {}
    for name, process in processes.items():
        _, err = process.communicate(timeout=120)
        done[name] = (process.returncode, err, stores[name])
    return done


@pytest.mark.parametrize("case", [" ".join(case) for case in CASES])
def test_the_printed_command_pulls_every_generated_order(
    case: str, standins: dict[str, Running], pulls: dict[str, tuple[int, str, str]]
) -> None:
    running = standins[case]
    assert running.command[2:5] == [case.split()[0], "--base-url", running.url]
    status, err, store_url = pulls[case]
    assert status == 0, err
    assert f": {ORDERS} new or changed, 0 rejected" in err
    with Store(store_url) as store:
        stored = list(store.orders())
    assert len(stored) == ORDERS
    assert len({s.order.number for s in stored}) == ORDERS
    statuses = collections.Counter(tuple(sorted(s.order.platform_status.items())) for s in stored)
    assert len(statuses) >= min(ORDERS, 5), "status fields cycle through the mapping table's values"


@pytest.mark.parametrize("case", [" ".join(case) for case in CASES])
def test_a_wrong_token_is_refused(
    case: str, standins: dict[str, Running], monkeypatch: pytest.MonkeyPatch
) -> None:
    running = standins[case]
    for name, value in running.env.items():
        monkeypatch.setenv(name, f"wrong-{value}")
    args = running.command[2:]
    options = {args[i].removeprefix("--").replace("-", "_"): args[i + 1] for i in range(3, len(args) - 2, 2)}
    fast = RetryPolicy(max_attempts=2, base_delay=0.01, timeout=10)
    with (
        client_for(args[0], running.url, policy=fast, **options) as client,
        pytest.raises(FatalAPIError) as refused,
    ):
        next(iter(client.pages(None)))
    assert refused.value.status == 401
    assert "wrong-" not in str(refused.value), "no credential in messages"


def test_ctrl_c_stops_a_standin_with_130_and_no_traceback() -> None:
    running = _running(_spawn("relatude", "--orders", "3"))
    status, err = _stop(running, signal.SIGINT)
    assert status == 130
    assert "Traceback" not in err


def test_every_client_has_a_standin_and_a_new_one_would_be_named() -> None:
    assert demo.missing() == []
    assert demo.missing(clients=[*pullable(), "newshop"]) == ["newshop"]
    assert demo.missing(api_clients={"shopify": ["rest", "graphql", "bulk"]}) == ["shopify --api bulk"]
    assert demo.missing(flavours={"spree": [*FLAVOURS, "spree-v3"]}) == ["spree --flavour spree-v3"]


def test_a_platform_without_client_or_standin_fails_clearly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        standin_main(["socleo"])
    assert exited.value.code == 2
    assert "'socleo' has no API client" in capsys.readouterr().err
    monkeypatch.setattr(demo, "pullable", lambda: [*pullable(), "newshop"])
    with pytest.raises(SystemExit):
        standin_main(["newshop"])
    assert "no stand-in for newshop: add one to STANDINS" in capsys.readouterr().err


def test_bad_page_parameters_are_a_400(standins: dict[str, Running]) -> None:
    for case, query in (
        ("spree --flavour spree-v2", "/api/v2/platform/orders?sort=updated_at&page=0"),
        ("spree --flavour ofn", "/api/v0/orders?per_page=-5"),
        ("relatude", "?page=x"),
        ("shopify --api rest", "/admin/api/2026-10/orders.json?status=any&order=updated_at+asc&limit=0"),
    ):
        running = standins[case]
        (token,) = running.env.values()
        header = {"Authorization": f"Bearer {token}"}
        if "ofn" in case:
            header = {"X-Spree-Token": token}
        elif "shopify" in case:
            header = {"X-Shopify-Access-Token": token}
        answer = httpx.get(running.url + query, headers=header)
        assert answer.status_code == 400, answer.text
