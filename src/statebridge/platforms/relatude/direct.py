"""The bulk path's reader of one bare Relatude export order (`relatude-json`) straight to DFC nodes.

It does what `RelatudeAdapter.split`, `fields`, `read` and `order_nodes` do for a JSON document
that is one bare order, in one pass and without the canonical `Order`. Its checks are the
reference's own, mirrored (`json_fields.optional_*`, the adapter's, the model's validators, the
mapping table), so that it takes what the reference takes and writes it alike. It returns None
for anything else (an envelope, a list, an XML element, a value the reference refuses,
a status the table does not translate), and the document goes through the reference path, which
reads it or says what is wrong. `tests/test_bulk_path.py` holds the two to the same bytes and
messages.

Numbers go through `optional_decimal`'s reading (JSON numbers via their shortest text, decimal
text) and then the model's validator (`bulk.values`), remembered by value: prices and quantities
repeat across orders. Timestamps are read as `optional_timestamp` reads them
(`datetime.fromisoformat`); the model keeps an aware `datetime` as it is.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import typing as t
from decimal import Decimal

from ...bulk.values import DECLINE, money, quantity
from ...dfc.iris import IriMinter
from ...dfc.jsonld import Node, StatusPairs, add_buyer, add_line, order_head, status_pairs, unit_curie
from ...mapping import MappingTable
from ...memo import remember

__all__ = ["STATUS_FIELDS", "RelatudeDocuments"]

#: The `relatude` table's fields: the reader builds the table's key from `OrderStatus` alone.
STATUS_FIELDS = ("OrderStatus",)

#: `json_fields._DECIMAL_TEXT`: the decimal text `optional_decimal` takes (after `strip()`).
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_CURRENCY = re.compile(r"[A-Z]{3}")
#: The timestamp form whose `isoformat()` is written here from its own text (faster than
#: formatting the parsed value): its first 19 characters (date and time to the second), the
#: fraction from the parsed value, and its offset as `isoformat` writes it.
_STAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
_TEXT = (str, type(None))
_NUMBER_TYPES = (int, float)


def _decimal(value: t.Any) -> Decimal | None:
    """`optional_decimal` for a value that is not None: the Decimal it reads, None where it refuses."""
    kind = type(value)
    if kind is int:
        return Decimal(value)
    if kind is float:
        return Decimal(repr(value)) if math.isfinite(value) else None
    if kind is str:
        text = value.strip()
        return Decimal(text) if _DECIMAL_TEXT.fullmatch(text) else None
    return None  # bool, containers: refused


#: Lexical form of an amount (`Money`) and of a quantity (`NonNegativeDecimal`), or `DECLINE`; and
#: whether a number that is checked but not carried (`ShippingAmount`) is read. Keyed by the text
#: itself, or by (type, number), since 1, 1.0 and True are equal keys (text never equals a number);
#: the one pair of equal floats, 0.0 and -0.0, is read alike ("0").
_AMOUNTS: dict[t.Any, t.Any] = {}
_QUANTITIES: dict[t.Any, t.Any] = {}
_READABLE: dict[t.Any, bool] = {}
#: `unit_curie` of a currency code the model takes.
_UNITS: dict[str, str | None] = {}


def _amount(value: t.Any) -> t.Any:
    """An amount that is not None as `optional_decimal` then `Money` read it: its lexical form, or
    `DECLINE` (callers look text up in `_AMOUNTS` first)."""
    kind = type(value)
    if kind is not str and kind not in _NUMBER_TYPES:
        return DECLINE
    key = value if kind is str else (kind, value)
    found = _AMOUNTS.get(key)
    if found is None:
        number = _decimal(value)
        found = remember(_AMOUNTS, key, DECLINE if number is None else money(number))
    return found


def _quantity(value: t.Any) -> t.Any:
    """A required quantity as `optional_decimal`, the adapter's sign check and `NonNegativeDecimal`
    read it (callers look text up in `_QUANTITIES` first)."""
    kind = type(value)
    if kind is not str and kind not in _NUMBER_TYPES:
        return DECLINE
    key = value if kind is str else (kind, value)
    found = _QUANTITIES.get(key)
    if found is None:
        number = _decimal(value)
        found = DECLINE if number is None or number < 0 else quantity(number)
        found = remember(_QUANTITIES, key, found)
    return found


def _readable(value: t.Any) -> bool:
    """Whether `optional_decimal` reads a number that is checked but not carried."""
    kind = type(value)
    if kind is not str and kind not in _NUMBER_TYPES:
        return False
    key = value if kind is str else (kind, value)
    found = _READABLE.get(key)
    if found is None:
        found = remember(_READABLE, key, _decimal(value) is not None)
    return found


def _unit(code: str) -> t.Any:
    """`unit_curie` of a non-blank currency code the model's pattern takes; `DECLINE` for another."""
    found = _UNITS.get(code, DECLINE)
    if found is DECLINE:
        if _CURRENCY.fullmatch(code) is None:
            return DECLINE
        found = remember(_UNITS, code, unit_curie(code))
    return found


