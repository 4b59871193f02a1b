"""Relatude: order exports, JSON or XML (reader, writer, client)."""

from __future__ import annotations

from ..descriptor import Platform
from .adapter import RelatudeAdapter

__all__ = ["PLATFORM", "RelatudeAdapter"]

PLATFORM = Platform(
    name="relatude",
    position=50,
    adapter=RelatudeAdapter,
    clients={"api": "statebridge.platforms.relatude.client:RelatudeClient"},
    markers=("OrderStatus", "Orders"),
    envelopes=("Orders", "OrderStatus"),
    no_writer="Relatude publishes no API to write orders",
)
