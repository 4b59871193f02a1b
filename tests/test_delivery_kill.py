"""Exactly once, whatever happens: `statebridge sync` killed with SIGKILL mid-delivery, rerun, ends with
every order at the target once, in its latest state. Each run is killed once its target has taken a
random number of writes (seeded), so the kills land inside deliveries, not before or after them.

Real processes and real stores: the sync runs as `python -m statebridge` over SQLite or PostgreSQL,
pulls a stand-in Shopify over loopback HTTP, and delivers to a real `statebridge serve` app (its own
store), which names each created order in `Location` and honours `Idempotency-Key`. Between the
kills the shop changes some orders, so "latest state" means something. The figures of each run are
printed (`pytest -s tests/test_delivery_kill.py`) for the record.
"""

from __future__ import annotations

import collections
import os
import pathlib
import random
import signal
import subprocess
import sys
import time
import typing as t

import pytest
import yaml

from statebridge.delivery.writer import delivery_key
from statebridge.pipeline import platform_fields
from statebridge.platforms import get_adapter
from statebridge.states import DFCStates
from statebridge.store import Store

from .serving import dfc_hub
from .standin.commercelayer import CLIENT_ID as CL_CLIENT_ID, CLIENT_SECRET as CL_CLIENT_SECRET, Organization
from .standin.commercelayer_write import StandinCommerceLayerWrite
from .standin.shopify import TOKEN as SHOPIFY_TOKEN, Shop, StandinShopify

ORDERS = 150
KILLS = 6
CONNECTION_KILLS = 8
API_TOKEN = "kill-test-token"
CL = get_adapter("commercelayer")
FINANCIAL = ("paid", "refunded", "pending", "voided", "partially_refunded", "authorized")


