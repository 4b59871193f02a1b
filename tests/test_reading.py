"""Telling one JSON document from NDJSON, and naming positions."""

from __future__ import annotations

import io

from statebridge.errors import MalformedInputError
from statebridge.position import Position
from statebridge.reading import Document, read_documents


def _read(data: bytes) -> list[Document | MalformedInputError]:
    return list(read_documents(io.BytesIO(data)))


def test_pretty_printed_document_is_one_document() -> None:
    [document] = _read(b'{\n  "orders": [\n    {"number": "R1"}\n  ]\n}\n')
    assert isinstance(document, Document)
    assert document.position is None
    assert document.value == {"orders": [{"number": "R1"}]}


def test_single_line_document_is_not_ndjson() -> None:
    [document] = _read(b'{"orders": []}\n')
    assert isinstance(document, Document)
    assert document.position is None


def test_ndjson_lines_are_numbered_and_blank_lines_skipped() -> None:
    outcomes = _read(b'\n{"a": 1}\n\n{"a": 2}\n{"a": 3}')
    assert [(o.position, o.value) for o in outcomes if isinstance(o, Document)] == [
        (Position(2), {"a": 1}),
        (Position(4), {"a": 2}),
        (Position(5), {"a": 3}),
    ]
    assert [str(o.position) for o in outcomes if isinstance(o, Document)] == ["line 2", "line 4", "line 5"]


def test_a_broken_ndjson_line_is_an_error_for_that_line_only() -> None:
    outcomes = _read(b'{"a": 1}\n{"a": \n{"a": 3}\n')
    assert isinstance(outcomes[1], MalformedInputError)
    assert outcomes[1].position == "line 2"
    assert [o.value for o in outcomes if isinstance(o, Document)] == [{"a": 1}, {"a": 3}]


def test_malformed_document_names_line_and_column() -> None:
    [error] = _read(b'\n\n{"orders": [\n  {"number": "R1",}\n]}')
    assert isinstance(error, MalformedInputError)
    assert error.position is not None
    assert error.position.startswith("line 4 column")
    assert error.where is not None
    assert (error.where.line, error.where.inner) == (4, None)


def test_byte_order_mark_is_tolerated() -> None:
    [document] = _read(b'\xef\xbb\xbf{"a": 1}')
    assert isinstance(document, Document)
    assert document.value == {"a": 1}


def test_empty_input_is_an_error() -> None:
    [error] = _read(b"  \n")
    assert isinstance(error, MalformedInputError)
    assert "no input" in str(error)
