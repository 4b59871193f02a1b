"""The OpenAPI document is true: schemathesis runs every check against the running app.

`positive_data_acceptance` is left out on purpose: it assumes that a body valid against the JSON
Schema must be accepted, but whether a JSON-LD document holds exactly one readable DFC order is a
question of its RDF meaning, which JSON Schema cannot state; such bodies get a documented 422.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import typing as t

import httpx
import pytest

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
