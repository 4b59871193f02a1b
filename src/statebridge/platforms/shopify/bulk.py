"""Shopify Bulk Operation JSONL: joining child rows (`__parentId`) to their orders across lines."""

from __future__ import annotations

import dataclasses
import typing as t

from ...errors import InvalidOrderError, OrderError, UnrecognisedShapeError
from ...position import Position, Where, nested
from ..base import RawOrder
from .fields import _ROW, _connection
from .ids import _GID, _gid_kind, _graphql_id

__all__ = ["BulkJoin"]


@dataclasses.dataclass
class _Held:
    """A Bulk Operation order waiting for the end of input, with its line-item rows."""

    position: Position | None
    record: dict[str, t.Any]
    lines: list[tuple[Position | None, dict[str, t.Any]]] = dataclasses.field(default_factory=list)


class BulkJoin:
    """Bulk Operation JSONL: orders held until the end of input, joined with their line-item rows.

    A Bulk Operation writes each child row (`__parentId`) on its own line, before or after its
    order; the orders come out in `finish`, with their rows, once the whole input has been seen.
    """

    def __init__(self) -> None:
        self._document: Position | None = None
        self._held: dict[str, _Held] = {}
        self._waiting: dict[str, list[tuple[Position | None, dict[str, t.Any]]]] = {}

    def start_document(self, position: Where) -> None:
        """Note where the next document was found (`line 7`), to name held rows later."""
        self._document = Position.of(position)

    def finish(self) -> t.Iterator[RawOrder | OrderError]:
        """The held Bulk Operation orders, in input order, then the rows whose order never came.

        Call once, after the last document; positions are absolute (`line 3`).
        """
        held, waiting = self._held, self._waiting
        self._held, self._waiting = {}, {}
        for order in held.values():
            record = dict(order.record)
            if order.lines:
                try:
                    inline = _connection(record.get("lineItems"), "lineItems")
                except InvalidOrderError:
                    inline = None  # the order is refused when read, naming its lineItems
                if inline is not None:
                    located = [{**row, _ROW: position} for position, row in order.lines]
                    record["lineItems"] = {"nodes": [*inline, *located]}
            yield RawOrder(order.position, "bulk", record)
        for parent, rows in waiting.items():
            for position, _ in rows:
                yield UnrecognisedShapeError(
                    f"line-item row of order gid://shopify/Order/{parent}, which is not in the input "
                    "(a Bulk Operation writes every order before or around its child rows)",
                    position=position,
                )

    def hold(self, record: dict[str, t.Any], where: str | None) -> t.Iterator[OrderError]:
        position = nested(self._document, where)
        try:
            order_id = _graphql_id(record, "Order", "id")
        except InvalidOrderError as exc:
            yield exc.locate(position=where)
            return
        key = order_id or f"#{len(self._held)}@{position}"
        if key in self._held:
            yield UnrecognisedShapeError(
                f"order gid://shopify/Order/{order_id} appears twice (first at {self._held[key].position})",
                position=where,
            )
            return
        self._held[key] = _Held(position, record, self._waiting.pop(key, []))

    def child(self, record: dict[str, t.Any], where: str | None) -> t.Iterator[OrderError]:
        parent = record["__parentId"]
        match = _GID.fullmatch(parent) if isinstance(parent, str) else None
        if match is None:
            yield InvalidOrderError(
                "expected the gid of the parent object", field="__parentId", value=parent, has_value=True
            ).locate(position=where)
            return
        own_kind = _gid_kind(record.get("id"))
        is_line = own_kind == "LineItem" or (own_kind is None and "quantity" in record)
        if match.group("kind") != "Order" or not is_line:
            return  # a child row the canonical order has no place for (see the module docstring)
        row = {key: value for key, value in record.items() if key != "__parentId"}
        entry = (nested(self._document, where), row)
        held = self._held.get(match.group("id"))
        if held is not None:
            held.lines.append(entry)
        else:
            self._waiting.setdefault(match.group("id"), []).append(entry)
