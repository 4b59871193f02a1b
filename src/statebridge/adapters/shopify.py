"""Shopify adapter: Admin REST, order webhooks, Admin GraphQL and Bulk Operation JSONL.

Shapes read (auto-detected per document, and per element inside a list):

- `rest`: Admin REST `{"order": {…}}` and `{"orders": [...]}`;
- `webhook`: a bare REST order object, as an `orders/create|updated|cancelled|…` webhook delivers it
  (also one REST order per NDJSON line, or a JSON array of them);
- `graphql`: an Admin GraphQL response, `{"data": {"orders": {"nodes": [...]}}}`,
  `{"data": {"orders": {"edges": [{"node": …}]}}}` or `{"data": {"order": {…}}}`, with `lineItems`
  as `nodes` or `edges`; a response carrying `errors` is reported, never read as empty;
- `bulk`: a bare GraphQL order (`id` = `gid://shopify/Order/N`), as a Bulk Operation writes one per
  JSONL line, followed by child rows (`__parentId`) such as its line items.

Bulk Operation JSONL spreads one order over several lines, and Shopify does not promise that an
order's child rows follow it (`groupObjects` is false by default from API 2026-07), so bare GraphQL
orders are held back and completed as their child rows arrive, and `finish()` emits them, in input
order, once the whole input has been read. This costs memory in proportion to the bulk orders
read (a few kilobytes per order). Line-item rows become the order's lines; child rows of other types
(fulfilment orders, returns, …) have no place in the canonical order and are passed over, as the REST
reader passes over `refunds` or `shipping_lines`. The pipeline calls `start_document(position)`
before each `split()`, so that held orders and rows can be named by the line they came from.

Identifiers: `Order.id` is Shopify's numeric order id as a decimal string (`"450789469"`), the same
for every shape: REST `id`, or the numeric tail of the GraphQL `gid://shopify/Order/450789469`.
Where a REST record carries both `id` and `admin_graphql_api_id`, the gid's tail wins, because some
JSON pipelines round 64-bit integers through doubles (Shopify's own webhook example has
`"id": 820982911946154500` beside `…/Order/820982911946154508`); an `id` that is not that number
rounded is an error, not a guess. Line, customer and fulfilment ids follow the same rule.

Buyer: the customer (`Buyer.kind` Person), unless the order is a B2B order, placed for a company:
REST `company` (`{"id", "location_id"}`: an order created with `company.location_id` and a
`customer.id` is "a B2B order ... associated with the company location", Shopify's "Import B2B
orders" tutorial) or GraphQL `purchasingEntity` being a `PurchasingCompany` (`{company {id}}`; the
`PurchasingEntity` union is `Customer | PurchasingCompany`). Then the buyer is that company, an
Enterprise in DFC, named by the company's id; email and name stay the contact's.

Status fields handed to the `shopify` mapping table, values verbatim: `financial_status` (REST
`financial_status`, or GraphQL `displayFinancialStatus`), `fulfillment_status` (REST
`fulfillment_status`, or GraphQL `displayFulfillmentStatus`, which wins when a record has both),
`cancel_reason` (`cancelReason`), and the derived `cancelled` / `closed` (`yes` when
`cancelled_at`/`cancelledAt`, resp. `closed_at`/`closedAt`/`closed: true` are set). Missing status
keys read as null, as Shopify sends them when they are not set.

Money is the shop currency (`*_set.shop_money`, GraphQL `shopMoney`) where given; the order total is
the current total after refunds (`current_total_price_set`, `currentTotalPriceSet`). A payload
without it (older API versions) falls back to the original `total_price` only when the order has no
refund, since that total would overstate a refunded order. Timestamps keep their offsets (REST sends
the shop's offset, GraphQL UTC).

GraphQL and Bulk rows carry only the fields the query selected, so an order is refused only for
what its DFC output needs: a MoneyBag without `shopMoney` is read from `presentmentMoney` when that
is in the shop currency (`currencyCode`), else its amount is absent (a payment amount, a total and a
line price are all optional in DFC output). A MoneyBag of the wrong type is still an error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import typing as t
from decimal import Decimal

from pydantic import AwareDatetime, TypeAdapter, ValidationError

from ..errors import InvalidOrderError, OrderError, UnknownStatusError, UnrecognisedShapeError
from ..model import Order, OrderLine
from ..states import DFCStates
from .base import Adapter, RawOrder, decimal_text, iso_or_none, text_or_none
from .json_fields import list_field as _list, mapping_or_empty as _mapping, required_object as _object

__all__ = ["ShopifyAdapter"]

_GID = re.compile(r"gid://shopify/(?P<kind>[A-Za-z]+)/(?P<id>\d{1,30})(?:\?.*)?")
_NUMBER = re.compile(r"\d{1,30}")
_MAX_ID_DIGITS = 30
#: REST money fields and the `…_set` object beside each (shop and presentment currencies).
_MONEY_SETS = {key: f"{key}_set" for key in ("current_total_price", "total_price", "price", "amount")}
#: The start of a REST object's `admin_graphql_api_id`, by kind (the fast path of `_rest_id`).
_GID_PREFIXES = {
    kind: f"gid://shopify/{kind}/"
    for kind in ("Order", "Customer", "Company", "LineItem", "OrderTransaction", "Fulfillment")
}
#: Key under which a Bulk line-item row keeps where it was read, for messages (no Shopify key).
_ROW = "__statebridge_position"
_TIMESTAMP: TypeAdapter[dt.datetime] = TypeAdapter(AwareDatetime)

#: Keys only a REST order carries (snake_case), and only a GraphQL order (camelCase).
_REST_KEYS = frozenset(
    {
        "financial_status",
        "fulfillment_status",
        "line_items",
        "order_number",
        "cancelled_at",
        "closed_at",
        "current_total_price",
        "current_total_price_set",
        "total_price",
        "admin_graphql_api_id",
    }
)
_GRAPHQL_KEYS = frozenset(
    {
        "displayFinancialStatus",
        "displayFulfillmentStatus",
        "cancelledAt",
        "closedAt",
        "lineItems",
        "legacyResourceId",
        "currentTotalPriceSet",
        "totalPriceSet",
    }
)
_REFUNDED = frozenset({"partially_refunded", "refunded", "PARTIALLY_REFUNDED", "REFUNDED"})

#: Envelopes of Shopify resources that are not orders, with what to do instead.
_NOT_ORDERS = {
    "fulfillment": "fulfillment",
    "fulfillments": "fulfillment list",
    "refund": "refund",
    "refunds": "refund list",
    "transaction": "transaction",
    "transactions": "transaction list",
    "draft_order": "draft order",
    "draft_orders": "draft order list",
    "customer": "customer",
    "customers": "customer list",
    "product": "product",
    "products": "product list",
    "fulfillment_order": "fulfillment order",
    "fulfillment_orders": "fulfillment order list",
    "risks": "order risk list",
}
#: Markers of other platforms' orders, for the hint in a refusal.
_FOREIGN_KEYS = {
    "payment_state": "spree",
    "shipment_state": "spree",
    "payment_status": "spree or commercelayer",
    "OrderStatus": "relatude",
    "@context": "dfc",
    "@graph": "dfc",
}

#: Canonical field -> the platform's name, per shape, so that messages speak Shopify.
_REST_NAMES = {
    "number": "name",
    "placed_at": "processed_at",
    "total": "current_total_price",
    "buyer": "customer",
    "lines": "line_items",
    "item": "sku",
    "unit_price": "price",
    "shipments": "fulfillments",
    "payments": "transactions",
    "shipped_at": "created_at",
}
_GRAPHQL_NAMES = {
    "number": "name",
    "created_at": "createdAt",
    "updated_at": "updatedAt",
    "placed_at": "processedAt",
    "currency": "currencyCode",
    "total": "currentTotalPriceSet",
    "buyer": "customer",
    "lines": "lineItems",
    "item": "sku",
    "unit_price": "originalUnitPriceSet",
    "shipments": "fulfillments",
    "payments": "transactions",
    "shipped_at": "createdAt",
    "amount": "amountSet",
}
#: Table field -> GraphQL key, for messages about GraphQL orders.
_GRAPHQL_STATUS = {
    "financial_status": "displayFinancialStatus",
    "fulfillment_status": "displayFulfillmentStatus",
    "cancel_reason": "cancelReason",
}
#: GraphQL displayFulfillmentStatus values that REST spells differently (None: REST null).
_REST_FULFILMENT: dict[str, str | None] = {
    "FULFILLED": "fulfilled",
    "PARTIALLY_FULFILLED": "partial",
    "RESTOCKED": "restocked",
    "UNFULFILLED": None,
}


@dataclasses.dataclass
class _Held:
    """A Bulk Operation order waiting for the end of input, with its line-item rows."""

    position: str | None
    record: dict[str, t.Any]
    lines: list[tuple[str | None, dict[str, t.Any]]] = dataclasses.field(default_factory=list)


class ShopifyAdapter(Adapter):
    """Reads Shopify orders (REST, webhooks, GraphQL, Bulk Operation JSONL) into canonical orders."""

    name = "shopify"
    table = "shopify"
    shapes = ("rest", "webhook", "graphql", "bulk")
    field_names: t.ClassVar[t.Mapping[str, t.Mapping[str, str]]] = {
        "rest": _REST_NAMES,
        "webhook": _REST_NAMES,
        "graphql": _GRAPHQL_NAMES,
        "bulk": _GRAPHQL_NAMES,
    }
    #: Bulk Operation JSONL joins child rows to their order across lines (`finish`).
    independent_lines = False

    def __init__(self) -> None:
        self._document: str | None = None
        self._held: dict[str, _Held] = {}
        self._waiting: dict[str, list[tuple[str | None, dict[str, t.Any]]]] = {}

    # -- envelopes -------------------------------------------------------------------------------

    def start_document(self, position: str | None) -> None:
        """Note where the next document was found (`line 7`), to name held Bulk rows later."""
        self._document = position

    def split(self, document: t.Any) -> t.Iterator[RawOrder | OrderError]:
        if isinstance(document, list):
            for i, record in enumerate(document):
                yield from self._bare(record, f"[{i}]")
            return
        if not isinstance(document, dict):
            yield self._refuse(document, None)
            return
        if "data" in document or "errors" in document:
            yield from self._graphql(document)
            return
        if "order" in document and isinstance(document["order"], dict):
            yield self._rest(document["order"], "order", "rest")
            return
        if isinstance(document.get("orders"), list):
            for i, record in enumerate(document["orders"]):
                yield self._rest(record, f"orders[{i}]", "rest")
            return
        yield from self._bare(document, None)

    def finish(self) -> t.Iterator[RawOrder | OrderError]:
        """The held Bulk Operation orders, in input order, then the rows whose order never came.

        Call once, after the last document; positions are absolute (`line 3`).
        """
        held, waiting = self._held, self._waiting
        self._held, self._waiting = {}, {}
        for order in held.values():
            record = dict(order.record)
            if order.lines:
                try:
                    inline = _connection(record.get("lineItems"), "lineItems")
                except InvalidOrderError:
                    inline = None  # the order is refused when read, naming its lineItems
                if inline is not None:
                    located = [{**row, _ROW: position} for position, row in order.lines]
                    record["lineItems"] = {"nodes": [*inline, *located]}
            yield RawOrder(order.position, "bulk", record)
        for parent, rows in waiting.items():
            for position, _ in rows:
                yield UnrecognisedShapeError(
                    f"line-item row of order gid://shopify/Order/{parent}, which is not in the input "
                    "(a Bulk Operation writes every order before or around its child rows)",
                    position=position,
                )

    def _graphql(self, document: dict[str, t.Any]) -> t.Iterator[RawOrder | OrderError]:
        errors = document.get("errors")
        if errors:
            yield UnrecognisedShapeError(
                f"Shopify answered with errors, not orders: {_graphql_errors(errors)}", position="errors"
            )
        data = document.get("data")
        if data is None and errors:
            return
        if isinstance(data, list) or (isinstance(data, dict) and ("type" in data or "attributes" in data)):
            yield UnrecognisedShapeError(
                "a JSON:API document, not a Shopify GraphQL response (for Commerce Layer use "
                "--from commercelayer, for Spree --from spree)",
                position="data",
            )
            return
        if not isinstance(data, dict) or not ({"orders", "order"} & data.keys()):
            has = ", ".join(sorted(map(str, data))) if isinstance(data, dict) else type(data).__name__
            yield UnrecognisedShapeError(
                f"a GraphQL response without data.orders or data.order (it has: {has or 'nothing'})",
                position="data",
            )
            return
        if "order" in data:
            if data["order"] is None:
                yield UnrecognisedShapeError(
                    "data.order is null: Shopify found no such order (or the token may not read it)",
                    position="data.order",
                )
            else:
                yield self._graphql_order(data["order"], "data.order")
        if "orders" in data:
            orders = data["orders"]
            if not isinstance(orders, dict) or not (
                isinstance(orders.get("nodes"), list) or isinstance(orders.get("edges"), list)
            ):
                yield UnrecognisedShapeError(
                    "data.orders is not a connection with nodes or edges", position="data.orders"
                )
                return
            if isinstance(orders.get("nodes"), list):
                for i, node in enumerate(orders["nodes"]):
                    yield self._graphql_order(node, f"data.orders.nodes[{i}]")
            else:
                for i, edge in enumerate(orders["edges"]):
                    where = f"data.orders.edges[{i}]"
                    if not isinstance(edge, dict) or "node" not in edge:
                        yield UnrecognisedShapeError("an edge without a node", position=where)
                    else:
                        yield self._graphql_order(edge["node"], f"{where}.node")

    def _graphql_order(self, record: t.Any, where: str) -> RawOrder | OrderError:
        kind = _kind(record)
        if kind != "graphql":
            return self._refuse(record, where)
        return RawOrder(where, "graphql", record)

    def _rest(self, record: t.Any, where: str, shape: str) -> RawOrder | OrderError:
        kind = _kind(record)
        if kind not in ("rest", "graphql"):
            return self._refuse(record, where)
        return RawOrder(where, shape if kind == "rest" else "graphql", record)

    def _bare(self, record: t.Any, where: str | None) -> t.Iterator[RawOrder | OrderError]:
        kind = _kind(record)
        if kind == "rest":
            yield RawOrder(where, "webhook", record)
        elif kind == "graphql":
            yield from self._hold(record, where)
        elif kind == "child":
            yield from self._child(record, where)
        else:
            yield self._refuse(record, where)

    def _hold(self, record: dict[str, t.Any], where: str | None) -> t.Iterator[OrderError]:
        position = _join(self._document, where)
        try:
            order_id = _graphql_id(record, "Order", "id")
        except InvalidOrderError as exc:
            yield exc.locate(position=where)
            return
        key = order_id or f"#{len(self._held)}@{position}"
        if key in self._held:
            yield UnrecognisedShapeError(
                f"order gid://shopify/Order/{order_id} appears twice (first at {self._held[key].position})",
                position=where,
            )
            return
        self._held[key] = _Held(position, record, self._waiting.pop(key, []))

    def _child(self, record: dict[str, t.Any], where: str | None) -> t.Iterator[OrderError]:
        parent = record["__parentId"]
        match = _GID.fullmatch(parent) if isinstance(parent, str) else None
        if match is None:
            yield InvalidOrderError(
                "expected the gid of the parent object", field="__parentId", value=parent, has_value=True
            ).locate(position=where)
            return
        own_kind = _gid_kind(record.get("id"))
        is_line = own_kind == "LineItem" or (own_kind is None and "quantity" in record)
        if match.group("kind") != "Order" or not is_line:
            return  # a child row the canonical order has no place for (see the module docstring)
        row = {key: value for key, value in record.items() if key != "__parentId"}
        entry = (_join(self._document, where), row)
        held = self._held.get(match.group("id"))
        if held is not None:
            held.lines.append(entry)
        else:
            self._waiting.setdefault(match.group("id"), []).append(entry)

    def _refuse(self, record: t.Any, where: str | None) -> UnrecognisedShapeError:
        if not isinstance(record, dict):
            return UnrecognisedShapeError(
                f"not a Shopify order ({type(record).__name__}): expected one of {', '.join(self.shapes)}",
                position=where,
            )
        what = _not_an_order(record)
        if what is not None:
            return UnrecognisedShapeError(what, position=where)
        hint = ""
        for key, platform in _FOREIGN_KEYS.items():
            if key in record:
                hint = (
                    f"; it has {key!r}, so it looks like a {platform} order: use --from {platform.split()[0]}"
                )
                break
        if not hint and isinstance(record.get("number"), str) and "state" in record:
            hint = "; it has a string number and a state, so it looks like a spree order: use --from spree"
        return UnrecognisedShapeError(
            "not a Shopify order: expected a REST order (financial_status, fulfillment_status, "
            f"line_items, …) or a GraphQL order (id gid://shopify/Order/…){hint}",
            position=where,
        )

    # -- one order -------------------------------------------------------------------------------

    def label(self, raw: RawOrder) -> str | None:
        name = raw.record.get("name")
        if isinstance(name, str) and name:
            return name
        for key in ("admin_graphql_api_id", "id", "legacyResourceId"):
            value = raw.record.get(key)
            if isinstance(value, str) and (match := _GID.fullmatch(value)):
                return match.group("id")
            if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
                return str(value)
        return None

    def read(self, raw: RawOrder) -> Order:
        try:
            return super().read(raw)
        except InvalidOrderError as exc:
            if raw.shape == "bulk":
                _name_line_row(exc, raw.record)
            raise

    def fields(self, raw: RawOrder) -> dict[str, t.Any]:
        if raw.shape in ("graphql", "bulk"):
            return self._graphql_fields(raw)
        r = raw.record
        status = {
            "financial_status": _status(r, "displayFinancialStatus", "financial_status"),
            "fulfillment_status": _status(r, "displayFulfillmentStatus", "fulfillment_status"),
            "cancel_reason": _status(r, "cancel_reason"),
            "cancelled": _yes(_timestamp(r, "cancelled_at")),
            "closed": _yes(_timestamp(r, "closed_at")),
        }
        total, total_currency = _rest_total(r, status["financial_status"])
        return {
            "platform": self.name,
            "shape": raw.shape,
            "id": _rest_id(r, "Order", "") or r.get("name"),
            "number": r.get("name"),
            "created_at": r.get("created_at"),
            "updated_at": r.get("updated_at"),
            "placed_at": r.get("processed_at"),
            "currency": total_currency or r.get("currency"),
            "total": total,
            "buyer": _rest_buyer(r),
            "lines": [_rest_line(item, f"line_items[{i}]") for i, item in enumerate(_list(r, "line_items"))],
            "payments": [
                _payment(p, f"transactions[{i}]", rest=True) for i, p in enumerate(_list(r, "transactions"))
            ],
            "shipments": [
                _shipment(f, f"fulfillments[{i}]", rest=True) for i, f in enumerate(_list(r, "fulfillments"))
            ],
            "test": _flag(r, "test"),
            "platform_status": status,
        }

    def _graphql_fields(self, raw: RawOrder) -> dict[str, t.Any]:
        r = raw.record
        closed = r.get("closed")
        if closed is not None and not isinstance(closed, bool):
            msg = "expected true or false"
            raise InvalidOrderError(msg, field="closed", value=closed, has_value=True)
        closed_at = _timestamp(r, "closedAt")
        status = {
            "financial_status": _status(r, "displayFinancialStatus"),
            "fulfillment_status": _status(r, "displayFulfillmentStatus"),
            "cancel_reason": _status(r, "cancelReason"),
            "cancelled": _yes(_timestamp(r, "cancelledAt")),
            "closed": _yes(closed if closed is not None else closed_at),
        }
        shop_currency = _currency(r.get("currencyCode"))
        total, total_currency = _graphql_total(r, status["financial_status"], shop_currency)
        lines = _connection(r.get("lineItems"), "lineItems")
        return {
            "platform": self.name,
            "shape": raw.shape,
            "id": _graphql_id(r, "Order", "id") or r.get("name"),
            "number": r.get("name"),
            "created_at": r.get("createdAt"),
            "updated_at": r.get("updatedAt"),
            "placed_at": r.get("processedAt"),
            "currency": total_currency or r.get("currencyCode"),
            "total": total,
            "buyer": _graphql_buyer(r),
            "lines": [_graphql_line(item, f"lineItems[{i}]", shop_currency) for i, item in enumerate(lines)],
            "payments": [
                _payment(p, f"transactions[{i}]", rest=False, shop_currency=shop_currency)
                for i, p in enumerate(_connection(r.get("transactions"), "transactions"))
            ],
            "shipments": [
                _shipment(f, f"fulfillments[{i}]", rest=False)
                for i, f in enumerate(_connection(r.get("fulfillments"), "fulfillments"))
            ],
            "test": _flag(r, "test"),
            "platform_status": status,
        }

    def states(self, status: t.Mapping[str, str | None], shape: str) -> DFCStates:
        """The table's triple; an unknown GraphQL value is named by its GraphQL field."""
        try:
            return super().states(status, shape)
        except UnknownStatusError as exc:
            if shape not in ("graphql", "bulk") or exc.field not in _GRAPHQL_STATUS:
                raise
            raise UnknownStatusError(
                platform=exc.platform, field=_GRAPHQL_STATUS[exc.field], value=exc.value, valid=exc.valid
            ) from None

    # -- writing (--to shopify) --------------------------------------------------------------------

    def to_record(self, order: Order, status: t.Mapping[str, str | None]) -> dict[str, t.Any]:
        """The order in the Admin REST shape (docs/references/contract.md#reverse-output-shapes).

        `cancelled_at` and `closed_at` are timestamps in REST, and the canonical order keeps neither:
        when the status says cancelled or closed, they get the order's last update (else when it was
        placed, else created, else the time of writing), and null otherwise. A fulfilment status that
        REST cannot say (on hold, nothing to fulfil) is written as REST's null with the GraphQL value
        beside it as `displayFulfillmentStatus`, which statebridge reads back. Ids (and their gids)
        are written only for orders that came from Shopify.
        """
        own = order.platform == self.name
        record: dict[str, t.Any] = {}
        if own and _NUMBER.fullmatch(order.id):
            record["id"] = int(order.id)
            record["admin_graphql_api_id"] = f"gid://shopify/Order/{order.id}"
        moment = order.updated_at or order.placed_at or order.created_at or dt.datetime.now(dt.UTC)
        fulfilment = status.get("fulfillment_status")
        display = None
        if fulfilment is not None and not fulfilment.islower():
            display = None if fulfilment in _REST_FULFILMENT else fulfilment
            fulfilment = _REST_FULFILMENT.get(fulfilment)
        financial = status.get("financial_status")
        reason = status.get("cancel_reason")
        record.update(
            name=order.number,
            email=order.buyer.email if order.buyer else None,
            created_at=iso_or_none(order.created_at),
            updated_at=iso_or_none(order.updated_at),
            processed_at=iso_or_none(order.placed_at),
            currency=order.currency,
            total_price=decimal_text(order.total),
            current_total_price=decimal_text(order.total),
            financial_status=financial.lower() if financial else None,
            fulfillment_status=fulfilment,
        )
        if display is not None:
            record["displayFulfillmentStatus"] = display
        record.update(
            cancelled_at=moment.isoformat() if status.get("cancelled") == "yes" else None,
            cancel_reason=reason.lower() if reason else None,
            closed_at=moment.isoformat() if status.get("closed") == "yes" else None,
            test=order.test,
        )
        if order.buyer is not None:
            customer: dict[str, t.Any] = {"email": order.buyer.email}
            numeric = own and order.buyer.id is not None and _NUMBER.fullmatch(order.buyer.id) is not None
            if numeric and order.buyer.kind == "Enterprise":
                record["company"] = {"id": int(t.cast(str, order.buyer.id))}
            elif numeric:
                customer = {"id": int(t.cast(str, order.buyer.id)), **customer}
            record["customer"] = customer
            if order.buyer.name:
                record["billing_address"] = {"name": order.buyer.name}
        record["line_items"] = [_rest_line_out(line, own=own) for line in order.lines]
        return record

    def to_document(self, records: list[dict[str, t.Any]]) -> dict[str, t.Any]:
        """The Admin REST list envelope."""
        return {"orders": records}


