"""Splitting NDJSON input for `translate --jobs` (parallel.py): is it NDJSON, runs of whole lines
with their first line number and offset, and the input as forked workers can read it again."""

from __future__ import annotations

import io
import os
import stat
import typing as t

import orjson

__all__ = ["Replay", "blocks", "inheritable", "ndjson_head", "numbered", "origin"]


class Replay(io.RawIOBase):
    """Lines already read from a stream, then the rest of it, for the one-process path."""

    def __init__(self, head: list[bytes], rest: t.BinaryIO) -> None:
        super().__init__()
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def __iter__(self) -> t.Iterator[bytes]:
        while self._head:
            yield self._head.pop(0)
        yield from self._rest

    def read(self, size: int | None = -1) -> bytes:
        """All that is left (`read_documents` only ever reads the rest of a stream)."""
        if size is not None and size >= 0:
            msg = "Replay.read reads the whole rest of the stream only"
            raise ValueError(msg)
        head, self._head = b"".join(self._head), []
        return head + self._rest.read()


def ndjson_head(stream: t.BinaryIO) -> tuple[list[bytes], bool]:
    """The lines up to the second non-blank one, and whether the input is NDJSON (as `read_documents`)."""
    head: list[bytes] = []
    for raw in stream:
        head.append(raw.removeprefix(b"\xef\xbb\xbf") if not head else raw)
        if head[-1].strip():
            break
    if not head or head[-1].lstrip().startswith(b"<"):
        return head, False
    try:
        orjson.loads(head[-1])
    except orjson.JSONDecodeError:
        return head, False
    for raw in stream:
        head.append(raw)
        if raw.strip():
            return head, True
    return head, False


def blocks(stream: t.BinaryIO, size: int) -> t.Iterator[bytes]:
    """Runs of about `size` bytes of whole lines (ending at LF), from where `stream` stands."""
    while block := stream.read(size):
        if not block.endswith(b"\n"):
            block += stream.readline()
        yield block


def numbered(blocks: t.Iterable[bytes], start: int) -> t.Iterator[tuple[int, int, bytes]]:
    """Each block with its first line number and its offset in the input (which begins at `start`)."""
    first = 1
    for block in blocks:
        yield first, start, block
        first += block.count(b"\n")
        start += len(block)


def inheritable(stream: t.BinaryIO, origin: int | None) -> tuple[bytes | int, int] | None:
    """The input as workers can inherit it (its bytes, or its file's descriptor), and where it starts.

    None for a pipe, or anything else that cannot be read again by offset.
    """
    if origin is None:
        return None
    if isinstance(stream, io.BytesIO):
        data = stream.getvalue()
        return data, origin + 3 if data.startswith(b"\xef\xbb\xbf", origin) else origin
    try:
        descriptor = stream.fileno()
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
    except (AttributeError, OSError, ValueError):
        return None
    return descriptor, origin + 3 if os.pread(descriptor, 3, origin) == b"\xef\xbb\xbf" else origin


def origin(stream: t.BinaryIO) -> int | None:
    """Where a seekable input starts (workers can then read it by offset), else None."""
    try:
        return stream.tell() if stream.seekable() else None
    except (AttributeError, OSError, ValueError):
        return None