def _date(value: t.Any) -> t.Any:
    """`DateOrdered` that is not None as the adapter's `_timestamp` reads it (`optional_timestamp`,
    DateTime.MinValue refused), then as the writer writes it (`isoformat()`); `DECLINE` otherwise."""
    if type(value) is not str:
        return DECLINE
    text = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return DECLINE
    if parsed.day == 1 and parsed.month == 1 and parsed.year == 1:
        return DECLINE
    if _STAMP.fullmatch(text) is None or text[11:13] == "24":  # another form: the reference's steps
        return DECLINE if parsed.utcoffset() is None else parsed.isoformat()
    if text[-1] == "Z":
        offset = "+00:00"
    else:
        offset = text[-6:]
        if offset == "-00:00":
            offset = "+00:00"
    micro = parsed.microsecond
    return f"{text[:19]}.{micro:06d}{offset}" if micro else text[:19] + offset


class RelatudeDocuments:
    """Called with one parsed document: its nodes, or None when the reference path must read it."""

    def __init__(self, table: MappingTable, minter: IriMinter) -> None:
        self._states = table.states_for
        self._minter = minter
        #: `status_pairs` of each OrderStatus text (None: the table does not translate it).
        self._pairs: dict[str, StatusPairs | None] = {}

    def _status_pairs(self, status: str) -> StatusPairs | None:
        states = self._states((status,))
        pairs = None if states is None else status_pairs(states)
        return remember(self._pairs, status, pairs)

    def __call__(self, r: t.Any) -> list[Node] | None:
        if type(r) is not dict or "Orders" in r:
            return None
        get = r.get
        # `optional_id`: text (blank is None) or an integer as text; the id is the guid, else the number.
        guid = get("OrderGuid")
        if guid is not None:
            kind = type(guid)
            if kind is str:
                if not guid.strip():
                    guid = None
            elif kind is int:
                guid = str(guid)
            else:
                return None
        number = get("OrderNumber")
        if number is not None:
            kind = type(number)
            if kind is str:
                if not number.strip():
                    number = None
            elif kind is int:
                number = str(number)
            else:
                return None
        if guid is None:
            if number is None:
                return None
            guid = number
        elif number is None:
            number = guid
        status = get("OrderStatus")
        if type(status) is not str:
            return None
        pairs: t.Any = self._pairs.get(status, DECLINE)
        if pairs is DECLINE:
            pairs = self._status_pairs(status)
        if pairs is None:
            return None
        # Checked by `fields`, not carried: only whether they are read matters here.
        shipping = get("ShippingAmount")
        if shipping is not None and not _readable(shipping):
            return None
        email, name, method = get("Email"), get("BillingName"), get("PaymentMethod")
        if type(email) not in _TEXT or type(name) not in _TEXT or type(method) not in _TEXT:
            return None
        if type(get("BillingCity")) not in _TEXT or type(get("ShippingMethod")) not in _TEXT:
            return None
        # `optional_text` (blank is None), then the model's pattern.
        code = get("Currency")
        unit: t.Any = None
        if code is not None:
            if type(code) is not str:
                return None
            if code.strip():
                unit = _UNITS.get(code, DECLINE)
                if unit is DECLINE:
                    unit = _unit(code)
                    if unit is DECLINE:
                        return None
        total = get("OrderTotal")
        if total is not None:
            found = _AMOUNTS.get(total) if type(total) is str else None
            if (found or _amount(total)) is DECLINE:
                return None
        date = get("DateOrdered")
        if date is not None:
            date = _date(date)
            if date is DECLINE:
                return None
        minter = self._minter
        order_iri = minter.order(guid)
        head = order_head(order_iri, number, date, pairs)
        nodes = [head]
        items = get("OrderItems")
        if items is not None:
            if type(items) is not list:
                return None
            if items:
                iris = minter.numbered_line_iris(order_iri, len(items))
                offer = minter.offer
                for item, line_iri in zip(items, iris, strict=True):
                    if type(item) is not dict:
                        return None
                    get = item.get
                    amount = get("Quantity")
                    found = _QUANTITIES.get(amount) if type(amount) is str else None
                    amount = found or _quantity(amount)
                    price = get("UnitPrice")
                    if price is not None:
                        found = _AMOUNTS.get(price) if type(price) is str else None
                        price = found or _amount(price)
                    if amount is DECLINE or price is DECLINE:
                        return None
                    product = get("ProductId")
                    if product is not None:
                        kind = type(product)
                        if kind is str:
                            if not product.strip():
                                product = None
                        elif kind is int:
                            product = str(product)
                        else:
                            return None
                    title = get("ProductName")
                    if title is not None:
                        if type(title) is not str:
                            return None
                        if not title.strip():
                            title = None
                    add_line(
                        nodes,
                        order_iri,
                        line_iri,
                        title,
                        amount,
                        price,
                        unit,
                        None if product is None else offer(product),
                    )
                head["dfc-b:hasPart"] = iris
        # A buyer with only a name is read but has no node, as `order_nodes` writes it.
        if email is not None and email.strip():
            add_buyer(nodes, minter.agent(order_iri, None, email, "Person"), "Person", email)
        return nodes
