"""Every setting statebridge reads, in one object built once and passed in.

The command line builds a `Settings` from the environment plus its options (options win), and
`create_app` takes one (or builds one from the environment, for `uvicorn --factory`); library code
is handed the settings, the mapping tables or the store it needs and never reads or writes the
process environment itself. Each field is read from `STATEBRIDGE_<FIELD>` (`shopify_token` from
`STATEBRIDGE_SHOPIFY_TOKEN`); an empty variable counts as unset. Values are kept as given: each
consumer validates its own, so that its messages name the variable and never a value.

Secrets (tokens, webhook secrets, client credentials) are `SecretStr`: `repr` and logs show
`**********`, and `secret(variable)` is the one way to read one. The store URL may carry a
password, so it is left out of `repr` too.

A frozen pydantic model with `from_env(environ)` rather than pydantic-settings' `BaseSettings`:
callers (tests, embedding applications) build settings from any mapping without touching
`os.environ`, no dependency is added, and the messages for bad values stay statebridge's own
(a `ConfigurationError` naming the variable) instead of a pydantic `ValidationError`.
"""

from __future__ import annotations

import os
import pathlib
import typing as t

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = ["PREFIX", "Settings", "or_environment"]

#: Every variable statebridge reads starts with this.
PREFIX = "STATEBRIDGE_"


class Settings(BaseModel):
    """statebridge's settings; build with `Settings.from_env(environ)` or by keyword."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: A folder of YAML mapping tables to use instead of the shipped ones (`--mappings`).
    mappings: pathlib.Path | None = None
    #: The connections file: sources, targets, routes (`--connections`); None: `statebridge.yaml`
    #: in the current directory when it exists.
    connections: pathlib.Path | None = None
    #: The order store's URL (`--store`); None: the command line's default.
    store: str | None = Field(default=None, repr=False)
    #: The URL the DFC endpoint is reached at (else the request's own).
    public_url: str | None = None
    #: Enterprise -> platform and base URL: JSON, or the path of a JSON file.
    enterprises: str | None = None
    #: DFC endpoint authentication: static bearer tokens and OIDC.
    api_tokens: SecretStr | None = None
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_client_claim: str | None = None
    #: Webhooks: the shared secrets that sign deliveries, and the base URLs deliveries do not name.
    shopify_webhook_secret: SecretStr | None = None
    commercelayer_webhook_secret: SecretStr | None = None
    spree_webhook_secret: SecretStr | None = None
    commercelayer_base_url: str | None = None
    spree_base_url: str | None = None
    #: Platform API credentials (pull, sync).
    shopify_token: SecretStr | None = None
    #: Shopify apps that mint their own tokens: client credentials (Dev Dashboard apps on your own
    #: shops) and, with a refresh token, expiring offline tokens (public apps); see clients/shopify_auth.py.
    shopify_client_id: SecretStr | None = None
    shopify_client_secret: SecretStr | None = None
    shopify_refresh_token: SecretStr | None = None
    shopify_api_version: str | None = None
    spree_token: SecretStr | None = None
    relatude_token: SecretStr | None = None
    commercelayer_client_id: SecretStr | None = None
    commercelayer_client_secret: SecretStr | None = None
    dfc_token: SecretStr | None = None
    #: Workers: the message broker (`redis://…`, the default kind, or `amqp://…` for RabbitMQ);
    #: None: no broker, every command does its work in-process (the embedded default).
    broker_url: str | None = Field(default=None, repr=False)
    #: Where the shops' shared rate-limit state lives (`redis://…`); None: the broker's URL when it
    #: is Redis, else each process paces itself.
    redis_url: str | None = Field(default=None, repr=False)
    #: `GET /metrics` requires `Authorization: Bearer` with this token; None: open to any scraper.
    metrics_token: SecretStr | None = None

    @classmethod
    def variable(cls, field: str) -> str:
        """The environment variable a field is read from (`shopify_token` -> `STATEBRIDGE_SHOPIFY_TOKEN`)."""
        return PREFIX + field.upper()

    @classmethod
    def from_env(cls, environ: t.Mapping[str, str] | None = None, **overrides: t.Any) -> Settings:
        """The settings `environ` (default: the process environment, read now) gives; `overrides`
        that are not None win (command-line options)."""
        source = os.environ if environ is None else environ
        values: dict[str, t.Any] = {}
        for field in cls.model_fields:
            value = source.get(cls.variable(field))
            if value:
                values[field] = value
        values.update({name: value for name, value in overrides.items() if value is not None})
        return cls(**values)

    def value(self, variable: str) -> str | None:
        """The value of the setting read from environment variable `variable` (secrets unmasked)."""
        field = variable.removeprefix(PREFIX).lower()
        if not variable.startswith(PREFIX) or field not in type(self).model_fields:
            msg = f"statebridge reads no setting {variable!r}"
            raise KeyError(msg)
        value = getattr(self, field)
        if isinstance(value, SecretStr):
            return value.get_secret_value()
        return None if value is None else str(value)


def or_environment(settings: Settings | None) -> Settings:
    """`settings`, else the process environment's as of now (a caller that passed none)."""
    return settings if settings is not None else Settings.from_env()
