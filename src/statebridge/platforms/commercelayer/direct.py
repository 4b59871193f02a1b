"""The bulk path's reader of one Commerce Layer order document straight to DFC nodes.

It does what `CommerceLayerAdapter.split`, `read` and `order_nodes` do for a document holding one
order (`{"data": {"type": "orders", …}, "included": […]}`, or one bare `orders` resource), in one
pass and without the canonical `Order`, and it takes a document only when every value is in the
subset `bulk.values` checks. It returns None for anything else (a list of orders, an error
response, an `included` resource whose type or id is not text, a value of another type or form,
a status the table does not translate), and the document goes through the reference path, which
reads it or says what is wrong. `tests/test_bulk_path.py` holds the two to the same bytes and
messages.
"""

from __future__ import annotations

import datetime as dt
import typing as t

from ...bulk.nodes import add_read_lines
from ...bulk.values import DECLINE, Declined, currency, money, quantity, text_id, timestamp
from ...dfc.iris import IriMinter
from ...dfc.jsonld import Node, StatusPairs, add_buyer, order_head, status_pairs
from ...dfc.literals import datetime_lexical
from ...errors import InvalidOrderError
from ...mapping import MappingTable
from ...memo import remember
from .fields import _GOODS, _NOT_GOODS, _item_type, _money

__all__ = ["CommerceLayerDocuments", "stamp"]

_EMPTY: dict[str, t.Any] = {}
#: Currency codes met that the model takes (`currency`).
_CODES: set[str] = set()
_TEXT = (str, type(None))
_ABSENT = object()
_fromisoformat = dt.datetime.fromisoformat
_Index = dict[str, dict[str, t.Any]]


#: Lexical amounts by (integer cents, currency code), as `_money` and the model's `Money` read them.
_AMOUNTS: dict[tuple[int, str | None], str | object | None] = {}


def _amount(cents: t.Any, code: str | None) -> t.Any:
    """`_money` of `cents` (an integer or integer text) in `code`, validated as `Money`: its lexical
    form, None (no amount, or no currency to scale it by), or `DECLINE`."""
    if cents is None:
        return None
    kind = type(cents)
    if kind is not int:
        # bool, float, containers: the reference says why; integer text is read, not remembered
        return _read_amount(cents, code) if kind is str else DECLINE
    key = (cents, code)
    found = _AMOUNTS.get(key, _ABSENT)
    if found is _ABSENT:
        found = remember(_AMOUNTS, key, _read_amount(cents, code))
    return found


def _read_amount(cents: int | str, code: str | None) -> str | Declined | None:
    try:
        amount = _money({"cents": cents}, "cents", code)
    except InvalidOrderError:
        return DECLINE
    return None if amount is None else money(amount)


def stamp(value: t.Any) -> dt.datetime | Declined | None:
    """`timestamp`, with a shortcut for the form Commerce Layer writes, `2026-03-02T08:15:00.000Z`:
    the separators in their places, and `fromisoformat`, which reads only ASCII digits in between,
    stand for the pattern `timestamp` matches first (the tests hold the two to the same answers)."""
    if type(value) is str and len(value) == 24 and value[4:20:3] == "--T::." and value[23] == "Z":
        try:
            return _fromisoformat(value)
        except ValueError:
            return DECLINE
    return timestamp(value)


def _date_lexical(text: t.Any, parsed: t.Any) -> str:
    """`datetime_lexical(parsed)` of a timestamp `timestamp` took from `text`, made from the text
    itself when it is in UTC (`Z`, `+00:00`): formatting a datetime costs more than the rest of an
    order's head. The tests hold the two to the same text."""
    if type(text) is not str:
        return datetime_lexical(parsed)
    if text[-1] == "Z":
        fraction: str = text[20:-1]
    elif text[-6:] == "+00:00":
        fraction = text[20:-6]
    else:
        return datetime_lexical(parsed)
    if fraction.strip("0"):  # microseconds, always written with six digits
        return text[:20] + fraction.ljust(6, "0") + "+00:00"
    return text[:19] + "+00:00"


