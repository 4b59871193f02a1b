"""The bulk path's reader of one bare Shopify REST order (the webhook shape) straight to DFC nodes.

It does what `ShopifyAdapter.split` (`_bare`, `_kind` = `rest`), `rest_fields`, `Adapter.read`,
the `Order` model and `order_nodes` do for a document that is one bare REST order, in one pass and
without the canonical `Order`, and it takes a document only when every value is in the subset
`bulk.values` checks. It returns None for anything else (an envelope, a GraphQL order or Bulk row,
a gid with a query string, an `id` text that differs from the gid's number, a value of another
type or form, a status the table does not translate), and the document goes through the reference
path, which reads it or says what is wrong.

A document it takes never reaches `split`, and needs no `start_document` either: a REST order does
not touch the Bulk Operation join (`BulkJoin`), which notes a document's position only to name the
GraphQL orders and child rows of that same document.

Documents are parsed JSON (orjson's types), so `type(x) is dict` is `isinstance(x, dict)` here.
`tests/test_bulk_path.py` holds the reader to the reference path's bytes and messages.
"""

from __future__ import annotations

import typing as t

from ...bulk.nodes import add_read_lines
from ...bulk.values import DECLINE, currency, money, quantity, text_id, timestamp
from ...dfc.iris import IriMinter
from ...dfc.jsonld import Node, StatusPairs, add_buyer, order_head, status_pairs
from ...dfc.vocab import CURRENCY_UNITS
from ...mapping import MappingTable
from ...memo import remember
from ..hints import foreign_keys
from .detect import _REST_KEYS
from .fields import _REFUNDED

__all__ = ["STATUS_FIELDS", "ShopifyDocuments"]

#: The `shopify` table's fields, in its order: the reader builds the table's key in this order.
STATUS_FIELDS = ("financial_status", "fulfillment_status", "cancel_reason", "cancelled", "closed")

_ORDER_GID = "gid://shopify/Order/"
_CUSTOMER_GID = "gid://shopify/Customer/"
_COMPANY_GID = "gid://shopify/Company/"
_LINE_GID = "gid://shopify/LineItem/"
_TRANSACTION_GID = "gid://shopify/OrderTransaction/"
_FULFILMENT_GID = "gid://shopify/Fulfillment/"
#: `ids._NUMBER`: at most 30 digits in an id.
_ID_DIGITS = 30
_ID_LIMIT = 10**_ID_DIGITS
_EMPTY: dict[str, t.Any] = {}
_TEXT = (str, type(None))
#: Not in a cache yet.
_UNSEEN: t.Any = object()
#: How many entries each cache below holds (cleared when full: memory stays flat).
_CACHE = 4096
#: Timestamp text -> its lexical form (`isoformat`, what `dfc-b:date` holds) or `DECLINE`: an
#: order repeats some (created and processed, updated and cancelled or closed), and every webhook
#: of one order repeats its created_at.
_STAMPS: dict[str, t.Any] = {}
#: Currency codes known to pass `currency` (those DFC has units for): looked up before its pattern.
_CODES = frozenset(code for code in CURRENCY_UNITS if currency(code) == code)
#: Amount text -> `money(text)`, and integer quantity -> `quantity(n)`: text and int keys only, so
#: no key equals one of another type (`True == 1`, which `money` keys by type for).
_AMOUNTS: dict[str, t.Any] = {}
_COUNTS: dict[int, t.Any] = {}


def _stamp(value: t.Any) -> t.Any:
    """`timestamp(value)` as its lexical form, remembered; None for null, else `DECLINE`."""
    if type(value) is not str:
        return None if value is None else DECLINE  # JSON has no datetime; a number is not taken
    found = _STAMPS.get(value)
    if found is None:
        read = timestamp(value)
        found = remember(_STAMPS, value, read if read is DECLINE else read.isoformat(), _CACHE)  # type: ignore[union-attr]
    return found


def _amount(value: t.Any) -> t.Any:
    """`money(value)`, remembered for text."""
    if type(value) is not str:
        return money(value)
    found = _AMOUNTS.get(value)
    if found is None:
        found = remember(_AMOUNTS, value, money(value), _CACHE)
    return found


def _rest_id(record: dict[str, t.Any], prefix: str) -> t.Any:
    """`ids._rest_id` where it reads the id: the gid's tail, checked against `id`, or `id` as text
    without a gid; `DECLINE` where it refuses (or reads a gid with a query string)."""
    gid = record.get("admin_graphql_api_id")
    own = record.get("id")
    if type(gid) is str and gid.startswith(prefix):
        exact = gid[len(prefix) :]
        number = type(own) is int and 0 <= own < _ID_LIMIT
        if number and str(own) == exact:
            return exact  # the common case: the same number (so at most 30 ASCII digits)
        if exact.isdigit() and exact.isascii() and len(exact) <= _ID_DIGITS:
            if own is None or own == exact:
                return exact
            if number and float(own) == float(int(exact)):
                return exact  # `id` rounded through a double (`ids._same_number`)
        return DECLINE
    return text_id(own) if gid is None else DECLINE


