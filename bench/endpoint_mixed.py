"""The DFC endpoint under a mixed load (issue 17): 50% list a page, 30% read one order, 15% PUT an
order (a changed state, with `If-Match`), 5% POST a new order (with an `Idempotency-Key`).

Creates a fresh PostgreSQL database on the server `--store` names, seeds `--orders` orders
(`bench.endpoint.seed`), starts `bench.endpoint_mixed_app` over it in its own process (one uvicorn
process, behind an API token), then runs `--concurrency` clients in this process (asyncio, one
keep-alive connection each: `bench/raw_http.py`, or httpx with `--client httpx`),
each sending its next request as soon as the last one is answered (a closed loop), for `--seconds`
per run. Prints, per kind and in total: requests/s, p50 and p99 latency, errors (any answer but the
kind's success status, or no answer); of `--runs` runs, the one with the median total p99.

Each client PUTs only its own share of the seeded orders, knowing each one's current ETag (from a
GET before the clock starts, then from its own PUT's answer), so that a PUT is refused (412) only
when something else changed the order: that would be counted an error.

    python -m bench.endpoint_mixed [--orders 1000] [--seconds 20] [--concurrency 32] [--runs 1]
        [--store postgresql://postgres@127.0.0.1:5432/postgres] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import pathlib
import random
import statistics
import subprocess
import sys
import time
import typing as t
import uuid

import httpx
import psycopg

from bench.endpoint import free_port, seed
from bench.fleet import _cpu_seconds, _machine_busy
from bench.raw_http import RawConnection

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
TOKEN = "bench-token-not-a-secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LD = {**AUTH, "Content-Type": "application/ld+json"}
ORDER = ROOT / "fixtures/dfc/public_ofn_cassette_completes_an_order_5_post_request.json"
MIX = (("list", 50), ("get", 30), ("put", 15), ("post", 5))
PAGE = "/api/dfc/Orders?limit=100"
PER_CLIENT = 8  # orders each client PUTs to, in turn


@contextlib.contextmanager
def fresh_database(server: str) -> t.Iterator[str]:
    """A new, empty database on `server` (as tests/conftest.py makes them), dropped afterwards."""
    name = f"statebridge_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def serving(store_url: str) -> t.Iterator[tuple[str, int]]:
    """The app's base URL and process id while it runs."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.endpoint_mixed_app", store_url, str(port), TOKEN],
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(ROOT)])),
        },
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(10)


def _document(status: str) -> bytes:
    document = json.loads(ORDER.read_text())
    for node in document["@graph"]:
        if node.get("@type") == "dfc-b:Order":
            node["dfc-b:hasOrderStatus"] = status
    return json.dumps(document).encode()


BODIES = {"dfc-v:Held": _document("dfc-v:Held"), "dfc-v:Complete": _document("dfc-v:Complete")}


def _order_ids(http: httpx.Client) -> list[str]:
    """Every seeded order's id, from the pages of the collection."""
    ids: list[str] = []
    url: str | None = "/api/dfc/Orders?limit=500"
    while url:
        page = http.get(url, headers=AUTH)
        page.raise_for_status()
        ids += [
            node["@id"].rsplit("/", 1)[1]
            for node in page.json().get("@graph", [])
            if node.get("@type") == "dfc-b:Order"
        ]
        url = page.links.get("next", {}).get("url")
    return ids


Send = t.Callable[[str, str, dict[str, str], bytes], t.Awaitable[tuple[int, t.Mapping[str, str]]]]


def _httpx_send(http: httpx.AsyncClient) -> Send:
    async def send(
        method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, t.Mapping[str, str]]:
        response = await http.request(method, path, headers=headers, content=body or None)
        return response.status_code, response.headers

    return send


def _raw_send(connection: RawConnection) -> Send:
    async def send(
        method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, t.Mapping[str, str]]:
        answer = await connection.request(method, path, headers, body)
        return answer.status, answer.headers

    return send


class Client:
    """One simulated client: its share of orders to PUT to, with their current ETags."""

    def __init__(self, send: Send, etags: dict[str, str], seed: int) -> None:
        self.send = send
        self.ids = list(etags)
        self.etags = etags
        self.turn = 0
        self.random = random.Random(seed)

    async def one(self, kind: str, all_ids: list[str]) -> bool:
        """Send one request of `kind`; whether it was answered as such a request should be."""
        if kind == "list":
            return (await self.send("GET", PAGE, AUTH, b""))[0] == 200
        if kind == "get":
            order = self.random.choice(all_ids)
            return (await self.send("GET", f"/api/dfc/Orders/{order}", AUTH, b""))[0] == 200
        if kind == "put":
            order = self.ids[self.turn % len(self.ids)]
            self.turn += 1
            state = "dfc-v:Complete" if self.turn % 2 else "dfc-v:Held"
            headers = {**LD, "If-Match": self.etags[order]}
            status, answered = await self.send("PUT", f"/api/dfc/Orders/{order}", headers, BODIES[state])
            if status == 200:
                self.etags[order] = answered["etag"]
                return True
            return False
        key = {"Idempotency-Key": str(uuid.uuid4())}
        status, _ = await self.send("POST", "/api/dfc/Orders", {**LD, **key}, BODIES["dfc-v:Held"])
        return status == 201


