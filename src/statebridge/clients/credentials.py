"""Credentials come from the settings (the environment), never from the command line or a log line."""

from __future__ import annotations

from ..errors import ConfigurationError
from ..settings import Settings, or_environment

__all__ = ["optional_secret", "require_secret"]


def require_secret(variable: str, *, purpose: str, settings: Settings | None = None) -> str:
    """The value of `variable`; a `ConfigurationError` naming the variable (not a value) when unset."""
    value = optional_secret(variable, settings=settings)
    if value is None:
        msg = f"set {variable} in the environment: {purpose}"
        raise ConfigurationError(msg)
    return value


def optional_secret(variable: str, *, settings: Settings | None = None) -> str | None:
    return (or_environment(settings).value(variable) or "").strip() or None
