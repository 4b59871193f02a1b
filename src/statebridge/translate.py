"""The translation pipeline: bytes in, canonical orders with DFC states out, errors on the side.

`read_orders` never raises for bad input: it yields each order, or the `OrderError` that stopped it,
in input order, so that callers choose to stop, skip or collect. `translate` drives a whole run for
the command line: it writes DFC in the chosen format, or another platform's shape through the DFC
states (`to=PLATFORM`), and reports what was translated, what was not, and what was lost: DFC
states the target cannot hold and, when the target is the platform the order came from, each of
the platform's own status values that comes back different (Shopify `refunded` as `voided`).
"""

from __future__ import annotations

import dataclasses
import enum
import typing as t

import orjson

from .dfc import IriMinter, write_document, write_ndjson, write_ntriples, write_turtle
from .dfc.iris import MinterSource
from .errors import OrderError, StatebridgeError, UsageError
from .mapping import Tables
from .model import Order
from .platforms import Adapter, RawOrder, get_adapter
from .reading import Document, read_documents

__all__ = [
    "FORMATS",
    "OnUnknown",
    "Progress",
    "TranslateReport",
    "counted",
    "read_orders",
    "translate",
    "translate_documents",
]

#: Called with the number of orders translated so far.
Progress = t.Callable[[int], None]
_Item = t.TypeVar("_Item")

Writer = t.Callable[[t.Iterable[Order], MinterSource, t.BinaryIO], int]

#: Output formats for DFC, by `--format` name.
FORMATS: dict[str, Writer] = {
    "jsonld": write_document,
    "ndjson": write_ndjson,
    "turtle": write_turtle,
    "ntriples": write_ntriples,
}

#: Output formats for another platform: its envelope as one JSON document, or one record per line.
PLATFORM_FORMATS = ("jsonld", "ndjson")


class OnUnknown(enum.StrEnum):
    """What to do with an order that cannot be translated."""

    FAIL = "fail"
    SKIP = "skip"


def _join(outer: str | None, inner: str | None) -> str | None:
    if outer and inner:
        return f"{outer}: {inner}"
    return outer or inner


def read_orders(
    stream: t.BinaryIO, platform: str, *, tables: Tables | None = None
) -> t.Iterator[Order | OrderError]:
    """Every order of `stream` read by `platform`'s adapter and translated to DFC states with
    `tables` (default: the shipped ones).

    Orders an adapter holds back (Shopify Bulk Operation JSONL, whose child rows may come later)
    are yielded by `adapter.finish()` after the last document, with absolute positions.
    """
    for outcome, _ in translate_documents(get_adapter(platform, tables=tables), read_documents(stream)):
        yield outcome


def translate_documents(
    adapter: Adapter, documents: t.Iterable[Document | OrderError]
) -> t.Iterator[tuple[Order | OrderError, RawOrder | None]]:
    """Each order of `documents` with the raw record it was read from (None for a bad document)."""
    for document in documents:
        if isinstance(document, OrderError):
            yield document, None
            continue
        adapter.start_document(document.position)
        yield from _outcomes(adapter, adapter.split(document.value), document.position)
    yield from _outcomes(adapter, adapter.finish(), None)


def _outcomes(
    adapter: Adapter, raws: t.Iterable[RawOrder | OrderError], outer: str | None
) -> t.Iterator[tuple[Order | OrderError, RawOrder | None]]:
    """Read and translate each raw order; positions are `outer` joined with the adapter's own."""
    for raw in raws:
        if isinstance(raw, OrderError):
            raw.position = _join(outer, raw.position)
            yield raw.locate(), None
            continue
        try:
            order = adapter.read(raw)
        except OrderError as exc:
            exc.position = None
            yield exc.locate(position=_join(outer, raw.position), order=adapter.label(raw)), raw
            continue
        yield order, raw


def counted(items: t.Iterable[_Item], progress: Progress | None) -> t.Iterator[_Item]:
    """`items`, calling `progress` with how many have gone by after each one (no call without it)."""
    if progress is None:
        yield from items
        return
    for done, item in enumerate(items, 1):
        progress(done)
        yield item


def good_orders(
    outcomes: t.Iterable[Order | OrderError], report: TranslateReport, on_unknown: OnUnknown
) -> t.Iterator[Order]:
    """The orders to write: problems go to `report`; with `FAIL`, no order after the first problem."""
    for outcome in outcomes:
        if isinstance(outcome, StatebridgeError):
            report.problems.append(outcome)
        elif on_unknown is OnUnknown.SKIP or not report.problems:
            yield outcome


@dataclasses.dataclass
class TranslateReport:
    """What a run did: orders written, problems met, and DFC states a target platform could not hold."""

    written: int = 0
    problems: list[OrderError] = dataclasses.field(default_factory=list)
    losses: list[str] = dataclasses.field(default_factory=list)


