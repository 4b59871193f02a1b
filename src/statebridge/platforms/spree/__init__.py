"""Spree family: Spree, Solidus, Chord OMS and Open Food Network (reader, writer, client, webhook)."""

from __future__ import annotations

from ..descriptor import ClientOption, Platform
from .adapter import SpreeAdapter

__all__ = ["PLATFORM", "SpreeAdapter"]

PLATFORM = Platform(
    name="spree",
    position=10,
    adapter=SpreeAdapter,
    aliases=("chord", "solidus", "ofn"),
    clients={"api": "statebridge.platforms.spree.client:SpreeClient"},
    alias_client_kwargs={
        "ofn": {"flavour": "ofn"},
        "solidus": {"flavour": "solidus"},
        "chord": {"flavour": "solidus"},
    },
    client_options=(
        ClientOption(
            "--flavour",
            "flavour",
            help="Spree family only: the site's API (default: ofn for `ofn`, solidus for `solidus` and "
            "`chord`, else the Spree v2 Platform API).",
            choices=("spree-v2", "solidus", "ofn"),
        ),
    ),
    markers=("payment_state", "shipment_state", "payment_status", "number"),
    webhook="statebridge.platforms.spree.webhook:WEBHOOK",
    writer="statebridge.platforms.spree.deliver:SpreeWriter",
    envelopes=("orders", "number", "data"),
)
