"""httpx clients for the platforms' order APIs, paced by each platform's own rate-limit signals.

The shared parts live here (`ApiClient`, the retry policy, credentials, keyset paging); each
platform's clients live in its folder (`platforms/<name>/client*.py`) and are found through the
platform registry.
"""

from __future__ import annotations

import typing as t

from ..errors import UsageError
from .base import ApiClient, Page, describe_request
from .policy import RetryPolicy, retry_after_seconds

__all__ = [
    "ApiClient",
    "Page",
    "RetryPolicy",
    "client_for",
    "describe_request",
    "pullable",
    "retry_after_seconds",
]


def pullable() -> list[str]:
    """The platforms with an API client (names only), sorted."""
    from ..platforms import platforms

    return sorted(described.name for described in platforms() if described.clients)


def client_for(platform: str, base_url: str, *, api: str | None = None, **kwargs: t.Any) -> ApiClient:
    """A client for `platform` (a platform name or alias) under `base_url`.

    `api` picks another of the platform's APIs (Shopify: `rest`, `graphql`); an alias may imply
    client options (the Spree family's `ofn` picks the `ofn` flavour) unless they are given.
    """
    from ..platforms import platform as find

    described = find(platform)
    if not described.clients:
        msg = f"statebridge cannot pull from {platform!r} (can pull: {', '.join(pullable())})"
        raise UsageError(msg)
    for key, value in described.alias_client_kwargs.get(platform, {}).items():
        kwargs.setdefault(key, value)
    return described.client_class(api)(base_url, **kwargs)