def translate(
    stream: t.BinaryIO,
    out: t.BinaryIO,
    *,
    platform: str,
    to: str = "dfc",
    fmt: str = "jsonld",
    base_url: str | None = None,
    on_unknown: OnUnknown = OnUnknown.FAIL,
    jobs: int = 1,
    tables: Tables | None = None,
    progress: Progress | None = None,
) -> TranslateReport:
    """Translate every order of `stream` and write them to `out`, with `tables` (default: the
    shipped mapping tables).

    `progress`, when given, is called with the number of orders read so far (those that could not
    be translated included) as the run goes, after every order: it should be cheap, or throttle itself.

    With `jobs` other than 1, NDJSON input is translated to DFC in that many worker processes (0:
    one per CPU), with the same output, in the same order, as with one (`statebridge.parallel`).

    With `OnUnknown.FAIL` the caller must discard `out` when `problems` is not empty (the command line
    writes to a spool and copies it to stdout only on success). With `OnUnknown.SKIP` the orders that
    could not be translated are left out and listed in `problems`.
    """
    source = get_adapter(platform, tables=tables)
    report = TranslateReport()
    if to == "dfc":
        writer = FORMATS.get(fmt)
        if writer is None:
            msg = f"unknown format {fmt!r} for DFC (known: {', '.join(FORMATS)})"
            raise UsageError(msg)
        if jobs != 1:
            from .parallel import translate_in_processes  # multiprocessing only when asked

            return translate_in_processes(
                stream,
                out,
                adapter=source,
                fmt=fmt,
                base_url=base_url,
                on_unknown=on_unknown,
                jobs=jobs,
                progress=progress,
            )
        orders = good_orders(
            counted(read_orders(stream, platform, tables=tables), progress), report, on_unknown
        )
        report.written = writer(orders, IriMinter.for_platform(source.name, base_url), out)
        return report
    target = get_adapter(to, tables=tables)
    if target.name == "dfc":
        msg = "use --to dfc"
        raise UsageError(msg)
    if fmt not in PLATFORM_FORMATS:
        msg = f"format {fmt!r} is for DFC output; writing {target.name} takes {' or '.join(PLATFORM_FORMATS)}"
        raise UsageError(msg)
    records = _platform_records(
        good_orders(counted(read_orders(stream, platform, tables=tables), progress), report, on_unknown),
        target,
        report,
    )
    if fmt == "ndjson":
        for record in records:
            out.write(orjson.dumps(record) + b"\n")
    else:
        collected = list(records)
        out.write(orjson.dumps(target.to_document(collected), option=orjson.OPT_INDENT_2) + b"\n")
    return report


def _platform_records(
    orders: t.Iterable[Order], target: Adapter, report: TranslateReport
) -> t.Iterator[dict[str, t.Any]]:
    """Each order in the target's shape; an order the target cannot hold is a problem, not a guess."""
    table = target.mapping_table()
    reader = get_adapter(target.name, tables=target.tables)
    for order in orders:
        result = table.reverse(order.states)
        try:
            record = target.to_record(order, result.fields)
        except OrderError as exc:
            report.problems.append(exc.locate(order=order.label))
            continue
        for loss in result.losses:
            report.losses.append(f"order {order.label}: {target.name} {loss}")
        for change in _changed_values(order, target, reader, record):
            report.losses.append(f"order {order.label}: {target.name} {change} (through DFC {order.states})")
        report.written += 1
        yield record


def _changed_values(
    order: Order, target: Adapter, reader: Adapter, record: dict[str, t.Any]
) -> t.Iterator[str]:
    """The target platform's own status values that a round trip through DFC changes.

    Only for an order read from the target platform itself. The order is written once with its
    status fields as read, and both that record and the one written from the DFC states are read
    back by `reader` (a fresh adapter of the target platform), so that both are spelt alike
    (Shopify GraphQL `PAID` is written and read back as REST `paid`); each status field whose
    value then differs is a change of meaning. A field read as null (Spree 6 sends no `state`) is
    filled in, not changed, and is not reported.
    """
    if order.platform != target.name or not order.platform_status:
        return
    try:
        before = _read_back(reader, target.to_record(order, order.platform_status))
        after = _read_back(reader, record)
    except OrderError:
        return  # a record statebridge cannot read back: nothing to compare
    for field, value in before.items():
        if value is not None and after.get(field) != value:
            new = after.get(field)
            # Values are quoted: some hold spaces (Socleo's `In preparation`).
            yield f"{field} {value!r} is written as {'null' if new is None else repr(new)}"


def _read_back(reader: Adapter, record: dict[str, t.Any]) -> dict[str, str | None]:
    """The status fields `reader` reads from one record it wrote."""
    for raw in reader.split(reader.to_document([record])):
        if isinstance(raw, OrderError):
            raise raw
        return reader.read(raw).platform_status
    msg = "no order read back"
    raise OrderError(msg)
