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
from xml.parsers import expat

import orjson

from .errors import MalformedInputError
from .position import Position

__all__ = ["MAX_XML_DEPTH", "Document", "Lines", "not_json", "open_documents", "read_documents", "read_lines"]

#: How deeply XML elements may nest. The Relatude export is 5 levels deep
#: (Orders/Order/OrderItems/OrderItem/Quantity); the readers walk what is nested in a field
#: recursively, so an unbounded depth would end in a RecursionError instead of a message.
MAX_XML_DEPTH = 100


class Document(t.NamedTuple):
    """One parsed JSON value and where it was found (`None` for a whole-file document, else its line).

    A named tuple: one is made per NDJSON line, and a tuple is cheaper to make than a dataclass.
    """

    position: Position | None
    value: t.Any


def not_json(exc: orjson.JSONDecodeError, position: Position | None = None) -> MalformedInputError:
    """The problem of input `orjson` refused: at `position` (an NDJSON line), else where it stopped."""
    where = Position(exc.lineno, exc.colno) if position is None else position
    return MalformedInputError(f"not valid JSON ({exc.msg})", position=where)


def _loads(data: bytes, position: Position | None) -> t.Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise not_json(exc, position) from None


class Lines(t.NamedTuple):
    """NDJSON, as `open_documents` found it: its first document, then the lines after it, numbered
    from `number`, for `read_lines` (or for a reader of lines of its own, `bulk.lines`)."""

    first: Document
    rest: t.Iterator[bytes]
    number: int


def read_documents(stream: t.BinaryIO) -> t.Iterator[Document | MalformedInputError]:
    """Yield each JSON document of `stream`, or the error that stopped one from being read."""
    opened = open_documents(stream)
    if isinstance(opened, Lines):
        yield opened.first
        yield from read_lines(opened.rest, opened.number)
        return
    yield from opened


def open_documents(stream: t.BinaryIO) -> Lines | list[Document | MalformedInputError]:
    """What `read_documents` yields, told apart: NDJSON as `Lines`, read up to its second non-blank
    line; any other input read whole, as its one document or the error that stopped it."""
    number = 0
    first = b""
    for raw in stream:
        number += 1
        first = raw.removeprefix(b"\xef\xbb\xbf") if number == 1 else raw
        if first.strip():
            break
    if not first.strip():
        return [MalformedInputError("no input: expected a JSON document or NDJSON lines")]
    if first.lstrip().startswith(b"<"):
        return [_xml(first + stream.read(), offset=number - 1)]
    first_number = number
    try:
        value = orjson.loads(first)
    except orjson.JSONDecodeError:
        value = _NOT_A_LINE
    if value is _NOT_A_LINE:
        rest = first + stream.read()
        try:
            return [Document(None, _loads(rest, None))]
        except MalformedInputError as exc:
            if exc.where is not None:  # the document starts on line `number`, not line 1
                exc.where = exc.where.shifted(number - 1)
            return [exc]
    for raw in stream:
        number += 1
        if raw.strip():  # a second line: NDJSON
            return Lines(Document(Position(first_number), value), itertools.chain((raw,), stream), number)
    return [Document(None, value)]  # a single-line document is not NDJSON: no line number


def read_lines(lines: t.Iterable[bytes], first_line: int = 1) -> t.Iterator[Document | MalformedInputError]:
    """Each non-blank line of input known to be NDJSON, numbered from `first_line`; blank lines count."""
    loads = orjson.loads
    for number, raw in enumerate(lines, first_line):
        if not raw or raw.isspace():  # `not raw.strip()`, without copying the line
            continue
        try:
            value = loads(raw)
        except orjson.JSONDecodeError as exc:
            yield not_json(exc, Position(number))
            continue
        yield Document(Position(number), value)


_NOT_A_LINE = object()


def _xml(data: bytes, *, offset: int) -> Document | MalformedInputError:
    # Hostile XML, as the standard parser (expat >= 2.4.1) handles it: entity-expansion bombs
    # (billion laughs, quadratic blow-up) breach expat's amplification limit and are refused;
    # external entities are never read nor fetched (a reference to one is an "undefined entity",
    # an external DTD is skipped). Depth is the one limit expat does not set: `_too_deep` does.
    deep = _too_deep(data)
    if deep is not None:
        line, column = deep
        return MalformedInputError(
            f"not valid XML (elements nested deeper than {MAX_XML_DEPTH} levels, the most statebridge reads)",
            position=Position(line + offset, column + 1),
        )
    try:
        return Document(None, ET.fromstring(data))
    except ET.ParseError as exc:
        line, column = exc.position
        reason = str(exc).rsplit(": line", 1)[0]
        return MalformedInputError(f"not valid XML ({reason})", position=Position(line + offset, column + 1))


class _TooDeep(Exception):
    """Raised from inside expat, at the first element nested deeper than `MAX_XML_DEPTH`."""


def _too_deep(data: bytes) -> tuple[int, int] | None:
    """Where (line, 0-based column) the first element deeper than `MAX_XML_DEPTH` starts, if any.

    A pass of expat alone, before ElementTree builds the tree. XML that is not well-formed
    before that depth gives None: ElementTree then reports it in its own words.
    """
    parser = expat.ParserCreate()
    depth = 0

    def start(_name: str, _attributes: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise _TooDeep(parser.CurrentLineNumber, parser.CurrentColumnNumber)

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except _TooDeep as exc:
        return exc.args[0], exc.args[1]
    except expat.ExpatError:
        return None
    return None
