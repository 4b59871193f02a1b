"""Positions are values: nested and shifted as such, formatted only when shown."""

from __future__ import annotations

import io
import pickle

from statebridge.errors import InvalidOrderError, MalformedInputError, OrderError
from statebridge.position import Position, nested
from statebridge.reading import read_documents
from statebridge.translate import read_orders


def test_a_position_is_shown_as_line_column_or_path_with_what_is_inside() -> None:
    assert str(Position(7)) == "line 7"
    assert str(Position(4, 12)) == "line 4 column 12"
    assert str(Position(path="orders[3]")) == "orders[3]"
    assert str(Position(7, inner=Position(path="orders[3]"))) == "line 7: orders[3]"


def test_nesting_keeps_either_side_when_the_other_is_missing() -> None:
    assert nested(None, None) is None
    assert nested(Position(7), None) == Position(7)
    assert nested("", "orders[1]") == Position(path="orders[1]")
    deep = nested(nested(Position(2), "data.orders"), "edges[1]")
    assert deep == Position(2, inner=Position(path="data.orders", inner=Position(path="edges[1]")))
    assert str(deep) == "line 2: data.orders: edges[1]"


def test_shifting_moves_a_line_and_leaves_a_path_alone() -> None:
    assert Position(3, 5).shifted(4) == Position(7, 5)
    assert Position(path="orders[0]").shifted(4) == Position(path="orders[0]")


def test_an_error_keeps_its_position_as_a_value_and_formats_it_when_shown() -> None:
    error = InvalidOrderError("must be positive", position="orders[2]", order="R1", field="quantity")
    assert error.where == Position(path="orders[2]")
    error.within(Position(9))
    assert error.where == Position(9, inner=Position(path="orders[2]"))
    assert error.position == "line 9: orders[2]"
    assert str(error) == "line 9: orders[2]: order R1: field quantity: must be positive"
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.where, str(copy)) == (InvalidOrderError, error.where, str(error))


def test_locate_fills_in_only_what_is_missing() -> None:
    error = OrderError("bad", position=Position(2))
    assert error.locate(position="orders[0]", order="7") is error
    assert str(error) == "line 2: order 7: bad"


def test_a_malformed_document_after_blank_lines_is_placed_on_the_input_line() -> None:
    [error] = read_documents(io.BytesIO(b'\n\n\n{"a":\n  nope}'))
    assert isinstance(error, MalformedInputError)
    assert error.where is not None
    assert (error.where.line, error.where.column is not None) == (5, True)


def test_an_order_error_in_ndjson_names_the_line_then_the_adapter_path() -> None:
    data = b'{"orders": [{"number": "R1", "state": "complete"}]}\n{"orders": [{}, {"number": 5}]}\n'
    problems = [o for o in read_orders(io.BytesIO(data), "spree") if isinstance(o, OrderError)]
    assert problems
    assert all(p.where is not None and p.where.line == 2 and p.where.inner is not None for p in problems)
    assert all(str(p).startswith("line 2: orders[") for p in problems)