# -- recognising shapes ---------------------------------------------------------------------------


def _join(outer: str | None, inner: str | None) -> str | None:
    if outer and inner:
        return f"{outer}: {inner}"
    return outer or inner


def _kind(record: t.Any) -> str | None:
    """`rest`, `graphql`, `child` (a Bulk child row), or None for anything that is not an order."""
    if not isinstance(record, dict):
        return None
    if "__parentId" in record:
        return "child"
    if _not_an_order(record) is not None:
        return None
    if any(key in record for key in _FOREIGN_KEYS) or (
        isinstance(record.get("number"), str) and "state" in record
    ):
        return None
    own = record.get("id")
    if isinstance(own, str) and own.startswith("gid://"):
        return "graphql"
    if _REST_KEYS & record.keys():
        return "rest"
    if _GRAPHQL_KEYS & record.keys():
        return "graphql"
    return None


def _gid_kind(value: t.Any) -> str | None:
    match = _GID.fullmatch(value) if isinstance(value, str) else None
    return match.group("kind") if match else None


def _not_an_order(record: dict[str, t.Any]) -> str | None:
    """Why a JSON object is a Shopify resource other than an order, or None."""
    for key, what in _NOT_ORDERS.items():
        if (
            key in record
            and len(record) <= 3
            and isinstance(record[key], dict | list)
            and not (_REST_KEYS | _GRAPHQL_KEYS | {"name", "__parentId"}) & record.keys()
        ):
            inner = record[key]
            return f"a Shopify {what} ({key!r}), not an order: statebridge reads orders" + _order_hint(
                inner.get("order_id") if isinstance(inner, dict) else None
            )
    kind = _gid_kind(record.get("admin_graphql_api_id")) or _gid_kind(record.get("id"))
    if kind is None and "order_id" in record:
        if "refund_line_items" in record or "restock" in record:
            kind = "Refund"
        elif {"tracking_number", "tracking_numbers", "shipment_status"} & record.keys():
            kind = "Fulfillment"
        elif {"kind", "gateway"} <= record.keys():
            kind = "OrderTransaction"
    if kind is None or kind == "Order":
        return None
    return f"a Shopify {kind}, not an order: statebridge reads orders" + _order_hint(record.get("order_id"))


