"""Commerce Layer: JSON:API orders (reader, writer, client, webhook)."""

from __future__ import annotations

from ..descriptor import ClientOption, Platform
from .adapter import CommerceLayerAdapter

__all__ = ["PLATFORM", "CommerceLayerAdapter"]

PLATFORM = Platform(
    name="commercelayer",
    position=40,
    adapter=CommerceLayerAdapter,
    clients={"api": "statebridge.platforms.commercelayer.client:CommerceLayerClient"},
    client_options=(
        ClientOption(
            "--auth-url",
            "auth_url",
            help="Commerce Layer only: the token endpoint (default https://auth.commercelayer.io/oauth/token).",
            metavar="URL",
        ),
    ),
    markers=("payment_status", "number"),
    webhook="statebridge.platforms.commercelayer.webhook:WEBHOOK",
    envelopes=("data", "number"),
    writer="statebridge.platforms.commercelayer.deliver:CommerceLayerWriter",
)
