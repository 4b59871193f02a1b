"""Relatude adapter: the order export shape statebridge defines for Relatude (WAF) sites.

Relatude's order schema is not public, so statebridge defines the export
(docs/references/contract.md#relatude-export-shape, documented for site developers in
docs/relatude-export.md), using the names of Relatude's Order class where the
public demo shop shows them.

Shapes read (auto-detected per document):

- `relatude-json`: `{"Orders": [{…}, …]}`, a bare order object (one per NDJSON line, or a whole
  file), or a JSON list of order objects. Positions are `Orders[2]`, `[2]`, or none for a bare order;
- `relatude-xml`: the XML twin `<Orders><Order>…</Order></Orders>` (or a single `<Order>` root),
  with the same fields as child elements and `<OrderItems><OrderItem>…</OrderItem></OrderItems>`.
  Positions are XPath-like and count from 1: `Orders/Order[3]`. Each `<Order>` is turned into the
  same dict as its JSON twin, so one reader serves both.

Rules the export must follow, and why they are enforced rather than repaired:

- numbers (`OrderTotal`, `ShippingAmount`, `Quantity`, `UnitPrice`) are JSON numbers or decimal
  text (XML). A JSON number is read through its shortest text (`Decimal(repr(0.1))` is `0.1`), so no
  float arithmetic touches money; a decimal comma is refused, because `1,500` may mean 1.5 or 1500;
- `DateOrdered` must carry its UTC offset. .NET's `DateTime.Now` is local time without one, and
  guessing the site's zone would silently move every order by hours;
- `OrderStatus` is the enum member's name (`"Ordered"`); an enum number (System.Text.Json's default)
  is refused with a hint, since Relatude's enum numbering is not public.

The only status field handed to the `relatude` mapping table is `OrderStatus`, verbatim. The order
number is `OrderNumber`, else `OrderGuid`; the id is `OrderGuid`, else `OrderNumber`
(docs/references/contract.md#command-line).
Fields the canonical model has no place for (`ShippingAmount`, `BillingCity`, `ShippingMethod`) are
still checked against their documented types, so that a broken exporter is caught on first use.
"""

from __future__ import annotations

import collections
import datetime as dt
import math
import re
import typing as t
import xml.etree.ElementTree as ET
from decimal import Decimal

from ...errors import InvalidOrderError, OrderError, UnrecognisedShapeError
from ...mapping import load_table
from ...model import Order

if t.TYPE_CHECKING:
    from ...dfc.iris import IriMinter
    from ...dfc.jsonld import Node
from ..base import Adapter, RawOrder, decimal_text, iso_or_none
from ..hints import marker_hint
from ..json_fields import optional_decimal, optional_id, optional_text, optional_timestamp
from .xml import _local, _xml_record, _xml_text

__all__ = ["RelatudeAdapter"]

JSON_SHAPE = "relatude-json"
XML_SHAPE = "relatude-xml"

#: Any of these makes an object a Relatude order (it is then read, and what is missing reported).
_ORDER_KEYS = ("OrderStatus", "OrderGuid", "OrderNumber")
_GUID = re.compile(r"\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?")
_MODEL_NAMES = {
    "id": "OrderGuid",
    "number": "OrderNumber",
    "placed_at": "DateOrdered",
    "currency": "Currency",
    "total": "OrderTotal",
    "lines": "OrderItems",
    "item": "ProductId",
    "name": "ProductName",
    "quantity": "Quantity",
    "unit_price": "UnitPrice",
}