def _sync(source: str, store_url: str, target: str, *extra: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEBRIDGE_")}
    env.update({"STATEBRIDGE_SHOPIFY_TOKEN": SHOPIFY_TOKEN, "STATEBRIDGE_DFC_TOKEN": API_TOKEN})
    command = [sys.executable, "-m", "statebridge", "sync", "shopify", "--base-url", source]
    command += ["--store", store_url, "--target", target, "--overlap", "0", *extra]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill_after(process: subprocess.Popen[bytes], writes: t.Callable[[], int], more: int) -> bool:
    """SIGKILL `process` as soon as the target has taken `more` writes since now (mid-delivery, by
    construction), or once it ended by itself; whether it was killed."""
    start = writes()
    deadline = time.monotonic() + 120
    while process.poll() is None and writes() < start + more and time.monotonic() < deadline:
        time.sleep(0.002)
    killed = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    return killed


def _states(store: Store, platform: str) -> dict[str, tuple[str | None, ...]]:
    """Order number -> its DFC states, of every stored order of `platform`; fails on a duplicate."""
    seen: dict[str, tuple[str | None, ...]] = {}
    counts: collections.Counter[str] = collections.Counter()
    for stored in store.orders(platform=platform):
        number = stored.order.number or stored.order.id
        counts[number] += 1
        states = stored.order.states
        seen[number] = (states.order, states.payment, states.fulfilment)
    doubled = [number for number, count in counts.items() if count > 1]
    assert not doubled, f"orders stored more than once at the target: {doubled[:10]}"
    return seen


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_sync_killed_at_random_moments_delivers_every_order_once_in_its_latest_state(
    kind: str, tmp_path: pathlib.Path, request: pytest.FixtureRequest
) -> None:
    store_url = (
        f"sqlite:///{tmp_path / 'source.db'}" if kind == "sqlite" else request.getfixturevalue("postgres_url")
    )
    rng = random.Random(20261207)
    shop = Shop(count=ORDERS)
    figures: list[str] = []
    with (
        StandinShopify(shop) as standin,
        Store(f"sqlite:///{tmp_path / 'target.db'}") as target,
        dfc_hub(target, API_TOKEN, name="uvicorn-kill-target") as url,
    ):
        collection = f"{url}/api/dfc/Orders"
        for kill in range(KILLS):
            for index in rng.sample(range(1, ORDERS + 1), 10):  # the shop changes some orders
                shop.touch(index, financial=rng.choice(FINANCIAL))
            before = target.count()
            process = _sync(standin.base_url, store_url, collection, "--method", "POST")
            more = rng.randint(1, 12 if kill else 120)  # writes the hub takes before the kill
            killed = _kill_after(process, target.generation, more)
            state = f"killed after {more} writes" if killed else "ended before the kill"
            figures.append(f"run {kill + 1}: {state}; hub orders {before} -> {target.count()}")
        final = _sync(standin.base_url, store_url, collection, "--method", "POST")
        _, err = final.communicate(timeout=300)
        assert final.returncode == 0, err.decode()
        again = _sync(standin.base_url, store_url, collection, "--method", "POST")
        _, err_again = again.communicate(timeout=300)
        assert again.returncode == 0, err_again.decode()
        with Store(store_url) as source:
            expected = _states(source, "shopify")
            pending = source.deliveries(states=("pending", "parked"))
        delivered = _states(target, "dfc")
    print(f"\n[{kind}] {ORDERS} orders, {KILLS} runs:", *figures, sep="\n  ")
    print(f"  final run: {err.decode().strip().splitlines()[-1]}")
    print(f"  second run: {err_again.decode().strip().splitlines()[-1]}")
    assert len(expected) == ORDERS
    assert pending == []
    assert delivered == expected, _difference(expected, delivered)
    assert "0 written" in err_again.decode()  # nothing changed since: nothing sent


def _difference(expected: t.Mapping[str, t.Any], got: t.Mapping[str, t.Any]) -> str:
    missing = sorted(set(expected) - set(got))[:5]
    extra = sorted(set(got) - set(expected))[:5]
    wrong = [(n, expected[n], got[n]) for n in sorted(set(expected) & set(got)) if expected[n] != got[n]][:5]
    return f"missing {missing}, unexpected {extra}, other state {wrong}"


# -- the connections file: one Shopify source, a DFC hub and a Commerce Layer organization -----------------


def _connections_file(path: pathlib.Path, shop: str, hub: str, cl: str) -> pathlib.Path:
    path.write_text(
        yaml.safe_dump(
            {
                "sources": {
                    "shop": {"platform": "shopify", "base_url": shop, "credentials": {"token": "SHOP_TOKEN"}}
                },
                "targets": {
                    "hub": {
                        "platform": "dfc",
                        "base_url": hub,
                        "method": "POST",
                        "credentials": {"token": "HUB_TOKEN"},
                    },
                    "cl": {
                        "platform": "commercelayer",
                        "base_url": cl,
                        "credentials": {"client_id": "CL_ID", "client_secret": "CL_SECRET"},
                        "options": {"market": "code:europe", "auth_url": f"{cl}/oauth/token"},
                    },
                },
                "routes": [{"from": "shop", "to": ["hub", "cl"]}],
                "delivery": {"max_attempts": 8, "base_delay_seconds": 0.1, "max_delay_seconds": 1},
            }
        )
    )
    return path


def _run(connections: pathlib.Path, store_url: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEBRIDGE_")}
    env.update(
        {
            "SHOP_TOKEN": SHOPIFY_TOKEN,
            "HUB_TOKEN": API_TOKEN,
            "CL_ID": CL_CLIENT_ID,
            "CL_SECRET": CL_CLIENT_SECRET,
        }
    )
    command = [
        sys.executable,
        "-m",
        "statebridge",
        "sync",
        "--connections",
        str(connections),
        "--store",
        store_url,
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _cl_reads_as(order: t.Mapping[str, t.Any]) -> tuple[str | None, ...]:
    attributes = order["attributes"]
    fields = {key: attributes[key] for key in ("status", "payment_status", "fulfillment_status")}
    states = CL.mapping_table().translate(fields)
    return (states.order, states.payment, states.fulfilment)


def _as_cl_holds(states: tuple[str | None, ...]) -> tuple[str | None, ...]:
    """The DFC states as Commerce Layer can hold them: its table's reverse rules, read back."""
    order, payment, fulfilment = states
    fields, _ = platform_fields(DFCStates(order=order, payment=payment, fulfilment=fulfilment), CL)
    return _cl_reads_as({"attributes": fields})


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_connections_sync_to_a_hub_and_commerce_layer_killed_at_random_delivers_each_once(
    kind: str, tmp_path: pathlib.Path, request: pytest.FixtureRequest
) -> None:
    store_url = (
        f"sqlite:///{tmp_path / 'source.db'}" if kind == "sqlite" else request.getfixturevalue("postgres_url")
    )
    rng = random.Random(7)
    shop = Shop(count=ORDERS)
    figures: list[str] = []
    with (
        StandinShopify(shop) as standin,
        StandinCommerceLayerWrite(Organization(count=0, limit=1_000_000)) as cl,
        Store(f"sqlite:///{tmp_path / 'target.db'}") as target,
        dfc_hub(target, API_TOKEN, name="uvicorn-kill-hub") as url,
    ):
        connections = _connections_file(
            tmp_path / "statebridge.yaml", standin.base_url, f"{url}/api/dfc/Orders", cl.base_url
        )
        for kill in range(CONNECTION_KILLS):
            for index in rng.sample(range(1, ORDERS + 1), 10):
                shop.touch(index, financial=rng.choice(FINANCIAL))
            before = (target.count(), len(cl.orders_written()))
            process = _run(connections, store_url)
            where, writes = (
                ("hub", target.generation) if kill % 2 == 0 else ("Commerce Layer", lambda: len(cl.writes))
            )
            more = rng.randint(1, 12 if kill > 1 else 120)  # writes that target takes before the kill
            killed = _kill_after(process, writes, more)
            after = (target.count(), len(cl.orders_written()))
            state = f"killed after {more} writes to {where}" if killed else "ended before the kill"
            figures.append(
                f"run {kill + 1}: {state}; hub orders {before[0]} -> {after[0]}, "
                f"Commerce Layer orders {before[1]} -> {after[1]}"
            )
        final = _run(connections, store_url)
        _, err = final.communicate(timeout=300)
        with Store(store_url) as source:
            expected = _states(source, "shopify")
            keys = {
                delivery_key("shopify", standin.base_url, stored.order.id, "cl"): stored.order.number
                for stored in source.orders(platform="shopify")
            }
            cl_rows = {row.order_id: row for row in source.deliveries(target="cl")}
            hub_pending = source.deliveries(target="hub", states=("pending", "parked"))
        delivered = _states(target, "dfc")
        written = cl.orders_written()
    print(
        f"\n[{kind}, hub and Commerce Layer] {ORDERS} orders, {CONNECTION_KILLS} runs:", *figures, sep="\n  "
    )
    print(f"  final run: {err.decode().strip().splitlines()[-1]}")
    assert delivered == expected, _difference(expected, delivered)
    assert hub_pending == []
    references = collections.Counter(order["attributes"]["reference"] for order in written)
    assert [ref for ref, count in references.items() if count > 1] == [], "orders created twice at CL"
    assert set(references) <= set(keys)
    by_reference = {order["attributes"]["reference"]: order for order in written}
    states_by_number = dict(expected)
    unreachable = 0
    for row in cl_rows.values():
        assert row.state in ("done", "parked"), (row.order_id, row.state, row.reason)
        key = delivery_key("shopify", standin.base_url, row.order_id, "cl")
        number = keys[key]
        if row.state == "parked":
            unreachable += 1
            assert "cannot" in (row.reason or "") or "stands at" in (row.reason or ""), row.reason
            continue
        assert _cl_reads_as(by_reference[key]) == _as_cl_holds(states_by_number[number]), number
    print(
        f"  Commerce Layer: {len(written)} orders, {len(cl_rows) - unreachable} in their latest state, "
        f"{unreachable} parked as unreachable by its triggers"
    )
    assert len(cl_rows) == ORDERS
