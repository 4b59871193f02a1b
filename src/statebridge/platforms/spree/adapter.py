"""Spree family adapter: Spree, Solidus, Chord OMS and Open Food Network.

Shapes read (auto-detected per document, and per order inside a list):

- `solidus-flat`: the Solidus/Chord REST API (`{"orders": [...], "count", "current_page", …}` or a
  bare order with `number`, `state`, `payment_state`, `shipment_state`, `line_items`, `payments`,
  `shipments`);
- `spree-v2`: the Spree 4.x to 5.3 Platform/Storefront JSON:API (`{"data": [{"type": "order",
  "attributes": {…}, "relationships": {…}}], "included": [...]}`);
- `spree-v3`: the Spree 5.4+ Admin API v3 (`{"data": [{"number", "status", "payment_status",
  "fulfillment_status", "items", …}], "meta": {…}}`), which has no `state`;
- `ofn-v0`: Open Food Network API v0 (`{"orders": [...], "pagination": {…}}`), whose `created_at` is a
  display string; `completed_at_utc_iso8601` is read instead.

Status fields handed to the `spree` mapping table: `state`, `status`, `payment_state` (Spree 5.4+
`payment_status`) and `shipment_state` (Spree 5.4+ `fulfillment_status`), values verbatim.
"""

from __future__ import annotations

import typing as t

from ...errors import OrderError, UnrecognisedShapeError
from ...model import Order

if t.TYPE_CHECKING:
    from ...dfc.iris import IriMinter
    from ...dfc.jsonld import Node
from ..base import Adapter, RawOrder, decimal_text, iso_or_none, text_or_none
from ..hints import marker_hint
from ..json_fields import (
    each as _each,
    included_index as _index,
    list_field as _list,
    mapping_or_empty as _mapping,
    required_object as _object,
)

__all__ = ["SpreeAdapter"]

_OFN_KEYS = frozenset(
    {"completed_at_utc_iso8601", "distributor", "order_cycle", "edit_path", "payments_path"}
)
_STATUS_KEYS = ("state", "status", "payment_state", "shipment_state", "payment_status", "fulfillment_status")
_LINE_NAMES = {"unit_price": "price", "item": "sku", "name": "name", "quantity": "quantity"}


