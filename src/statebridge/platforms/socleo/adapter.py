"""Socleo adapter: the order export shape statebridge defines for Socleo (docs/socleo-export.md).

Socleo publishes no API shape, so statebridge defines one (the minimum of issue 13), with the status
values of the DFC standard's order-state table, Socleo column (docs/references/dfc-order-states-socleo.md).

Shapes read (one, auto-detected per document): `{"orders": [{…}, …]}`, a bare order object (one per
NDJSON line, or a whole file), or a JSON list of order objects. Positions are `orders[2]`, `[2]`, or
none for a bare order.

Rules the export must follow, enforced rather than repaired:

- `quantity` and `unit_price` are decimal text (`"2"`, `"3.50"`); a JSON number is accepted through
  its shortest text, so no float arithmetic touches money; a decimal comma (`"2,5"`, the French
  way) is refused, because `1,500` may mean 1.5 or 1500;
- `created_at` and `updated_at` carry their UTC offset: guessing the shop's zone would move orders;
- every line of an order has the same `currency` (the order's); lines that disagree are refused.

The status fields handed to the `socleo` mapping table are `status` and `preparation_status`,
verbatim (null or absent `preparation_status` is null). The order number is `reference`, else
`id`; the id is `id`, else `reference`. A line's `unit` is checked as text but not carried: the
canonical order counts quantities without a unit (see docs/socleo-export.md).
"""

from __future__ import annotations

import datetime as dt
import re
import typing as t
from decimal import Decimal

from ...errors import InvalidOrderError, OrderError, UnrecognisedShapeError
from ...mapping import load_table
from ...model import Order
from ..base import Adapter, RawOrder, decimal_text, iso_or_none
from ..hints import marker_hint
from ..json_fields import optional_decimal, optional_id, optional_text, optional_timestamp

__all__ = ["SocleoAdapter"]

SHAPE = "socleo-json"

#: Any of these makes an object a Socleo order (it is then read, and what is missing reported).
_ORDER_KEYS = ("reference", "preparation_status")
_CURRENCY = re.compile(r"[A-Z]{3}")
#: Keys that say which other platform an object comes from, for the hint in a refusal.
_MODEL_NAMES = {
    "number": "reference",
    "lines": "lines",
    "item": "product_code",
    "name": "label",
}


class SocleoAdapter(Adapter):
    """Reads and writes the Socleo order export (JSON and NDJSON)."""

    name = "socleo"
    table = "socleo"
    shapes = (SHAPE,)
    field_names: t.ClassVar[t.Mapping[str, t.Mapping[str, str]]] = {SHAPE: _MODEL_NAMES}

    # -- envelopes -------------------------------------------------------------------------------

    def split(self, document: t.Any) -> t.Iterator[RawOrder | OrderError]:
        if isinstance(document, list):
            for i, record in enumerate(document):
                yield self._bare(record, f"[{i}]")
            return
        if isinstance(document, dict) and "orders" in document and "status" not in document:
            orders = document["orders"]
            if not isinstance(orders, list):
                yield UnrecognisedShapeError(
                    f"`orders` must be a list of order objects, not {_kind(orders)}", position="orders"
                )
                return
            for i, record in enumerate(orders):
                yield self._bare(record, f"orders[{i}]")
            return
        yield self._bare(document, None)

    def _bare(self, record: t.Any, where: str | None) -> RawOrder | OrderError:
        if isinstance(record, dict) and (
            any(key in record for key in _ORDER_KEYS) or ("status" in record and "id" in record)
        ):
            foreign = _foreign(record)
            if not foreign:
                return RawOrder(where, SHAPE, record)
        return UnrecognisedShapeError(
            f'not a Socleo order ({_kind(record)}): expected {{"orders": [...]}} or an order object '
            f"with status and id or reference{_foreign(record)}",
            position=where,
        )

    # -- one order -------------------------------------------------------------------------------

    def label(self, raw: RawOrder) -> str | None:
        for key in ("reference", "id"):
            value = raw.record.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
                return str(value)
        return None

    def fields(self, raw: RawOrder) -> dict[str, t.Any]:
        r = raw.record
        order_id = optional_id(r.get("id"), "id")
        reference = optional_id(r.get("reference"), "reference")
        if order_id is None and reference is None:
            msg = "missing: an order needs an id or a reference"
            raise InvalidOrderError(msg, field="id")
        lines, currency = _lines(r.get("lines"))
        return {
            "platform": self.name,
            "shape": raw.shape,
            "id": order_id or reference,
            "number": reference or order_id,
            "created_at": _timestamp(r.get("created_at"), "created_at"),
            "updated_at": _timestamp(r.get("updated_at"), "updated_at"),
            "currency": currency,
            "lines": lines,
            "platform_status": {
                "status": _status(r.get("status")),
                "preparation_status": _preparation(r.get("preparation_status")),
            },
        }

    # -- writing (--to socleo) -------------------------------------------------------------------

    def to_record(self, order: Order, status: t.Mapping[str, str | None]) -> dict[str, t.Any]:
        """The order in the export shape, with only the fields that are known.

        `reference` is the order's number; `created_at` is its creation date, else the date it
        was placed. Lines carry the order's currency; `unit` is not written (not carried).
        """
        record: dict[str, t.Any] = {"id": order.id}
        if order.number is not None:
            record["reference"] = order.number
        record["status"] = status.get("status")
        record["preparation_status"] = status.get("preparation_status")
        created = order.created_at or order.placed_at
        if created is not None:
            record["created_at"] = iso_or_none(created)
        if order.updated_at is not None:
            record["updated_at"] = iso_or_none(order.updated_at)
        lines = []
        for line in order.lines:
            item: dict[str, t.Any] = {
                "id": line.id,
                "product_code": line.item,
                "label": line.name,
                "quantity": decimal_text(line.quantity),
                "unit_price": decimal_text(line.unit_price),
                "currency": order.currency if line.unit_price is not None else None,
            }
            lines.append({key: value for key, value in item.items() if value is not None})
        record["lines"] = lines
        return record

    def to_document(self, records: list[dict[str, t.Any]]) -> dict[str, t.Any]:
        """The export envelope: `{"orders": [...]}`."""
        return {"orders": records}


