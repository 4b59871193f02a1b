"""The standard streams of the `statebridge` process: closed at start, full, or gone away."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
import typing as t

__all__ = ["ClosedStreamError", "os_error_message", "silence_stdout", "stand_in_for_closed_streams"]


class ClosedStreamError(OSError):
    """Reading or writing a standard stream the caller closed (`<&-`, `>&-`)."""


class _ClosedStream(io.RawIOBase):
    """Stands for a standard stream that was closed when statebridge started: using it fails."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int:
        raise ClosedStreamError(errno.EBADF, f"{self.name} is closed: give an input file, or redirect it")

    def write(self, data: t.Any) -> int:
        raise ClosedStreamError(errno.EBADF, f"{self.name} is closed: redirect it to a file or /dev/null")


def stand_in_for_closed_streams() -> None:
    if sys.stdin is None:
        sys.stdin = io.TextIOWrapper(io.BufferedReader(_ClosedStream("stdin")))
    if sys.stdout is None:
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(_ClosedStream("stdout")))


def silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush has nowhere to fail."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - open until the process ends


def os_error_message(exc: OSError) -> str:
    if isinstance(exc, ClosedStreamError) or exc.strerror is None:
        return str(exc.strerror or exc)
    if exc.filename is not None:
        return f"{exc.filename}: {exc.strerror}"
    return f"cannot write the output: {exc.strerror}"
