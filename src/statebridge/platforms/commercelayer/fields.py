"""Reading one Commerce Layer order's fields: integers, money in cents, related resources, lines, buyer."""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal

from ...bounds import MAX_DIGITS, OUT_OF_RANGE, bounded
from ...errors import InvalidOrderError
from ..base import text_or_none
from ..json_fields import each as _each, mapping_or_empty as _mapping

_GOODS = frozenset({"skus", "bundles"})

#: An integer as text (ASCII digits only: `str.isdigit` also accepts `²`, which `int()` refuses).
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")

_MAX_INTEGER = 10**MAX_DIGITS

#: Line item types that are not goods; any `*_promotions` type is a promotion.
#: (docs/references/commercelayer.md#line-item-types)
_NOT_GOODS = frozenset({"shipments", "payment_methods", "adjustments", "gift_cards", "discount_engine_items"})

#: ISO 4217 currencies whose minor unit is not 1/100 (every other code has two decimals).
_MINOR_UNITS: dict[str, int] = {
    **{code: 0 for code in ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG")},
    **{code: 0 for code in ("RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF")},
    **{code: 3 for code in ("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND")},
    **{code: 4 for code in ("CLF", "UYW")},
}


def minor_units(currency: str) -> int:
    """Decimal places of `currency`'s minor unit (ISO 4217): what Commerce Layer's `_cents` count."""
    return _MINOR_UNITS.get(currency, 2)


def _number(value: t.Any) -> str | None:
    """The order number as text: an integer before schema v4.21.0, a string since."""
    number = text_or_none(value, field="number")
    return number or None


def _integer(value: t.Any, *, field: str) -> int | None:
    """An integer count (cents, quantity): integers and ASCII digit strings, never a float.

    More digits than any number within the bounds (`bounds.py`) is out of range: refused before
    `int()` (which would also refuse past 4300 digits) or any arithmetic sees it.
    """
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value) if -_MAX_INTEGER < value < _MAX_INTEGER else None
    elif isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        text = value.strip() if len(value.strip().lstrip("+-")) <= MAX_DIGITS else None
    else:
        msg = "expected an integer (the *_float and formatted_* values are not read)"
        raise InvalidOrderError(msg, field=field, value=value, has_value=True)
    if text is None:
        raise InvalidOrderError(OUT_OF_RANGE, field=field, value=value, has_value=True)
    return int(text)


def _money(
    attributes: t.Mapping[str, t.Any], key: str, currency: t.Any, *, where: str = ""
) -> Decimal | None:
    """`attributes[key]` in cents as a Decimal amount of `currency`; None without a currency.

    The amount is checked against the bounds here, so that the message names the platform's own
    field and the cents it sent (the division is exact: at most 28 digits are scaled).
    """
    cents = _integer(attributes.get(key), field=where + key)
    if cents is None or not isinstance(currency, str) or not currency:
        return None
    amount = bounded(Decimal(cents).scaleb(-minor_units(currency)))
    if amount is None:
        raise InvalidOrderError(OUT_OF_RANGE, field=where + key, value=attributes.get(key), has_value=True)
    return amount


def _refs(relationships: t.Mapping[str, t.Any], name: str) -> list[t.Any] | None:
    """The linkage of relationship `name`; None when it has none (not included in the request)."""
    relationship = _mapping(relationships.get(name))
    if "data" not in relationship:
        return None
    data = relationship["data"]
    if data is None:
        return []
    return data if isinstance(data, list) else [data]


def _related(
    relationships: t.Mapping[str, t.Any],
    name: str,
    included: t.Mapping[tuple[str, str], t.Mapping[str, t.Any]],
) -> list[t.Mapping[str, t.Any]]:
    """The included resources that relationship `name` links to, in order; a dangling link is an error."""
    found = []
    for i, ref in enumerate(_refs(relationships, name) or []):
        if not isinstance(ref, dict):
            msg = "expected a resource identifier {type, id}"
            raise InvalidOrderError(msg, field=f"relationships.{name}.data[{i}]", value=ref, has_value=True)
        key = (str(ref.get("type")), str(ref.get("id")))
        resource = included.get(key)
        if resource is None:
            msg = f"links to {key[0]} {key[1]!r}, which is not in included (fetch with include={name})"
            raise InvalidOrderError(msg, field=f"relationships.{name}.data[{i}]")
        found.append(resource)
    return found


def _optional_text(value: t.Any, *, field: str) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    msg = "expected a string"
    raise InvalidOrderError(msg, field=field, value=value, has_value=True)


