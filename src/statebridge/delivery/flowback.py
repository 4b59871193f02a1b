"""Changes made at a target flow back to the DFC order, and from there to the order's other targets.

A delivery records the id the target's own reader gives the order there (`Link.detail["source_id"]`,
kept as `remote_order_id`) and the DFC states the target took (`delivered_states`). When a pull or
a webhook of that platform and base URL stores a new version of that order, `save_page` marks the
delivery in the same transaction (`echo_version`), so a kill between the two cannot lose the news.
`reconcile` then deals with each mark:

1. What the target would read *had nothing changed there*: the states last delivered, through the
   platform's mapping table and back (`expected`). A platform holds fewer states than DFC has
   (Shopify has no "Held"), so the order as pulled is compared with that, never with the DFC
   states themselves: our own delivery coming back as a pull changes nothing.
2. Each dimension (order, payment, fulfilment) where the pulled order differs from `expected`, and
   has moved *forward* from the state delivered (held, complete, cancelled; unpaid, paid; held,
   unfulfilled, fulfilled), was changed at the platform (a merchant cancelled, a payment arrived):
   its value is taken into the DFC order. A move back is not taken: a platform that cannot hold a
   DFC state reads it back as an earlier one (a Shopify draft completed for a Complete order is an
   *open* order, which Shopify's table reads as Held), so a move back is our own delivery as the
   platform shows it, far more often than a change. A refund or a reopened order stays at the
   platform; the DFC order keeps its state.
3. If that changes the DFC order, it is written as a new version (its targets are enqueued as for
   any write through the endpoint), and the target it came from is recorded as holding it already:
   it is never echoed back there. One transaction (`Store.take_back`).

Why the states *last delivered* and not the DFC order's current ones: a change of the hub's that
is still on its way to the target (pending, or parked) is not something the target undid; compared
with the current states, a pull made before it arrives would revert it. A pull answered before our
delivery reached the platform and stored after it can still bring an older state back; the window
is one request long, and the platform's next change of the order corrects it.

Deterministic and idempotent: a second run finds no marks, and a mark whose pulled order equals
what was delivered changes nothing but the mark.
"""

from __future__ import annotations

import enum
import logging
import typing as t

from ..errors import StatebridgeError
from ..pipeline import platform_fields
from ..platforms import get_adapter
from ..states import DFCStates, Dimension, FulfilmentStatus, OrderStatus, PaymentStatus

if t.TYPE_CHECKING:
    from ..mapping import Tables
    from ..store import DeliveryRow, Store

__all__ = ["platform_changes", "reconcile"]

log = logging.getLogger("statebridge.delivery")


#: Each dimension's states in the order an order lives through them (DFC's lifecycle: held, then
#: complete; unpaid, then paid; cancelled last). Only a move forward is taken back; see the module.
_LIFECYCLE: dict[Dimension, tuple[enum.StrEnum, ...]] = {
    Dimension.ORDER: (OrderStatus.DRAFT, OrderStatus.HELD, OrderStatus.COMPLETE, OrderStatus.CANCELLED),
    Dimension.PAYMENT: (PaymentStatus.UNPAID, PaymentStatus.PAID, PaymentStatus.CANCELLED),
    Dimension.FULFILMENT: (
        FulfilmentStatus.HELD,
        FulfilmentStatus.UNFULFILLED,
        FulfilmentStatus.FULFILLED,
        FulfilmentStatus.CANCELLED,
    ),
}


def platform_changes(
    delivered: DFCStates, pulled: DFCStates, platform: str, tables: Tables | None = None
) -> dict[str, enum.StrEnum]:
    """The dimensions `pulled` (the platform's order as read) moved forward since `delivered` reached
    it, with their new values: {"payment": PaymentStatus.PAID}; empty when it moved none."""
    adapter = get_adapter(platform, tables=tables)
    fields, _losses = platform_fields(delivered, adapter)
    expected = adapter.mapping_table().translate(fields)
    changes: dict[str, enum.StrEnum] = {}
    for dimension, states in _LIFECYCLE.items():
        now, before = pulled.get(dimension), delivered.get(dimension)
        if now is None or now == expected.get(dimension) or now == before:
            continue
        if before is None or states.index(now) > states.index(before):
            changes[dimension.value] = now
    return changes


def reconcile(store: Store, tables: Tables | None = None, *, limit: int = 100) -> list[str]:
    """Take the marked changes at the targets into their DFC orders; the public ids of the orders
    that got a new version. Handles up to `limit` marks (the next call takes the rest)."""
    written: list[str] = []
    for row in store.echoes(limit):
        if _reconcile_one(store, row, tables):
            written.append(row.public_id)
    return written


def _reconcile_one(store: Store, row: DeliveryRow, tables: Tables | None) -> bool:
    at_target = store.by_public_id(row.echo_order) if row.echo_order else None
    dfc = store.by_public_id(row.public_id)
    if at_target is None or dfc is None or row.delivered_states is None:
        store.settle_echo(row)  # one of the orders is gone, or nothing was delivered: nothing to compare
        return False
    delivered = DFCStates.model_validate_json(row.delivered_states)
    pulled = at_target.order.states
    try:
        taken = platform_changes(delivered, pulled, at_target.platform, tables)
    except StatebridgeError as exc:
        log.warning(
            "order %s at %s: its change at the platform (order %s) is not taken back: %s",
            dfc.order.label,
            row.target,
            at_target.order.id,
            exc,
        )
        store.settle_echo(row)
        return False
    if not taken:
        store.settle_echo(row, delivered)
        return False
    held = delivered.model_copy(update=taken)
    states = dfc.order.states.model_copy(update=taken)
    if states == dfc.order.states:
        store.settle_echo(row, held)  # the DFC order says so already (the hub made the same change)
        return False
    order = dfc.order.model_copy(update={"states": states})
    version = store.take_back(row, dfc, order, held)
    if version is None:
        return False
    log.info(
        "order %s: %s changed it at %s (order %s); the DFC order is now version %d (%s)",
        dfc.order.label,
        ", ".join(f"{name} to {value.value if value else 'unset'}" for name, value in taken.items()),
        row.target,
        at_target.order.id,
        version,
        states,
    )
    return True
