"""Platform adapters, registered by name through the `statebridge.adapters` entry-point group.

Each adapter lives in its own module behind the `Adapter` base class. A third-party package can add
a platform by declaring an entry point in that group; `get_adapter` finds it by name or alias.
"""

from __future__ import annotations

import functools
import importlib.metadata

from ..errors import UsageError
from ..mapping import Tables
from .base import Adapter, RawOrder

__all__ = ["Adapter", "RawOrder", "adapter_names", "get_adapter"]

_GROUP = "statebridge.adapters"


@functools.cache
def _registry() -> dict[str, type[Adapter]]:
    registry: dict[str, type[Adapter]] = {}
    for entry_point in importlib.metadata.entry_points(group=_GROUP):
        adapter = entry_point.load()
        if not (isinstance(adapter, type) and issubclass(adapter, Adapter)):
            msg = f"entry point {entry_point.name!r} in {_GROUP} is not an Adapter subclass: {adapter!r}"
            raise UsageError(msg)
        registry[adapter.name] = adapter
    return registry


def adapter_names(*, aliases: bool = True) -> list[str]:
    """Every platform name (and alias) that `--from` accepts, sorted."""
    names = set()
    for adapter in _registry().values():
        names.add(adapter.name)
        if aliases:
            names.update(adapter.aliases)
    return sorted(names)


def get_adapter(name: str, *, tables: Tables | None = None) -> Adapter:
    """A fresh adapter for platform `name` or one of its aliases, translating with `tables`
    (default: the shipped ones)."""
    for adapter in _registry().values():
        if name == adapter.name or name in adapter.aliases:
            fresh = adapter()
            if tables is not None:
                fresh.tables = tables
            return fresh
    msg = f"unknown platform {name!r} (known: {', '.join(adapter_names())})"
    raise UsageError(msg)
