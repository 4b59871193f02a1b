"""Concurrent first opens of a store, by real processes at once, on SQLite and PostgreSQL.

Four spawned processes wait on one barrier, then each opens the same new store (which creates and
migrates it). Every trial must see every process open it, the schema at `LATEST` in one row, and
the store open again afterwards. The workers live for the whole test, so that a trial costs an
open, not an interpreter start; the loop is bounded by a trial count and a deadline. A store that
the unserialised migrations of earlier releases left half-migrated opens, and is repaired.
"""

from __future__ import annotations

import importlib
import multiprocessing
import pathlib
import queue
import threading
import time
import typing as t
import uuid

import pytest
import sqlalchemy as sa

from statebridge.store import LATEST, Store

PROCESSES = 4
TRIALS = 12
DEADLINE_SECONDS = 25.0


def _opener(tasks: t.Any, results: t.Any, barrier: t.Any) -> None:
    """A worker: for each store URL sent, wait for the others, open the store, report."""
    importlib.import_module("sqlalchemy.dialects.postgresql.psycopg")  # imported now, not mid-race
    importlib.import_module("psycopg")
    while True:
        url = tasks.get()
        if url is None:
            return
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            results.put("the barrier broke")
            continue
        try:
            with Store(url) as store:
                store.count()
        except Exception as exc:  # reported to the test, which shows it
            results.put(f"{type(exc).__name__}: {exc}")
        else:
            results.put(None)


def _schema_rows(url: str) -> list[int]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            return [
                int(v)
                for v in connection.execute(sa.text("SELECT version FROM statebridge_schema")).scalars()
            ]
    finally:
        engine.dispose()


@pytest.fixture
def fresh_stores(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> t.Iterator[t.Callable[[], str]]:
    """Makes a new, empty store URL at each call: an SQLite file, or a new schema (its own
    `search_path`) in a fresh PostgreSQL database, which is quicker to make than a database."""
    if request.param == "sqlite":
        yield lambda: f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}"
        return
    base: str = request.getfixturevalue("postgres_url")
    engine = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))

    def fresh() -> str:
        name = f"trial_{uuid.uuid4().hex[:12]}"
        with engine.begin() as connection:
            connection.execute(sa.text(f"CREATE SCHEMA {name}"))
        return f"{base}?options=-csearch_path%3D{name}"

    yield fresh
    engine.dispose()


@pytest.mark.parametrize("fresh_stores", ["sqlite", "postgresql"], indirect=True)
def test_processes_opening_a_new_store_at_once_all_open_it(fresh_stores: t.Callable[[], str]) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    tasks = [context.Queue() for _ in range(PROCESSES)]
    workers = [context.Process(target=_opener, args=(task, results, barrier), daemon=True) for task in tasks]
    for worker in workers:
        worker.start()
    failures: list[str] = []
    trials = 0
    deadline = time.monotonic() + DEADLINE_SECONDS
    try:
        while trials < TRIALS and time.monotonic() < deadline:
            trials += 1
            url = fresh_stores()
            for task in tasks:
                task.put(url)
            try:
                answers = [results.get(timeout=60) for _ in workers]
            except queue.Empty:
                pytest.fail(f"trial {trials}: a process did not answer within 60 s")
            failures += [f"trial {trials}: {answer}" for answer in answers if answer is not None]
            try:
                Store(url).close()  # the store opens again afterwards
                rows = _schema_rows(url)
            except Exception as exc:
                failures.append(f"trial {trials}: the store does not open afterwards: {exc}")
                continue
            if rows != [LATEST]:
                failures.append(f"trial {trials}: schema rows {rows}, expected [{LATEST}]")
    finally:
        for task in tasks:
            task.put(None)
        for worker in workers:
            worker.join(10)
            if worker.is_alive():
                worker.kill()
    assert trials >= 3, "too few trials ran before the deadline to say anything"
    assert failures == [], f"{len(failures)} failure(s) in {trials} trials:\n" + "\n".join(failures)


def test_a_store_left_half_migrated_by_an_earlier_statebridge_opens(store_url: str) -> None:
    """What the unserialised migrations used to leave: step 4's table made, the version still 3."""
    Store(store_url).close()
    engine = sa.create_engine(store_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE statebridge_schema SET version = 3"))
    finally:
        engine.dispose()
    with Store(store_url) as store:
        assert store.generation() == 0
    assert _schema_rows(store_url) == [LATEST]
