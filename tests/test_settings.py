"""Settings are passed in: built once from the environment by the CLI and `create_app`, never
written back to it, and every error class lives in `statebridge.errors`."""

from __future__ import annotations

import importlib
import inspect
import os
import pathlib
import pkgutil
import shutil

import httpx
import pytest
import yaml
from click.testing import CliRunner

import statebridge
from statebridge import errors
from statebridge.cli import cli
from statebridge.errors import ConfigurationError, StatebridgeError, UsageError
from statebridge.mapping import SHIPPED, Tables, load_table
from statebridge.platforms.shopify.client_rest import ShopifyRestClient
from statebridge.settings import Settings
from statebridge.store import Store
from statebridge.web import create_app

from .serving import running

REPOSITORY_TABLES = pathlib.Path(__file__).resolve().parents[1] / "mappings"


def _tables_copy(folder: pathlib.Path, description: str | None = None) -> pathlib.Path:
    """A copy of the repository's tables in `folder`, the Spree table's description replaced."""
    shutil.copytree(REPOSITORY_TABLES, folder)
    if description is not None:
        path = folder / "spree.yaml"
        document = yaml.safe_load(path.read_text("utf-8"))
        document["description"] = description
        path.write_text(yaml.safe_dump(document, sort_keys=False), "utf-8")
    return folder


def test_settings_come_from_the_mapping_given_and_options_win() -> None:
    environ = {
        "STATEBRIDGE_STORE": "sqlite:///from-env.db",
        "STATEBRIDGE_PUBLIC_URL": "https://hub.example.org",
        "STATEBRIDGE_SHOPIFY_TOKEN": "shpat_from_env",
        "STATEBRIDGE_SPREE_TOKEN": "",  # empty counts as unset
        "UNRELATED": "x",
    }
    settings = Settings.from_env(environ, store="sqlite:///from-option.db", mappings=None)
    assert settings.store == "sqlite:///from-option.db"
    assert settings.public_url == "https://hub.example.org"
    assert settings.mappings is None
    assert settings.value("STATEBRIDGE_SHOPIFY_TOKEN") == "shpat_from_env"
    assert settings.value("STATEBRIDGE_SPREE_TOKEN") is None
    with pytest.raises(KeyError, match="STATEBRIDGE_NO_SUCH"):
        settings.value("STATEBRIDGE_NO_SUCH")


def test_secrets_and_the_store_url_never_show_in_repr() -> None:
    settings = Settings(
        shopify_token="shpat_secret_value",
        spree_webhook_secret="whsec_secret_value",
        store="postgresql://statebridge:db-password@db/statebridge",
    )
    shown = f"{settings!r} {settings}"
    assert "shpat_secret_value" not in shown
    assert "whsec_secret_value" not in shown
    assert "db-password" not in shown


def test_every_variable_is_named_after_its_field() -> None:
    assert Settings.variable("commercelayer_client_secret") == "STATEBRIDGE_COMMERCELAYER_CLIENT_SECRET"
    names = {Settings.variable(field) for field in Settings.model_fields}
    assert {"STATEBRIDGE_MAPPINGS", "STATEBRIDGE_STORE", "STATEBRIDGE_OIDC_CLIENT_CLAIM"} <= names


def test_two_tables_with_different_folders_coexist(tmp_path: pathlib.Path) -> None:
    first = Tables(_tables_copy(tmp_path / "first", description="first edit"))
    second = Tables(_tables_copy(tmp_path / "second", description="second edit"))
    assert first.load("spree").description == "first edit"
    assert second.load("chord").description == "second edit"  # aliases resolve in each folder
    assert first.load("spree").source == str(tmp_path / "first" / "spree.yaml")
    assert load_table("spree").source == "statebridge.mappings/spree.yaml"
    assert load_table("spree") is SHIPPED.load("spree")
    assert load_table("spree").description not in ("first edit", "second edit")


def test_a_missing_folder_is_a_usage_error_naming_the_variable(tmp_path: pathlib.Path) -> None:
    with pytest.raises(
        UsageError, match=r"STATEBRIDGE_MAPPINGS='.*nowhere' is not a folder of mapping tables"
    ):
        Tables(tmp_path / "nowhere").load("spree")


