"""Ctrl-C while the store runs a statement stays an interruption: SQLAlchemy counts a
KeyboardInterrupt in the driver as a disconnect, and the store must not call it "unavailable"
(the command line would print one line and exit 1 instead of 130)."""

from __future__ import annotations

import pathlib
import typing as t

import pytest

from statebridge.errors import StoreUnavailable
from statebridge.store import Store


def _interrupted(*args: t.Any, **kwargs: t.Any) -> None:
    raise KeyboardInterrupt


def test_ctrl_c_in_a_statement_is_a_keyboard_interrupt(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        monkeypatch.setattr(store.engine.dialect, "do_execute", _interrupted)
        monkeypatch.setattr(store.engine.dialect, "do_execute_no_params", _interrupted)
        with pytest.raises(KeyboardInterrupt):
            store.count()


def test_a_driver_failure_is_still_unavailable(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    def unreachable(*args: t.Any, **kwargs: t.Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        monkeypatch.setattr(store.engine.dialect, "do_execute", unreachable)
        monkeypatch.setattr(store.engine.dialect, "do_execute_no_params", unreachable)
        with pytest.raises(StoreUnavailable):
            store.count()
