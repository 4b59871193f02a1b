"""What a write to the Orders routes stores: the DFC order read from the body, prepared for its shop.

`read_order` reads the body (JSON-LD or JSON) through the one pipeline, as any other input is read,
and answers 415, 400 or 422 for a body it cannot take. `prepare` keys the order's lines and gives a
shop's platform its status fields (`pipeline.platform_fields`), naming what the platform cannot hold.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing as t

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from ..mapping import SHIPPED, Tables
from ..model import Order
from ..pipeline import outcomes, partition, platform_fields
from ..platforms import get_adapter
from ..reading import Document
from .lines import line_keys
from .order_requests import Problem
from .problems import problem_response

__all__ = ["NEW_LINES", "LineKeys", "prepare", "read_order"]

_ACCEPTED_BODIES = ("application/ld+json", "application/json")


@dataclasses.dataclass(frozen=True)
class LineKeys:
    """What a write needs to key an order's lines: the id it is served under (None for a new order)
    and the keys of the lines it was served with."""

    order_id: str | None
    served: frozenset[str]


NEW_LINES = LineKeys(None, frozenset())


async def read_order(request: Request) -> tuple[t.Any, Order]:
    """The body's JSON document and the one DFC order it holds."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in _ACCEPTED_BODIES:
        raise Problem(
            problem_response(
                415,
                "Unsupported Media Type",
                f"send the order as {' or '.join(_ACCEPTED_BODIES)}, not {kind or 'nothing'}",
            )
        )
    raw = await request.body()
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Problem(problem_response(400, "Malformed JSON", f"the body is not JSON: {exc.msg}")) from None
    accepted, rejected = await run_in_threadpool(
        lambda: partition(outcomes(get_adapter("dfc"), [Document(None, document)]), document)
    )
    problems = [reason for _, reason, _ in rejected]
    if problems:
        raise Problem(problem_response(422, "Order cannot be read", "; ".join(problems), problems=problems))
    if len(accepted) != 1:
        raise Problem(
            problem_response(
                422,
                "One order expected",
                f"the document holds {len(accepted)} dfc-b:Order nodes; send one at a time",
            )
        )
    return document, accepted[0][0]


def prepare(
    platform: str, order: Order, *, lines: LineKeys | None = NEW_LINES, tables: Tables = SHIPPED
) -> tuple[Order, list[str]]:
    """A DFC order as the endpoint stores it for `platform`, and what the platform cannot hold.

    Its lines get their keys (`lines.py`): those of the lines it was served with (`lines`),
    new ones for the rest; with `lines` None they are kept as they are. For a shop's platform,
    `platform_status` is what the platform would hold (the table's reverse rules), while the
    states stay the DFC states the client wrote: a client reads back what it wrote (OFN finds
    its open backorder only while it reads Held) until the platform itself changes the order,
    by a pull or a webhook that stores a newer version of it. What the platform cannot hold is
    reported, as the `Statebridge-Lossy` header of the write.
    """
    losses: list[str] = []
    update: dict[str, t.Any] = {
        "platform": platform,
        "shape": "dfc-jsonld",
        "updated_at": dt.datetime.now(dt.UTC),
    }
    if lines is not None:
        keys = line_keys(order.lines, lines.order_id, lines.served)
        update["lines"] = tuple(
            line.model_copy(update={"id": key}) for line, key in zip(order.lines, keys, strict=True)
        )
    if platform != "dfc":
        update["platform_status"], losses = platform_fields(
            order.states, get_adapter(platform, tables=tables)
        )
    return order.model_copy(update=update), losses