def _shop_money(record: dict[str, t.Any], key: str, set_key: str) -> t.Any:
    """`fields._rest_money`: (amount, shop currency or None) from `set_key.shop_money`, else
    (`key`, None); None when neither is there; `DECLINE` for a set that is not an object."""
    money_set = record.get(set_key)
    if money_set is not None:
        if type(money_set) is not dict:
            return DECLINE
        shop = money_set.get("shop_money")
        if shop is not None:
            if type(shop) is not dict:
                return DECLINE
            code = shop.get("currency_code")
            return shop.get("amount"), code if type(code) is str else None
    value = record.get(key)
    return None if value is None else (value, None)


class ShopifyDocuments:
    """Called with one parsed document: its nodes, or None when the reference path must read it."""

    def __init__(self, table: MappingTable, minter: IriMinter) -> None:
        self._states = table.states_for
        self._minter = minter
        #: Status pairs by status key (None: the table does not translate it).
        self._pairs: dict[tuple[str | None, ...], StatusPairs | None] = {}
        #: Keys that make `split` read the document as something else than one bare REST order:
        #: GraphQL responses, REST envelopes, Bulk child rows, other platforms' markers.
        self._not_bare = frozenset({"data", "errors", "order", "orders", "__parentId"}) | foreign_keys(
            "shopify"
        )
        # A gid's number is ASCII digits, which the minter writes as they are and never keeps as
        # an IRI: the order's and the agent's IRIs are these prefixes and the number.
        self._order_prefix = minter.order("0")[:-1]
        self._agent_prefixes = {
            "Person": minter.person("0")[:-1],
            "Enterprise": minter.enterprise("0")[:-1],
        }

    def _status_pairs(self, key: tuple[str | None, ...]) -> StatusPairs | None:
        """`status_pairs` of the table's states for `key`, remembered (None: not translated)."""
        states = self._states(key)
        return remember(self._pairs, key, None if states is None else status_pairs(states), _CACHE)

    def __call__(self, r: t.Any) -> list[Node] | None:
        if type(r) is not dict or not r.keys().isdisjoint(self._not_bare):  # looks up the few keys
            return None
        get = r.get
        number = get("name")
        if type(number) not in _TEXT or (type(get("number")) is str and "state" in r):
            return None  # a Spree order to `_kind`
        if get("admin_graphql_api_id") is None:
            # `_kind`: a REST order by its keys; `_not_an_order` guesses from `order_id` what it is
            own = get("id")
            if "order_id" in r or _REST_KEYS.isdisjoint(r):
                return None
            if type(own) is str and own.startswith("gid://"):
                return None  # a GraphQL order, or another resource
            order_id = text_id(own) or number  # `_rest_id(…) or r.get("name")`
            if type(order_id) is not str or not order_id:
                return None
            order_iri = self._minter.order(order_id)
        else:
            order_id = _rest_id(r, _ORDER_GID)
            if order_id is DECLINE:
                return None
            order_iri = self._order_prefix + order_id
        # -- statuses (`_status`: the first key that is set), in the table's field order
        financial = get("displayFinancialStatus")
        if financial is None:
            financial = get("financial_status")
        fulfilment = get("displayFulfillmentStatus")
        if fulfilment is None:
            fulfilment = get("fulfillment_status")
        reason = get("cancel_reason")
        if type(financial) not in _TEXT or type(fulfilment) not in _TEXT or type(reason) not in _TEXT:
            return None
        # `_yes(_timestamp(…))`: `yes` for a timestamp (only text of the form the bulk path reads)
        cancelled, closed = get("cancelled_at"), get("closed_at")
        if cancelled is not None:
            if _stamp(cancelled) is DECLINE:
                return None
            cancelled = "yes"
        if closed is not None:
            if _stamp(closed) is DECLINE:
                return None
            closed = "yes"
        key = (financial, fulfilment, reason, cancelled or "no", closed or "no")
        pairs = self._pairs.get(key, _UNSEEN)
        if pairs is _UNSEEN:
            pairs = self._status_pairs(key)
        if pairs is None:
            return None
        # -- total and currency (`_rest_total`)
        found = _shop_money(r, "current_total_price", "current_total_price_set")
        if found is None and not get("refunds") and financial not in _REFUNDED:
            found = _shop_money(r, "total_price", "total_price_set")
        if found is DECLINE:
            return None
        total, code = found or (None, None)
        code = code or get("currency")
        if type(code) is str:
            if code not in _CODES and currency(code) is DECLINE:
                return None
        elif code is not None:
            return None  # `currency` takes text or null
        if total is not None and _amount(total) is DECLINE:
            return None
        test = get("test")
        if test is not None and type(test) is not bool:
            return None
        created = _stamp(get("created_at"))
        placed = _stamp(get("processed_at"))
        if created is DECLINE or placed is DECLINE or _stamp(get("updated_at")) is DECLINE:
            return None
        # `transactions` and `fulfillments` are not written, but must validate
        payments, shipments = get("transactions"), get("fulfillments")
        if payments is not None and payments != [] and not _payments_ok(payments):
            return None
        if shipments is not None and shipments != [] and not _shipments_ok(shipments):
            return None
        # -- buyer (`_rest_buyer`): the company (B2B) if any, else the customer
        customer = get("customer")
        if type(customer) is not dict:
            customer = _EMPTY
        company = get("company")
        company_id = _rest_id(company, _COMPANY_GID) if type(company) is dict and company else None
        if company_id is DECLINE:
            return None
        agent_id = company_id or (_rest_id(customer, _CUSTOMER_GID) if customer else None)
        if agent_id is DECLINE:
            return None
        email = get("email") or get("contact_email") or customer.get("email")
        first, last = customer.get("first_name"), customer.get("last_name")
        name: t.Any
        if type(first) is str and first:
            name = f"{first} {last}" if type(last) is str and last else first
        else:
            name = last if type(last) is str and last else None
        if not name:
            billing = get("billing_address")
            name = billing.get("name") if type(billing) is dict else None
        kind = "Person" if company_id is None else "Enterprise"
        buyer = company_id is not None or bool(agent_id or email or name)
        if buyer and (type(email) not in _TEXT or type(name) not in _TEXT):
            return None
        lines = _lines(get("line_items"))
        if lines is None:
            return None
        # -- the nodes, as `order_nodes` writes them
        minter = self._minter
        head = order_head(order_iri, number, created if placed is None else placed, pairs)
        nodes = [head]
        if lines:
            head["dfc-b:hasPart"] = add_read_lines(nodes, order_iri, lines, code, minter)
        if buyer:
            if agent_id and agent_id.isdigit() and agent_id.isascii():
                agent = self._agent_prefixes[kind] + agent_id
            else:
                agent = minter.agent(order_iri, agent_id, email, kind)
            add_buyer(nodes, agent, kind, email)
        return nodes


