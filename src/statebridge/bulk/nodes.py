"""An order's DFC nodes straight from the fields an adapter read, without building an `Order`.

`order_nodes_from_fields` checks the unvalidated fields (`Adapter.fields`) against the subset of the
canonical model that `values.py` takes, and builds the JSON-LD writer's nodes with the writer's own
pieces (`order_head`, `add_line`, `add_buyer`), so the bytes are the writer's. Whatever falls
outside that subset (a key the model does not define, a number as a bool, a timestamp in another
form, kept statements, …) gives `DECLINE`, and the caller reads the order through the reference
path (`Adapter.read`), which accepts it or names what is wrong.
"""

from __future__ import annotations

import typing as t

from ..dfc.iris import IriMinter
from ..dfc.jsonld import Node, StatusPairs, add_buyer, add_line, order_head, unit_curie
from ..dfc.literals import datetime_lexical
from ..model import Buyer, Order, OrderLine, Payment, Shipment
from .values import DECLINE, Declined, currency, money, quantity, text_or_null, timestamp

__all__ = ["ReadLine", "add_read_lines", "order_nodes_from_fields"]

_ORDER_KEYS = frozenset(Order.model_fields) - {"states", "kept"}
_BUYER_KEYS = frozenset(Buyer.model_fields)
_LINE_KEYS = frozenset(OrderLine.model_fields)
_PAYMENT_KEYS = frozenset(Payment.model_fields)
_SHIPMENT_KEYS = frozenset(Shipment.model_fields)
_KINDS = frozenset(t.get_args(Buyer.model_fields["kind"].annotation))
_SEQUENCES = (list, tuple)


def _items(value: t.Any, keys: frozenset[str]) -> t.Sequence[dict[str, t.Any]] | Declined:
    """A list of sub-objects (`lines`, `payments`, `shipments`), each a dict of known keys."""
    if type(value) not in _SEQUENCES:
        return DECLINE
    for item in value:
        if type(item) is not dict or not item.keys() <= keys:
            return DECLINE
    return t.cast(t.Sequence[dict[str, t.Any]], value)


def _payments_ok(value: t.Any) -> bool:
    payments = _items(value, _PAYMENT_KEYS)
    if payments is DECLINE:
        return False
    for payment in t.cast(t.Sequence[dict[str, t.Any]], payments):
        get = payment.get
        if (
            text_or_null(get("id")) is DECLINE
            or text_or_null(get("state")) is DECLINE
            or text_or_null(get("method")) is DECLINE
            or money(get("amount")) is DECLINE
        ):
            return False
    return True


def _shipments_ok(value: t.Any) -> bool:
    shipments = _items(value, _SHIPMENT_KEYS)
    if shipments is DECLINE:
        return False
    for shipment in t.cast(t.Sequence[dict[str, t.Any]], shipments):
        get = shipment.get
        if (
            text_or_null(get("id")) is DECLINE
            or text_or_null(get("number")) is DECLINE
            or text_or_null(get("state")) is DECLINE
            or timestamp(get("shipped_at")) is DECLINE
        ):
            return False
    return True


def order_nodes_from_fields(
    fields: dict[str, t.Any], pairs: StatusPairs, minter: IriMinter
) -> list[Node] | Declined:
    """The nodes `order_nodes` writes for the order these fields validate to, with the DFC states
    already translated into `pairs` (`status_pairs`); `DECLINE` for fields outside the bulk subset."""
    if not fields.keys() <= _ORDER_KEYS:
        return DECLINE
    get = fields.get
    order_id = get("id")
    if (
        type(order_id) is not str
        or not order_id
        or type(get("platform")) is not str
        or type(get("shape")) is not str
        or type(get("test", False)) is not bool
    ):
        return DECLINE
    number = get("number")
    if (
        text_or_null(number) is DECLINE
        or currency(get("currency")) is DECLINE
        or money(get("total")) is DECLINE
    ):
        return DECLINE
    created = timestamp(get("created_at"))
    placed = timestamp(get("placed_at"))
    if created is DECLINE or placed is DECLINE or timestamp(get("updated_at")) is DECLINE:
        return DECLINE
    if not _payments_ok(get("payments", ())) or not _shipments_ok(get("shipments", ())):
        return DECLINE
    buyer = get("buyer")
    if buyer is not None:
        if type(buyer) is not dict or not buyer.keys() <= _BUYER_KEYS:
            return DECLINE
        agent_id, email, kind = buyer.get("id"), buyer.get("email"), buyer.get("kind", "Person")
        if (
            text_or_null(agent_id) is DECLINE
            or text_or_null(email) is DECLINE
            or text_or_null(buyer.get("name")) is DECLINE
            or type(kind) is not str
            or kind not in _KINDS
        ):
            return DECLINE
    lines = _items(get("lines", ()), _LINE_KEYS)
    if lines is DECLINE:
        return DECLINE
    date = placed or created
    order_iri = minter.order(order_id)
    head = order_head(
        order_iri, number, None if date is None else datetime_lexical(t.cast(t.Any, date)), pairs
    )
    nodes = [head]
    if lines:
        written = _add_lines(
            nodes, t.cast(t.Sequence[dict[str, t.Any]], lines), order_iri, get("currency"), minter
        )
        if written is DECLINE:
            return DECLINE
        head["dfc-b:hasPart"] = written
    if buyer is not None:
        add_buyer(nodes, minter.agent(order_iri, agent_id, email, kind), kind, email)
    return nodes


def _add_lines(
    nodes: list[Node],
    lines: t.Sequence[dict[str, t.Any]],
    order_iri: str,
    code: str | None,
    minter: IriMinter,
) -> list[str] | Declined:
    """Append each line's nodes; their IRIs, or `DECLINE` for a line outside the bulk subset."""
    read = []
    for line in lines:
        get = line.get
        item, name, line_id = get("item"), get("name"), get("id")
        amount = quantity(get("quantity"))
        price = money(get("unit_price"))
        if (
            amount is DECLINE
            or price is DECLINE
            or text_or_null(line_id) is DECLINE
            or text_or_null(item) is DECLINE
            or text_or_null(name) is DECLINE
        ):
            return DECLINE
        read.append((line_id, item, name, amount, price))
    return add_read_lines(nodes, order_iri, t.cast(list[ReadLine], read), code, minter)


#: A line as the bulk path's readers read it: (id, item, name, quantity, price), numbers lexical.
ReadLine = tuple[str | None, str | None, str | None, str, str | None]


def add_read_lines(
    nodes: list[Node], order_iri: str, lines: t.Sequence[ReadLine], code: str | None, minter: IriMinter
) -> list[str]:
    """Append the nodes of lines already read and checked (`ReadLine`s) under `minter`, their prices
    in the unit of currency `code`; their IRIs (`dfc-b:hasPart`), as `order_nodes` names them."""
    unit = unit_curie(code)
    iris = minter.line_iris(order_iri, [line[0] for line in lines])
    offer = minter.offer
    for (_, item, name, amount, price), line_iri in zip(lines, iris, strict=True):
        add_line(nodes, order_iri, line_iri, name, amount, price, unit, None if item is None else offer(item))
    return iris
