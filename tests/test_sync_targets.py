"""`statebridge sync` to DFC targets over real HTTP: another statebridge twice (N orders, not 2N), a
target that throttles (its `Retry-After` honoured), and a target that refuses an order for good."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import threading
import time

import pytest

from statebridge.store import Store

from .serving import dfc_hub
from .standin.dfc_target import StandinDfcTarget
from .standin.shopify import TOKEN as SHOPIFY_TOKEN, Shop, StandinShopify

ORDERS = 12
API_TOKEN = "sync-target-token"


def _sync(source: str, store: pathlib.Path, target: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEBRIDGE_")}
    env.update({"STATEBRIDGE_SHOPIFY_TOKEN": SHOPIFY_TOKEN, "STATEBRIDGE_DFC_TOKEN": API_TOKEN})
    command = [sys.executable, "-m", "statebridge", "sync", "shopify", "--base-url", source]
    command += ["--store", f"sqlite:///{store}", "--target", target, *extra]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_sync_to_statebridge_serve_twice_leaves_n_orders_not_2n(tmp_path: pathlib.Path, method: str) -> None:
    shop = Shop(count=ORDERS)
    with (
        StandinShopify(shop) as standin,
        Store(f"sqlite:///{tmp_path / 'target.db'}") as target,
        dfc_hub(target, API_TOKEN) as url,
    ):
        collection = f"{url}/api/dfc/Orders"
        first = _sync(standin.base_url, tmp_path / "a.db", collection, "--method", method)
        assert first.returncode == 0, first.stderr
        assert f"{ORDERS} written" in first.stderr
        shop.touch(3, financial="refunded")
        second = _sync(standin.base_url, tmp_path / "a.db", collection, "--method", method)
        assert second.returncode == 0, second.stderr
        # Another machine (a store of its own, no links) syncing the same shop to the same target:
        # its POSTs carry the same Idempotency-Keys, which the target answers with the orders it has.
        other = _sync(standin.base_url, tmp_path / "b.db", collection, "--method", method)
        assert other.returncode == 0, other.stderr
        assert target.count() == ORDERS, f"{target.count()} orders at the target for {ORDERS}"
        refunded = [s.order for s in target.orders() if s.order.number == "#1003"]
        assert [order.states.payment for order in refunded] == ["Cancelled"] or [
            o.platform_status for o in refunded
        ] != []
    assert "1 written" in second.stderr  # only the order that changed


def test_a_throttling_target_is_waited_for_as_it_asks(tmp_path: pathlib.Path) -> None:
    """Each first POST of an order is answered 429 with `Retry-After: 1`; the retry comes no sooner."""
    with (
        StandinShopify(Shop(count=3)) as standin,
        StandinDfcTarget(honour_keys=True, fail_first=False) as target,
    ):
        throttled: dict[str | None, float] = {}
        retried: dict[str | None, float] = {}
        lock = threading.Lock()
        receive = target.receive

        def throttle(key: str | None, body: bytes) -> tuple[int, dict[str, str], object]:
            with lock:
                if key not in throttled:
                    throttled[key] = time.monotonic()
                    return 429, {"Retry-After": "1"}, {"title": "slow down"}
                retried.setdefault(key, time.monotonic())
            return receive(key, body)

        target.receive = throttle  # type: ignore[method-assign,assignment]
        result = _sync(standin.base_url, tmp_path / "s.db", target.url, "--method", "POST")
    assert result.returncode == 0, result.stderr
    assert len(target.stored) == 3
    assert set(retried) == set(throttled)
    assert all(retried[key] - throttled[key] >= 1.0 for key in throttled)
    assert "429 Too Many Requests (Retry-After: 1)" in result.stderr


def test_an_order_the_target_refuses_is_parked_with_its_reason_and_retried_on_demand(
    tmp_path: pathlib.Path,
) -> None:
    with (
        StandinShopify(Shop(count=3)) as standin,
        StandinDfcTarget(honour_keys=True, fail_first=False) as target,
    ):
        receive = target.receive
        refusing = [True]

        def refuse_second(key: str | None, body: bytes) -> tuple[int, dict[str, str], object]:
            if refusing[0] and b'"#1002"' in body:
                return 422, {}, {"title": "this hub does not take order #1002"}
            return receive(key, body)

        target.receive = refuse_second  # type: ignore[method-assign,assignment]
        first = _sync(standin.base_url, tmp_path / "s.db", target.url, "--method", "POST")
        assert first.returncode == 3
        assert "not sent: order #1002: POST" in first.stderr
        assert "422" in first.stderr
        assert len(target.stored) == 2
        again = _sync(standin.base_url, tmp_path / "s.db", target.url, "--method", "POST")
        assert again.returncode == 0, again.stderr  # parked: not sent again by itself
        assert len(target.stored) == 2
        with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
            [parked] = store.deliveries(states=("parked",))
            assert parked.order_id
            assert "this hub does not take order #1002" in (parked.reason or "")
            store.retry(orders=[parked.order_id])
        refusing[0] = False
        retried = _sync(standin.base_url, tmp_path / "s.db", target.url, "--method", "POST")
        assert retried.returncode == 0, retried.stderr
        assert len(target.stored) == 3