def _order_hint(order: t.Any) -> str:
    if not isinstance(order, int | str) or isinstance(order, bool):
        return ""
    return (
        f"; it belongs to order {order}: read the order itself "
        f"(GET /admin/api/VERSION/orders/{order}.json, or the orders/updated webhook)"
    )


def _graphql_errors(errors: t.Any) -> str:
    items = errors if isinstance(errors, list) else [errors]
    messages = []
    for item in items[:5]:
        message = item.get("message") if isinstance(item, dict) else item
        messages.append(str(message))
    return "; ".join(messages) or "(no message)"


def _name_line_row(exc: InvalidOrderError, record: t.Mapping[str, t.Any]) -> None:
    """Add to a message about `lineItems[i]` the line of the Bulk row that line came from."""
    match = re.match(r"lineItems\[(\d+)\]", exc.field or "")
    nodes = _mapping(record.get("lineItems")).get("nodes")
    if match is None or not isinstance(nodes, list) or int(match.group(1)) >= len(nodes):
        return
    position = _mapping(nodes[int(match.group(1))]).get(_ROW)
    if isinstance(position, str):
        exc.reason = f"{exc.reason} (the line-item row at {position})"
        exc.locate()


# -- reading fields -------------------------------------------------------------------------------


def _connection(value: t.Any, where: str) -> list[t.Any]:
    """The items of a GraphQL connection (`nodes` or `edges[].node`), or of a plain list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    connection = _object(value, where)
    if _mapping(connection.get("pageInfo")).get("hasNextPage") is True:
        msg = "the order has more items than the query fetched: raise `first:` or use a Bulk Operation"
        raise InvalidOrderError(msg, field=f"{where}.pageInfo.hasNextPage", value=True, has_value=True)
    if isinstance(connection.get("nodes"), list):
        return list(connection["nodes"])
    if isinstance(connection.get("edges"), list):
        return [
            _object(edge, f"{where}.edges[{i}]").get("node") for i, edge in enumerate(connection["edges"])
        ]
    msg = "expected a connection with nodes or edges"
    raise InvalidOrderError(msg, field=where, value=value, has_value=True)


def _status(record: t.Mapping[str, t.Any], *keys: str) -> str | None:
    """The first of `keys` that is set (a status is text or null), verbatim."""
    for key in keys:
        value = record.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            msg = "expected a string or null"
            raise InvalidOrderError(msg, field=key, value=value, has_value=True)
        return value
    return None


def _timestamp(record: t.Mapping[str, t.Any], key: str) -> str | None:
    """A timestamp that only decides a status: checked (ISO 8601 with an offset), not kept."""
    value = record.get(key)
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        _TIMESTAMP.validate_python(value)
    except (ValueError, ValidationError):
        msg = "expected an ISO 8601 timestamp with an offset, or null"
        raise InvalidOrderError(msg, field=key, value=value, has_value=True) from None
    return value


def _yes(value: object) -> str:
    return "yes" if value else "no"


def _flag(record: t.Mapping[str, t.Any], key: str) -> bool:
    value = record.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        msg = "expected true or false"
        raise InvalidOrderError(msg, field=key, value=value, has_value=True)
    return value


def _same_number(a: str, b: str) -> bool:
    """Whether two decimal ids are one number, perhaps rounded through a double on the way."""
    return a == b or float(int(a)) == float(int(b))


def _rest_id(record: t.Mapping[str, t.Any], kind: str, where: str) -> str | None:
    """The numeric id of a REST object: its gid's tail when given (exact), checked against `id`."""
    own = record.get("id")
    gid = record.get("admin_graphql_api_id")
    prefix = _GID_PREFIXES[kind]
    if type(gid) is str and gid.startswith(prefix):  # the common case, decided without a regex
        exact = gid[len(prefix) :]
        digits = exact.isascii() and exact.isdigit() and len(exact) <= _MAX_ID_DIGITS
        if digits and (own is None or (type(own) is int and str(own) == exact) or own == exact):
            return exact
    return _checked_rest_id(record, kind, where)