def _index(included: t.Any) -> _Index | None:
    """`included_index` by id alone, for resources whose type and id are text and whose ids are
    all different: then a (type, id) key finds the resource `included_index` finds. None to decline
    otherwise (`str()` of another id, or a repeated one, could find another resource)."""
    index: _Index = {}
    if type(included) is not list:
        return index
    for item in included:
        if type(item) is dict:
            item_id = item.get("id")
            if type(item.get("type")) is not str or type(item_id) is not str or item_id in index:
                return None
            index[item_id] = item
    return index


def _related(relationships: dict[str, t.Any], name: str, index: _Index) -> list[dict[str, t.Any]] | None:
    """The included resources relationship `name` links to (`fields._related`); None to decline."""
    relationship = relationships.get(name)
    if type(relationship) is not dict:
        return []
    data = relationship.get("data")
    if not data:  # no linkage, null, or an empty list
        return [] if data is None or data == [] else None
    found = []
    for ref in data if type(data) is list else (data,):
        if type(ref) is not dict:
            return None
        ref_id = ref.get("id")
        resource = index.get(ref_id) if type(ref_id) is str else None
        if resource is None or resource["type"] != ref.get("type"):
            return None
        found.append(resource)
    return found


class CommerceLayerDocuments:
    """Called with one parsed document: its nodes, or None when the reference path must read it."""

    def __init__(self, table: MappingTable, minter: IriMinter) -> None:
        # The adapter hands over a table whose fields are status, payment_status, fulfillment_status.
        self._states = table.states_for
        self._minter = minter
        #: `status_pairs` of the states of each status combination met that the table translates
        #: (a finite number): one lookup per order instead of two calls.
        self._pairs: dict[tuple[t.Any, ...], StatusPairs] = {}

    def _status_pairs(self, key: tuple[t.Any, ...]) -> StatusPairs | Declined:
        states = self._states(key)
        if states is None:
            return DECLINE
        pairs = self._pairs[key] = status_pairs(states)
        return pairs

    def __call__(self, document: t.Any) -> list[Node] | None:
        if type(document) is not dict:
            return None
        if "data" in document:
            record = document["data"]
            if type(record) is not dict:
                return None
            index = _index(document.get("included"))
            if index is None:
                return None
        elif "errors" in document:
            return None
        else:
            record, index = document, {}
        if record.get("type") != "orders":
            return None
        a = record.get("attributes")
        if type(a) is not dict:
            return None
        get = a.get
        key = (get("status", _ABSENT), get("payment_status", _ABSENT), get("fulfillment_status", _ABSENT))
        if type(key[0]) not in _TEXT or type(key[1]) not in _TEXT or type(key[2]) not in _TEXT:
            return None  # a status field missing (the sentinel), or not text
        pairs = self._pairs.get(key) or self._status_pairs(key)
        if pairs is DECLINE:
            return None
        number = get("number")
        if type(number) is not str:
            number = text_id(number)
            if number is DECLINE:
                return None
        order_id = record.get("id")
        if type(order_id) is not str:
            order_id = text_id(order_id)
            if order_id is DECLINE:
                return None
        number = number or None
        order_id = order_id or number
        if order_id is None:
            return None
        created = stamp(get("created_at"))
        placed = stamp(get("placed_at"))
        if created is DECLINE or placed is DECLINE or stamp(get("updated_at")) is DECLINE:
            return None
        code = get("currency_code")
        if type(code) is str:
            if code not in _CODES:
                if currency(code) is DECLINE:
                    return None
                _CODES.add(code)  # at most 26^3 codes
        elif code is not None:
            return None
        if _amount(get("total_amount_cents"), code) is DECLINE:
            return None
        relationships = record.get("relationships")
        if type(relationships) is not dict:
            relationships = _EMPTY
        person, email = _buyer(a, relationships, index)
        if person is DECLINE:
            return None
        lines = _lines(relationships, index, code)
        if lines is None or not _shipments_ok(relationships, index):
            return None
        minter = self._minter
        order_iri = minter.order(order_id)
        date: str | None = None
        if placed is not None:
            date = _date_lexical(a["placed_at"], placed)
        elif created is not None:
            date = _date_lexical(a["created_at"], created)
        head = order_head(order_iri, number, date, pairs)  # type: ignore[arg-type]
        nodes = [head]
        if lines:
            head["dfc-b:hasPart"] = add_read_lines(nodes, order_iri, lines, code, minter)
        if person is not None or email is not None:
            add_buyer(nodes, minter.agent(order_iri, person, email, "Person"), "Person", email)
        return nodes


