"""Many shops at once on real parts: 20 stand-in Shopify shops with rate limits, a scheduler and a
worker fleet of 3 processes on the machine's PostgreSQL and Redis, delivering to a DFC hub (a real
`statebridge serve`). Mid-run one worker process is killed with SIGKILL while pulls are under way,
and Redis is flushed once (every queued message lost). The shops change orders while it runs.

In the end every order is stored once, in its latest state, and delivered to the hub exactly once
in that state; no shop was pulled by two workers at once (each pull is a chain of pages the shop
numbers; no two chains of one shop overlap in time), and no request went over a shop's limit (its
leaky bucket never answered 429).
"""

from __future__ import annotations

import os
import pathlib
import random
import re
import signal
import subprocess
import sys
import time
import typing as t

import pytest
import redis
import yaml

from statebridge.store import Store

from .serving import dfc_hub
from .standin.shopify import TOKEN as SHOPIFY_TOKEN, Shop, StandinShopify
from .test_delivery_kill import _difference, _states

SHOPS = 20
ORDERS = 25  # per shop: 5 pages of 5
API_TOKEN = "fleet-test-token"
REDIS_DB = 13
BROKER = f"redis://127.0.0.1:6379/{REDIS_DB}"
FINANCIAL = ("paid", "refunded", "pending", "voided", "partially_refunded", "authorized")


def _connections(path: pathlib.Path, shops: t.Sequence[str], hub: str) -> pathlib.Path:
    sources = {
        f"shop{number:02d}": {"platform": "shopify", "base_url": url, "credentials": {"token": "SHOP_TOKEN"}}
        for number, url in enumerate(shops, start=1)
    }
    document = {
        "sources": sources,
        "targets": {
            "hub": {
                "platform": "dfc",
                "base_url": hub,
                "method": "POST",
                "credentials": {"token": "HUB_TOKEN"},
            }
        },
        "routes": [{"from": name, "to": ["hub"]} for name in sources],
        "delivery": {"max_attempts": 20, "base_delay_seconds": 0.2, "max_delay_seconds": 2},
        "schedule": {"pull_every_seconds": 2, "backoff_base_seconds": 0.5, "backoff_max_seconds": 4},
    }
    path.write_text(yaml.safe_dump(document))
    return path


def _start(command: list[str], log: pathlib.Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEBRIDGE_")}
    env.update({"SHOP_TOKEN": SHOPIFY_TOKEN, "HUB_TOKEN": API_TOKEN, "STATEBRIDGE_BROKER_URL": BROKER})
    with log.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "statebridge", *command], env=env, stdout=sink, stderr=subprocess.STDOUT
        )


def _worker_pids(log: pathlib.Path) -> list[tuple[int, int]]:
    """(worker number, pid) of every worker process the fleet started, replacements included."""
    found = re.findall(r"worker (\d+): started \(pid (\d+)\)", log.read_text(errors="replace"))
    return [(int(number), int(pid)) for number, pid in found]


def _pulling(log: pathlib.Path) -> tuple[str, int] | None:
    """(source, pid) of a pull that a worker process other than the first has started, if any."""
    pids = _worker_pids(log)
    first = dict(pids).get(1)
    for source, pid in re.findall(
        r"pull of (\S+): ticket \d+ started in process (\d+)", log.read_text(errors="replace")
    ):
        if int(pid) != first:
            return source, int(pid)
    return None


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_twenty_shops_three_workers_a_kill_and_a_redis_flush_deliver_every_order_once(
    tmp_path: pathlib.Path, postgres_url: str
) -> None:
    rng = random.Random(20261207)
    queue = redis.Redis.from_url(BROKER)
    queue.flushdb()
    shops = [
        Shop(
            count=ORDERS,
            first=1 + ORDERS * n,
            bucket_size=8,
            leak_per_second=4.0,
            page_cap=5,
            page_delay=0.02,
        )
        for n in range(SHOPS)
    ]
    standins = [StandinShopify(shop) for shop in shops]
    for standin in standins:
        standin.__enter__()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with (
            Store(f"sqlite:///{tmp_path / 'hub.db'}") as hub,
            dfc_hub(hub, API_TOKEN, name="uvicorn-fleet-hub") as url,
        ):
            connections = _connections(
                tmp_path / "statebridge.yaml", [s.base_url for s in standins], f"{url}/api/dfc/Orders"
            )
            common = ["--store", postgres_url, "--connections", str(connections)]
            workers_log = tmp_path / "workers.log"
            Store(postgres_url).close()  # migrated before the fleet starts
            processes.append(_start(["worker", "--processes", "3", "--threads", "2", *common], workers_log))
            processes.append(
                _start(
                    ["scheduler", "--tick", "0.2", "--sweep-after", "3", *common], tmp_path / "scheduler.log"
                )
            )
            # a worker killed -9 in the middle of a pull: as soon as it says it started one
            deadline = time.monotonic() + 120
            while not (victim := _pulling(workers_log)) and time.monotonic() < deadline:
                time.sleep(0.005)
            assert victim, workers_log.read_text()
            source, pid = victim
            os.kill(pid, signal.SIGKILL)
            # the shops change orders while the fleet works, and Redis loses every message once
            for shop in rng.sample(shops, 8):
                for index in rng.sample(sorted(shop.orders), 3):
                    shop.touch(index, financial=rng.choice(FINANCIAL))
            time.sleep(1.0)
            queue.flushdb()
            for shop in rng.sample(shops, 5):
                for index in rng.sample(sorted(shop.orders), 2):
                    shop.touch(index, financial=rng.choice(FINANCIAL))
            expected = _wait_for_the_fleet(postgres_url, standins, hub, deadline=time.monotonic() + 240)
            delivered = _states(hub, "dfc")
            replaced = len(_worker_pids(workers_log)) - 3
            with Store(postgres_url) as source_store:
                killed_pull = source_store.pull_state(source)
            assert killed_pull is not None
            assert killed_pull.ticket >= 2, "the killed pull's source was never pulled again"
            print(f"\n{SHOPS} shops x {ORDERS} orders; pages served {sum(s.pages_served for s in standins)}")
    finally:
        for process in processes:
            _stop(process)
        for standin in standins:
            standin.__exit__(None, None, None)
        queue.flushdb()
    assert len(expected) == SHOPS * ORDERS
    assert delivered == expected, _difference(expected, delivered)
    assert replaced >= 1, "the killed worker was not replaced"
    assert [s.over_limit for s in standins] == [0] * SHOPS, "requests over a shop's limit"
    assert [s.overlapping_pulls() for s in standins] == [[]] * SHOPS, "a shop pulled twice at once"


def _wait_for_the_fleet(
    store_url: str, standins: t.Sequence[StandinShopify], hub: Store, *, deadline: float
) -> dict[str, tuple[str | None, ...]]:
    """The source store's DFC states once every shop's latest orders are stored and delivered."""
    wanted = {
        f"#{order['order_number']}": order["updated_at"] for s in standins for order in s.shop.orders.values()
    }
    with Store(store_url) as source:
        while True:
            stored = {o.order.number: o for o in source.orders(platform="shopify")}
            latest = len(stored) == len(wanted) and all(
                stored[number].raw.get("updated_at") == at
                for number, at in wanted.items()
                if number in stored
            )
            pending = source.deliveries(states=("pending", "parked"))
            if latest and not pending:
                expected = _states(source, "shopify")
                if _states(hub, "dfc") == expected:
                    return expected
            if time.monotonic() > deadline:
                pytest.fail(
                    f"not done: {len(stored)}/{len(wanted)} stored, latest {latest}, {len(pending)} pending"
                )
            time.sleep(0.5)
