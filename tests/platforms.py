"""The platforms the tests run over: the one place that knows how platforms are registered.

Everything platform-generic in the tests (tests/test_conformance*.py, the round trips, ...) asks this
module instead of listing platforms, so that a platform added by entry point, with a mapping table
and a folder of fixtures, is tested with no test edit. If the registry moves, only this module
changes.
"""

from __future__ import annotations

import functools
import pathlib

from statebridge.mapping import MappingTable, available_tables, load_table
from statebridge.platforms import Adapter, get_adapter, names, platforms
from statebridge.validate import fixture_files

__all__ = [
    "adapter",
    "api_choices",
    "fixture_dirs",
    "fixture_inputs",
    "pullable",
    "registered",
    "table",
    "table_platforms",
]

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"


def registered() -> list[str]:
    """Every registered platform by its own name (no aliases), sorted."""
    return names(aliases=False)


def adapter(name: str) -> Adapter:
    """A fresh adapter for platform `name`."""
    return get_adapter(name)


def table_platforms() -> list[str]:
    """The registered platforms whose statuses a mapping table translates (not DFC itself)."""
    tables = set(available_tables())
    return [name for name in registered() if adapter(name).table in tables]


def pullable() -> list[str]:
    """The registered platforms with an API client (what `pull` and `sync` accept), by own name."""
    return [described.name for described in platforms() if described.clients]


def api_choices() -> dict[str, tuple[str, ...]]:
    """Per platform whose orders can be pulled through more than one API (`pull --api`), their names."""
    return {
        described.name: tuple(described.clients) for described in platforms() if len(described.clients) > 1
    }


def table(name: str) -> MappingTable:
    """The mapping table of platform `name`."""
    return load_table(adapter(name).table)


def fixture_dirs(name: str) -> list[pathlib.Path]:
    """The folders of fixtures (inputs beside their golden `.expected.jsonld`) of platform `name`."""
    folder = FIXTURES / name
    return [folder] if folder.is_dir() else []


@functools.cache
def fixture_inputs(name: str) -> tuple[pathlib.Path, ...]:
    """Every input fixture of platform `name`, in its fixture folders."""
    return tuple(path for folder in fixture_dirs(name) for path in fixture_files(folder))
