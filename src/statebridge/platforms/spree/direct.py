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

from ...bulk.nodes import ReadLine, add_read_lines
from ...bulk.values import (
    DECLINE,
    MONEY_TEXT,
    QUANTITY_TEXT,
    currency,
    money,
    quantity,
    text_id,
    timestamp,
    timestamp_text,
)
from ...dfc.iris import IriMinter
from ...dfc.jsonld import Node, StatusPairs, add_buyer, order_head, status_pairs
from ...mapping import MappingTable

__all__ = ["STATUS_FIELDS", "SpreeDocuments"]

#: The `spree` table's fields, in its order: the reader builds the table's key in this order.
STATUS_FIELDS = ("state", "status", "payment_state", "shipment_state")
_OFN_KEYS = frozenset(
    {"completed_at_utc_iso8601", "distributor", "order_cycle", "edit_path", "payments_path"}
)
_EMPTY: dict[str, t.Any] = {}
_TEXT = (str, type(None))


class SpreeDocuments:
    """Called with one parsed document: its nodes, or None when the reference path must read it.

    One pass over the record with the checks written out where they are used: this runs once per
    order on the bulk path, where each call and each intermediate object is measurable.
    """

    def __init__(self, table: MappingTable, minter: IriMinter) -> None:
        self._states = table.states_for
        self._minter = minter
        #: Status pairs by the status values: only combinations the table translates are kept,
        #: and there are as many as the fields' domains allow.
        self._pairs: dict[tuple[str | None, ...], StatusPairs] = {}

    def __call__(self, r: t.Any) -> list[Node] | None:
        if type(r) is not dict:
            return None
        get = r.get
        number = get("number")
        if type(number) is not str or type(get("orders")) is list or not r.keys().isdisjoint(_OFN_KEYS):
            return None
        if "state" in r:
            lines_key = "line_items"
        elif "status" in r:
            lines_key = "items" if "items" in r else "line_items"
        else:
            return None
        # Statuses: text or null, translated by the table.
        key = (
            get("state"),
            get("status"),
            get("payment_state", get("payment_status")),
            get("shipment_state", get("fulfillment_status")),
        )
        try:
            pairs = self._pairs.get(key)
        except TypeError:  # a list or an object among them
            return None
        if pairs is None:
            if any(type(value) not in _TEXT for value in key):
                return None
            states = self._states(key)
            if states is None:
                return None
            pairs = self._pairs[key] = status_pairs(states)
        # The order's id: text, or an integer as text; else its number.
        order_id = get("id")
        if type(order_id) is int:
            order_id = str(order_id)
        elif order_id is not None and type(order_id) is not str:
            return None
        order_id = order_id or number
        if not order_id:
            return None
        # Timestamps: the one written (placed, else created) as text, the others checked.
        date = timestamp_text(get("completed_at"))
        if date is None:
            date = timestamp_text(get("created_at"))
        elif timestamp(get("created_at")) is DECLINE:
            return None
        if date is DECLINE or timestamp(get("updated_at")) is DECLINE:
            return None
        code = get("currency")
        if currency(code) is DECLINE or money(get("total")) is DECLINE:
            return None
        # The buyer: `full_name`, else the billing address's names.
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
        person = get("user_id", get("customer_id"))
        if type(person) is int:
            person = str(person)
        elif person is not None and type(person) is not str:
            return None
        email = get("email")
        if type(email) not in _TEXT:
            return None
        if not (_payments_ok(get("payments")) and _shipments_ok(get("shipments"))):
            return None
        # Lines: read and checked first (their IRIs depend on all their ids), then written.
        items = get(lines_key)
        if items is None:
            items = ()
        elif type(items) is not list:
            return None
        lines = []
        for line in items:
            if type(line) is not dict:
                return None
            line_get = line.get
            variant = line_get("variant")
            if type(variant) is not dict:
                variant = _EMPTY
            item = line_get("sku") or variant.get("sku")
            if item:
                if type(item) is not str:
                    return None
            else:
                item = line_get("variant_id", variant.get("id"))
                if type(item) is int:
                    item = str(item)
                elif item is not None and type(item) is not str:
                    return None
            title = line_get("name") or variant.get("name")
            line_id = line_get("id")
            if type(line_id) is int:
                line_id = str(line_id)
            elif line_id is not None and type(line_id) is not str:
                return None
            value = line_get("quantity")
            amount = QUANTITY_TEXT.get(value) if type(value) is str else None
            if amount is None:
                amount = quantity(value)
            value = line_get("price")
            price = MONEY_TEXT.get(value) if type(value) is str else None
            if price is None and value is not None:
                price = money(value)
            if amount is DECLINE or price is DECLINE or type(title) not in _TEXT:
                return None
            lines.append((line_id, item, title, amount, price))
        minter = self._minter
        order_iri = minter.order(order_id)
        head = order_head(order_iri, number, t.cast(str | None, date), pairs)
        nodes = [head]
        if lines:
            head["dfc-b:hasPart"] = add_read_lines(
                nodes, order_iri, t.cast(list[ReadLine], lines), code, minter
            )
        # A buyer with only a name is read but has no node, as `order_nodes` writes it.
        add_buyer(nodes, minter.agent(order_iri, person, email, "Person"), "Person", email)
        return nodes


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
            text_id(get("id")) is DECLINE
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
            text_id(get("id")) is DECLINE
            or type(get("number")) not in _TEXT
            or type(get("state")) not in _TEXT
            or timestamp(get("shipped_at")) is DECLINE
        ):
            return False
    return True
