"""`statebridge translate`: orders from a platform's file into DFC, or into another platform's shape."""

from __future__ import annotations

import sys
import typing as t

import click

from .. import progress
from ..platforms import names
from ..translate import FORMATS, OnUnknown, translate
from .exits import EXIT_BAD_INPUT, EXIT_SKIPPED, fail, reported
from .options import settings, tables
from .spool import copy_out, output_spool

__all__ = ["translate_command"]


@click.command("translate")
@click.option(
    "--from",
    "platform",
    required=True,
    type=click.Choice(names()),
    help="Platform the input comes from (chord, solidus and ofn are read by the spree adapter).",
)
@click.option(
    "--to",
    "to",
    default="dfc",
    show_default=True,
    type=click.Choice(["dfc", *names()]),
    help="dfc, or a platform to write the orders in its own shape, through their DFC states. "
    "States the platform cannot hold get the table's declared default and are reported on stderr.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="jsonld",
    show_default=True,
    help="jsonld: one document with an @graph; ndjson: one JSON-LD document per order per line; "
    "turtle, ntriples: RDF text. With --to PLATFORM: jsonld writes the platform's JSON document, "
    "ndjson one order record per line.",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="The platform's root (https://shop.example.org); order IRIs become "
    "URL/api/dfc/Orders/ID. Without it, IRIs are urn:statebridge:PLATFORM:Orders:ID.",
)
@click.option(
    "--on-unknown",
    type=click.Choice([mode.value for mode in OnUnknown]),
    default=OnUnknown.FAIL.value,
    show_default=True,
    help="fail: write nothing and exit 1 if any order cannot be translated; "
    "skip: write the others, report the skipped ones, exit 3.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Translate NDJSON to DFC in this many processes (0: one per CPU). The output is the same, "
    "in the same order; other input, Shopify Bulk JSONL and --to PLATFORM run in one process.",
)
@click.argument("input_file", metavar="[INPUT|-]", type=click.File("rb"), default="-")
def translate_command(
    platform: str,
    to: str,
    fmt: str,
    base_url: str | None,
    on_unknown: str,
    jobs: int,
    input_file: t.BinaryIO,
) -> None:
    """Translate orders from a platform's JSON, NDJSON (or Relatude XML) into DFC, or into another
    platform's shape through DFC, on stdout.

    Every problem is one line on stderr naming the input position, the order number, the field and
    the offending value. A status value that the mapping tables do not know is never guessed.

    \b
    Examples:
      statebridge translate --from chord orders.json > orders.jsonld
      statebridge translate --from shopify --to commercelayer orders.json
      statebridge translate --from dfc --to spree --format ndjson orders.jsonld
      statebridge translate --from spree --jobs 0 orders.ndjson > orders.jsonld
    """
    source = "<stdin>" if input_file is sys.stdin.buffer or input_file.name == "<stdin>" else input_file.name
    mode = OnUnknown(on_unknown)
    with output_spool() as spool:
        with reported(), progress.OrderRate("translated") as rate:
            report = translate(
                input_file,
                t.cast(t.BinaryIO, spool),
                platform=platform,
                to=to,
                fmt=fmt,
                base_url=base_url,
                on_unknown=mode,
                jobs=jobs,
                tables=tables(settings()),
                progress=rate if rate.enabled else None,
            )
        for loss in report.losses:
            click.echo(f"lossy: {source}: {loss}", err=True)
        for problem in report.problems:
            prefix = "skipped: " if mode is OnUnknown.SKIP else ""
            click.echo(f"{prefix}{source}: {problem}", err=True)
        if report.problems and (mode is OnUnknown.FAIL or report.written == 0):
            fail(f"{len(report.problems)} problem(s); nothing written", EXIT_BAD_INPUT)
        copy_out(spool, sys.stdout.buffer)
    if report.problems:
        fail(f"{report.written} order(s) written, {len(report.problems)} skipped", EXIT_SKIPPED)