def _checked_rest_id(record: t.Mapping[str, t.Any], kind: str, where: str) -> str | None:
    prefix = f"{where}." if where else ""
    own = text_or_none(record.get("id"), field=f"{prefix}id")
    gid = record.get("admin_graphql_api_id")
    if gid is None:
        return own
    match = _GID.fullmatch(gid) if isinstance(gid, str) else None
    if match is None or match.group("kind") != kind:
        msg = f"expected gid://shopify/{kind}/<number>"
        raise InvalidOrderError(msg, field=f"{prefix}admin_graphql_api_id", value=gid, has_value=True)
    exact = match.group("id")
    if own is not None and not (_NUMBER.fullmatch(own) and _same_number(own, exact)):
        msg = f"does not match admin_graphql_api_id {gid!r}"
        raise InvalidOrderError(msg, field=f"{prefix}id", value=record.get("id"), has_value=True)
    return exact


def _graphql_id(record: t.Mapping[str, t.Any], kind: str, where: str) -> str | None:
    """The numeric id of a GraphQL object: its gid's tail (or `legacyResourceId`)."""
    value = record.get("id")
    legacy = text_or_none(record.get("legacyResourceId"), field=f"{where}.legacyResourceId")
    if value is None:
        return legacy
    match = _GID.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        if isinstance(value, str) and value and not value.startswith("gid://"):
            return value
        msg = f"expected gid://shopify/{kind}/<number>"
        raise InvalidOrderError(msg, field=where, value=value, has_value=True)
    if match.group("kind") != kind:
        msg = f"expected gid://shopify/{kind}/<number>"
        raise InvalidOrderError(msg, field=where, value=value, has_value=True)
    return match.group("id")


