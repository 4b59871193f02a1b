"""`statebridge status` (SQLite and PostgreSQL): a line per source and per target from the rows the
Store API wrote, the same as JSON for scripts, queue depths from a broker (or why there are none),
and a missing store named in one line with exit 2."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pathlib
import re
import typing as t

import pytest

from statebridge.cli.status import describe, duration
from statebridge.ops import QueueReading, Snapshot, take_snapshot
from statebridge.store import Store

from .cli_runner import invoke_text
from .ops_rows import T0, fill

NOW = T0 + dt.timedelta(hours=2)


def test_the_summary_names_each_source_and_target(store: Store) -> None:
    fill(store)
    snapshot = take_snapshot(store, now=NOW)
    inbox_age = duration(t.cast(float, snapshot.inbox_oldest_seconds))
    oldest = {
        target.target: duration(t.cast(float, target.oldest_pending_seconds)) for target in snapshot.targets
    }
    success = (T0 + dt.timedelta(seconds=10)).strftime("%Y-%m-%d %H:%M:%SZ")
    failure = (T0 + dt.timedelta(seconds=5)).strftime("%Y-%m-%d %H:%M:%SZ")
    assert list(describe(snapshot)) == [
        "sources:",
        f"  shop-a  due 1h 55m ago  last success {success}  lag 1h 59m  cursor lag 40s  failures 0"
        "  stored 3, rejected 1",
        "  shop-b  due 1h 59m ago (queued)  never succeeded  failures 1  stored 0, rejected 0"
        f"  last failure {failure}: HTTP 503 from https://b.example.org",
        "targets:",
        f"  crm  pending 3 (oldest {oldest['crm']})  parked 0  done 0  dropped 0",
        f"  hub  pending 1 (oldest {oldest['hub']})  parked 1  done 1  dropped 0  failed attempts 2",
        f"inbox: 2 pending (oldest {inbox_age}), 2 failed attempts",
        "rejects: shopify 2, spree 1",
        "queues: no broker (--broker or STATEBRIDGE_BROKER_URL)",
    ]


def test_an_empty_store_says_so(store: Store) -> None:
    lines = list(describe(take_snapshot(store, now=NOW)))
    assert lines == [
        "sources: none planned yet (the scheduler plans the connections file's)",
        "targets: nothing in the outbox",
        "inbox: 0 pending",
        "rejects: none",
        "queues: no broker (--broker or STATEBRIDGE_BROKER_URL)",
    ]


def test_queue_lines() -> None:
    empty = Snapshot(NOW, (), {}, 0, None, 0, (), None)
    answered = dataclasses.replace(empty, queues=QueueReading({"pulls": 0, "webhooks": 3}))
    down = dataclasses.replace(empty, queues=QueueReading(None, "ConnectionError: Connection refused"))
    assert list(describe(answered))[-1] == "queues: pulls 0, webhooks 3"
    assert (
        list(describe(down))[-1] == "queues: the broker did not answer (ConnectionError: Connection refused)"
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (59.9, "59s"), (61, "1m 01s"), (3600, "1h 00m"), (7199, "1h 59m"), (90061, "1d 01h")],
)
def test_durations_are_two_units(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_status_on_the_command_line(store_url: str) -> None:
    with Store(store_url) as store:
        fill(store)
    ran = invoke_text("status", "--store", store_url, env={})
    assert (ran.returncode, ran.stderr) == (0, "")
    lines = ran.stdout.splitlines()
    assert lines[0] == "sources:"
    assert re.fullmatch(
        r"  shop-a  due \S+ \S+ ago  last success .*  failures 0  stored 3, rejected 1", lines[1]
    )
    assert lines[2].startswith("  shop-b  due ")
    assert "(queued)  never succeeded  failures 1" in lines[2]
    assert re.fullmatch(
        r"  hub  pending 1 \(oldest .+\)  parked 1  done 1  dropped 0  failed attempts 2", lines[5]
    )
    assert lines[-2:] == [
        "rejects: shopify 2, spree 1",
        "queues: no broker (--broker or STATEBRIDGE_BROKER_URL)",
    ]


def test_status_json_for_scripts(store_url: str) -> None:
    with Store(store_url) as store:
        fill(store)
    ran = invoke_text("status", "--store", store_url, "--json", "--broker", "stub:", env={})
    assert (ran.returncode, ran.stderr) == (0, "")
    document = json.loads(ran.stdout)
    sources = {source["source"]: source for source in document["sources"]}
    assert sources["shop-a"]["failures"] == 0
    assert sources["shop-a"]["cursor_lag_seconds"] == 40.0
    assert sources["shop-a"]["last_success_at"] == (T0 + dt.timedelta(seconds=10)).isoformat().replace(
        "+00:00", "Z"
    )
    assert sources["shop-b"] | {"due_at": None} == sources["shop-b"] | {
        "due_at": None,
        "queued": True,
        "running": False,
        "last_success_at": None,
        "lag_seconds": None,
        "failures": 1,
        "reason": "HTTP 503 from https://b.example.org",
    }
    targets = {target["target"]: target for target in document["targets"]}
    assert targets["hub"]["counts"] == {"pending": 1, "parked": 1, "done": 1, "dropped": 0}
    assert targets["hub"]["failed_attempts"] == 2
    assert targets["hub"]["delivered"] == 1
    assert targets["crm"]["counts"] == {"pending": 3, "parked": 0, "done": 0, "dropped": 0}
    assert (document["inbox_depth"], document["inbox_failed_attempts"]) == (2, 2)
    assert document["rejects"] == {"shopify": 2, "spree": 1}
    assert document["queues"] == {
        "depths": {"pulls": 0, "webhooks": 0, "deliveries": 0, "credentials": 0},
        "error": None,
    }


def test_a_broker_that_does_not_answer_is_reported_not_raised(tmp_path: pathlib.Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    Store(url).close()
    ran = invoke_text("status", "--store", url, "--broker", "redis://127.0.0.1:1/0", env={})
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[-1].startswith("queues: the broker did not answer (ConnectionError: ")


def test_a_missing_store_is_one_line_and_exit_2(tmp_path: pathlib.Path) -> None:
    missing = tmp_path / "nowhere.db"
    ran = invoke_text("status", "--store", f"sqlite:///{missing}", env={})
    assert ran.returncode == 2
    assert ran.stdout == ""
    assert ran.stderr.startswith(f"statebridge: no store at {missing} ")
    assert len(ran.stderr.splitlines()) == 1
    assert not missing.exists()  # a status never creates a store


def test_a_broker_url_of_an_unknown_kind_is_one_line(tmp_path: pathlib.Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    Store(url).close()
    ran = invoke_text("status", "--store", url, "--broker", "kafka://127.0.0.1:9092", env={})
    assert ran.returncode == 1
    assert ran.stderr.startswith(
        "statebridge: broker URL 'kafka://127.0.0.1:9092': scheme 'kafka' is not one of"
    )


def test_the_broker_comes_from_the_environment(tmp_path: pathlib.Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    Store(url).close()
    ran = invoke_text("status", "--store", url, env={"STATEBRIDGE_BROKER_URL": "stub:"})
    assert ran.stdout.splitlines()[-1] == "queues: pulls 0, webhooks 0, deliveries 0, credentials 0"