async def _load(
    base: str, ids: list[str], shares: list[dict[str, str]], seconds: float, client: str
) -> dict[str, t.Any]:
    latencies: dict[str, list[float]] = {kind: [] for kind, _ in MIX}
    errors: dict[str, int] = {kind: 0 for kind, _ in MIX}
    slow: list[tuple[float, float, str]] = []  # (latency ms, start s into the run, kind)
    kinds = [kind for kind, weight in MIX for _ in range(weight)]
    limits = httpx.Limits(max_connections=len(shares), max_keepalive_connections=len(shares))
    connections = [RawConnection(base) for _ in shares]
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        sends = [_httpx_send(http) if client == "httpx" else _raw_send(c) for c in connections]
        clients = [
            Client(send, share, seed) for seed, (send, share) in enumerate(zip(sends, shares, strict=True))
        ]
        deadline = time.perf_counter() + seconds

        async def run(client: Client) -> None:
            while time.perf_counter() < deadline:
                kind = client.random.choice(kinds)
                started = time.perf_counter()
                try:
                    ok = await client.one(kind, ids)
                except (httpx.HTTPError, OSError, asyncio.IncompleteReadError):
                    ok = False
                latency = (time.perf_counter() - started) * 1000
                latencies[kind].append(latency)
                slow.append((latency, started - begun, kind))
                errors[kind] += not ok

        begun = time.perf_counter()
        await asyncio.gather(*(run(client) for client in clients))
        elapsed = time.perf_counter() - begun
    for connection in connections:
        await connection.close()
    every = sorted(value for values in latencies.values() for value in values)
    kinds_out = {kind: _figures(sorted(latencies[kind]), errors[kind], elapsed) for kind, _ in MIX}
    return {
        "kinds": kinds_out,
        "total": _figures(every, sum(errors.values()), elapsed),
        "seconds": elapsed,
        "slowest": sorted(slow, reverse=True)[:20],
    }


def _figures(latencies: list[float], errors: int, elapsed: float) -> dict[str, float]:
    if not latencies:
        return {"count": 0, "rps": 0.0, "p50": 0.0, "p99": 0.0, "errors": errors}
    return {
        "count": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)],
        "errors": errors,
    }


def _measured(
    pid: int, base: str, ids: list[str], shares: list[dict[str, str]], seconds: float, client: str
) -> dict[str, t.Any]:
    """One run's figures, with the server's CPU per request and how busy the machine was (its
    other tenants included: on a shared machine latency is only comparable at a like load)."""
    cpu, machine, load = _cpu_seconds(pid), _machine_busy(), os.getloadavg()[0]
    result = asyncio.run(_load(base, ids, shares, seconds, client))
    busy, every = (now - then for now, then in zip(_machine_busy(), machine, strict=True))
    result["server_cpu_ms_per_request"] = 1000 * (_cpu_seconds(pid) - cpu) / max(1, result["total"]["count"])
    result["machine_busy"] = busy / every
    result["load_average_before"] = load
    return result


def run(
    orders: int, seconds: float, concurrency: int, runs: int, server: str, client: str = "raw"
) -> dict[str, t.Any]:
    """Every run's figures, and the run with the median total p99."""
    with fresh_database(server) as store_url:
        seed(store_url, orders)
        with serving(store_url) as (base, pid), httpx.Client(base_url=base, timeout=60) as http:
            ids = _order_ids(http)
            if len(ids) < concurrency * PER_CLIENT:
                least = concurrency * PER_CLIENT
                msg = f"{len(ids)} orders are too few for {concurrency} clients: seed at least {least}"
                raise SystemExit(msg)
            shares = []
            for c in range(concurrency):
                share = ids[c * PER_CLIENT : (c + 1) * PER_CLIENT]
                shares.append(
                    {
                        order: http.get(f"/api/dfc/Orders/{order}", headers=AUTH).headers["ETag"]
                        for order in share
                    }
                )
            if os.environ.get("BENCH_SERVER_PID_FILE"):  # for a profiler to attach to the server
                pathlib.Path(os.environ["BENCH_SERVER_PID_FILE"]).write_text(str(pid))
            results = [_measured(pid, base, ids, shares, seconds, client) for _ in range(runs)]
    ranked = sorted(results, key=lambda r: r["total"]["p99"])
    return {"median": ranked[len(ranked) // 2], "runs": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--runs", type=int, default=1, help="report the run with the median total p99")
    parser.add_argument(
        "--store", default=DEFAULT_SERVER, help="PostgreSQL server (a database is made on it)"
    )
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="the load generator's HTTP client: raw (bench/raw_http.py, default) or httpx (slower: "
        "at 32 clients it, not the server, queues the requests)",
    )
    parser.add_argument("--json", action="store_true", help="print every run's figures as JSON")
    args = parser.parse_args()
    result = run(args.orders, args.seconds, args.concurrency, args.runs, args.store, args.client)
    if args.json:
        print(json.dumps(result, indent=1))
        return
    median = result["median"]
    print(
        f"mixed load: {args.concurrency} clients ({args.client} HTTP/1.1 keep-alive, asyncio), "
        f"{args.orders} orders, PostgreSQL, "
        f"{args.seconds:g} s per run, median of {args.runs} run(s) by total p99"
    )
    print("| kind | requests | req/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|")
    for kind, row in [*median["kinds"].items(), ("total", median["total"])]:
        print(
            f"| {kind} | {row['count']} | {row['rps']:.1f} | {row['p50']:.1f} | {row['p99']:.1f} | "
            f"{row['errors']} |"
        )
    print(
        f"server CPU per request {median['server_cpu_ms_per_request']:.1f} ms; machine busy "
        f"{100 * median['machine_busy']:.0f}% (load average {median['load_average_before']:.1f} before)"
    )


if __name__ == "__main__":
    main()
