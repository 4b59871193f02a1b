"""Shared test helpers: where fixtures live, ../shared when it is there, and the Hypothesis profiles.

Hypothesis profiles: `dev` (the default: few examples, so that `make test` stays fast) and `ci`
(ten times as many). Choose one with `HYPOTHESIS_PROFILE=ci` or `pytest --hypothesis-profile ci`
(the option wins). Neither has a deadline: the machines running the suite are shared and slow.
"""

from __future__ import annotations

import os
import pathlib
import typing as t
import uuid

import pytest
from hypothesis import HealthCheck, settings

from statebridge.store import Store
from statebridge.validate import fixture_files

DEV_EXAMPLES = 50
settings.register_profile("dev", max_examples=DEV_EXAMPLES, deadline=None)
settings.register_profile(
    "ci", max_examples=10 * DEV_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

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


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of a PostgreSQL server on loopback, or a skip saying none is reachable."""
    import psycopg

    url = os.environ.get("STATEBRIDGE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        with psycopg.connect(url, connect_timeout=3):
            pass
    except psycopg.Error as exc:
        pytest.skip(f"no PostgreSQL server reachable at {url} ({str(exc).strip().splitlines()[0]})")
    return url


@pytest.fixture
def postgres_url(postgres_server: str) -> t.Iterator[str]:
    """A fresh, empty database on the PostgreSQL server, dropped after the test."""
    import psycopg

    name = f"statebridge_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = postgres_server.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> str:
    """A store URL for each backend: an SQLite file, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def store(store_url: str) -> t.Iterator[Store]:
    """An opened store on each backend (see `store_url`)."""
    with Store(store_url) as opened:
        yield opened


@pytest.fixture(scope="session", autouse=True)
def _ctrl_c_reaches_children() -> t.Iterator[None]:
    """Run as a background job (`nohup make test &`), the suite starts with SIGINT ignored, and
    every process it starts would inherit that: the tests that press Ctrl-C on statebridge would
    see nothing happen. Give the suite (and so its children) Python's usual Ctrl-C."""
    import signal

    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