def _rest_money(record: t.Mapping[str, t.Any], key: str) -> tuple[t.Any, str | None] | None:
    """`key_set.shop_money` (amount, currency) when given, else the plain `key`; None if neither.

    A set without `shop_money` (a payload trimmed to what its sender needed) falls back to `key`,
    which REST gives in the shop currency; it is not refused.
    """
    set_key = _MONEY_SETS[key]
    money_set = record.get(set_key)
    shop = _object(money_set, set_key).get("shop_money") if money_set is not None else None
    if shop is not None:
        if type(shop) is not dict:  # not an object: the message names which one
            shop = _object(shop, f"{set_key}.shop_money")
        return shop.get("amount"), _currency(shop.get("currency_code"))
    value = record.get(key)
    if value is not None:
        return value, None
    return None


def _graphql_money(
    record: t.Mapping[str, t.Any], key: str, shop_currency: str | None
) -> tuple[t.Any, str | None] | None:
    """A MoneyBag's shop money (amount, currency); None when the query did not ask for it.

    GraphQL and Bulk rows carry only the fields the query selected: a MoneyBag may hold
    `presentmentMoney` (the customer's currency) without `shopMoney`. That amount is the shop's
    own only when its currency is the order's `currencyCode` (the shop currency); otherwise
    the amount is not known in the shop currency and is read as absent, not refused.
    """
    money_set = record.get(key)
    if money_set is None:
        return None
    bag = _object(money_set, key)
    shop = bag.get("shopMoney")
    if shop is not None:
        shop = _object(shop, f"{key}.shopMoney")
        return shop.get("amount"), _currency(shop.get("currencyCode"))
    presentment = bag.get("presentmentMoney")
    if presentment is None:
        return None
    presentment = _object(presentment, f"{key}.presentmentMoney")
    currency = _currency(presentment.get("currencyCode"))
    if shop_currency is None or currency != shop_currency:
        return None
    return presentment.get("amount"), currency