def _buyer(a: dict[str, t.Any], relationships: dict[str, t.Any], index: _Index) -> tuple[t.Any, t.Any]:
    """(customer id, email) as `fields._buyer` reads them; `DECLINE` first for a buyer the model
    refuses. The name is not written, but a name that is not text makes the order invalid."""
    customer = relationships.get("customer")
    data = customer.get("data") if type(customer) is dict else None
    person = text_id(data.get("id") if type(data) is dict else None)
    if person is DECLINE:
        return DECLINE, None
    email = a.get("customer_email")
    if email is None and person is not None:
        found = index.get(person)
        attributes = found.get("attributes") if found is not None and found["type"] == "customers" else None
        email = attributes.get("email") if type(attributes) is dict else None
    if type(email) not in _TEXT:
        return DECLINE, None
    billing = relationships.get("billing_address")
    data = billing.get("data") if type(billing) is dict else None
    address = index.get(str(data.get("id") if type(data) is dict else None))
    if address is not None and address["type"] == "addresses":
        attributes = address.get("attributes")
        if type(attributes) is dict:
            name = attributes.get("full_name")
            if name and type(name) is not str:
                return DECLINE, None
    return person, email


_Line = tuple[str | None, str | None, str | None, str, str | None]

#: Lexical quantities by integer (`quantity`, remembered without its type checks).
_QUANTITIES: dict[int, str | object] = {}


def _lines(relationships: dict[str, t.Any], index: _Index, code: str | None) -> list[_Line] | None:
    """(id, item, name, quantity, price) of each goods line, lexical numbers; None to decline."""
    resources = _related(relationships, "line_items", index)
    if resources is None:
        return None
    lines = []
    for resource in resources:
        attributes = resource.get("attributes")
        if type(attributes) is not dict:
            attributes = _EMPTY
        get = attributes.get
        kind = get("item_type")
        if kind != "skus" and kind != "bundles":
            if type(kind) is str and kind in _NOT_GOODS:
                continue  # a charge or a discount, not an order line
            try:
                kind = _item_type(resource, attributes)
            except InvalidOrderError:
                return None
            if kind not in _GOODS:
                continue
        count = get("quantity")
        if type(count) is not int:  # integer text: the reference path reads it
            return None
        amount = _QUANTITIES.get(count)
        if amount is None:
            amount = remember(_QUANTITIES, count, quantity(count))
        line_code = get("currency_code")
        if amount is DECLINE or (line_code is not None and line_code != code):
            return None
        item = get("sku_code") or get("bundle_code")
        if item is None:
            links = resource.get("relationships")
            link = links.get("item") if type(links) is dict else None
            linked = link.get("data") if type(link) is dict else None
            item = linked.get("id") if type(linked) is dict else None
        if type(item) is not str and item is not None:
            item = text_id(item)
            if item is DECLINE:
                return None
        title = get("name")
        price = _amount(get("unit_amount_cents"), code)
        if price is DECLINE or type(title) not in _TEXT:
            return None
        # The resource was found by its id in `included`, where ids are text.
        lines.append((resource["id"], item, title or None, amount, price))
    return lines  # type: ignore[return-value]


def _shipments_ok(relationships: dict[str, t.Any], index: _Index) -> bool:
    resources = _related(relationships, "shipments", index)
    if resources is None:
        return False
    for resource in resources:
        attributes = resource.get("attributes")
        if type(attributes) is not dict:
            attributes = _EMPTY
        get = attributes.get
        if (
            text_id(resource.get("id")) is DECLINE
            or text_id(get("number")) is DECLINE
            or type(get("status")) not in _TEXT
            or stamp(get("shipped_at")) is DECLINE
        ):
            return False
    return True
