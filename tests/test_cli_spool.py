"""`translate`'s output spool reaches stdout whole, from memory or from disk, whatever stdout is: a
file (`os.sendfile`), a pipe (`os.sendfile`) or a stream without a descriptor (copied)."""

from __future__ import annotations

import io
import os
import pathlib
import subprocess
import sys
import threading
import typing as t

import pytest
from bench.orders import generator

from statebridge.cli.spool import copy_out, output_spool
from statebridge.translate import translate

_SMALL = 1024  # bytes kept in memory before the spool moves to disk, in these tests


def _filled(size: int) -> tuple[t.Any, bytes]:
    spool = output_spool(_SMALL)
    data = bytes(range(256)) * (size // 256) + b"end"
    for start in range(0, len(data), 7001):  # writes of odd sizes, as orders are
        spool.write(data[start : start + 7001])
    return spool, data


@pytest.mark.parametrize("size", [0, 100, 300_000])
def test_the_spool_reaches_a_file_whole(tmp_path: pathlib.Path, size: int) -> None:
    spool, data = _filled(size)
    with spool, (tmp_path / "out").open("wb") as out:
        assert spool._rolled == (len(data) > _SMALL)
        copy_out(spool, out)
    assert (tmp_path / "out").read_bytes() == data


def test_the_spool_reaches_a_stream_without_a_descriptor() -> None:
    spool, data = _filled(300_000)
    out = io.BytesIO()
    with spool:
        copy_out(spool, out)
    assert out.getvalue() == data


def test_the_spool_reaches_a_pipe_whole() -> None:
    spool, data = _filled(1_000_000)  # larger than a pipe's buffer: sendfile is called again and again
    read_end, write_end = os.pipe()
    received = bytearray()

    def drain() -> None:
        with os.fdopen(read_end, "rb") as pipe:
            while chunk := pipe.read(65536):
                received.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    with spool, os.fdopen(write_end, "wb") as out:
        copy_out(spool, out)
    reader.join(timeout=30)
    assert bytes(received) == data


def test_a_large_translation_reaches_stdout_as_translate_writes_it(tmp_path: pathlib.Path) -> None:
    """Over the 16 MiB kept in memory (2,000 orders in N-Triples are ~18 MB): the command's stdout,
    a file, holds the bytes `translate` writes."""
    orders = tmp_path / "orders.ndjson"
    generator("spree").write(orders, 2000)
    expected = io.BytesIO()
    translate(io.BytesIO(orders.read_bytes()), expected, platform="spree", fmt="ntriples")
    assert len(expected.getvalue()) > 16 * 1024 * 1024
    out = tmp_path / "out.nt"
    with out.open("wb") as stdout:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "statebridge",
                "translate",
                "--from",
                "spree",
                "--format",
                "ntriples",
                str(orders),
            ],
            stdout=stdout,
            stderr=subprocess.PIPE,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == expected.getvalue()
