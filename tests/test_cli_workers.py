"""`statebridge worker` and `scheduler` as a user meets them: each missing piece is one line and an
exit status, never a traceback nor a password; SIGTERM stops them with 0, Ctrl-C with 130."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time
import typing as t

import pytest
import redis
import yaml

from .cli_runner import invoke_text

BROKER = "redis://127.0.0.1:6379/11"


@pytest.fixture(autouse=True)
def _empty_queues() -> t.Iterator[None]:
    """The broker's database starts and ends empty (the scheduler's messages go nowhere here)."""
    queues = redis.Redis.from_url(BROKER)
    queues.flushdb()
    yield
    queues.flushdb()
    queues.close()


@pytest.fixture
def connections(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "statebridge.yaml"
    source = {"platform": "shopify", "base_url": "https://shop.example.org", "credentials": {"token": "T"}}
    path.write_text(yaml.safe_dump({"sources": {"shop": source}}))
    return path


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEBRIDGE_")}
    env.update(extra)
    return env


@pytest.mark.parametrize("command", ["worker", "scheduler"])
def test_without_a_broker_it_says_how_to_give_one(command: str, connections: pathlib.Path) -> None:
    ran = invoke_text(command, "--connections", str(connections), env=_env())
    assert ran.returncode == 2
    assert "no broker: give --broker redis://127.0.0.1:6379/0" in ran.stderr


@pytest.mark.parametrize("command", ["worker", "scheduler"])
def test_an_unreachable_broker_is_named_without_its_password(command: str, connections: pathlib.Path) -> None:
    ran = invoke_text(command, "--broker", "redis://user:hunter2@127.0.0.1:1/0", env=_env())
    assert ran.returncode == 2
    assert "cannot reach the broker at redis://user:***@127.0.0.1:1/0" in ran.stderr
    assert "hunter2" not in ran.stderr + ran.stdout


def test_a_broker_of_an_unknown_kind_lists_the_kinds(connections: pathlib.Path) -> None:
    ran = invoke_text(
        "worker", "--broker", "kafka://127.0.0.1/", "--connections", str(connections), env=_env()
    )
    assert ran.returncode != 0
    assert "is not one of redis, rediss, amqp, amqps, stub" in ran.stderr


def test_without_sources_there_is_nothing_to_schedule(tmp_path: pathlib.Path) -> None:
    empty = tmp_path / "statebridge.yaml"
    empty.write_text("targets: {}\n")
    ran = invoke_text("scheduler", "--broker", BROKER, "--connections", str(empty), env=_env())
    assert ran.returncode == 2
    assert "no sources to work on" in ran.stderr


@pytest.mark.parametrize(
    ("command", "stop", "status"),
    [
        (["worker", "--processes", "1", "--threads", "1"], signal.SIGTERM, 0),
        (["worker", "--processes", "1", "--threads", "1"], signal.SIGINT, 130),
        (["scheduler"], signal.SIGTERM, 0),
        (["scheduler"], signal.SIGINT, 130),
    ],
)
def test_sigterm_stops_with_0_and_ctrl_c_with_130(
    command: list[str], stop: signal.Signals, status: int, connections: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    ready = "worker 1: ready" if command[0] == "worker" else "scheduler: leading"
    store = f"sqlite:///{tmp_path / 'store.db'}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "statebridge",
            *command,
            "--broker",
            BROKER,
            "--store",
            store,
            "--connections",
            str(connections),
        ],
        env=_env(T="shpat_x"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if ready in line or not line:
            break
    assert any(ready in line for line in lines), "".join(lines)
    process.send_signal(stop)
    rest, _ = process.communicate(timeout=60)
    output = "".join(lines) + rest
    assert process.returncode == status, output
    assert "Traceback" not in output
