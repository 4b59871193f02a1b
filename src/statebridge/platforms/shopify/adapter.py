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

import typing as t

from ...errors import InvalidOrderError, OrderError, UnknownStatusError, UnrecognisedShapeError
from ...model import Order
from ...position import Where
from ...states import DFCStates
from ..base import Adapter, RawOrder
from ..hints import marker_hint
from .bulk import BulkJoin
from .detect import _graphql_errors, _kind, _name_line_row, _not_an_order
from .graphql import _GRAPHQL_NAMES, _GRAPHQL_STATUS, graphql_fields
from .ids import _GID
from .rest import _REST_NAMES, rest_fields
from .writer import to_record

if t.TYPE_CHECKING:
    from ...dfc.iris import IriMinter
    from ...dfc.jsonld import Node

__all__ = ["ShopifyAdapter"]


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
        self._bulk = BulkJoin()

    # -- envelopes -------------------------------------------------------------------------------

    def start_document(self, position: Where) -> None:
        """Note where the next document was found (`line 7`), to name held Bulk rows later."""
        self._bulk.start_document(position)

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
        """The held Bulk Operation orders, in input order, then the rows whose order never came."""
        return self._bulk.finish()

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
            yield from self._bulk.hold(record, where)
        elif kind == "child":
            yield from self._bulk.child(record, where)
        else:
            yield self._refuse(record, where)

    def _refuse(self, record: t.Any, where: str | None) -> UnrecognisedShapeError:
        if not isinstance(record, dict):
            return UnrecognisedShapeError(
                f"not a Shopify order ({type(record).__name__}): expected one of {', '.join(self.shapes)}",
                position=where,
            )
        what = _not_an_order(record)
        if what is not None:
            return UnrecognisedShapeError(what, position=where)
        hint = marker_hint(record, self.name)
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
            return graphql_fields(raw)
        return rest_fields(raw)

    def document_reader(self, minter: IriMinter) -> t.Callable[[t.Any], list[Node] | None] | None:
        """One bare REST order (the webhook shape) straight to DFC nodes (`direct.py`), with the
        shipped table's fields; every other document goes through `split`."""
        from .direct import STATUS_FIELDS, ShopifyDocuments  # the bulk path, only where it runs

        table = self.mapping_table()
        return ShopifyDocuments(table, minter) if tuple(table.fields) == STATUS_FIELDS else None

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
        """The order in the Admin REST shape (see `writer.to_record`)."""
        return to_record(order, status)

    def to_document(self, records: list[dict[str, t.Any]]) -> dict[str, t.Any]:
        """The Admin REST list envelope."""
        return {"orders": records}
