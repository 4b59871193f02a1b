"""Reading input bytes as one JSON document, as NDJSON or as XML, naming positions for errors.

A stream whose first non-blank line is a complete JSON value, followed by more lines, is NDJSON:
each line is read on its own (`line 7`), and a malformed line is an error for that line only. A
stream that starts with `<` is one XML document (Relatude's export twin), parsed to an
`xml.etree.ElementTree.Element`. Any other stream is one JSON document. NDJSON is read line by
line, so memory stays flat.
"""

from __future__ import annotations

import itertools
import typing as t
import xml.etree.ElementTree as ET

import orjson

from .errors import MalformedInputError

__all__ = ["Document", "read_documents", "read_lines"]


class Document(t.NamedTuple):
    """One parsed JSON value and where it was found (`None` for a whole-file document).

    A named tuple: one is made per NDJSON line, and a tuple is cheaper to make than a dataclass.
    """

    position: str | None
    value: t.Any


def _loads(data: bytes, position: str | None) -> t.Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}" if position is None else position
        reason = f"not valid JSON ({exc.msg})"
        raise MalformedInputError(reason, position=where) from None


def read_documents(stream: t.BinaryIO) -> t.Iterator[Document | MalformedInputError]:
    """Yield each JSON document of `stream`, or the error that stopped one from being read."""
    number = 0
    first = b""
    for raw in stream:
        number += 1
        first = raw.removeprefix(b"\xef\xbb\xbf") if number == 1 else raw
        if first.strip():
            break
    if not first.strip():
        yield MalformedInputError("no input: expected a JSON document or NDJSON lines")
        return
    if first.lstrip().startswith(b"<"):
        yield _xml(first + stream.read(), offset=number - 1)
        return
    first_number = number
    try:
        value = orjson.loads(first)
    except orjson.JSONDecodeError:
        value = _NOT_A_LINE
    if value is _NOT_A_LINE:
        rest = first + stream.read()
        try:
            yield Document(None, _loads(rest, None))
        except MalformedInputError as exc:
            exc.position = f"line {number - 1 + _line(exc.position)}" + _column(exc.position)
            exc.locate()
            yield exc
        return
    for raw in stream:
        number += 1
        if raw.strip():  # a second line: NDJSON
            yield Document(f"line {first_number}", value)
            yield from read_lines(itertools.chain((raw,), stream), number)
            return
    yield Document(None, value)  # a single-line document is not NDJSON: no line number


def read_lines(lines: t.Iterable[bytes], first_line: int = 1) -> t.Iterator[Document | MalformedInputError]:
    """Each non-blank line of input known to be NDJSON, numbered from `first_line`; blank lines count."""
    for number, raw in enumerate(lines, first_line):
        if not raw.strip():
            continue
        position = f"line {number}"
        try:
            yield Document(position, _loads(raw, position))
        except MalformedInputError as exc:
            yield exc


_NOT_A_LINE = object()


def _xml(data: bytes, *, offset: int) -> Document | MalformedInputError:
    # The standard parser (expat >= 2.4.1) refuses entity-expansion bombs; external entities are
    # never fetched by ElementTree.
    try:
        return Document(None, ET.fromstring(data))
    except ET.ParseError as exc:
        line, column = exc.position
        reason = str(exc).rsplit(": line", 1)[0]
        return MalformedInputError(
            f"not valid XML ({reason})", position=f"line {line + offset} column {column + 1}"
        )


def _line(position: str | None) -> int:
    # "line L column C" -> L
    return int(position.split()[1]) if position else 1


def _column(position: str | None) -> str:
    return position[position.index(" column") :] if position and " column" in position else ""
