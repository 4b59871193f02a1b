"""httpx clients for the platforms' order APIs, paced by each platform's own rate-limit signals."""

from __future__ import annotations

import typing as t

from ..errors import UsageError
from .base import ApiClient, Page, describe_request
from .commercelayer import CommerceLayerClient
from .policy import RetryPolicy, retry_after_seconds
from .relatude import RelatudeClient
from .shopify import ShopifyRestClient
from .spree import SpreeClient

__all__ = [
    "CLIENTS",
    "ApiClient",
    "CommerceLayerClient",
    "Page",
    "RelatudeClient",
    "RetryPolicy",
    "ShopifyRestClient",
    "SpreeClient",
    "client_for",
    "describe_request",
    "retry_after_seconds",
]

#: The client that pulls each platform's orders, by adapter name.
CLIENTS: dict[str, type[ApiClient]] = {
    "shopify": ShopifyRestClient,
    "commercelayer": CommerceLayerClient,
    "spree": SpreeClient,
    "relatude": RelatudeClient,
}


def client_for(platform: str, base_url: str, **kwargs: t.Any) -> ApiClient:
    """A client for `platform` (an adapter name or alias) under `base_url`."""
    from ..adapters import get_adapter

    name = get_adapter(platform).name
    if name not in CLIENTS:
        msg = f"statebridge cannot pull from {platform!r} (can pull: {', '.join(sorted(CLIENTS))})"
        raise UsageError(msg)
    return CLIENTS[name](base_url, **kwargs)
