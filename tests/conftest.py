"""Shared test helpers: where fixtures live, and ../shared when it is there."""

from __future__ import annotations

import pathlib

import pytest

from statebridge.validate import fixture_files

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"


def fixture_inputs(platform: str) -> list[pathlib.Path]:
    """Every input fixture of a platform (not the expected outputs beside them)."""
    return fixture_files(FIXTURES / platform)


def expected_for(path: pathlib.Path) -> pathlib.Path:
    return path.with_name(path.stem + ".expected.jsonld")


@pytest.fixture
def shared() -> pathlib.Path:
    """The ../shared folder; tests that compare with it skip, saying why, on a clone without it."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: this check compares with the shared reference material")
    return SHARED
