"""The three DFC status dimensions and their states (DFC taxonomies 1.3.0, `dfc-v:` vocabulary).

An order has an Order state, a Payment state and a Fulfilment state. `Held` and `Cancelled` are
shared IRIs: only the property (`dfc-b:hasOrderStatus`, …) says which dimension is meant.
"""

from __future__ import annotations

import enum
import typing as t

from pydantic import BaseModel, ConfigDict

__all__ = [
    "DIMENSION_STATES",
    "DFCStates",
    "Dimension",
    "FulfilmentStatus",
    "OrderStatus",
    "PaymentStatus",
]


class OrderStatus(enum.StrEnum):
    DRAFT = "Draft"
    HELD = "Held"
    COMPLETE = "Complete"
    CANCELLED = "Cancelled"


class PaymentStatus(enum.StrEnum):
    UNPAID = "Unpaid"
    PAID = "Paid"
    CANCELLED = "Cancelled"


class FulfilmentStatus(enum.StrEnum):
    HELD = "Held"
    UNFULFILLED = "Unfulfilled"
    FULFILLED = "Fulfilled"
    CANCELLED = "Cancelled"


class Dimension(enum.StrEnum):
    """The three status dimensions, named as in the mapping tables."""

    ORDER = "order"
    PAYMENT = "payment"
    FULFILMENT = "fulfilment"

    @property
    def property_curie(self) -> str:
        """The DFC business-ontology property that carries this dimension on an Order."""
        return _PROPERTY[self]


_PROPERTY = {
    Dimension.ORDER: "dfc-b:hasOrderStatus",
    Dimension.PAYMENT: "dfc-b:hasPaymentStatus",
    Dimension.FULFILMENT: "dfc-b:hasFulfilmentStatus",
}

DIMENSION_STATES: dict[Dimension, type[enum.StrEnum]] = {
    Dimension.ORDER: OrderStatus,
    Dimension.PAYMENT: PaymentStatus,
    Dimension.FULFILMENT: FulfilmentStatus,
}


class DFCStates(BaseModel):
    """The DFC state triple of one order. `None` means the tables deliberately leave it unset."""

    model_config = ConfigDict(frozen=True)

    order: OrderStatus | None = None
    payment: PaymentStatus | None = None
    fulfilment: FulfilmentStatus | None = None

    def get(self, dimension: Dimension) -> enum.StrEnum | None:
        value: enum.StrEnum | None = getattr(self, dimension.value)
        return value

    def items(self) -> t.Iterator[tuple[Dimension, enum.StrEnum | None]]:
        for dimension in Dimension:
            yield dimension, self.get(dimension)

    def __str__(self) -> str:
        return " / ".join(f"{d.value}={s.value if s else 'unset'}" for d, s in self.items())
