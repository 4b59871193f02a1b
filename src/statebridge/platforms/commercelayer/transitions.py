"""Which order triggers move a Commerce Layer order from where it stands to where it should be.

A Commerce Layer order changes status only through trigger attributes sent in a
`PATCH /api/orders/{id}` (`_place`, `_approve`, `_capture`, ...). Each trigger is allowed from some
statuses only, and leaves the order in a documented state
(docs/references/commercelayer-writes.md#triggers):

- `_place`: a draft or pending order (with line items) -> placed / authorized / unfulfilled;
- `_approve`: a placed order -> approved (payment and fulfilment unchanged);
- `_capture`: an approved order whose payment is authorized -> approved / paid / in_progress;
- `_fulfill`: an approved order -> fulfilled;
- `_cancel`: a placed order -> cancelled / voided / unfulfilled ("cancel a placed order");
- `_start_editing` / `_stop_editing`: placed <-> editing.

`plan` searches these moves breadth-first (so the fewest triggers, in the order above when several
plans are as short: `_place` before `_approve` before `_capture`) for a state that reads as the
wanted one. Nothing here undoes a move: no trigger leaves cancelled, un-captures or un-ships, and
statebridge sends no `_refund` (giving money back is the merchant's decision, not a status sync).
"""

from __future__ import annotations

import collections
import dataclasses
import typing as t

__all__ = ["TRIGGERS", "State", "Trigger", "plan"]


@dataclasses.dataclass(frozen=True)
class State:
    """The three status fields of a Commerce Layer order."""

    status: str | None
    payment_status: str | None
    fulfillment_status: str | None

    @classmethod
    def of(cls, fields: t.Mapping[str, t.Any]) -> State:
        """The state in an order's attributes (or a table's field values)."""

        def text(name: str) -> str | None:
            value = fields.get(name)
            return None if value is None else str(value)

        return cls(text("status"), text("payment_status"), text("fulfillment_status"))

    def fields(self) -> dict[str, str | None]:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        return (
            f"status {self.status}, payment_status {self.payment_status}, "
            f"fulfillment_status {self.fulfillment_status}"
        )


@dataclasses.dataclass(frozen=True)
class Trigger:
    """One trigger attribute: from which states Commerce Layer allows it, and what it leaves."""

    name: str
    allowed: t.Callable[[State], bool]
    effect: t.Callable[[State], State]


TRIGGERS: tuple[Trigger, ...] = (
    Trigger(
        "_place",
        lambda s: s.status in ("draft", "pending"),
        lambda s: State("placed", "authorized", "unfulfilled"),
    ),
    Trigger(
        "_approve",
        lambda s: s.status == "placed",
        lambda s: dataclasses.replace(s, status="approved"),
    ),
    Trigger(
        "_capture",
        lambda s: s.status == "approved" and s.payment_status == "authorized",
        lambda s: State("approved", "paid", "in_progress"),
    ),
    Trigger(
        "_fulfill",
        lambda s: s.status == "approved" and s.fulfillment_status != "fulfilled",
        lambda s: dataclasses.replace(s, fulfillment_status="fulfilled"),
    ),
    Trigger(
        "_cancel",
        lambda s: s.status == "placed",
        lambda s: State("cancelled", "voided", "unfulfilled"),
    ),
    Trigger(
        "_start_editing",
        lambda s: s.status == "placed",
        lambda s: dataclasses.replace(s, status="editing"),
    ),
    Trigger(
        "_stop_editing",
        lambda s: s.status == "editing",
        lambda s: dataclasses.replace(s, status="placed"),
    ),
)


def plan(start: State, arrived: t.Callable[[State], bool], *, limit: int = 6) -> list[str] | None:
    """The shortest list of trigger names that takes an order from `start` to a state where
    `arrived` holds ([] when it already does), or None when no sequence of triggers gets there."""
    if arrived(start):
        return []
    queue: collections.deque[tuple[State, list[str]]] = collections.deque([(start, [])])
    seen = {start}
    while queue:
        state, path = queue.popleft()
        if len(path) >= limit:
            continue
        for trigger in TRIGGERS:
            if not trigger.allowed(state):
                continue
            after = trigger.effect(state)
            if after in seen:
                continue
            if arrived(after):
                return [*path, trigger.name]
            seen.add(after)
            queue.append((after, [*path, trigger.name]))
    return None
