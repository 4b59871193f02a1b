"""`statebridge sync` without PLATFORM and `statebridge outbox drain`: the connections file's runs on
the command line, their refusals, and a drain of what the endpoint or webhooks enqueued."""

from __future__ import annotations

import pathlib

import pytest
import yaml

from statebridge.connections import load_connections
from statebridge.delivery.run import ConnectionRoutes
from statebridge.model import Order
from statebridge.store import Store

from .cli_runner import invoke
from .standin.dfc_target import StandinDfcTarget


def _file(path: pathlib.Path, hub: str) -> pathlib.Path:
    document = {
        "sources": {
            "shop": {
                "platform": "shopify",
                "base_url": "https://shop.example.org",
                "credentials": {"token": "SHOP_TOKEN"},
            }
        },
        "targets": {"hub": {"platform": "dfc", "base_url": hub, "method": "POST"}},
        "routes": [{"from": "shop", "to": ["hub"]}],
    }
    path.write_text(yaml.safe_dump(document))
    return path


def test_sync_without_platform_needs_a_connections_file(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("sync", "--store", f"sqlite:///{tmp_path / 's.db'}", env={"PATH": "/usr/bin"})
    assert result.returncode == 2
    assert b"no connections file: give PLATFORM --base-url URL" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "nowhere"], b"source 'nowhere'"),
        (
            ["shopify", "--source", "shop", "--base-url", "https://x.example.org", "--output", "o.jsonld"],
            b"--source names",
        ),
        (["--base-url", "https://x.example.org"], b"go with PLATFORM"),
        (["shopify", "--target", "https://hub.example.org/Orders"], b"PLATFORM needs --base-url"),
    ],
)
def test_sync_refuses_what_does_not_go_together(
    tmp_path: pathlib.Path, args: list[str], message: bytes
) -> None:
    connections = _file(tmp_path / "statebridge.yaml", "https://hub.example.org/api/dfc/Orders")
    result = invoke(
        "sync",
        *args,
        "--connections",
        str(connections),
        "--store",
        f"sqlite:///{tmp_path / 's.db'}",
        env={"SHOP_TOKEN": "t"},
    )
    assert result.returncode == 2, result.stderr
    assert message in result.stderr, result.stderr


def test_outbox_drain_sends_what_was_enqueued(tmp_path: pathlib.Path) -> None:
    with StandinDfcTarget(honour_keys=True, fail_first=False) as hub:
        connections = _file(tmp_path / "statebridge.yaml", hub.url)
        url = f"sqlite:///{tmp_path / 's.db'}"
        with Store(url) as store:
            routed = store.with_routes(ConnectionRoutes(load_connections(connections)))
            orders = [Order(platform="shopify", shape="rest", id=str(n), number=f"#{n}") for n in (1, 2)]
            routed.save_page(
                "shopify", "https://shop.example.org", [(order, {"id": order.id}) for order in orders]
            )
        drained = invoke(
            "outbox", "drain", "--connections", str(connections), "--store", url, env={"SHOP_TOKEN": "t"}
        )
        again = invoke(
            "outbox", "drain", "--connections", str(connections), "--store", url, env={"SHOP_TOKEN": "t"}
        )
        unknown = invoke(
            "outbox", "drain", "--target", "nope", "--connections", str(connections), "--store", url
        )
    assert drained.returncode == 0, drained.stderr
    assert b"delivered 2, parked 0, 0 waiting to be retried" in drained.stderr
    assert b"delivered 0" in again.stderr
    assert len(hub.stored) == 2
    assert unknown.returncode == 2
    assert b"'nope'" in unknown.stderr
    assert b"hub" in unknown.stderr