def _currency(value: t.Any) -> str | None:
    return value if isinstance(value, str) else None


def _rest_total(record: t.Mapping[str, t.Any], financial: str | None) -> tuple[t.Any, str | None]:
    """The current total; the original total only when nothing can have been refunded."""
    found = _rest_money(record, "current_total_price")
    if found is None and not record.get("refunds") and financial not in _REFUNDED:
        found = _rest_money(record, "total_price")
    return found or (None, None)


def _graphql_total(
    record: t.Mapping[str, t.Any], financial: str | None, shop_currency: str | None
) -> tuple[t.Any, str | None]:
    found = _graphql_money(record, "currentTotalPriceSet", shop_currency)
    if found is None and not record.get("refunds") and financial not in _REFUNDED:
        found = _graphql_money(record, "totalPriceSet", shop_currency)
    return found or (None, None)


def _full_name(first: t.Any, last: t.Any) -> str | None:
    name = " ".join(str(part) for part in (first, last) if isinstance(part, str) and part)
    return name or None


def _rest_buyer(record: t.Mapping[str, t.Any]) -> dict[str, t.Any] | None:
    customer = _mapping(record.get("customer"))
    billing = _mapping(record.get("billing_address"))
    company = _mapping(record.get("company"))
    company_id = _rest_id(company, "Company", "company") if company else None
    buyer = {
        "id": company_id or (_rest_id(customer, "Customer", "customer") if customer else None),
        "email": record.get("email") or record.get("contact_email") or customer.get("email"),
        "name": _full_name(customer.get("first_name"), customer.get("last_name")) or billing.get("name"),
    }
    return _buyer(buyer, company_id)


