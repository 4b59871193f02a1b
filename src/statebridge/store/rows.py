"""Orders to table rows and back; a stored order that no longer validates is left out, logged."""

from __future__ import annotations

import logging
import typing as t

import orjson
import sqlalchemy as sa
from pydantic import ValidationError

from ..model import Order
from .migrations import public_id
from .records import StoredOrder, buyer_iri, utc_text

__all__ = ["order_row", "readable", "stored", "written"]

log = logging.getLogger("statebridge.store")


def order_row(platform: str, base_url: str, order: Order, raw: t.Any, now: str) -> dict[str, t.Any]:
    """The `orders` row of `order` (with its `raw` payload) from one source, stored at `now`."""
    states = order.states
    return {
        "platform": platform,
        "base_url": base_url,
        "order_id": order.id,
        "number": order.number,
        "updated_at": utc_text(order.updated_at) if order.updated_at else None,
        "order_status": states.order.value if states.order else None,
        "payment_status": states.payment.value if states.payment else None,
        "fulfilment_status": states.fulfilment.value if states.fulfilment else None,
        "canonical": order.model_dump_json(),
        "raw": orjson.dumps(raw).decode(),
        "stored_at": now,
        "public_id": public_id(platform, base_url, order.id),
        "buyer": buyer_iri(order),
    }


def written(
    platform: str,
    base_url: str,
    order: Order,
    raw: t.Any,
    row: dict[str, t.Any],
    result: sa.Row[t.Any] | None,
) -> StoredOrder:
    """The order just written, with the version and owner the store gave it."""
    return StoredOrder(
        platform,
        base_url,
        order,
        raw,
        row["public_id"],
        version=int(result.version) if result is not None else 1,
        owner=result.owner if result is not None else row.get("owner"),
        buyer=row["buyer"],
    )


def stored(row: sa.Row[t.Any]) -> StoredOrder | None:
    """The stored order of an `orders` row, or None when it cannot be read (see `readable`)."""
    order = readable(row.platform, row.base_url, row.order_id, row.canonical)
    if order is None:
        return None
    return StoredOrder(
        row.platform,
        row.base_url,
        order,
        orjson.loads(row.raw),
        row.public_id,
        version=int(row.version),
        owner=row.owner,
        buyer=row.buyer,
    )


def readable(platform: str, base_url: str, order_id: str, canonical: str) -> Order | None:
    """The stored order, or None, with a warning naming it, when it no longer validates.

    An order stored by an older statebridge can hold what the model now refuses (an amount of
    `1E+999999999`, from before amounts were bounded). Serving it would fail on every request
    that reaches it, so it is left out of every read instead; the row stays as it was, for an
    operator to fix or for a newer version from the platform to replace.
    """
    try:
        return Order.model_validate_json(canonical)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        log.warning(
            "stored %s order %s from %s is left out: it cannot be read (field %s: %s)",
            platform,
            order_id,
            base_url,
            where,
            first["msg"],
        )
        return None