# -- field readers: each names the field and the value it refuses ---------------------------------


def _kind(value: t.Any) -> str:
    return "object" if isinstance(value, dict) else type(value).__name__


def _foreign(record: t.Any) -> str:
    if not isinstance(record, dict):
        return ""
    return marker_hint(record, "socleo")


def _known(field: str) -> str:
    domain = load_table("socleo").fields[field].domain
    return ", ".join(str(v) for v in domain if v is not None)


def _status(value: t.Any) -> str:
    """The status, verbatim: the mapping table, not this reader, decides whether it is known."""
    if isinstance(value, str):
        return value
    if value is None:
        msg = f"missing: every Socleo order has a status ({_known('status')})"
        raise InvalidOrderError(msg, field="status")
    msg = f"expected the status as text ({_known('status')})"
    raise InvalidOrderError(msg, field="status", value=value, has_value=True)


def _preparation(value: t.Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    msg = f"expected the preparation status as text ({_known('preparation_status')}) or null"
    raise InvalidOrderError(msg, field="preparation_status", value=value, has_value=True)


def _decimal(value: t.Any, field: str) -> Decimal | None:
    return optional_decimal(
        value,
        field,
        expected='expected a decimal number as text such as "3.50"',
        comma_hint=" with a decimal point, not a comma",
    )


def _timestamp(value: t.Any, field: str) -> dt.datetime | None:
    return optional_timestamp(
        value, field, example="e.g. 2026-03-01T10:00:00+01:00", no_offset="the time zone is not guessed"
    )


def _lines(items: t.Any) -> tuple[list[dict[str, t.Any]], str | None]:
    """The order's lines and the currency they share (None when no line names one)."""
    if items is None:
        return [], None
    if not isinstance(items, list):
        msg = "expected a list of order lines"
        raise InvalidOrderError(msg, field="lines", value=items, has_value=True)
    lines = []
    currency: str | None = None
    for i, item in enumerate(items):
        where = f"lines[{i}]"
        if not isinstance(item, dict):
            msg = "expected an order line object"
            raise InvalidOrderError(msg, field=where, value=item, has_value=True)
        quantity = _decimal(item.get("quantity"), f"{where}.quantity")
        if quantity is None:
            msg = "missing: every order line needs its quantity"
            raise InvalidOrderError(msg, field=f"{where}.quantity")
        if quantity < 0:
            msg = "must not be negative"
            raise InvalidOrderError(
                msg, field=f"{where}.quantity", value=item.get("quantity"), has_value=True
            )
        optional_text(item.get("unit"), f"{where}.unit")  # checked, not carried (see module doc)
        line_currency = optional_text(item.get("currency"), f"{where}.currency")
        if line_currency is not None:
            if not _CURRENCY.fullmatch(line_currency):
                msg = "expected an ISO 4217 currency code such as EUR"
                raise InvalidOrderError(msg, field=f"{where}.currency", value=line_currency, has_value=True)
            if currency is not None and line_currency != currency:
                msg = f"differs from the currency of the lines before it ({currency}): one currency per order"
                raise InvalidOrderError(msg, field=f"{where}.currency", value=line_currency, has_value=True)
            currency = line_currency
        lines.append(
            {
                "id": optional_id(item.get("id"), f"{where}.id"),
                "item": optional_id(item.get("product_code"), f"{where}.product_code"),
                "name": optional_text(item.get("label"), f"{where}.label"),
                "quantity": quantity,
                "unit_price": _decimal(item.get("unit_price"), f"{where}.unit_price"),
            }
        )
    return lines, currency
