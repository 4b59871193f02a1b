"""The one pipeline every path shares: documents in, `Outcome`s out, accepted and rejected apart.

`translate` (the command line, one process or several), `pull`, the webhooks and the DFC endpoint
all read orders the same way: each document goes through a platform's adapter (`split`, then
`read`), and each order comes out as an `Outcome`: the order or the `OrderError` that stopped it,
with the raw record it was read from. Nothing raises for bad input; callers choose to stop, skip or
collect (`good_orders`), or to store the rejects (`partition`). Going the other way,
`platform_fields` gives DFC states as a platform's status fields, with what the platform cannot hold.
"""

from __future__ import annotations

import dataclasses
import enum
import typing as t

from .errors import OrderError
from .mapping import Tables
from .model import Order
from .platforms import Adapter, RawOrder, get_adapter
from .position import Position
from .reading import Document, read_documents
from .states import DFCStates

__all__ = [
    "OnUnknown",
    "Outcome",
    "Partition",
    "Progress",
    "TranslateReport",
    "counted",
    "good_orders",
    "outcomes",
    "partition",
    "platform_fields",
    "read_finish",
    "read_orders",
    "read_raw",
    "read_split",
]

#: Called with the number of orders translated so far.
Progress = t.Callable[[int], None]
_Item = t.TypeVar("_Item")


class Outcome(t.NamedTuple):
    """One order read, or the error that stopped it, and the raw record (None for a bad document).

    A named tuple: one is made per order on the hot path.
    """

    result: Order | OrderError
    raw: RawOrder | None


class OnUnknown(enum.StrEnum):
    """What to do with an order that cannot be translated."""

    FAIL = "fail"
    SKIP = "skip"


@dataclasses.dataclass
class TranslateReport:
    """What a run did: orders written, problems met, and DFC states a target platform could not hold."""

    written: int = 0
    problems: list[OrderError] = dataclasses.field(default_factory=list)
    losses: list[str] = dataclasses.field(default_factory=list)


def outcomes(adapter: Adapter, documents: t.Iterable[Document | OrderError]) -> t.Iterator[Outcome]:
    """Each order of `documents`, read by `adapter`, in input order.

    Orders an adapter holds back (Shopify Bulk Operation JSONL, whose child rows may come later)
    come from `adapter.finish()` after the last document, with absolute positions.
    """
    for result, raw in read_raw(adapter, documents, adapter.read):
        yield Outcome(result, raw)


def read_raw(
    adapter: Adapter,
    documents: t.Iterable[Document | OrderError],
    read: t.Callable[[RawOrder], _Item],
    whole: t.Callable[[t.Any], _Item | None] | None = None,
) -> t.Iterator[tuple[_Item | OrderError, RawOrder | None]]:
    """`outcomes` with each raw order read by `read` (`adapter.read`, or a reader of DFC nodes).

    `whole`, when given, is tried first on each document: what it returns (not None) stands for the
    one order the document holds, without `split` (the bulk path's readers of one bare order).
    """
    for document in documents:
        if isinstance(document, OrderError):
            yield document, None
            continue
        if whole is not None:
            result = whole(document.value)
            if result is not None:
                yield result, None
                continue
        yield from read_split(adapter, document, read)
    yield from read_finish(adapter, read)


def read_split(
    adapter: Adapter, document: Document, read: t.Callable[[RawOrder], _Item]
) -> t.Iterator[tuple[_Item | OrderError, RawOrder | None]]:
    """What `read_raw` yields for one document that `whole` does not take: its orders, through `split`."""
    adapter.start_document(document.position)
    return _read(adapter, adapter.split(document.value), document.position, read)


def read_finish(
    adapter: Adapter, read: t.Callable[[RawOrder], _Item]
) -> t.Iterator[tuple[_Item | OrderError, RawOrder | None]]:
    """What `read_raw` yields after the last document: the orders the adapter held back (`finish`)."""
    return _read(adapter, adapter.finish(), None, read)


def _read(
    adapter: Adapter,
    raws: t.Iterable[RawOrder | OrderError],
    outer: Position | None,
    read: t.Callable[[RawOrder], _Item],
) -> t.Iterator[tuple[_Item | OrderError, RawOrder | None]]:
    """Read each raw order; an error's position is the adapter's own inside `outer`."""
    for raw in raws:
        if isinstance(raw, OrderError):
            yield raw.within(outer), None
            continue
        try:
            result = read(raw)
        except OrderError as exc:
            # The raw order's position, inside the document's: whatever `read` located it at.
            exc.where = Position.of(raw.position)
            yield exc.within(outer).locate(order=adapter.label(raw)), raw
            continue
        yield result, raw


def read_orders(
    stream: t.BinaryIO, platform: str, *, tables: Tables | None = None
) -> t.Iterator[Order | OrderError]:
    """Every order of `stream` read by `platform`'s adapter and translated to DFC states with
    `tables` (default: the shipped ones), or the error that stopped it."""
    for outcome in outcomes(get_adapter(platform, tables=tables), read_documents(stream)):
        yield outcome.result


class Partition(t.NamedTuple):
    """Outcomes apart: each accepted order with its raw record, and each rejected one as the store
    keeps it: (position, reason, raw)."""

    accepted: list[tuple[Order, t.Any]]
    rejected: list[tuple[str | None, str, t.Any]]


def partition(items: t.Iterable[Outcome], document: t.Any) -> Partition:
    """The orders of `items`, and the rejects; a reject with no record of its own (a document that
    could not be split) keeps `document`."""
    accepted: list[tuple[Order, t.Any]] = []
    rejected: list[tuple[str | None, str, t.Any]] = []
    for result, raw in items:
        record = raw.record if raw is not None else document
        if isinstance(result, OrderError):
            rejected.append((result.position, str(result), record))
        else:
            accepted.append((result, record))
    return Partition(accepted, rejected)


def counted(items: t.Iterable[_Item], progress: Progress | None) -> t.Iterator[_Item]:
    """`items`, calling `progress` with how many have gone by after each one (no call without it)."""
    if progress is None:
        yield from items
        return
    for done, item in enumerate(items, 1):
        progress(done)
        yield item


def good_orders(
    results: t.Iterable[_Item | OrderError], report: TranslateReport, on_unknown: OnUnknown
) -> t.Iterator[_Item]:
    """The orders to write (or their DFC nodes): problems go to `report`; with `FAIL`, no order
    after the first problem."""
    for result in results:
        if isinstance(result, OrderError):
            report.problems.append(result)
        elif on_unknown is OnUnknown.SKIP or not report.problems:
            yield result


def platform_fields(states: DFCStates, target: Adapter) -> tuple[dict[str, str | None], list[str]]:
    """`states` as `target`'s status fields (its table's reverse rules), and each DFC state the
    platform cannot hold, named."""
    result = target.mapping_table().reverse(states)
    return dict(result.fields), [str(loss) for loss in result.losses]