class SpreeAdapter(Adapter):
    """Reads the Spree family's order JSON into canonical orders."""

    name = "spree"
    table = "spree"
    shapes = ("solidus-flat", "spree-v2", "spree-v3", "ofn-v0")
    field_names: t.ClassVar[t.Mapping[str, t.Mapping[str, str]]] = {
        "solidus-flat": {"lines": "line_items", "placed_at": "completed_at", "buyer": "user", **_LINE_NAMES},
        "spree-v2": {"lines": "line_items", "placed_at": "completed_at", "buyer": "user", **_LINE_NAMES},
        "spree-v3": {"lines": "items", "placed_at": "completed_at", "buyer": "customer", **_LINE_NAMES},
        "ofn-v0": {"placed_at": "completed_at_utc_iso8601", "buyer": "user", "created_at": "created_at"},
    }

    # -- envelopes -------------------------------------------------------------------------------

    def split(self, document: t.Any) -> t.Iterator[RawOrder | OrderError]:
        if isinstance(document, list):
            for i, record in enumerate(document):
                yield self._bare(record, f"[{i}]")
            return
        if not isinstance(document, dict):
            yield self._not_spree(document, None)
            return
        if isinstance(document.get("orders"), list):
            envelope_ofn = "pagination" in document
            for i, record in enumerate(document["orders"]):
                yield self._bare(record, f"orders[{i}]", ofn=envelope_ofn)
            return
        if "data" in document and not _looks_like_order(document):
            data = document["data"]
            items = data if isinstance(data, list) else [data]
            included = _index(document.get("included"))
            for i, record in enumerate(items):
                where = f"data[{i}]" if isinstance(data, list) else "data"
                if isinstance(record, dict) and "attributes" in record and "type" in record:
                    yield self._jsonapi(record, where, included)
                else:
                    yield self._bare(record, where, v3=True)
            return
        yield self._bare(document, None)

    def _bare(
        self, record: t.Any, where: str | None, *, ofn: bool = False, v3: bool = False
    ) -> RawOrder | OrderError:
        if not isinstance(record, dict):
            return self._not_spree(record, where)
        if not _looks_like_order(record):
            return self._not_spree(record, where)
        if ofn or _OFN_KEYS & record.keys():
            shape = "ofn-v0"
        elif v3 or "state" not in record:
            shape = "spree-v3"
        else:
            shape = "solidus-flat"
        return RawOrder(where, shape, record)

    def _jsonapi(
        self, record: dict[str, t.Any], where: str, included: dict[tuple[str, str], dict[str, t.Any]]
    ) -> RawOrder | OrderError:
        if record.get("type") not in ("order", "cart"):
            return UnrecognisedShapeError(
                f"JSON:API resource of type {record.get('type')!r} is not a Spree order "
                "(expected type order or cart; for Commerce Layer use --from commercelayer)",
                position=where,
            )
        attributes = record.get("attributes")
        if not isinstance(attributes, dict):
            return UnrecognisedShapeError("JSON:API order without an attributes object", position=where)
        return RawOrder(where, "spree-v2", record, included)

    def _not_spree(self, record: t.Any, where: str | None) -> UnrecognisedShapeError:
        hint = marker_hint(record, self.name) if isinstance(record, dict) else ""
        kind = type(record).__name__ if not isinstance(record, dict) else "object"
        return UnrecognisedShapeError(
            f"not a Spree-family order ({kind}): expected one of {', '.join(self.shapes)} "
            f"with a string `number` and a `state` or `status`{hint}",
            position=where,
        )

    # -- one order -------------------------------------------------------------------------------

    def label(self, raw: RawOrder) -> str | None:
        if raw.shape == "spree-v2":
            number = raw.record.get("attributes", {}).get("number")
            if isinstance(number, str) and number:
                return number
        return super().label(raw)

    def fields(self, raw: RawOrder) -> dict[str, t.Any]:
        if raw.shape == "spree-v2":
            return self._jsonapi_fields(raw)
        r = raw.record
        ofn = raw.shape == "ofn-v0"
        lines_key = "items" if raw.shape == "spree-v3" and "items" in r else "line_items"
        return {
            "platform": self.name,
            "shape": raw.shape,
            "id": text_or_none(r.get("id"), field="id") or r.get("number"),
            "number": r.get("number"),
            "created_at": None if ofn else r.get("created_at"),
            "updated_at": None if ofn else r.get("updated_at"),
            "placed_at": r.get("completed_at_utc_iso8601") if ofn else r.get("completed_at"),
            "currency": r.get("currency"),
            "total": r.get("total"),
            "buyer": _buyer(r),
            "lines": _each(_list(r, lines_key), lines_key, _line),
            "payments": _each(_list(r, "payments"), "payments", _payment),
            "shipments": _each(_list(r, "shipments"), "shipments", _shipment),
            "platform_status": _status(r),
        }

    def document_reader(self, minter: IriMinter) -> t.Callable[[t.Any], list[Node] | None] | None:
        """One bare Spree order straight to DFC nodes (`direct.py`), with the shipped table's fields."""
        from .direct import STATUS_FIELDS, SpreeDocuments  # the bulk path, only where it runs

        table = self.mapping_table()
        return SpreeDocuments(table, minter) if tuple(table.fields) == STATUS_FIELDS else None

    # -- writing (--to spree) ----------------------------------------------------------------------

    def to_record(self, order: Order, status: t.Mapping[str, str | None]) -> dict[str, t.Any]:
        """The order in the Solidus flat shape; `id` only when the order came from a Spree store."""
        record: dict[str, t.Any] = {}
        same_platform = order.platform == self.name
        if same_platform:  # ids of another platform are not Spree ids
            record["id"] = order.id
        record.update(
            number=order.number,
            state=status.get("state"),
            payment_state=status.get("payment_state"),
            shipment_state=status.get("shipment_state"),
            email=order.buyer.email if order.buyer else None,
            user_id=order.buyer.id if order.buyer and same_platform else None,
            currency=order.currency,
            total=decimal_text(order.total),
            created_at=iso_or_none(order.created_at),
            updated_at=iso_or_none(order.updated_at),
            completed_at=iso_or_none(order.placed_at),
            line_items=[
                {
                    "id": line.id,
                    "quantity": int(line.quantity)
                    if line.quantity == line.quantity.to_integral_value()
                    else decimal_text(line.quantity),
                    "price": decimal_text(line.unit_price),
                    "variant": {"sku": line.item, "name": line.name},
                }
                for line in order.lines
            ],
        )
        return record

    def to_document(self, records: list[dict[str, t.Any]]) -> dict[str, t.Any]:
        """The Solidus REST list envelope."""
        return {"orders": records, "count": len(records), "current_page": 1, "pages": 1}

    def _jsonapi_fields(self, raw: RawOrder) -> dict[str, t.Any]:
        record = raw.record
        a = record["attributes"]
        relationships = _mapping(record.get("relationships"))

        def related(name: str) -> list[t.Mapping[str, t.Any]]:
            data = _mapping(relationships.get(name)).get("data") or []
            refs = data if isinstance(data, list) else [data]
            found = []
            for ref in map(_mapping, refs):
                resource = raw.included.get((str(ref.get("type")), str(ref.get("id"))))
                if resource is not None:
                    found.append(resource)
            return found

        lines = []
        for resource in related("line_items"):
            attributes = dict(_mapping(resource.get("attributes")))
            variant_ref = _mapping(
                _mapping(_mapping(resource.get("relationships")).get("variant")).get("data")
            )
            variant = raw.included.get(("variant", str(variant_ref.get("id"))), {})
            sku = _mapping(variant.get("attributes")).get("sku")
            attributes.setdefault("sku", sku or (str(variant_ref["id"]) if variant_ref.get("id") else None))
            attributes["id"] = resource.get("id")
            lines.append(attributes)
        user = _mapping(_mapping(relationships.get("user")).get("data"))
        return {
            "platform": self.name,
            "shape": raw.shape,
            "id": text_or_none(record.get("id"), field="id") or a.get("number"),
            "number": a.get("number"),
            "created_at": a.get("created_at"),
            "updated_at": a.get("updated_at"),
            "placed_at": a.get("completed_at"),
            "currency": a.get("currency"),
            "total": a.get("total"),
            "buyer": {"id": text_or_none(user.get("id"), field="user.id"), "email": a.get("email")},
            "lines": _each(lines, "line_items", _line),
            "payments": _each(
                ({"id": p.get("id"), **_mapping(p.get("attributes"))} for p in related("payments")),
                "payments",
                _payment,
            ),
            "shipments": _each(
                ({"id": s.get("id"), **_mapping(s.get("attributes"))} for s in related("shipments")),
                "shipments",
                _shipment,
            ),
            "platform_status": _status(a),
        }


