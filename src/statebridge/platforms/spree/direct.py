"""The bulk path's reader of one bare Spree order (`solidus-flat`, `spree-v3`) straight to DFC nodes.

It does what `SpreeAdapter.split`, `read` and `order_nodes` do for a document that is one bare
order, in one pass and without the canonical `Order`, and it takes a document only when every
value is in the subset `bulk.values` checks. It returns None for anything else (an envelope, an
Open Food Network order, JSON:API, a value of another type or form, a status the table does not
translate), and the document goes through the reference path, which reads it or says what is wrong.
`tests/test_bulk_path.py` holds the two to the same bytes and messages.
"""

from __future__ import annotations

import typing as t

from ...bulk.values import DECLINE, currency, money, quantity, timestamp
from ...dfc.iris import IriMinter
from ...dfc.jsonld import Node, add_buyer, add_line, order_head, status_pairs, unit_curie
from ...mapping import MappingTable

__all__ = ["STATUS_FIELDS", "SpreeDocuments"]

#: The `spree` table's fields, in its order: the reader builds the table's key in this order.
STATUS_FIELDS = ("state", "status", "payment_state", "shipment_state")
_OFN_KEYS = frozenset(
    {"completed_at_utc_iso8601", "distributor", "order_cycle", "edit_path", "payments_path"}
)
_EMPTY: dict[str, t.Any] = {}
_TEXT = (str, type(None))


def _text_id(value: t.Any) -> t.Any:
    """`text_or_none`: text kept, an integer as text, None; `DECLINE` for anything else."""
    kind = type(value)
    if kind is str or value is None:
        return value
    if kind is int:
        return str(value)
    return DECLINE


class SpreeDocuments:
    """Called with one parsed document: its nodes, or None when the reference path must read it."""

    def __init__(self, table: MappingTable, minter: IriMinter) -> None:
        self._states = table.states_for
        self._minter = minter

    def __call__(self, r: t.Any) -> list[Node] | None:
        if type(r) is not dict:
            return None
        get = r.get
        number = get("number")
        if type(number) is not str or type(get("orders")) is list or not _OFN_KEYS.isdisjoint(r):
            return None
        if "state" in r:
            lines_key = "line_items"
        elif "status" in r:
            lines_key = "items" if "items" in r else "line_items"
        else:
            return None
        state, status = get("state"), get("status")
        paid = get("payment_state", get("payment_status"))
        shipped = get("shipment_state", get("fulfillment_status"))
        if type(state) not in _TEXT or type(status) not in _TEXT or type(paid) not in _TEXT:
            return None
        if type(shipped) not in _TEXT:
            return None
        states = self._states((state, status, paid, shipped))
        if states is None:
            return None
        order_id = _text_id(get("id"))
        if order_id is DECLINE:
            return None
        order_id = order_id or number
        if not order_id:
            return None
        created = timestamp(get("created_at"))
        placed = timestamp(get("completed_at"))
        if created is DECLINE or placed is DECLINE or timestamp(get("updated_at")) is DECLINE:
            return None
        code = get("currency")
        if currency(code) is DECLINE or money(get("total")) is DECLINE:
            return None
        # buyer
        name = get("full_name")
        if not name:
            address = get("bill_address")
            if type(address) is not dict:
                address = _EMPTY
            first, last = address.get("firstname"), address.get("lastname")
            if type(first) not in _TEXT or type(last) not in _TEXT:
                return None
            name = f"{first} {last}" if first and last else first or last or None
        elif type(name) is not str:
            return None
        person = _text_id(get("user_id", get("customer_id")))
        email = get("email")
        if person is DECLINE or type(email) not in _TEXT:
            return None
        if not (_payments_ok(get("payments")) and _shipments_ok(get("shipments"))):
            return None
        lines = _lines(get(lines_key))
        if lines is None:
            return None
        minter = self._minter
        order_iri = minter.order(order_id)
        date = placed or created
        head = order_head(order_iri, number, None if date is None else date.isoformat(), status_pairs(states))  # type: ignore[union-attr]
        nodes = [head]
        if lines:
            unit = unit_curie(code)
            iris = minter.line_iris(order_iri, [line[0] for line in lines])
            offer = minter.offer
            for (_, item, title, amount, price), line_iri in zip(lines, iris, strict=True):
                add_line(
                    nodes,
                    order_iri,
                    line_iri,
                    title,
                    amount,
                    price,
                    unit,
                    None if item is None else offer(item),
                )
            head["dfc-b:hasPart"] = iris
        # A buyer with only a name is read but has no node, as `order_nodes` writes it.
        add_buyer(nodes, minter.agent(order_iri, person, email, "Person"), "Person", email)
        return nodes


_Line = tuple[str | None, str | None, str | None, str, str | None]


def _lines(items: t.Any) -> list[_Line] | None:
    """(id, item, name, quantity, price) of each line item, lexical numbers; None to decline."""
    if items is None:
        return []
    if type(items) is not list:
        return None
    lines = []
    for line in items:
        if type(line) is not dict:
            return None
        get = line.get
        variant = get("variant")
        if type(variant) is not dict:
            variant = _EMPTY
        item = get("sku") or variant.get("sku")
        if item:
            if type(item) is not str:
                return None
        else:
            item = _text_id(get("variant_id", variant.get("id")))
        title = get("name") or variant.get("name")
        line_id = _text_id(get("id"))
        amount = quantity(get("quantity"))
        price = money(get("price"))
        if item is DECLINE or line_id is DECLINE or amount is DECLINE or price is DECLINE:
            return None
        if type(title) not in _TEXT:
            return None
        lines.append((line_id, item, title, amount, price))
    return lines  # type: ignore[return-value]


def _payments_ok(items: t.Any) -> bool:
    if items is None:
        return True
    if type(items) is not list:
        return False
    for payment in items:
        if type(payment) is not dict:
            return False
        get = payment.get
        method = get("payment_method")
        if type(method) is not dict:
            method = _EMPTY
        name = method.get("name") or get("payment_method_name")
        if (
            _text_id(get("id")) is DECLINE
            or type(get("state")) not in _TEXT
            or type(name) not in _TEXT
            or money(get("amount")) is DECLINE
        ):
            return False
    return True


def _shipments_ok(items: t.Any) -> bool:
    if items is None:
        return True
    if type(items) is not list:
        return False
    for shipment in items:
        if type(shipment) is not dict:
            return False
        get = shipment.get
        if (
            _text_id(get("id")) is DECLINE
            or type(get("number")) not in _TEXT
            or type(get("state")) not in _TEXT
            or timestamp(get("shipped_at")) is DECLINE
        ):
            return False
    return True