def _graphql_buyer(record: t.Mapping[str, t.Any]) -> dict[str, t.Any] | None:
    customer = _mapping(record.get("customer"))
    billing = _mapping(record.get("billingAddress"))
    company = _mapping(_mapping(record.get("purchasingEntity")).get("company"))
    company_id = _graphql_id(company, "Company", "purchasingEntity.company.id") if company else None
    buyer = {
        "id": company_id or (_graphql_id(customer, "Customer", "customer.id") if customer else None),
        "email": record.get("email") or customer.get("email"),
        "name": customer.get("displayName")
        or _full_name(customer.get("firstName"), customer.get("lastName"))
        or billing.get("name"),
    }
    return _buyer(buyer, company_id)


def _buyer(fields: dict[str, t.Any], company_id: str | None) -> dict[str, t.Any] | None:
    """The buyer's fields, an Enterprise when a company bought (B2B), or None when nothing is known."""
    if company_id is not None:
        return {**fields, "kind": "Enterprise"}
    return fields if any(fields.values()) else None


def _rest_line(item: t.Any, where: str) -> dict[str, t.Any]:
    line = _object(item, where)
    price = _rest_money(line, "price")
    return {
        "id": _rest_id(line, "LineItem", where),
        "item": line.get("sku")
        or text_or_none(line.get("variant_id"), field=f"{where}.variant_id")
        or text_or_none(line.get("product_id"), field=f"{where}.product_id"),
        "name": line.get("name") or line.get("title"),
        "quantity": line.get("quantity"),
        "unit_price": price[0] if price else None,
    }


