"""`translate` shows its progress on a terminal's stderr, and nowhere else.

The CLI runs in a subprocess with stderr on a real pseudo-terminal; its input comes through a pipe
in two halves with a pause between them, so that the run lasts more than a second however fast
the machine is.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
import typing as t

import pytest
from bench.orders import generator

from statebridge.progress import OrderRate

HALF = 1500
PAUSE = 1.3
PROGRESS = re.compile(rb"\r\x1b\[Ktranslated (\d[\d,]*) orders \(\d[\d,]*/s\)")


@pytest.fixture(scope="module")
def halves() -> tuple[bytes, bytes]:
    data = generator("spree").ndjson(2 * HALF)
    cut = data.index(b"\n", len(data) // 2) + 1
    return data[:cut], data[cut:]


def _translate(
    halves: tuple[bytes, bytes], stderr: int, out: t.BinaryIO, *jobs: str
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "statebridge",
            "translate",
            "--from",
            "spree",
            "--format",
            "ndjson",
            *jobs,
            "-",
        ],
        stdin=subprocess.PIPE,
        stdout=out,
        stderr=stderr,
    )
    assert process.stdin is not None
    process.stdin.write(halves[0])
    process.stdin.flush()
    time.sleep(PAUSE)
    process.stdin.write(halves[1])
    process.stdin.close()
    return process


def _on_a_terminal(halves: tuple[bytes, bytes], out: t.BinaryIO, *jobs: str) -> bytes:
    """What the run drew on its terminal (stderr)."""
    master, slave = os.openpty()
    try:
        process = _translate(halves, slave, out, *jobs)
        os.close(slave)
        slave = -1
        seen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the terminal's other end is closed, the run is over
                break
            if not chunk:
                break
            seen += chunk
        assert process.wait(timeout=60) == 0, seen
        return seen
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)


@pytest.mark.parametrize("jobs", [[], ["--jobs", "2"]], ids=["one process", "jobs 2"])
def test_a_long_run_shows_its_progress_on_a_terminal_and_clears_it(
    jobs: list[str], halves: tuple[bytes, bytes], tmp_path: t.Any
) -> None:
    with (tmp_path / "out.ndjson").open("wb") as out:
        seen = _on_a_terminal(halves, out, *jobs)
    counts = [int(n.replace(b",", b"")) for n in PROGRESS.findall(seen)]
    assert counts, f"no progress line on the terminal: {seen!r}"
    assert counts == sorted(counts)
    assert all(0 < n <= 2 * HALF for n in counts)
    assert seen.endswith(b"\r\x1b[K"), "the progress line is erased at the end"
    assert PROGRESS.sub(b"", seen).replace(b"\r\x1b[K", b"") == b"", "nothing else on stderr"
    written = (tmp_path / "out.ndjson").read_bytes()
    assert written.count(b"\n") == 2 * HALF
    assert b"translated" not in written, "stdout never gets progress"
    assert b"\x1b" not in written


def test_a_stderr_that_is_not_a_terminal_gets_no_progress(
    halves: tuple[bytes, bytes], tmp_path: t.Any
) -> None:
    with (tmp_path / "out.ndjson").open("wb") as out:
        process = _translate(halves, subprocess.PIPE, out)
        assert process.stderr is not None
        with process.stderr:
            err = process.stderr.read()
        assert process.wait(timeout=60) == 0
    assert err == b""
    assert (tmp_path / "out.ndjson").read_bytes().count(b"\n") == 2 * HALF


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_rate_waits_a_second_then_draws_at_most_every_half_second() -> None:
    now = [100.0]
    screen = _Terminal()
    rate = OrderRate(stream=screen, clock=lambda: now[0])
    for step in range(1, 31):  # 3 s in steps of 0.1 s, 1,000 orders a step
        now[0] = 100.0 + step / 10
        rate(1000 * step)
    drawn = screen.getvalue().split("\r\x1b[K")[1:]
    assert drawn == [
        "translated 10,000 orders (10,000/s)",
        "translated 15,000 orders (10,000/s)",
        "translated 20,000 orders (10,000/s)",
        "translated 25,000 orders (10,000/s)",
        "translated 30,000 orders (10,000/s)",
    ]
    rate.close()
    assert screen.getvalue().endswith("\r\x1b[K")


def test_nothing_is_drawn_off_a_terminal_or_in_a_short_run() -> None:
    now = [0.0]
    piped = io.StringIO()
    rate = OrderRate(stream=piped, clock=lambda: now[0])
    now[0] = 5.0
    rate(10)
    rate.close()
    assert piped.getvalue() == ""
    screen = _Terminal()
    quick = OrderRate(stream=screen, clock=lambda: now[0])
    now[0] = 5.9
    quick(10)
    quick.close()
    assert screen.getvalue() == ""
