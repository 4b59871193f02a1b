"""Reading raw orders to DFC nodes: the bulk path when it takes the order, the reference otherwise.

The reference path validates each order into the canonical `Order` (six pydantic models) and writes
its nodes (`order_nodes`). For a translation to DFC the `Order` is only a step on the way, so the
bulk path (`nodes.py`) builds the same nodes from the adapter's unvalidated fields, checked against
a subset of the model. An order outside that subset, or one whose fields or statuses the adapter
cannot read, goes through `Adapter.read` as before: it is written from its `Order`, or refused with
the reference path's own message. Tests hold both paths to the same bytes on every platform.
"""

from __future__ import annotations

from ..dfc.iris import IriMinter
from ..dfc.jsonld import Node, order_nodes, status_pairs
from ..errors import StatebridgeError
from ..platforms import Adapter, RawOrder
from ..platforms.base import text_values
from .nodes import order_nodes_from_fields
from .values import DECLINE

__all__ = ["NodeReader"]


class NodeReader:
    """`read(raw)`: one raw order's DFC nodes under `minter`; counts what each path took."""

    def __init__(self, adapter: Adapter, minter: IriMinter, *, bulk: bool = True) -> None:
        self.adapter = adapter
        self.minter = minter
        #: Whether the bulk path is tried (the adapter's `read` must be `fields` + `states`).
        self.bulk = bulk and adapter.reads_fields
        #: Orders the bulk path wrote, and orders it passed to the reference path.
        self.taken = 0
        self.declined = 0

    def read(self, raw: RawOrder) -> list[Node]:
        """The order's nodes; `OrderError` (from `Adapter.read`) for an order that cannot be read."""
        if self.bulk:
            nodes = self._bulk(raw)
            if nodes is not None:
                self.taken += 1
                return nodes
            self.declined += 1
        return order_nodes(self.adapter.read(raw), self.minter)

    def _bulk(self, raw: RawOrder) -> list[Node] | None:
        adapter = self.adapter
        try:
            fields = adapter.fields(raw)
            status = fields.get("platform_status")
            if not text_values(status):
                return None
            states = adapter.states(status, raw.shape)
        except StatebridgeError:
            return None  # the reference path says what is wrong, in its words
        nodes = order_nodes_from_fields(fields, status_pairs(states), self.minter)
        return None if nodes is DECLINE else nodes  # type: ignore[return-value]