def _looks_like_order(record: t.Mapping[str, t.Any]) -> bool:
    return isinstance(record.get("number"), str) and any(key in record for key in ("state", "status"))


def _status(record: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    return {
        "state": record.get("state"),
        "status": record.get("status"),
        "payment_state": record.get("payment_state", record.get("payment_status")),
        "shipment_state": record.get("shipment_state", record.get("fulfillment_status")),
    }


def _buyer(record: t.Mapping[str, t.Any]) -> dict[str, t.Any] | None:
    address = _mapping(record.get("bill_address"))
    name = record.get("full_name") or " ".join(
        str(part) for part in (address.get("firstname"), address.get("lastname")) if part
    )
    person_id = record.get("user_id", record.get("customer_id"))
    buyer = {
        "id": text_or_none(person_id, field="user_id"),
        "email": record.get("email"),
        "name": name or None,
    }
    return buyer if any(buyer.values()) else None


def _line(item: t.Any) -> dict[str, t.Any]:
    """One line item; fields are named relative to it (see `each`)."""
    line = _object(item, None)
    variant = _mapping(line.get("variant"))
    sku = line.get("sku") or variant.get("sku")
    return {
        "id": text_or_none(line.get("id"), field="id"),
        "item": sku or text_or_none(line.get("variant_id", variant.get("id")), field="variant_id"),
        "name": line.get("name") or variant.get("name"),
        "quantity": line.get("quantity"),
        "unit_price": line.get("price"),
    }


def _payment(item: t.Any) -> dict[str, t.Any]:
    payment = _object(item, None)
    method = _mapping(payment.get("payment_method"))
    return {
        "id": text_or_none(payment.get("id"), field="id"),
        "state": payment.get("state"),
        "amount": payment.get("amount"),
        "method": method.get("name") or payment.get("payment_method_name"),
    }


def _shipment(item: t.Any) -> dict[str, t.Any]:
    shipment = _object(item, None)
    return {
        "id": text_or_none(shipment.get("id"), field="id"),
        "number": shipment.get("number"),
        "state": shipment.get("state"),
        "shipped_at": shipment.get("shipped_at"),
    }