_Line = tuple[str | None, str | None, str | None, str, str | None]


def _lines(items: t.Any) -> list[_Line] | None:
    """(id, item, name, quantity, price) of each `line_items` entry (`_rest_line`), lexical
    numbers; None to decline."""
    if items is None:
        return []
    if type(items) is not list:
        return None
    lines = []
    for line in items:
        if type(line) is not dict:
            return None
        get = line.get
        price = get("price_set")  # `_rest_money(line, "price")`: the shop money's amount, or `price`
        if price is not None:
            if type(price) is not dict:
                return None
            price = price.get("shop_money")
            if price is not None:
                if type(price) is not dict:
                    return None
                price = price.get("amount")
            else:
                price = get("price")
        else:
            price = get("price")
        item = get("sku")
        if not item:
            item = text_id(get("variant_id"))
            if not item and item is not DECLINE:
                item = text_id(get("product_id"))
        elif type(item) is not str:
            return None
        title = get("name") or get("title")
        line_id = _rest_id(line, _LINE_GID)
        count = get("quantity")
        amount = _COUNTS.get(count, _UNSEEN) if type(count) is int else _UNSEEN
        if amount is _UNSEEN:
            amount = quantity(count)
            if type(count) is int:
                remember(_COUNTS, count, amount, _CACHE)
        unit_price = None if price is None else _amount(price)
        if item is DECLINE or line_id is DECLINE or amount is DECLINE or unit_price is DECLINE:
            return None
        if type(title) not in _TEXT:
            return None
        lines.append((line_id, item, title, amount, unit_price))
    return lines


def _payments_ok(items: t.Any) -> bool:
    """Whether every `transactions` entry reads to a valid `Payment` (`_payment`, `rest=True`)."""
    if type(items) is not list:
        return False
    for payment in items:
        if type(payment) is not dict:
            return False
        get = payment.get
        amount = _shop_money(payment, "amount", "amount_set")
        if (
            amount is DECLINE
            or _rest_id(payment, _TRANSACTION_GID) is DECLINE
            or type(get("status")) not in _TEXT
            or type(get("gateway")) not in _TEXT
            or (amount is not None and amount[0] is not None and _amount(amount[0]) is DECLINE)
        ):
            return False
    return True


def _shipments_ok(items: t.Any) -> bool:
    """Whether every `fulfillments` entry reads to a valid `Shipment` (`_shipment`, `rest=True`)."""
    if type(items) is not list:
        return False
    for shipment in items:
        if type(shipment) is not dict:
            return False
        get = shipment.get
        status = get("status")
        if (
            type(status) not in _TEXT
            or type(get("name")) not in _TEXT
            or _rest_id(shipment, _FULFILMENT_GID) is DECLINE
        ):
            return False
        if status is not None and status.lower() == "success" and _stamp(get("created_at")) is DECLINE:
            return False
    return True
