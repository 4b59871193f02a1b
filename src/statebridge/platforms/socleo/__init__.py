"""Socleo: order exports (reader and writer)."""

from __future__ import annotations

from ..descriptor import Platform
from .adapter import SocleoAdapter

__all__ = ["PLATFORM", "SocleoAdapter"]

PLATFORM = Platform(name="socleo", position=30, adapter=SocleoAdapter)
