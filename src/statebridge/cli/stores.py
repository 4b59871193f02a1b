"""Opening the order store for a command, its errors reported as every command reports them."""

from __future__ import annotations

import typing as t

from ..settings import Settings
from .exits import reported
from .options import DEFAULT_STORE

if t.TYPE_CHECKING:  # the store brings sqlalchemy: imported when used, so that `translate` starts fast
    from ..store import Store

__all__ = ["in_store", "open_store"]

_T = t.TypeVar("_T")


def open_store(settings: Settings, *, must_exist: bool = False) -> Store:
    """The store `--store` (or `$STATEBRIDGE_STORE`, else the default) names."""
    from ..store import Store

    with reported():
        return Store(settings.store or DEFAULT_STORE, must_exist=must_exist)


def in_store(settings: Settings, action: t.Callable[[Store], _T], *, must_exist: bool = False) -> _T:
    """Run `action` on the opened store; library errors become one line on stderr and an exit.

    `must_exist` for commands that only read: a missing SQLite file is an error, not a new store.
    """
    with open_store(settings, must_exist=must_exist) as store, reported(end_progress=True):
        return action(store)
