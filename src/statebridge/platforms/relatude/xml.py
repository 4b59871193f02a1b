"""Relatude's XML export read into the dict shape of its JSON export (elements to keys, xsi:nil to null)."""

from __future__ import annotations

import collections
import typing as t
import xml.etree.ElementTree as ET

from ...errors import InvalidOrderError

#: Order fields of the export shape; anything else in a record is ignored.
_ORDER_FIELDS = frozenset(
    {
        "OrderGuid",
        "OrderNumber",
        "OrderStatus",
        "DateOrdered",
        "Currency",
        "OrderTotal",
        "ShippingAmount",
        "Email",
        "BillingName",
        "BillingCity",
        "PaymentMethod",
        "ShippingMethod",
        "OrderItems",
    }
)

_ITEM_FIELDS = frozenset({"ProductId", "ProductName", "Quantity", "UnitPrice"})

_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def _local(tag: t.Any) -> str:
    """An element's name without its namespace (`{urn:x}Order` -> `Order`): namespaces are ignored."""
    return str(tag).rsplit("}", 1)[-1]


def _xml_text(element: ET.Element) -> t.Any:
    """A leaf's value: None for xsi:nil or an empty element (XML has no null), else its text.

    An element that has child elements where text is expected becomes a dict of them, which the
    field's type check then reports.
    """
    if element.get(_XSI_NIL) in ("true", "1"):
        return None
    if len(element):
        return {_local(child.tag): _xml_text(child) for child in element}
    text = (element.text or "").strip()
    return text or None


def _xml_record(element: ET.Element) -> dict[str, t.Any]:
    record: dict[str, t.Any] = {}
    for child in element:
        tag = _local(child.tag)
        if tag not in _ORDER_FIELDS:
            continue
        if tag in record:
            msg = f"<{tag}> appears more than once in the order"
            raise InvalidOrderError(msg, field=tag)
        record[tag] = _xml_items(child) if tag == "OrderItems" else _xml_text(child)
    return record


def _xml_items(element: ET.Element) -> list[dict[str, t.Any]] | None:
    if element.get(_XSI_NIL) in ("true", "1"):
        return None
    if not len(element):
        text = (element.text or "").strip()
        if text:
            msg = "expected <OrderItem> elements, found text"
            raise InvalidOrderError(msg, field="OrderItems", value=text, has_value=True)
        return []
    items = []
    counts: collections.Counter[str] = collections.Counter()
    for child in element:
        tag = _local(child.tag)
        counts[tag] += 1
        where = f"OrderItems/{tag}[{counts[tag]}]"
        if tag != "OrderItem":
            msg = f"expected <OrderItem>, found <{tag}>"
            raise InvalidOrderError(msg, field=where)
        item: dict[str, t.Any] = {}
        for part in child:
            name = _local(part.tag)
            if name not in _ITEM_FIELDS:
                continue
            if name in item:
                msg = f"<{name}> appears more than once in the order item"
                raise InvalidOrderError(msg, field=f"{where}/{name}")
            item[name] = _xml_text(part)
        items.append(item)
    return items
