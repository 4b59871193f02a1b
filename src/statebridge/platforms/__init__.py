"""The platforms, registered by name through the `statebridge.platforms` entry-point group.

Each platform lives in its own folder (`platforms/<name>/`) behind a `Platform` descriptor; a
third-party package adds one by declaring an entry point in that group that names its descriptor.
`platform` finds one by name or alias, `platforms` lists them in their `position` order.
A mapping table's `aliases:` must be its platform's: `alias_problems` lists the tables of a folder
whose aliases differ, `check_aliases` refuses one, as `get_adapter` does before handing it out.
"""

from __future__ import annotations

import functools
import importlib.metadata
import typing as t

from ..errors import MappingTableError, UsageError
from ..mapping import Tables
from .base import Adapter, RawOrder
from .descriptor import ClientOption, Platform

__all__ = [
    "Adapter",
    "ClientOption",
    "Platform",
    "RawOrder",
    "alias_problems",
    "check_aliases",
    "get_adapter",
    "names",
    "platform",
    "platforms",
]

GROUP = "statebridge.platforms"


def _entry_points() -> t.Iterable[importlib.metadata.EntryPoint]:
    """Where the descriptors come from (a seam for tests that register a platform of their own)."""
    return importlib.metadata.entry_points(group=GROUP)


@functools.cache
def _registry() -> tuple[Platform, ...]:
    loaded: list[Platform] = []
    taken: dict[str, str] = {}
    for entry_point in _entry_points():
        described = entry_point.load()
        if not isinstance(described, Platform):
            msg = f"entry point {entry_point.name!r} in {GROUP} is not a Platform descriptor: {described!r}"
            raise UsageError(msg)
        if described.name != entry_point.name or described.adapter.name != described.name:
            msg = (
                f"entry point {entry_point.name!r} in {GROUP} describes platform {described.name!r} "
                f"with a {described.adapter.name!r} adapter: the three names must agree"
            )
            raise UsageError(msg)
        for name in described.names:
            if name in taken:
                msg = f"platform {described.name!r} in {GROUP} claims {name!r}, already {taken[name]!r}'s"
                raise UsageError(msg)
            taken[name] = described.name
        loaded.append(described)
    return tuple(sorted(loaded, key=lambda p: (p.position, p.name)))


def platforms() -> list[Platform]:
    """Every registered platform, in `position` order (the crosswalk's order; dfc last)."""
    return list(_registry())


def names(*, aliases: bool = True) -> list[str]:
    """Every platform name (and alias) that `--from` accepts, sorted."""
    found: set[str] = set()
    for described in _registry():
        found.update(described.names if aliases else (described.name,))
    return sorted(found)


def platform(name: str) -> Platform:
    """The platform called `name` or one of its aliases; `UsageError` naming the known ones."""
    for described in _registry():
        if name in described.names:
            return described
    msg = f"unknown platform {name!r} (known: {', '.join(names())})"
    raise UsageError(msg)


def get_adapter(name: str, *, tables: Tables | None = None) -> Adapter:
    """A fresh adapter for platform `name` or one of its aliases, translating with `tables`
    (default: the shipped ones)."""
    described = platform(name)
    fresh = described.adapter()
    if tables is not None:
        fresh.tables = tables
    if described.table is not None:
        problem = _alias_problem(described, described.table, fresh.tables)
        if problem is not None:
            raise problem
    return fresh


def alias_problems(tables: Tables, table: str | None = None) -> list[MappingTableError]:
    """One error per table of `tables` (or only `table`) whose `aliases:` differ from those of the
    platform it translates for, naming the file; tables no registered platform uses are not looked at."""
    present = set(tables.names())
    found: list[MappingTableError] = []
    for described in _registry():
        used = described.table
        if used is None or used not in present or (table is not None and used != table):
            continue
        problem = _alias_problem(described, used, tables)
        if problem is not None:
            found.append(problem)
    return found


def check_aliases(tables: Tables, table: str) -> None:
    """`MappingTableError` when table `table`'s `aliases:` differ from its platform's."""
    for problem in alias_problems(tables, table):
        raise problem


def _alias_problem(described: Platform, table: str, tables: Tables) -> MappingTableError | None:
    """A table's `aliases:` must be its platform's (the `Platform` descriptor is their one home)."""
    declared, source = tables.declared_aliases(table)
    if declared == described.aliases:
        return None
    problem = (
        f"aliases: {list(declared)} differ from platform {described.name!r}'s "
        f"{list(described.aliases)} (declared in its Platform descriptor)"
    )
    return MappingTableError(source, [problem])