class RelatudeAdapter(Adapter):
    """Reads and writes the Relatude order export (JSON, and its XML twin for reading)."""

    name = "relatude"
    table = "relatude"
    shapes = (JSON_SHAPE, XML_SHAPE)
    field_names: t.ClassVar[t.Mapping[str, t.Mapping[str, str]]] = {
        JSON_SHAPE: _MODEL_NAMES,
        XML_SHAPE: _MODEL_NAMES,
    }

    # -- envelopes -------------------------------------------------------------------------------

    def split(self, document: t.Any) -> t.Iterator[RawOrder | OrderError]:
        if isinstance(document, ET.Element):
            yield from self._split_xml(document)
            return
        if isinstance(document, list):
            for i, record in enumerate(document):
                yield self._bare(record, f"[{i}]")
            return
        if isinstance(document, dict) and "Orders" in document:
            orders = document["Orders"]
            if not isinstance(orders, list):
                yield UnrecognisedShapeError(
                    f"`Orders` must be a list of order objects, not {_kind(orders)}", position="Orders"
                )
                return
            for i, record in enumerate(orders):
                yield self._bare(record, f"Orders[{i}]")
            return
        yield self._bare(document, None)

    def _bare(self, record: t.Any, where: str | None) -> RawOrder | OrderError:
        if isinstance(record, dict) and any(key in record for key in _ORDER_KEYS):
            return RawOrder(where, JSON_SHAPE, record)
        return UnrecognisedShapeError(
            f'not a Relatude order ({_kind(record)}): expected {{"Orders": [...]}} or an order object '
            f"with OrderStatus and OrderGuid or OrderNumber{_hint(record)}",
            position=where,
        )

    def _split_xml(self, root: ET.Element) -> t.Iterator[RawOrder | OrderError]:
        tag = _local(root.tag)
        if tag == "Order":
            yield self._xml_order(root, "Order")
            return
        if tag != "Orders":
            hint = ""
            if tag == "ArrayOfOrder":
                hint = (
                    "; <ArrayOfOrder> is XmlSerializer's default root for a list of orders: "
                    'serialise with new XmlRootAttribute("Orders")'
                )
            yield UnrecognisedShapeError(
                f"XML root element <{tag}> is not a Relatude export: expected <Orders> holding "
                f"<Order> elements{hint}",
                position=tag,
            )
            return
        counts: collections.Counter[str] = collections.Counter()
        for child in root:
            child_tag = _local(child.tag)
            counts[child_tag] += 1
            where = f"Orders/{child_tag}[{counts[child_tag]}]"
            if child_tag == "Order":
                yield self._xml_order(child, where)
            else:
                yield UnrecognisedShapeError(
                    f"<{child_tag}> is not an order: <Orders> holds only <Order> elements", position=where
                )

    def _xml_order(self, element: ET.Element, where: str) -> RawOrder | OrderError:
        try:
            record = _xml_record(element)
        except InvalidOrderError as exc:
            label = _label({_local(c.tag): _xml_text(c) for c in element if len(c) == 0})
            return exc.locate(position=where, order=label)
        return RawOrder(where, XML_SHAPE, record)

    # -- one order -------------------------------------------------------------------------------

    def label(self, raw: RawOrder) -> str | None:
        return _label(raw.record)

    def fields(self, raw: RawOrder) -> dict[str, t.Any]:
        r = raw.record
        guid = optional_id(r.get("OrderGuid"), "OrderGuid")
        number = optional_id(r.get("OrderNumber"), "OrderNumber")
        if guid is None and number is None:
            msg = "missing: an order needs an OrderGuid or an OrderNumber"
            raise InvalidOrderError(msg, field="OrderGuid")
        _decimal(r.get("ShippingAmount"), "ShippingAmount")  # checked, not carried (see module doc)
        optional_text(r.get("BillingCity"), "BillingCity")
        optional_text(r.get("ShippingMethod"), "ShippingMethod")
        email = optional_text(r.get("Email"), "Email")
        billing_name = optional_text(r.get("BillingName"), "BillingName")
        method = optional_text(r.get("PaymentMethod"), "PaymentMethod")
        return {
            "platform": self.name,
            "shape": raw.shape,
            "id": guid or number,
            "number": number or guid,
            "placed_at": _timestamp(r.get("DateOrdered"), "DateOrdered"),
            "currency": optional_text(r.get("Currency"), "Currency"),
            "total": _decimal(r.get("OrderTotal"), "OrderTotal"),
            "buyer": {"email": email, "name": billing_name} if email or billing_name else None,
            "lines": _lines(r.get("OrderItems"), xml=raw.shape == XML_SHAPE),
            "payments": [{"method": method}] if method else [],
            "platform_status": {"OrderStatus": _status(r.get("OrderStatus"))},
        }

    def document_reader(self, minter: IriMinter) -> t.Callable[[t.Any], list[Node] | None] | None:
        """One bare export order straight to DFC nodes (`direct.py`), with the shipped table's fields."""
        from .direct import STATUS_FIELDS, RelatudeDocuments  # the bulk path, only where it runs

        table = self.mapping_table()
        return RelatudeDocuments(table, minter) if tuple(table.fields) == STATUS_FIELDS else None

    # -- writing (--to relatude) -------------------------------------------------------------------

    def to_record(self, order: Order, status: t.Mapping[str, str | None]) -> dict[str, t.Any]:
        """The order in the export shape, with only the fields that are known.

        The shape: docs/references/contract.md#reverse-output-shapes.

        `OrderNumber` is the order's number, unchanged; `OrderGuid` is its id when that is a GUID
        or anything other than the number (a Spree id, a DFC IRI). Numbers are JSON numbers when
        their shortest JSON form is exact, else decimal strings, so that money never loses a digit.
        """
        record: dict[str, t.Any] = {}
        if order.id != order.number or _GUID.fullmatch(order.id):
            record["OrderGuid"] = order.id
        if order.number is not None:
            record["OrderNumber"] = order.number
        record["OrderStatus"] = status.get("OrderStatus")
        optional: dict[str, t.Any] = {
            "DateOrdered": iso_or_none(order.date),
            "Currency": order.currency,
            "OrderTotal": _json_number(order.total),
            "Email": order.buyer.email if order.buyer else None,
            "BillingName": order.buyer.name if order.buyer else None,
            "PaymentMethod": next((p.method for p in order.payments if p.method), None),
        }
        record.update((key, value) for key, value in optional.items() if value is not None)
        if order.lines:
            items = []
            for line in order.lines:
                item = {
                    "ProductId": line.item,
                    "ProductName": line.name,
                    "Quantity": _json_number(line.quantity),
                    "UnitPrice": _json_number(line.unit_price),
                }
                items.append({key: value for key, value in item.items() if value is not None})
            record["OrderItems"] = items
        return record

    def to_document(self, records: list[dict[str, t.Any]]) -> dict[str, t.Any]:
        """The export envelope: `{"Orders": [...]}`."""
        return {"Orders": records}