def test_cli_mappings_option_leaves_the_environment_alone(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STATEBRIDGE_MAPPINGS", raising=False)
    broken = _tables_copy(tmp_path / "broken")
    (broken / "spree.yaml").write_text("fields: [unclosed", "utf-8")
    before = dict(os.environ)
    result = CliRunner().invoke(
        cli, ["mappings", "check", "--platform", "shopify", "--mappings", str(broken)]
    )
    assert result.exit_code == 1, result.output
    assert str(broken / "spree.yaml") in result.output  # the edited folder was used...
    assert dict(os.environ) == before  # ...without writing it to the environment
    shown = CliRunner().invoke(cli, ["mappings", "show", "--platform", "spree"])
    assert shown.exit_code == 0, shown.output  # the next command in this process reads the shipped tables
    assert "mappings/spree.yaml" in shown.output


def test_cli_mappings_option_beats_the_environment(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATEBRIDGE_MAPPINGS", str(tmp_path / "nowhere"))
    edited = _tables_copy(tmp_path / "edited", description="edited for the test")
    result = CliRunner().invoke(cli, ["mappings", "show", "--platform", "spree", "--mappings", str(edited)])
    assert result.exit_code == 0, result.output
    assert "edited for the test" in result.output
    from_env = CliRunner().invoke(cli, ["mappings", "show", "--platform", "spree"])
    assert from_env.exit_code == 2
    assert "STATEBRIDGE_MAPPINGS=" in from_env.output


def test_cli_store_option_beats_the_environment(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATEBRIDGE_STORE", f"sqlite:///{tmp_path / 'from-env.db'}")
    chosen = f"sqlite:///{tmp_path / 'chosen.db'}"
    added = CliRunner().invoke(cli, ["clients", "add", "hub", "--store", chosen])
    assert added.exit_code == 0, added.output
    assert (tmp_path / "chosen.db").is_file()
    assert not (tmp_path / "from-env.db").exists()
    listed = CliRunner().invoke(cli, ["clients", "list"])  # the environment's store: never created
    assert listed.exit_code == 2
    assert "no store at" in listed.output


def test_a_client_takes_its_credentials_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STATEBRIDGE_SHOPIFY_TOKEN", raising=False)
    monkeypatch.setenv("STATEBRIDGE_SHOPIFY_API_VERSION", "2020-01")
    settings = Settings(shopify_token="shpat_from_settings", shopify_api_version="2026-07")
    with ShopifyRestClient("https://shop.example.org", settings=settings) as client:
        assert client.headers()["X-Shopify-Access-Token"] == "shpat_from_settings"
        assert client.api_version == "2026-07"
    with pytest.raises(ConfigurationError, match="set STATEBRIDGE_SHOPIFY_TOKEN in the environment"):
        ShopifyRestClient("https://shop.example.org", settings=Settings())


def test_create_app_reads_the_settings_given_not_the_environment(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATEBRIDGE_API_TOKENS", "sb-token-from-the-environment")
    monkeypatch.delenv("STATEBRIDGE_SHOPIFY_WEBHOOK_SECRET", raising=False)
    settings = Settings(api_tokens="sb-token-from-settings", shopify_webhook_secret="whsec-from-settings")
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        app = create_app(store, settings=settings)
        with running(app) as url, httpx.Client(base_url=url, timeout=10) as http:
            orders = "/api/dfc/Orders"
            assert (
                http.get(orders, headers={"Authorization": "Bearer sb-token-from-settings"}).status_code
                == 200
            )
            refused = http.get(orders, headers={"Authorization": "Bearer sb-token-from-the-environment"})
            assert refused.status_code == 401
            # the webhook secret is the settings' too: a delivery is checked (401), not refused as unset (503)
            delivery = http.post(
                "/webhooks/shopify", content=b"{}", headers={"X-Shopify-Hmac-Sha256": "AAAA"}
            )
            assert delivery.status_code == 401


def test_create_app_without_a_store_opens_the_one_the_settings_name(tmp_path: pathlib.Path) -> None:
    app = create_app(settings=Settings(store=f"sqlite:///{tmp_path / 'factory.db'}"))
    store = app.state.store
    try:
        assert (tmp_path / "factory.db").is_file()
        assert store.count() == 0
    finally:
        store.close()


def test_every_statebridge_error_is_defined_in_errors_py() -> None:
    for module in pkgutil.walk_packages(statebridge.__path__, "statebridge."):
        if not module.name.endswith("__main__"):  # importing it would run the command line
            importlib.import_module(module.name)
    elsewhere = []
    pending: list[type[StatebridgeError]] = [StatebridgeError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__ != "statebridge.errors":
            elsewhere.append(f"{cls.__module__}.{cls.__qualname__}")
    assert elsewhere == []
    for name in ("Forbidden", "Unauthorized", "AuthUnavailable", "VersionConflict"):
        assert inspect.isclass(getattr(errors, name))
        assert name in errors.__all__
        assert name in (errors.__doc__ or "")
