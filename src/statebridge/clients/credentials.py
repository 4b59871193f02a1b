"""Credentials come from the environment, never from the command line or a log line."""

from __future__ import annotations

import os

from ..errors import ConfigurationError

__all__ = ["optional_secret", "require_secret"]


def require_secret(variable: str, *, purpose: str) -> str:
    """The value of `variable`; a `ConfigurationError` naming the variable (not a value) when unset."""
    value = os.environ.get(variable, "").strip()
    if not value:
        msg = f"set {variable} in the environment: {purpose}"
        raise ConfigurationError(msg)
    return value


def optional_secret(variable: str) -> str | None:
    return os.environ.get(variable, "").strip() or None
