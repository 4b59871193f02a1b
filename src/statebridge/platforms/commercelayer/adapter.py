"""Commerce Layer adapter: Core API orders as JSON:API documents.

Shapes read (auto-detected per document):

- `jsonapi-single`: one order, `{"data": {"type": "orders", …}, "included": [...]}`, what
  `GET /api/orders/:id` returns and what a webhook posts;
- `jsonapi-list`: a page of orders, `{"data": [...], "included": [...], "meta": {"record_count",
  "page_count"}, "links": {…}}`, what `GET /api/orders` returns;
- `jsonapi-resource`: one bare resource object `{"id", "type": "orders", "attributes": {…}}`, for
  example one per NDJSON line (a bare resource has no `included`, so no line items).

What is read, and why:

- The human number is `number`, an integer before schema v4.21.0 (2023-11) and a string since:
  both are read and kept as text, so `1234` and `"1234"` are the same order number.
- Money is `*_amount_cents` with `currency_code`, divided by the currency's ISO 4217 minor unit
  (cents for EUR, none for JPY, thousandths for KWD) in `Decimal`, never through `*_float`, and never
  from the locale-formatted `formatted_*` strings ("€57,00"). An amount without a currency is not
  read: its scale is unknown.
- Line items come from `included`, through the order's `relationships.line_items.data`. Only
  `item_type` `skus` and `bundles` are goods and become order lines. Shipping (`shipments`),
  payment-method fees (`payment_methods`), `adjustments`, `gift_cards` and promotion lines
  (`*_promotions`, `discount_engine_items`) are charges or discounts on the order, not things
  ordered: they are left out of the lines (their amounts are already in `total_amount_cents`). An
  `item_type` outside these is an error rather than a guess. An order fetched without
  `include=line_items` has no lines.
- Status fields handed to the `commercelayer` table, values verbatim: `status`, `payment_status`,
  `fulfillment_status`. A sparse fieldset that leaves one out is reported, not read as null.
- `meta.mode == "test"` marks a test-mode order.

Writing (`--to commercelayer`): each record is a single-order JSON:API document (the retrieve and
webhook shape: the order resource, its goods as `included` `line_items` of `item_type` `skus`), and
the document is the list shape `{"data": [orders], "included": [line items]}` of the contract
(docs/references/contract.md#reverse-output-shapes).
"""

from __future__ import annotations

import datetime as dt
import typing as t
from decimal import Decimal

from ...errors import InvalidOrderError, OrderError, UnrecognisedShapeError
from ...model import Order
from ..base import Adapter, RawOrder, text_or_none
from ..json_fields import each as _each, included_index as _index, mapping_or_empty as _mapping
from .fields import _buyer, _lines, _money, _number, _related, _shipment, minor_units

if t.TYPE_CHECKING:
    from ...dfc.iris import IriMinter
    from ...dfc.jsonld import Node

__all__ = ["CommerceLayerAdapter", "minor_units"]

_STATUS_FIELDS = ("status", "payment_status", "fulfillment_status")


#: Keys that say which other adapter a document belongs to, checked in this order.
_FOREIGN_MARKERS = (
    ("@context", "dfc", "a DFC JSON-LD document"),
    ("@graph", "dfc", "a DFC JSON-LD document"),
    ("@type", "dfc", "a DFC JSON-LD document"),
    ("financial_status", "shopify", "a Shopify order"),
    ("displayFinancialStatus", "shopify", "a Shopify order"),
    ("admin_graphql_api_id", "shopify", "a Shopify order"),
    ("pagination", "ofn", "an Open Food Network API v0 list"),
    ("completed_at_utc_iso8601", "ofn", "an Open Food Network order"),
    ("shipment_state", "spree", "a Spree/Solidus order"),
    ("payment_state", "spree", "a Spree/Solidus order"),
    ("state", "spree", "a Spree/Solidus order"),
    ("OrderStatus", "relatude", "a Relatude export"),
    ("Orders", "relatude", "a Relatude export"),
)