def _item_type(resource: t.Mapping[str, t.Any], attributes: t.Mapping[str, t.Any]) -> str:
    """The line's item_type, else its `item` relationship's type, else what its code says it is."""
    item_type = attributes.get("item_type")
    if item_type is None:
        ref = _mapping(_mapping(_mapping(resource.get("relationships")).get("item")).get("data"))
        item_type = ref.get("type")
    if item_type is None:
        if attributes.get("sku_code"):
            return "skus"
        if attributes.get("bundle_code"):
            return "bundles"
        msg = "missing: cannot tell whether this line is goods (skus, bundles) or a charge"
        raise InvalidOrderError(msg, field="item_type")
    if not isinstance(item_type, str):
        msg = "expected a string"
        raise InvalidOrderError(msg, field="item_type", value=item_type, has_value=True)
    if item_type in _GOODS or item_type in _NOT_GOODS or item_type.endswith("_promotions"):
        return item_type
    msg = (
        "unknown Commerce Layer line item type: not skus or bundles (goods), nor a known charge or "
        f"discount ({', '.join(sorted(_NOT_GOODS))}, *_promotions)"
    )
    raise InvalidOrderError(msg, field="item_type", value=item_type, has_value=True)


def _lines(
    relationships: t.Mapping[str, t.Any],
    included: t.Mapping[tuple[str, str], t.Mapping[str, t.Any]],
    currency: t.Any,
) -> list[dict[str, t.Any]]:
    """The goods lines (skus and bundles), named `line_items[i]` after their place in the linkage."""
    lines = _each(
        _related(relationships, "line_items", included),
        "line_items",
        lambda resource: _line(resource, currency),
    )
    return [line for line in lines if line is not None]


def _line(resource: t.Mapping[str, t.Any], currency: t.Any) -> dict[str, t.Any] | None:
    """One goods line, None for a charge or discount; fields are named relative to it (see `each`)."""
    attributes = _mapping(resource.get("attributes"))
    if _item_type(resource, attributes) not in _GOODS:
        return None
    quantity = _integer(attributes.get("quantity"), field="quantity")
    if quantity is None or quantity < 0:
        msg = "expected a quantity of 0 or more" if quantity is not None else "missing"
        raise InvalidOrderError(msg, field="quantity", value=quantity, has_value=quantity is not None)
    line_currency = attributes.get("currency_code")
    if line_currency not in (None, currency):
        msg = f"differs from the order's currency_code {currency!r}"
        raise InvalidOrderError(msg, field="currency_code", value=line_currency, has_value=True)
    item = attributes.get("sku_code") or attributes.get("bundle_code")
    if item is None:
        ref = _mapping(_mapping(_mapping(resource.get("relationships")).get("item")).get("data"))
        item = ref.get("id")
    return {
        "id": text_or_none(resource.get("id"), field="id"),
        "item": text_or_none(item, field="sku_code"),
        "name": _optional_text(attributes.get("name"), field="name"),
        "quantity": quantity,
        "unit_price": _money(attributes, "unit_amount_cents", currency),
    }


def _buyer(
    attributes: t.Mapping[str, t.Any],
    relationships: t.Mapping[str, t.Any],
    included: t.Mapping[tuple[str, str], t.Mapping[str, t.Any]],
) -> dict[str, t.Any] | None:
    customer = _mapping(_mapping(relationships.get("customer")).get("data"))
    customer_id = text_or_none(customer.get("id"), field="customer.id")
    email = attributes.get("customer_email")
    if email is None and customer_id is not None:
        email = _mapping(included.get(("customers", customer_id), {}).get("attributes")).get("email")
    address_ref = _mapping(_mapping(relationships.get("billing_address")).get("data"))
    address = _mapping(
        _mapping(included.get(("addresses", str(address_ref.get("id"))), {})).get("attributes")
    )
    name = address.get("full_name") or " ".join(
        str(part) for part in (address.get("first_name"), address.get("last_name")) if part
    )
    buyer = {"id": customer_id, "email": email, "name": name or None}
    return buyer if any(value is not None for value in buyer.values()) else None


def _shipment(resource: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    attributes = _mapping(resource.get("attributes"))
    return {
        "id": text_or_none(resource.get("id"), field="id"),
        "number": text_or_none(attributes.get("number"), field="number"),
        "state": attributes.get("status"),
        "shipped_at": attributes.get("shipped_at"),
    }
