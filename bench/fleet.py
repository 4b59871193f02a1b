"""Worker fleet benchmark: orders stored and delivered per second by 1, 2 and 3 worker processes.

Each run starts `--shops` stand-in Shopify shops of `--orders` orders (Shopify's standard leaky
bucket: 40 requests, 2 a second; pages of 250), a DFC hub (`statebridge serve` over its own SQLite
store, in its own process), a fresh PostgreSQL database, Redis as the broker, the scheduler and
`statebridge worker --processes P --threads T`. It reports the seconds until every order is stored
(orders/s) and until every one is delivered to the hub (deliveries/s), then lets the fleet run on
for `--idle` seconds with nothing changing and counts the pulls it completes (pulls/s: the cost of
watching shops where nothing happens, which is what sizing for many shops is about).

    python -m bench.fleet [--shops 20] [--orders 100] [--processes 1,2,3] [--threads 2] [--idle 10]
                          [--targets 1]

Deliveries to one target go one at a time (its drain lock keeps each order's versions in order and
sends each once), so `--targets 4` spreads the shops over four targets to show drains in parallel.

Needs PostgreSQL (`$STATEBRIDGE_TEST_POSTGRES`, default postgresql://postgres@127.0.0.1:5432/postgres)
and Redis (redis://127.0.0.1:6379/14, flushed before each run).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time
import typing as t

import psycopg
import redis
import sqlalchemy as sa
import yaml
from tests.standin.shopify import TOKEN, Shop, StandinShopify

from statebridge.store import Store, schema

BROKER = "redis://127.0.0.1:6379/14"
HUB_TOKEN = "bench-fleet-token"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(args: list[str], log: pathlib.Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "statebridge", *args], env=env, stdout=sink, stderr=sink
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _cpu_seconds(root: int) -> float:
    """User plus system CPU seconds of process `root` and every live descendant (from /proc)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


