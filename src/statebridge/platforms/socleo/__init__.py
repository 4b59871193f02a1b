"""Socleo: order exports (reader and writer)."""

from __future__ import annotations

from ..descriptor import Platform
from .adapter import SocleoAdapter

__all__ = ["PLATFORM", "SocleoAdapter"]

PLATFORM = Platform(
    name="socleo",
    position=30,
    adapter=SocleoAdapter,
    # `preparation_status` is Socleo's own; `reference` and `lines` are too common to tell.
    markers=("preparation_status",),
    no_writer="Socleo publishes no API",
)