def _graphql_line(item: t.Any, where: str, shop_currency: str | None) -> dict[str, t.Any]:
    line = _object(item, where)
    variant = _mapping(line.get("variant"))
    product = _mapping(line.get("product"))
    price = _graphql_money(line, "originalUnitPriceSet", shop_currency)
    return {
        "id": _graphql_id(line, "LineItem", f"{where}.id"),
        "item": line.get("sku")
        or variant.get("sku")
        or (_graphql_id(variant, "ProductVariant", f"{where}.variant.id") if variant else None)
        or (_graphql_id(product, "Product", f"{where}.product.id") if product else None),
        "name": line.get("name") or line.get("title"),
        "quantity": line.get("quantity"),
        "unit_price": price[0] if price else None,
    }


def _payment(item: t.Any, where: str, *, rest: bool, shop_currency: str | None = None) -> dict[str, t.Any]:
    transaction = _object(item, where)
    if rest:
        amount = _rest_money(transaction, "amount")
        own = _rest_id(transaction, "OrderTransaction", where)
    else:
        amount = _graphql_money(transaction, "amountSet", shop_currency)
        own = _graphql_id(transaction, "OrderTransaction", f"{where}.id")
    return {
        "id": own,
        "state": transaction.get("status"),
        "amount": amount[0] if amount else None,
        "method": transaction.get("gateway"),
    }


def _shipment(item: t.Any, where: str, *, rest: bool) -> dict[str, t.Any]:
    fulfilment = _object(item, where)
    status = fulfilment.get("status")
    created = fulfilment.get("created_at" if rest else "createdAt")
    return {
        "id": _rest_id(fulfilment, "Fulfillment", where)
        if rest
        else _graphql_id(fulfilment, "Fulfillment", f"{where}.id"),
        "number": fulfilment.get("name"),
        "state": status,
        "shipped_at": created if isinstance(status, str) and status.lower() == "success" else None,
    }


# -- writing --------------------------------------------------------------------------------------


def _rest_line_out(line: OrderLine, *, own: bool) -> dict[str, t.Any]:
    out: dict[str, t.Any] = {}
    if own and line.id and _NUMBER.fullmatch(line.id):
        out["id"] = int(line.id)
        out["admin_graphql_api_id"] = f"gid://shopify/LineItem/{line.id}"
    quantity: Decimal = line.quantity
    out.update(
        sku=line.item,
        name=line.name,
        title=line.name,
        quantity=int(quantity) if quantity == quantity.to_integral_value() else decimal_text(quantity),
        price=decimal_text(line.unit_price),
    )
    return out
