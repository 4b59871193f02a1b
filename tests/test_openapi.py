"""The OpenAPI document is true: schemathesis runs every check against the running app.

`positive_data_acceptance` is left out on purpose: it assumes that a body valid against the JSON
Schema must be accepted, but whether a JSON-LD document holds exactly one readable DFC order is a
question of its RDF meaning, which JSON Schema cannot state; such bodies get a documented 422.
"""

from __future__ import annotations

import importlib.metadata
import pathlib
import shutil
import subprocess
import sys
import typing as t

import httpx
import pytest

from statebridge import platforms as registry
from statebridge.errors import OrderError
from statebridge.platforms import Adapter, Platform, RawOrder
from statebridge.store import Store
from statebridge.web import create_app
from statebridge.web.auth import Authenticator
from statebridge.web.enterprises import Enterprise
from statebridge.web.openapi import document

from .serving import running

TOKEN = "openapi-test-token"


@pytest.fixture
def app_url(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> t.Iterator[str]:
    monkeypatch.setenv("STATEBRIDGE_SHOPIFY_WEBHOOK_SECRET", "shopify-test-secret")
    monkeypatch.setenv("STATEBRIDGE_COMMERCELAYER_WEBHOOK_SECRET", "cl-test-secret")
    monkeypatch.setenv("STATEBRIDGE_SPREE_WEBHOOK_SECRET", "spree-test-secret")
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        app = create_app(
            store,
            authenticator=Authenticator.from_env({"STATEBRIDGE_API_TOKENS": TOKEN}),
            enterprises={"acme": Enterprise("acme", "spree", "https://hub.example.org")},
        )
        with running(app, name="uvicorn-openapi") as url:
            yield url


def test_the_document_is_served_and_lists_every_route(app_url: str) -> None:
    served = httpx.get(f"{app_url}/openapi.json").json()
    assert served == document()
    assert set(served["paths"]) == {
        "/api/dfc/Orders",
        "/api/dfc/Orders/{order_id}",
        "/api/dfc/Enterprises/{enterprise}/Orders",
        "/api/dfc/Enterprises/{enterprise}/Orders/{order_id}",
        "/api/dfc/Orders/{order_id}/OrderLines",
        "/api/dfc/Orders/{order_id}/OrderLines/{line_id}",
        "/api/dfc/Enterprises/{enterprise}/Orders/{order_id}/OrderLines",
        "/api/dfc/Enterprises/{enterprise}/Orders/{order_id}/OrderLines/{line_id}",
        "/health",
        "/webhooks/shopify",
        "/webhooks/commercelayer",
        "/webhooks/spree",
    }


def test_schemathesis_finds_no_failure(app_url: str, tmp_path: pathlib.Path) -> None:
    executable = shutil.which("schemathesis", path=str(pathlib.Path(sys.executable).parent))
    assert executable, "schemathesis is a dev dependency: make test installs it"
    result = subprocess.run(
        [
            executable,
            "run",
            f"{app_url}/openapi.json",
            "-H",
            f"Authorization: Bearer {TOKEN}",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            "40",
            "--seed",
            "20261122",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "Tested: 18" in result.stdout


def test_the_webhook_paths_of_todays_platforms_name_their_signature_headers() -> None:
    webhooks = {
        path: item["post"] for path, item in document()["paths"].items() if path.startswith("/webhooks/")
    }
    assert {path: (post["summary"], post["operationId"]) for path, post in webhooks.items()} == {
        "/webhooks/shopify": ("Shopify webhook (X-Shopify-Hmac-Sha256)", "shopifyWebhook"),
        "/webhooks/commercelayer": (
            "Commerce Layer webhook (X-CommerceLayer-Signature)",
            "commerceLayerWebhook",
        ),
        "/webhooks/spree": (
            "Spree 5.3+ webhook (X-Spree-Webhook-Signature, X-Spree-Webhook-Timestamp)",
            "spreeWebhook",
        ),
    }
    assert all(post["security"] == [{}] and "401" in post["responses"] for post in webhooks.values())


class _FakeAdapter(Adapter):
    name = "fakehook"
    shapes = ("fake",)

    def split(self, document: t.Any) -> t.Iterator[RawOrder | OrderError]:
        yield RawOrder(None, "fake", document)

    def fields(self, raw: RawOrder) -> dict[str, t.Any]:
        return {}


class _FakeWebhook:
    secret_env = "STATEBRIDGE_FAKEHOOK_WEBHOOK_SECRET"
    label = "Fake Hook"
    signature_headers = ("X-Fake-Signature",)

    def handle(self, delivery: t.Any, ingest: t.Any) -> t.Any:  # never called by these tests
        raise NotImplementedError


class _PlainWebhook:
    """A handler that says nothing about itself: the document describes it generically."""

    secret_env = "STATEBRIDGE_PLAINHOOK_WEBHOOK_SECRET"

    def handle(self, delivery: t.Any, ingest: t.Any) -> t.Any:  # never called by these tests
        raise NotImplementedError


class _PlainAdapter(_FakeAdapter):
    name = "plainhook"


class _SilentAdapter(_FakeAdapter):
    name = "silenthook"


FAKE_WEBHOOK = _FakeWebhook()
PLAIN_WEBHOOK = _PlainWebhook()
FAKE_PLATFORM = Platform(
    name="fakehook", position=60, adapter=_FakeAdapter, webhook=f"{__name__}:FAKE_WEBHOOK"
)
PLAIN_PLATFORM = Platform(
    name="plainhook", position=70, adapter=_PlainAdapter, webhook=f"{__name__}:PLAIN_WEBHOOK"
)
SILENT_PLATFORM = Platform(name="silenthook", position=80, adapter=_SilentAdapter)


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> t.Iterator[None]:
    """Three more platforms in the registry: two with a webhook, one without."""
    found = list(importlib.metadata.entry_points(group=registry.GROUP))
    found += [
        importlib.metadata.EntryPoint(name, f"{__name__}:{attribute}", registry.GROUP)
        for name, attribute in [
            ("fakehook", "FAKE_PLATFORM"),
            ("plainhook", "PLAIN_PLATFORM"),
        ]
    ]
    monkeypatch.setattr(registry, "_entry_points", lambda: found)
    registry._registry.cache_clear()
    yield
    registry._registry.cache_clear()


def test_a_registered_platform_with_a_webhook_is_documented(registered: None) -> None:
    paths = document()["paths"]
    fake = paths["/webhooks/fakehook"]["post"]
    assert fake["summary"] == "Fake Hook webhook (X-Fake-Signature)"
    assert fake["operationId"] == "fakeHookWebhook"
    assert fake["responses"] == paths["/webhooks/spree"]["post"]["responses"]
    plain = paths["/webhooks/plainhook"]["post"]
    assert plain["summary"] == "plainhook webhook (signed with its shared secret)"
    assert plain["operationId"] == "plainhookWebhook"
    assert [p for p in paths if p.startswith("/webhooks/")] == [
        "/webhooks/spree",
        "/webhooks/shopify",
        "/webhooks/commercelayer",
        "/webhooks/fakehook",
        "/webhooks/plainhook",
    ]


def test_a_registered_platform_without_a_webhook_is_not_documented(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = [
        *importlib.metadata.entry_points(group=registry.GROUP),
        importlib.metadata.EntryPoint("silenthook", f"{__name__}:SILENT_PLATFORM", registry.GROUP),
    ]
    monkeypatch.setattr(registry, "_entry_points", lambda: found)
    registry._registry.cache_clear()
    try:
        assert "silenthook" in registry.names()
        assert not any("silenthook" in path for path in document()["paths"])
    finally:
        registry._registry.cache_clear()
