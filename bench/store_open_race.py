"""How often concurrent first opens of a new store fail, or leave it broken (a measurement, not a test).

`python -m bench.store_open_race [--backend sqlite|postgresql] [--processes 4] [--trials 15]`

Each trial makes a fresh store (an SQLite file, or a new PostgreSQL database on `--server`), starts
`--processes` real `statebridge export --store URL` processes at once, and waits for them. It then
opens the store once more, alone, and reads its version table. It prints, per backend: trials,
trials where at least one process failed, processes that failed, stores left unopenable
("bricked"; their version rows are listed), and stores that open but do not hold one version row
at the newest version. The last line of each distinct error is listed.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import pathlib
import re
import subprocess
import sys
import tempfile
import typing as t
import uuid

from .command import statebridge_command

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextlib.contextmanager
def _fresh_store(backend: str, server: str, folder: pathlib.Path) -> t.Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'{uuid.uuid4().hex}.db'}"
        return
    import psycopg

    name = f"statebridge_race_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _first_error(stderr: str) -> str:
    """The last line of stderr (statebridge's one line, or a traceback's last), the store as <store>."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    text = lines[-1] if lines else "(no message)"
    return re.sub(r"(sqlite|postgresql)://\S*?(?=[:,]? )", "<store>", text)[:160]


def run(backend: str, processes: int, trials: int, server: str) -> dict[str, t.Any]:
    """Run the trials on one backend; the counts and the distinct errors seen."""
    command = statebridge_command()
    failed_trials = failed_processes = bricked = wrong_version = 0
    errors: collections.Counter[str] = collections.Counter()
    with tempfile.TemporaryDirectory(prefix="store-race-") as temporary:
        for _ in range(trials):
            with _fresh_store(backend, server, pathlib.Path(temporary)) as url:
                children = [
                    subprocess.Popen(
                        [*command, "export", "--store", url],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE,
                        text=True,
                    )
                    for _ in range(processes)
                ]
                failures = 0
                for child in children:
                    _, stderr = child.communicate(timeout=120)
                    if child.returncode != 0:
                        failures += 1
                        errors[_first_error(stderr)] += 1
                failed_trials += failures > 0
                failed_processes += failures
                after = subprocess.run(
                    [*command, "export", "--store", url],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                    timeout=120,
                    check=False,
                )
                if after.returncode != 0:
                    bricked += 1
                    errors["afterwards: " + _first_error(after.stderr)] += 1
                    errors[f"afterwards: version rows {_versions(url)}"] += 1
                elif _versions(url) != [_latest()]:
                    wrong_version += 1
    return {
        "backend": backend,
        "trials": trials,
        "processes": processes,
        "failed_trials": failed_trials,
        "failed_processes": failed_processes,
        "bricked": bricked,
        "wrong_version": wrong_version,
        "errors": dict(errors),
    }


def _latest() -> int:
    from statebridge.store import LATEST

    return LATEST


def _versions(url: str) -> list[int]:
    """Every row of the store's version table (one row, at the newest version, when all is well)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT version FROM statebridge_schema")).scalars()
            return [int(version) for version in rows]
    finally:
        engine.dispose()


def main(argv: t.Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--trials", type=int, default=15)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server (a database on it)")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        result = run(backend, args.processes, args.trials, args.server)
        print(
            f"{backend}: {result['trials']} trials x {result['processes']} processes: "
            f"{result['failed_trials']} trials with a failure, "
            f"{result['failed_processes']} processes failed, {result['bricked']} stores bricked, "
            f"{result['wrong_version']} opening afterwards but not at one row at the newest version"
        )
        for error, count in sorted(result["errors"].items(), key=lambda item: -item[1]):
            print(f"  {count:3d}  {error}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
