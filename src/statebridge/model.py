"""The canonical order: what every adapter reads into and every writer reads from.

Money is `Decimal` (platforms send decimal strings, never trust floats with money), bounded as
`bounds.py` says (|x| < 10^15, at most 28 significant digits and places), timestamps must carry
an offset, and the platform's own status fields are kept verbatim in
`platform_status` next to the translated DFC `states`. An order read from DFC also keeps, in
`kept`, the statements of its graph that the fields do not hold (its offers' offered items and
prices, its sale session, …), so that writing it out again loses nothing the DFC defines.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from decimal import Decimal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .bounds import OUT_OF_RANGE, bounded
from .errors import InvalidOrderError
from .position import Where
from .states import DFCStates

__all__ = [
    "Buyer",
    "BuyerKind",
    "KeptStatement",
    "Order",
    "OrderLine",
    "Payment",
    "Shipment",
    "order_from_fields",
]


_OUT_OF_RANGE_ERROR = "number_out_of_range"


def _within_bounds(value: Decimal) -> Decimal:
    checked = bounded(value)
    if checked is None:
        raise PydanticCustomError(_OUT_OF_RANGE_ERROR, OUT_OF_RANGE)
    return checked


NonNegativeDecimal = t.Annotated[Decimal, Field(ge=0, allow_inf_nan=False), AfterValidator(_within_bounds)]
Money = t.Annotated[Decimal, Field(allow_inf_nan=False), AfterValidator(_within_bounds)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


#: The DFC agent classes a buyer is written as (`dfc-b:Person`, `dfc-b:Enterprise`).
BuyerKind = t.Literal["Person", "Enterprise"]


class Buyer(_Model):
    """Who placed the order, as far as the platform says.

    `kind` is the DFC class of the agent the order is `dfc-b:orderedBy`: an `Enterprise` when the
    platform says a business ordered (a DFC client's own enterprise, a Shopify B2B company),
    otherwise a `Person`.
    """

    id: str | None = None
    email: str | None = None
    name: str | None = None
    kind: BuyerKind = "Person"


class OrderLine(_Model):
    """One line of an order: which item, how many, at what unit price."""

    id: str | None = None
    item: str | None = Field(default=None, description="SKU, variant or product id of what was ordered")
    name: str | None = None
    quantity: NonNegativeDecimal
    unit_price: Money | None = None


class Payment(_Model):
    """A payment attached to the order, with the platform's own state kept verbatim."""

    id: str | None = None
    state: str | None = None
    amount: Money | None = None
    method: str | None = None


class Shipment(_Model):
    """A shipment of the order, with the platform's own state kept verbatim."""

    id: str | None = None
    number: str | None = None
    state: str | None = None
    shipped_at: AwareDatetime | None = None


class KeptStatement(_Model):
    """One statement of a DFC order's graph that the writers do not make from the order's fields.

    Nodes are named by IRI, by `_:label` for a blank node of this order, or by an anchor for a
    node the writers name themselves (their IRIs change when an order is stored or written under
    another base): `@order`, `@buyer`, `@line:N` (the N-th line, from 0), `@line:N:offer` and
    `@line:N:price`. `platforms/dfc/kept.py` reads them, `dfc/kept.py` writes them.
    """

    subject: str = Field(min_length=1)
    predicate: str = Field(min_length=1, description="the property's full IRI")
    node: str | None = Field(default=None, description="the object, when it is a node")
    value: str | None = Field(default=None, description="the object, when it is a literal")
    datatype: str | None = None
    language: str | None = None

    @model_validator(mode="after")
    def _one_object(self) -> KeptStatement:
        if (self.node is None) == (self.value is None):
            msg = "a kept statement has either a node or a literal value as its object"
            raise ValueError(msg)
        return self


class Order(_Model):
    """One order, whatever platform it came from."""

    platform: str = Field(description="platform family whose mapping table applies, e.g. 'spree'")
    shape: str = Field(description="the envelope it was read from, e.g. 'solidus-flat'")
    id: str = Field(min_length=1, description="the platform's own id for the order")
    number: str | None = Field(default=None, description="human-facing order number (R123…, #1001)")
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    placed_at: AwareDatetime | None = Field(default=None, description="when checkout completed")
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    total: Money | None = None
    buyer: Buyer | None = None
    lines: tuple[OrderLine, ...] = ()
    payments: tuple[Payment, ...] = ()
    shipments: tuple[Shipment, ...] = ()
    test: bool = Field(default=False, description="the platform marks it as a test order")
    platform_status: dict[str, str | None] = Field(
        default_factory=dict,
        description="the platform's status fields, values verbatim, keyed by mapping-table field",
    )
    states: DFCStates = DFCStates()
    kept: tuple[KeptStatement, ...] = Field(
        default=(), description="statements of a DFC order's graph beyond these fields, to write again"
    )

    @property
    def label(self) -> str:
        """How messages name this order: its number, else its id."""
        return self.number or self.id

    @property
    def date(self) -> dt.datetime | None:
        """The order's DFC date: when it was placed, else when it was created."""
        return self.placed_at or self.created_at


def order_from_fields(
    fields: dict[str, t.Any],
    *,
    position: Where = None,
    field_names: t.Mapping[str, str] | None = None,
) -> Order:
    """Validate `fields` into an `Order`, turning pydantic's report into an `InvalidOrderError`.

    The error names the order (its number or id when those are readable), the first failing field
    as the platform calls it (`line_items[1].quantity`, through `field_names`), the offending value
    and what was expected.
    """
    try:
        return Order.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = _field_path(first["loc"], field_names or {})
        label = fields.get("number") or fields.get("id")
        raise InvalidOrderError(
            first["msg"].lower(),
            position=position,
            order=str(label) if label not in (None, "") else None,
            field=path,
            value=first.get("input"),
            has_value="input" in first and first["type"] != "missing",
        ) from None


def _field_path(loc: tuple[int | str, ...], names: t.Mapping[str, str]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part != "platform_status":  # status fields are named as the platform names them
            named = names.get(part, part)
            path += named if not path else f".{named}"
    return path
