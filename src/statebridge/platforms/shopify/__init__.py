"""Shopify: REST, GraphQL and Bulk orders (reader, writer, clients, webhook)."""

from __future__ import annotations

from ..descriptor import ClientOption, Platform
from .adapter import ShopifyAdapter

__all__ = ["PLATFORM", "ShopifyAdapter"]

PLATFORM = Platform(
    name="shopify",
    position=20,
    adapter=ShopifyAdapter,
    clients={
        "rest": "statebridge.platforms.shopify.client_rest:ShopifyRestClient",
        "graphql": "statebridge.platforms.shopify.client_graphql:ShopifyGraphQLClient",
    },
    client_options=(
        ClientOption(
            "--api",
            "api",
            help="Shopify only: the Admin REST API (default) or the Admin GraphQL API.",
            choices=("rest", "graphql"),
        ),
    ),
    markers=("financial_status", "admin_graphql_api_id", "displayFinancialStatus"),
    shared_keys=("number",),
    webhook="statebridge.platforms.shopify.webhook:WEBHOOK",
    writer="statebridge.platforms.shopify.deliver:ShopifyWriter",
    envelopes=("orders", "order", "data", "name"),
)
