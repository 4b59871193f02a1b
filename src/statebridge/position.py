"""Where in the input something was found, kept as a value and formatted only when shown.

A position is a line (and column) of the input, or a path an adapter names inside a document
(`orders[3]`, `data.orders.edges[2].node`, `page 1`), with what was found inside it: the order at
`orders[3]` of NDJSON line 7 is `Position(line=7, inner=Position(path="orders[3]"))`, shown as
`line 7: orders[3]`. Positions are nested and shifted as values; they are never joined as text and
parsed again.
"""

from __future__ import annotations

import dataclasses

__all__ = ["Position", "Where", "nested"]


@dataclasses.dataclass(frozen=True, slots=True)
class Position:
    """A line (1-based, with an optional 1-based column) or a path, and what was found inside it."""

    line: int | None = None
    column: int | None = None
    path: str | None = None
    inner: Position | None = None

    @classmethod
    def of(cls, where: Where) -> Position | None:
        """`where` as a position: a string is an adapter's path (`orders[3]`); empty is none."""
        if where is None or isinstance(where, Position):
            return where
        return cls(path=where) if where else None

    def shifted(self, lines: int) -> Position:
        """The same place, `lines` further down: a document read from the middle of the input."""
        if self.line is None:
            return self
        return dataclasses.replace(self, line=self.line + lines)

    def __str__(self) -> str:
        if self.line is not None:
            head = f"line {self.line}" + ("" if self.column is None else f" column {self.column}")
        else:
            head = self.path or ""
        if self.inner is None:
            return head
        return f"{head}: {self.inner}" if head else str(self.inner)


#: A position as callers may give one: a value, an adapter's path, or none.
Where = Position | str | None


def nested(outer: Where, inner: Where) -> Position | None:
    """`inner` found inside `outer` (either may be missing): `line 7` and `orders[3]` give
    `line 7: orders[3]`."""
    outside, inside = Position.of(outer), Position.of(inner)
    if outside is None or inside is None:
        return outside or inside
    return dataclasses.replace(outside, inner=nested(outside.inner, inside))