#: Attribute names only Commerce Layer orders have: a resource's attributes sent without the resource.
_ATTRIBUTE_MARKERS = frozenset(
    {"currency_code", "customer_email", "total_amount_cents", "formatted_total_amount"}
)


class CommerceLayerAdapter(Adapter):
    """Reads Commerce Layer JSON:API order documents into canonical orders, and writes them back."""

    name = "commercelayer"
    table = "commercelayer"
    shapes = ("jsonapi-single", "jsonapi-list", "jsonapi-resource")
    field_names: t.ClassVar[t.Mapping[str, t.Mapping[str, str]]] = {
        shape: {
            "lines": "line_items",
            "currency": "currency_code",
            "total": "total_amount_cents",
            "buyer": "customer",
        }
        for shape in shapes
    }

    # -- envelopes -------------------------------------------------------------------------------

    def split(self, document: t.Any) -> t.Iterator[RawOrder | OrderError]:
        if isinstance(document, list):
            for i, element in enumerate(document):
                yield from self._split_one(element, f"[{i}]")
            return
        yield from self._split_one(document, None)

    def _split_one(self, document: t.Any, where: str | None) -> t.Iterator[RawOrder | OrderError]:
        def at(inner: str | None) -> str | None:
            return ".".join(p for p in (where, inner) if p) or None

        if not isinstance(document, dict):
            yield self._refuse(document, where)
            return
        if "data" in document:
            data = document["data"]
            if isinstance(data, dict) and not ("type" in data or "attributes" in data):
                # not a resource, e.g. Shopify GraphQL's {"data": {"orders": …}}
                yield self._refuse(data, at("data"), outer=document)
                return
            if not isinstance(data, dict | list):
                yield UnrecognisedShapeError(
                    "JSON:API document whose data is neither an order resource nor a list of them",
                    position=at("data"),
                    field="data",
                    value=data,
                    has_value=True,
                )
                return
            included = _index(document.get("included"))
            if isinstance(data, list):
                for i, resource in enumerate(data):
                    yield self._resource(resource, at(f"data[{i}]"), "jsonapi-list", included)
            else:
                yield self._resource(data, at("data"), "jsonapi-single", included)
            return
        if "errors" in document:
            yield UnrecognisedShapeError(
                f"a JSON:API error response, not orders: {_first_error(document['errors'])}", position=where
            )
            return
        if "type" in document and "attributes" in document:
            yield self._resource(document, where, "jsonapi-resource", {})
            return
        yield self._refuse(document, where)

    def _resource(
        self,
        resource: t.Any,
        where: str | None,
        shape: str,
        included: dict[tuple[str, str], dict[str, t.Any]],
    ) -> RawOrder | OrderError:
        if not isinstance(resource, dict):
            return self._refuse(resource, where)
        kind = resource.get("type")
        if kind != "orders":
            if kind is None:
                return self._refuse(resource, where)
            hint = (
                "; type 'order' (singular) is Spree's JSON:API: use --from spree"
                if kind in ("order", "cart")
                else ""
            )
            return UnrecognisedShapeError(
                f"JSON:API resource of type {kind!r} is not a Commerce Layer order "
                f"(expected type 'orders'){hint}",
                position=where,
            )
        if not isinstance(resource.get("attributes"), dict):
            return UnrecognisedShapeError(
                "Commerce Layer order without an attributes object",
                position=where,
                field="attributes",
                value=resource.get("attributes"),
                has_value="attributes" in resource,
            )
        return RawOrder(where, shape, resource, included)

    def _refuse(
        self, value: t.Any, where: str | None, *, outer: t.Mapping[str, t.Any] | None = None
    ) -> UnrecognisedShapeError:
        kind = "object" if isinstance(value, dict) else type(value).__name__
        hint = _foreign_hint(value)
        if hint is None and outer is not None:
            hint = _foreign_hint(outer)
        if hint is None and isinstance(value, dict) and {"orders", "order"} & value.keys():
            hint = (
                "it holds orders under data.orders/data.order, like Shopify's GraphQL API: use --from shopify"
            )
        if hint is None and isinstance(value, dict) and _ATTRIBUTE_MARKERS & value.keys():
            hint = (
                "it looks like the attributes of a Commerce Layer order without their resource: "
                'wrap them as {"type": "orders", "id": …, "attributes": {…}}'
            )
        if hint is None and isinstance(value, dict) and "number" in value and "status" in value:
            hint = (
                "a flat order with number and status but no JSON:API attributes looks like Spree 5.4+ "
                "Admin API v3: use --from spree"
            )
        return UnrecognisedShapeError(
            f"not a Commerce Layer order ({kind}): expected a JSON:API document with data of type "
            "'orders' (one, or a list), or one bare 'orders' resource per line"
            + (f"; {hint}" if hint else ""),
            position=where,
        )

    # -- one order -------------------------------------------------------------------------------

    def label(self, raw: RawOrder) -> str | None:
        attributes = raw.record.get("attributes")
        if isinstance(attributes, dict):
            number = attributes.get("number")
            if isinstance(number, str | int) and not isinstance(number, bool) and number != "":
                return str(number)
        return super().label(raw)

    def fields(self, raw: RawOrder) -> dict[str, t.Any]:
        record = raw.record
        a: t.Mapping[str, t.Any] = record["attributes"]
        relationships = _mapping(record.get("relationships"))
        for name in _STATUS_FIELDS:
            if name not in a:
                msg = (
                    "missing: every Commerce Layer order carries status, payment_status and "
                    "fulfillment_status (a sparse fieldset fields[orders]=… must include them)"
                )
                raise InvalidOrderError(msg, field=name)
        currency = a.get("currency_code")
        number = _number(a.get("number"))
        order_id = text_or_none(record.get("id"), field="id")
        return {
            "platform": self.name,
            "shape": raw.shape,
            "id": order_id or number,
            "number": number,
            "created_at": a.get("created_at"),
            "updated_at": a.get("updated_at"),
            "placed_at": a.get("placed_at"),
            "currency": currency,
            "total": _money(a, "total_amount_cents", currency),
            "buyer": _buyer(a, relationships, raw.included),
            "lines": _lines(relationships, raw.included, currency),
            "shipments": _each(_related(relationships, "shipments", raw.included), "shipments", _shipment),
            "test": _mapping(record.get("meta")).get("mode") == "test",
            "platform_status": {name: a.get(name) for name in _STATUS_FIELDS},
        }

    def document_reader(self, minter: IriMinter) -> t.Callable[[t.Any], list[Node] | None] | None:
        """One order document straight to DFC nodes (`direct.py`), with the shipped table's fields."""
        from .direct import CommerceLayerDocuments  # the bulk path, only where it runs

        table = self.mapping_table()  # the reader builds the table's key in `_STATUS_FIELDS` order
        return CommerceLayerDocuments(table, minter) if tuple(table.fields) == _STATUS_FIELDS else None

    # -- writing (--to commercelayer) ----------------------------------------------------------------

    def to_record(self, order: Order, status: t.Mapping[str, str | None]) -> dict[str, t.Any]:
        """One order as a single-order JSON:API document (`data` and its `included` line items).

        The resource carries `id` only when the order came from Commerce Layer (another platform's
        id is not a Commerce Layer id); otherwise the source id goes to `reference`, with the
        source platform in `reference_origin`, the attributes Commerce Layer keeps for external ids.
        Amounts are written in the currency's minor units and quantities as whole numbers; an
        order whose amounts or quantities Commerce Layer cannot hold exactly is refused with an
        `InvalidOrderError` naming the field, rather than rounded.
        """
        same_platform = order.platform == self.name
        currency = order.currency
        attributes: dict[str, t.Any] = {
            "number": order.number,
            "status": status.get("status"),
            "payment_status": status.get("payment_status"),
            "fulfillment_status": status.get("fulfillment_status"),
            "currency_code": currency,
            "total_amount_cents": _cents(order.total, currency, order=order, field="total"),
            "customer_email": order.buyer.email if order.buyer else None,
            "placed_at": _timestamp(order.placed_at),
            "created_at": _timestamp(order.created_at),
            "updated_at": _timestamp(order.updated_at),
        }
        if not same_platform:
            attributes["reference"] = order.id
            attributes["reference_origin"] = order.platform
        resource: dict[str, t.Any] = {"type": "orders"}
        if same_platform:
            resource["id"] = order.id
        resource["attributes"] = attributes
        included = []
        for index, line in enumerate(order.lines, start=1):
            line_id = line.id or f"{order.id}-{index}"
            if line.quantity != line.quantity.to_integral_value():
                msg = "Commerce Layer counts whole units; this quantity cannot be written without changing it"
                raise InvalidOrderError(
                    msg,
                    order=order.label,
                    field=f"lines[{index - 1}].quantity",
                    value=line.quantity,
                    has_value=True,
                )
            quantity = int(line.quantity)
            included.append(
                {
                    "type": "line_items",
                    "id": line_id,
                    "attributes": {
                        "item_type": "skus",
                        "sku_code": line.item,
                        "name": line.name,
                        "quantity": quantity,
                        "currency_code": currency,
                        "unit_amount_cents": _cents(
                            line.unit_price, currency, order=order, field=f"lines[{index - 1}].unit_price"
                        ),
                    },
                }
            )
        if included:
            resource["relationships"] = {
                "line_items": {"data": [{"type": "line_items", "id": item["id"]} for item in included]}
            }
        document: dict[str, t.Any] = {"data": resource}
        if included:
            document["included"] = included
        return document

    def to_document(self, records: list[dict[str, t.Any]]) -> dict[str, t.Any]:
        """The list shape: every order under `data`, every line item under `included`."""
        data = [record["data"] for record in records]
        included = [item for record in records for item in record.get("included", [])]
        document: dict[str, t.Any] = {"data": data}
        if included:
            document["included"] = included
        document["meta"] = {"record_count": len(data), "page_count": 1}
        return document


