"""httpx clients for the platforms' order APIs, paced by each platform's own rate-limit signals."""

from __future__ import annotations

import typing as t

from ..errors import UsageError
from .base import ApiClient, Page, describe_request
from .commercelayer import CommerceLayerClient
from .policy import RetryPolicy, retry_after_seconds
from .relatude import RelatudeClient
from .shopify import ShopifyRestClient
from .shopify_graphql import ShopifyGraphQLClient
from .spree import SpreeClient

__all__ = [
    "CLIENTS",
    "ApiClient",
    "CommerceLayerClient",
    "Page",
    "RelatudeClient",
    "RetryPolicy",
    "ShopifyGraphQLClient",
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


#: Other APIs a platform can be pulled through (`pull --api`), by adapter name.
API_CLIENTS: dict[str, dict[str, type[ApiClient]]] = {
    "shopify": {"rest": ShopifyRestClient, "graphql": ShopifyGraphQLClient},
}

#: The Spree-family API a platform alias speaks by default (`pull --flavour` overrides it).
ALIAS_FLAVOURS = {"ofn": "ofn", "solidus": "solidus", "chord": "solidus"}


def client_for(platform: str, base_url: str, *, api: str | None = None, **kwargs: t.Any) -> ApiClient:
    """A client for `platform` (an adapter name or alias) under `base_url`.

    `api` picks another of the platform's APIs (Shopify: `rest`, `graphql`); for the Spree family an
    alias picks its API flavour (`ofn`, `solidus`) unless `flavour` is given.
    """
    from ..adapters import get_adapter

    name = get_adapter(platform).name
    if name not in CLIENTS:
        msg = f"statebridge cannot pull from {platform!r} (can pull: {', '.join(sorted(CLIENTS))})"
        raise UsageError(msg)
    if name == "spree" and "flavour" not in kwargs and platform in ALIAS_FLAVOURS:
        kwargs["flavour"] = ALIAS_FLAVOURS[platform]
    if api is None:
        return CLIENTS[name](base_url, **kwargs)
    choices = API_CLIENTS.get(name, {})
    if api not in choices:
        known = ", ".join(sorted(choices)) or "one API only"
        msg = f"statebridge pulls {name} through {known}, not --api {api}"
        raise UsageError(msg)
    return choices[api](base_url, **kwargs)