# -- field readers: each names the field and the value it refuses ---------------------------------


def _kind(value: t.Any) -> str:
    return "object" if isinstance(value, dict) else type(value).__name__


def _hint(record: t.Any) -> str:
    if not isinstance(record, dict):
        return ""
    lowered = {key.lower(): key for key in record if isinstance(key, str)}
    for key in _ORDER_KEYS:
        if key.lower() in lowered:
            found = lowered[key.lower()]
            return (
                f"; it has {found!r}: the export's names are PascalCase ({key}), while ASP.NET Core "
                "writes camelCase by default (set JsonSerializerOptions.PropertyNamingPolicy = null)"
            )
    if "orders" in lowered:
        return (
            "; it has 'orders': the export's names are PascalCase ('Orders', 'OrderStatus'), while "
            "ASP.NET Core writes camelCase by default; for Spree or Shopify orders use their --from"
        )
    return marker_hint(record, "relatude")


def _label(record: t.Mapping[str, t.Any]) -> str | None:
    for key in ("OrderNumber", "OrderGuid"):
        value = record.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value)
    return None


def _status(value: t.Any) -> str:
    """The OrderStatus name, verbatim: the mapping table, not this reader, decides if it is known."""
    if isinstance(value, str):
        return value
    known = ", ".join(str(v) for v in load_table("relatude").fields["OrderStatus"].domain)
    if value is None:
        msg = f"missing: every Relatude order has an OrderStatus ({known})"
        raise InvalidOrderError(msg, field="OrderStatus")
    if isinstance(value, int) and not isinstance(value, bool):
        msg = (
            f"expected the status name as text ({known}), not the enum's number: serialise the enum "
            "by name (JsonStringEnumConverter, or OrderStatus.ToString())"
        )
        raise InvalidOrderError(msg, field="OrderStatus", value=value, has_value=True)
    msg = f"expected the status name as text ({known})"
    raise InvalidOrderError(msg, field="OrderStatus", value=value, has_value=True)


def _decimal(value: t.Any, field: str) -> Decimal | None:
    return optional_decimal(
        value,
        field,
        expected="expected a decimal number such as 224.50",
        comma_hint=" with a decimal point, not a comma (format with CultureInfo.InvariantCulture)",
    )


def _timestamp(value: t.Any, field: str) -> dt.datetime | None:
    parsed = optional_timestamp(
        value,
        field,
        example="e.g. 2026-02-14T13:45:00+01:00",
        no_offset=".NET's DateTime.Now carries none, and statebridge does not guess the site's time "
        "zone (see docs/relatude-export.md)",
    )
    if parsed is not None and (parsed.year, parsed.month, parsed.day) == (1, 1, 1):
        msg = "is DateTime.MinValue, i.e. the date was never set: leave the field out instead"
        raise InvalidOrderError(msg, field=field, value=value, has_value=True)
    return parsed


def _lines(items: t.Any, *, xml: bool) -> list[dict[str, t.Any]]:
    if items is None:
        return []
    if not isinstance(items, list):
        msg = "expected a list of order items"
        raise InvalidOrderError(msg, field="OrderItems", value=items, has_value=True)
    lines = []
    for i, item in enumerate(items):
        where = f"OrderItems/OrderItem[{i + 1}]" if xml else f"OrderItems[{i}]"
        sep = "/" if xml else "."
        if not isinstance(item, dict):
            msg = "expected an order item object"
            raise InvalidOrderError(msg, field=where, value=item, has_value=True)
        quantity = _decimal(item.get("Quantity"), f"{where}{sep}Quantity")
        if quantity is None:
            msg = "missing: every order item needs its Quantity"
            raise InvalidOrderError(msg, field=f"{where}{sep}Quantity")
        if quantity < 0:
            msg = "must not be negative"
            raise InvalidOrderError(
                msg, field=f"{where}{sep}Quantity", value=item.get("Quantity"), has_value=True
            )
        lines.append(
            {
                "item": optional_id(item.get("ProductId"), f"{where}{sep}ProductId"),
                "name": optional_text(item.get("ProductName"), f"{where}{sep}ProductName"),
                "quantity": quantity,
                "unit_price": _decimal(item.get("UnitPrice"), f"{where}{sep}UnitPrice"),
            }
        )
    return lines


def _json_number(value: Decimal | None) -> int | float | str | None:
    """A Decimal for JSON output, exactly: an integer, a float whose shortest text is the same
    number (`0.1`, `224.5`), or else its decimal text."""
    if value is None:
        return None
    if value == value.to_integral_value() and abs(value) < 2**53:
        return int(value)
    as_float = float(value)
    if math.isfinite(as_float) and Decimal(repr(as_float)) == value:
        return as_float
    return decimal_text(value)
