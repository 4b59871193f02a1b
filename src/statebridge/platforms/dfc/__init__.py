"""DFC JSON-LD: orders that carry their DFC states (reader and writer; no mapping table)."""

from __future__ import annotations

from ..descriptor import Platform
from .adapter import DfcAdapter

__all__ = ["PLATFORM", "DfcAdapter"]

PLATFORM = Platform(
    name="dfc",
    position=1000,
    adapter=DfcAdapter,
    markers=("@context", "@graph"),
    writer="statebridge.delivery.dfc_writer:DfcWriter",
)