def _machine_busy() -> tuple[float, float]:
    """(busy, all) jiffies of every CPU since boot, from /proc/stat."""
    fields = [int(v) for v in pathlib.Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return float(sum(fields) - idle), float(sum(fields))


def _database(server: str, name: str) -> str:
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + "/" + name


def run(
    shops: int, orders: int, processes: int, threads: int, idle: float, folder: pathlib.Path, targets: int = 1
) -> dict[str, float]:
    server = os.environ.get("STATEBRIDGE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    store_url = _database(server, f"bench_fleet_{processes}")
    redis.Redis.from_url(BROKER).flushdb()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEBRIDGE_")}
    env.update({"SHOP_TOKEN": TOKEN, "HUB_TOKEN": HUB_TOKEN, "STATEBRIDGE_BROKER_URL": BROKER})
    standins = [StandinShopify(Shop(count=orders, first=1 + orders * n)) for n in range(shops)]
    running: list[subprocess.Popen[bytes]] = []
    for standin in standins:
        standin.__enter__()
    try:
        port = _free_port()
        hub_db = folder / f"hub-{processes}.db"
        running.append(
            _start(
                ["serve", "--port", str(port), "--store", f"sqlite:///{hub_db}"],
                folder / "hub.log",
                {**env, "STATEBRIDGE_API_TOKENS": HUB_TOKEN},
            )
        )
        connections = folder / "statebridge.yaml"
        sources = {
            f"shop{n:03d}": {
                "platform": "shopify",
                "base_url": s.base_url,
                "credentials": {"token": "SHOP_TOKEN"},
            }
            for n, s in enumerate(standins)
        }
        hub = f"http://127.0.0.1:{port}/api/dfc/Orders"
        connections.write_text(
            yaml.safe_dump(
                {
                    "sources": sources,
                    "targets": {
                        f"hub{k}": {
                            "platform": "dfc",
                            "base_url": hub,
                            "method": "POST",
                            "credentials": {"token": "HUB_TOKEN"},
                        }
                        for k in range(targets)
                    },
                    "routes": [{"from": name, "to": [f"hub{n % targets}"]} for n, name in enumerate(sources)],
                    "schedule": {"pull_every_seconds": 5},
                }
            )
        )
        Store(store_url).close()
        common = ["--store", store_url, "--connections", str(connections)]
        started = time.monotonic()
        running.append(_start(["scheduler", "--tick", "0.2", *common], folder / "scheduler.log", env))
        running.append(
            _start(
                ["worker", "--processes", str(processes), "--threads", str(threads), *common],
                folder / "workers.log",
                env,
            )
        )
        total = shops * orders
        workers = running[-1].pid
        hub_before = _cpu_seconds(running[0].pid)
        machine_before = _machine_busy()
        engine = sa.create_engine(store_url.replace("postgresql://", "postgresql+psycopg://"))
        stored_at = delivered_at = None
        with engine.connect() as connection:
            while delivered_at is None:
                time.sleep(0.1)
                count = (
                    connection.execute(sa.select(sa.func.count()).select_from(schema.orders)).scalar() or 0
                )
                done = (
                    connection.execute(
                        sa.select(sa.func.count())
                        .select_from(schema.deliveries)
                        .where(schema.deliveries.c.state == "done")
                    ).scalar()
                    or 0
                )
                connection.commit()
                if stored_at is None and count >= total:
                    stored_at = time.monotonic() - started
                if done >= total:
                    delivered_at = time.monotonic() - started
                if time.monotonic() - started > 900:
                    raise SystemExit("bench.fleet: not done in 15 minutes; see the logs in " + str(folder))

            def pulls() -> int:
                value = connection.execute(sa.select(sa.func.sum(schema.pulls.c.ticket))).scalar()
                connection.commit()
                return int(value or 0)

            busy_cpu = _cpu_seconds(workers)
            hub_cpu = _cpu_seconds(running[0].pid) - hub_before
            machine_busy, machine_all = (
                now - then for now, then in zip(_machine_busy(), machine_before, strict=True)
            )
            before = pulls()
            time.sleep(idle)
            idle_pulls = pulls() - before
            idle_cpu = _cpu_seconds(workers) - busy_cpu
        engine.dispose()
    finally:
        for process in reversed(running):
            _stop(process)
        for standin in standins:
            standin.__exit__(None, None, None)
    if stored_at is None or delivered_at is None:
        message = "bench.fleet: the run ended before every order was delivered"
        raise SystemExit(message)
    return {
        "processes": processes,
        "orders_per_s": total / stored_at,
        "deliveries_per_s": total / delivered_at,
        "idle_pulls_per_s": idle_pulls / idle,
        "cpu_ms_per_order": 1000 * busy_cpu / total,
        "hub_cpu_ms_per_delivery": 1000 * hub_cpu / total,
        "machine_busy": machine_busy / machine_all,
        "cpu_ms_per_idle_pull": 1000 * idle_cpu / max(1, idle_pulls),
        "stored_s": stored_at,
        "delivered_s": delivered_at,
    }


def main(argv: t.Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet", description=__doc__.splitlines()[0])
    parser.add_argument("--shops", type=int, default=20)
    parser.add_argument("--orders", type=int, default=100, help="orders per shop")
    parser.add_argument("--processes", default="1,2,3", help="worker process counts to run, comma-separated")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of watching unchanged shops")
    parser.add_argument(
        "--targets",
        type=int,
        default=1,
        help="delivery targets the shops are spread over (one drain each at a time)",
    )
    args = parser.parse_args(argv)
    print(
        f"{args.shops} shops x {args.orders} orders, {args.targets} target(s), "
        f"{args.threads} threads per worker process"
    )
    print(
        "| worker processes | orders stored/s | deliveries/s | stored after | delivered after "
        "| worker CPU ms per order | hub CPU ms per delivery | machine busy "
        "| idle pulls/s | worker CPU ms per idle pull |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as folder:
        for processes in (int(p) for p in args.processes.split(",")):
            r = run(
                args.shops,
                args.orders,
                processes,
                args.threads,
                args.idle,
                pathlib.Path(folder),
                args.targets,
            )
            print(
                f"| {processes} | {r['orders_per_s']:.0f} | {r['deliveries_per_s']:.0f} "
                f"| {r['stored_s']:.1f} s | {r['delivered_s']:.1f} s | {r['cpu_ms_per_order']:.1f} "
                f"| {r['hub_cpu_ms_per_delivery']:.1f} | {100 * r['machine_busy']:.0f}% "
                f"| {r['idle_pulls_per_s']:.1f} | {r['cpu_ms_per_idle_pull']:.0f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
