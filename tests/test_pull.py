"""Incremental pull from a stand-in Shopify over real HTTP, on SQLite and PostgreSQL.

The stand-in throttles (a leaky bucket, plus bursts of 429 with `Retry-After`) and fails one
request in twenty (500, 503 or a dropped connection in turn). The pull must end with every order
stored exactly once, send no request before a 429's `Retry-After` is up, survive being killed, and
store what changed since.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import typing as t
from urllib.parse import parse_qs, urlsplit

import pytest

from statebridge.clients import RetryPolicy
from statebridge.errors import ConfigurationError, FatalAPIError
from statebridge.platforms.shopify.client_rest import ShopifyRestClient
from statebridge.pull import PullReport, pull
from statebridge.store import Store

from .standin.shopify import TOKEN, Shop, StandinShopify

FAST = RetryPolicy(max_attempts=8, base_delay=0.02, max_delay=0.2, timeout=10)


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATEBRIDGE_SHOPIFY_TOKEN", TOKEN)


def _client(standin: StandinShopify, **kwargs: object) -> ShopifyRestClient:
    options = {"policy": FAST, "page_size": 100, "restore_rate": standin.shop.leak_per_second}
    options.update(kwargs)
    return ShopifyRestClient(standin.base_url, **options)  # type: ignore[arg-type]


def _pull(standin: StandinShopify, store: Store, **kwargs: t.Any) -> PullReport:
    with _client(standin) as client:
        return pull("shopify", standin.base_url, store, client=client, **kwargs)


def _hostile_shop(count: int = 5000) -> Shop:
    return Shop(
        count=count, bucket_size=8, leak_per_second=40.0, fail_every=20, throttle_every=13, retry_after=0.15
    )


def test_5000_orders_through_throttling_and_faults(store_url: str) -> None:
    with StandinShopify(_hostile_shop()) as standin, Store(store_url) as store:
        report = _pull(standin, store)
        assert report.orders == 5000
        assert report.problems == []
        assert store.count("shopify") == 5000
        assert standin.failed > 0, "the stand-in must have failed some requests"
        assert standin.throttled > 0, "the stand-in must have throttled some requests"
        assert standin.early_after_429 == 0, "a request went out before Retry-After was up"
        newest = max(dt.datetime.fromisoformat(o["updated_at"]) for o in standin.shop.orders.values())
        assert store.cursor("shopify", standin.base_url) == newest

        again = _pull(standin, store)
        assert store.count("shopify") == 5000
        assert again.changed == 0, "re-reading the overlap must change nothing"
        assert 0 < again.orders < 5000, "a second pull starts from the cursor, not from scratch"


def test_second_pull_starts_from_the_cursor_minus_the_overlap(tmp_path: object) -> None:
    shop = Shop(count=300)
    with StandinShopify(shop) as standin, Store(f"sqlite:///{tmp_path}/s.db") as store:  # type: ignore[operator]
        _pull(standin, store)
        cursor = store.cursor("shopify", standin.base_url)
        assert cursor is not None
        first_request = len(standin.requests)
        _pull(standin, store, overlap=dt.timedelta(minutes=10))
        query = parse_qs(urlsplit(standin.requests[first_request][1]).query)
        assert dt.datetime.fromisoformat(query["updated_at_min"][0]) == cursor - dt.timedelta(minutes=10)
        assert query["status"] == ["any"]
        assert query["order"] == ["updated_at asc"]


def test_a_newer_order_replaces_the_stored_one_and_an_older_never_does(tmp_path: object) -> None:
    shop = Shop(count=120)
    with StandinShopify(shop) as standin, Store(f"sqlite:///{tmp_path}/s.db") as store:  # type: ignore[operator]
        _pull(standin, store)
        shop.touch(7, financial="refunded")
        report = _pull(standin, store)
        assert report.changed == 1
        stored = {s.order.number: s for s in store.orders()}
        assert stored["#1007"].order.platform_status["financial_status"] == "refunded"
        assert stored["#1007"].raw["financial_status"] == "refunded"
        older = stored["#1008"].order.model_copy(
            update={"updated_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}
        )
        assert store.save_page("shopify", standin.base_url, [(older, {"stale": True})]) == 0
        assert next(s for s in store.orders() if s.order.number == "#1008").raw != {"stale": True}


def test_an_order_the_tables_do_not_know_is_kept_as_a_reject(tmp_path: object) -> None:
    shop = Shop(count=60)
    shop.orders[5]["financial_status"] = "in_limbo"
    with StandinShopify(shop) as standin, Store(f"sqlite:///{tmp_path}/s.db") as store:  # type: ignore[operator]
        report = _pull(standin, store)
        assert store.count() == 59
        [reject] = store.rejected()
        assert "value 'in_limbo'" in reject["problem"]
        assert json.loads(reject["raw"])["name"] == "#1005"
        assert len(report.problems) == 1


def test_a_wrong_token_is_fatal_and_never_shown(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATEBRIDGE_SHOPIFY_TOKEN", "shpat_wrong_secret_value")
    with StandinShopify(Shop(count=10)) as standin, Store(f"sqlite:///{tmp_path}/s.db") as store:  # type: ignore[operator]
        with pytest.raises(FatalAPIError, match=r"GET http://127\.0\.0\.1:\d+/admin/api/.*: 401") as caught:
            _pull(standin, store)
        assert "shpat_wrong_secret_value" not in str(caught.value)
        assert store.count() == 0


def test_a_missing_token_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STATEBRIDGE_SHOPIFY_TOKEN")
    with pytest.raises(ConfigurationError, match="set STATEBRIDGE_SHOPIFY_TOKEN in the environment"):
        ShopifyRestClient("https://shop.example.org")


def _pull_process(standin: StandinShopify, store_url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "STATEBRIDGE_SHOPIFY_TOKEN": TOKEN}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "statebridge",
            "pull",
            "shopify",
            "--base-url",
            standin.base_url,
            "--store",
            store_url,
            "--page-size",
            "100",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_a_pull_killed_mid_run_and_run_again_loses_and_duplicates_nothing(store_url: str) -> None:
    shop = _hostile_shop()
    with StandinShopify(shop) as standin:
        process = _pull_process(standin, store_url)
        deadline = time.monotonic() + 60
        while standin.pages_served < 15 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert process.poll() is None, "the pull finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
        with Store(store_url) as store:
            partial = store.count()
        assert 0 < partial < 5000
        for index in (3, 1500, 4999):  # orders changed while the pull was down
            shop.touch(index, financial="refunded")
        rerun = _pull_process(standin, store_url)
        _, stderr = rerun.communicate(timeout=120)
        assert rerun.returncode == 0, stderr.decode()
        assert standin.early_after_429 == 0
    with Store(store_url) as store:
        stored = {s.order.number: s.order for s in store.orders()}
        assert store.count() == 5000
        assert len(stored) == 5000
        for index in (3, 1500, 4999):
            assert stored[f"#{1000 + index}"].platform_status["financial_status"] == "refunded"
    assert b"pulled" in stderr
    assert TOKEN.encode() not in stderr


def test_client_options_reach_the_right_client(monkeypatch: pytest.MonkeyPatch) -> None:
    from statebridge.clients import client_for
    from statebridge.errors import UsageError
    from statebridge.platforms.shopify.client_graphql import ShopifyGraphQLClient

    monkeypatch.setenv("STATEBRIDGE_SPREE_TOKEN", "spree-fake")
    assert isinstance(client_for("shopify", "https://s.example.org", api="graphql"), ShopifyGraphQLClient)
    assert client_for("ofn", "https://hub.example.org").flavour == "ofn"  # type: ignore[attr-defined]
    assert client_for("chord", "https://c.example.org").flavour == "solidus"  # type: ignore[attr-defined]
    assert client_for("spree", "https://x.example.org", flavour="ofn").flavour == "ofn"  # type: ignore[attr-defined]
    with pytest.raises(UsageError, match="cannot pull from 'dfc'"):
        client_for("dfc", "https://x.example.org")
    with pytest.raises(UsageError, match="not --api soap"):
        client_for("shopify", "https://s.example.org", api="soap")


def test_an_option_for_another_platform_is_a_usage_error(tmp_path: object) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "statebridge",
            "pull",
            "relatude",
            "--base-url",
            "https://r.example.org",
            "--api",
            "graphql",
            "--store",
            f"sqlite:///{tmp_path}/s.db",
        ],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert b"--api is for shopify, not relatude" in result.stderr
