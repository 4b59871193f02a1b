"""A translation run for the command line: bytes in, DFC (or another platform's shape) out.

Orders are read by the one pipeline (`pipeline.py`): `read_orders` never raises for bad input, it
yields each order, or the `OrderError` that stopped it, in input order. `translate` drives a run:
it writes DFC in the chosen format, or another platform's shape through the DFC states
(`to=PLATFORM`), and reports what was translated, what was not, and what was lost: DFC states the
target cannot hold and, when the target is the platform the order came from, each of the
platform's own status values that comes back different (Shopify `refunded` as `voided`).
"""

from __future__ import annotations

import typing as t

import orjson

from .bulk import read_nodes
from .bulk.lines import MEMBERS, write_document_lines
from .dfc import IriMinter
from .errors import OrderError, UsageError
from .formats import FORMATS, PLATFORM_FORMATS
from .mapping import Tables
from .model import Order
from .pipeline import (
    OnUnknown,
    Progress,
    TranslateReport,
    counted,
    good_orders,
    platform_fields,
    read_orders,
)
from .platforms import Adapter, get_adapter
from .reading import read_documents

__all__ = [
    "FORMATS",
    "OnUnknown",
    "Progress",
    "TranslateReport",
    "counted",
    "read_orders",
    "translate",
]


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
        minter = IriMinter.for_platform(source.name, base_url)
        if progress is None:  # the common case, in one loop (`bulk.lines`)
            report.written = write_document_lines(
                source, stream, minter, out, report, on_unknown, MEMBERS[fmt]
            )
            return report
        nodes = good_orders(
            counted(read_nodes(source, read_documents(stream), minter), progress), report, on_unknown
        )
        report.written = writer(nodes, minter, out)
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
    reader = get_adapter(target.name, tables=target.tables)
    for order in orders:
        fields, losses = platform_fields(order.states, target)
        try:
            record = target.to_record(order, fields)
        except OrderError as exc:
            report.problems.append(exc.locate(order=order.label))
            continue
        for loss in losses:
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
