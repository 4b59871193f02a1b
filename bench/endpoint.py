"""Endpoint benchmark: a page of 100 orders from the store vs the same bytes pre-rendered.

Starts `bench.endpoint_app` in its own process over a store of `--orders` orders, then loads both
URLs at a few concurrencies with wrk (when installed) or a small asyncio httpx load generator, and
prints requests/s and p50/p99 latency for each, and the ratio.

    python -m bench.endpoint [--orders 1000] [--seconds 5] [--concurrency 1,8,32] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t

import httpx

from statebridge.model import Order
from statebridge.store import Store
from statebridge.translate import read_orders

ROOT = pathlib.Path(__file__).resolve().parent.parent


def seed(store_url: str, count: int) -> None:
    with (ROOT / "fixtures/spree/solidus_flat_orders.json").open("rb") as stream:
        templates = [o for o in read_orders(stream, "spree") if not isinstance(o, Exception)]
    with Store(store_url) as store:
        batch: list[tuple[Order, dict[str, t.Any]]] = []
        for i in range(count):
            order = templates[i % len(templates)]
            batch.append(
                (order.model_copy(update={"id": f"{100000 + i}", "number": f"R{200000000 + i}"}), {})
            )
        store.save_page("spree", "https://shop.example.org", batch)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wrk(url: str, concurrency: int, seconds: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(min(2, concurrency)),
            "-c",
            str(concurrency),
            "-d",
            f"{seconds}s",
            "--latency",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def ms(label: str) -> float:
        value, unit = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": rps, "p50": ms("50"), "p99": ms("99")}


async def _pyload(url: str, concurrency: int, seconds: int) -> dict[str, float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:

        async def worker() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.get(url)
                response.raise_for_status()
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[int(len(latencies) * 0.99) - 1],
    }


def load(url: str, concurrency: int, seconds: int) -> dict[str, float]:
    if shutil.which("wrk"):
        return wrk(url, concurrency, seconds)
    return asyncio.run(_pyload(url, concurrency, seconds))


def _median(cells: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over the runs of one cell."""
    return {key: statistics.median(cell[key] for cell in cells) for key in cells[0]}


def run(orders: int, seconds: int, concurrencies: list[int], runs: int = 1) -> list[dict[str, t.Any]]:
    """Per concurrency: the live page and the pre-rendered bytes, each loaded `runs` times (medians)."""
    with tempfile.TemporaryDirectory() as folder:
        store_url = f"sqlite:///{folder}/bench.db"
        seed(store_url, orders)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.endpoint_app", store_url, str(port)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    if httpx.get(f"{base}/prerendered").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            page = httpx.get(f"{base}/api/dfc/Orders?limit=100")
            same = page.content == httpx.get(f"{base}/prerendered").content
            rows = []
            for concurrency in concurrencies:
                lives, canneds = [], []
                for _ in range(runs):  # alternate, so that drift on a shared VM bills both alike
                    lives.append(load(f"{base}/api/dfc/Orders?limit=100", concurrency, seconds))
                    canneds.append(load(f"{base}/prerendered", concurrency, seconds))
                live, canned = _median(lives), _median(canneds)
                rows.append(
                    {
                        "concurrency": concurrency,
                        "live": live,
                        "prerendered": canned,
                        "ratio": live["rps"] / canned["rps"],
                        "bytes": len(page.content),
                        "same_bytes": same,
                        "runs": {"live": lives, "prerendered": canneds},
                    }
                )
            return rows
        finally:
            server.terminate()
            server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--runs", type=int, default=1, help="load each cell this many times; report medians")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    rows = run(args.orders, args.seconds, [int(c) for c in args.concurrency.split(",")], args.runs)
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    tool = "wrk" if shutil.which("wrk") else "httpx (asyncio)"
    print(
        f"page of 100 orders ({rows[0]['bytes']} bytes, same bytes as pre-rendered: "
        f"{rows[0]['same_bytes']}); load: {tool}, {args.seconds} s per cell"
    )
    print("| concurrency | live req/s | p50 ms | p99 ms | pre-rendered req/s | p50 ms | p99 ms | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        live, canned = r["live"], r["prerendered"]
        print(
            f"| {r['concurrency']} | {live['rps']:.0f} | {live['p50']:.1f} | {live['p99']:.1f} | "
            f"{canned['rps']:.0f} | {canned['p50']:.1f} | {canned['p99']:.1f} | {r['ratio']:.2f} |"
        )


if __name__ == "__main__":
    main()