# -- helpers ------------------------------------------------------------------------------------------


def _first_error(errors: t.Any) -> str:
    first = _mapping(errors[0]) if isinstance(errors, list) and errors else _mapping(errors)
    parts = [str(first[key]) for key in ("status", "title", "detail") if first.get(key) not in (None, "")]
    return " - ".join(parts) or "no detail given"


def _foreign_hint(value: t.Any) -> str | None:
    """Which other adapter reads `value`, judged by its keys (or those of its first order)."""
    candidates: list[t.Mapping[str, t.Any]] = []
    if isinstance(value, dict):
        candidates.append(value)
        for key in ("orders", "order", "Orders"):
            inner = value.get(key)
            if isinstance(inner, list) and inner and isinstance(inner[0], dict):
                candidates.append(inner[0])
            elif isinstance(inner, dict):
                candidates.append(inner)
                for sub in ("nodes", "edges"):
                    nested = inner.get(sub)
                    if isinstance(nested, list) and nested and isinstance(nested[0], dict):
                        candidates.append(_mapping(nested[0].get("node", nested[0])))
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        candidates.append(value[0])
    for candidate in candidates:
        for key, platform, what in _FOREIGN_MARKERS:
            if key in candidate:
                return f"it has {key!r}, so it looks like {what}: use --from {platform}"
    return None


def _cents(amount: Decimal | None, currency: str | None, *, order: Order, field: str) -> int | None:
    """A Decimal amount back in minor units. An amount that Commerce Layer cannot hold exactly (no
    currency to scale it by, or a fraction of a minor unit) is an error, never rounded or dropped."""
    if amount is None:
        return None
    if currency is None:
        msg = "Commerce Layer amounts are in a currency's minor units, and this order names no currency"
        raise InvalidOrderError(msg, order=order.label, field=field, value=amount, has_value=True)
    scaled = amount.scaleb(minor_units(currency))
    if scaled != scaled.to_integral_value():
        msg = f"not a whole number of {currency} minor units; Commerce Layer cannot hold it without rounding"
        raise InvalidOrderError(msg, order=order.label, field=field, value=amount, has_value=True)
    return int(scaled)


def _timestamp(value: dt.datetime | None) -> str | None:
    """Commerce Layer's timestamp form: UTC with milliseconds, `2018-01-01T12:00:00.000Z`."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
