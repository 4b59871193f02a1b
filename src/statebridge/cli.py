"""The `statebridge` command line: a thin layer over the library.

Exit status: 0 success; 1 bad input or an unknown status (nothing is written); 2 a usage error;
3 some orders were skipped with `--on-unknown skip` (the rest were written).
"""

from __future__ import annotations

import os
import pathlib
import shutil
import sys
import tempfile
import typing as t

import click

from . import __version__
from .adapters import adapter_names
from .errors import StatebridgeError, UsageError
from .mapping import available_tables, load_table
from .mapping.coverage import analyse
from .mapping.loader import MAPPINGS_ENV
from .translate import FORMATS, OnUnknown, translate
from .validate import validate_fixtures

__all__ = ["main"]

EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
EXIT_SKIPPED = 3

#: Output is spooled in memory up to this size, then on disk, so that a failed run writes nothing.
_SPOOL_BYTES = 16 * 1024 * 1024


def _fail(message: str, code: int) -> t.NoReturn:
    click.echo(f"statebridge: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="statebridge")
def cli() -> None:
    """Translate e-commerce orders and their statuses to the Data Food Consortium (DFC) standard.

    \b
    Example:
      statebridge translate --from spree fixtures/spree/solidus_flat_orders.json
    """


@cli.command()
@click.option(
    "--from",
    "platform",
    required=True,
    type=click.Choice(adapter_names()),
    help="Platform the input comes from (chord, solidus and ofn are read by the spree adapter).",
)
@click.option(
    "--to",
    "to",
    default="dfc",
    show_default=True,
    type=click.Choice(["dfc", *adapter_names()]),
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
@click.argument("input_file", metavar="[INPUT|-]", type=click.File("rb"), default="-")
def translate_command(
    platform: str,
    to: str,
    fmt: str,
    base_url: str | None,
    on_unknown: str,
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
    """
    source = "<stdin>" if input_file is sys.stdin.buffer or input_file.name == "<stdin>" else input_file.name
    mode = OnUnknown(on_unknown)
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        try:
            report = translate(
                input_file,
                t.cast(t.BinaryIO, spool),
                platform=platform,
                to=to,
                fmt=fmt,
                base_url=base_url,
                on_unknown=mode,
            )
        except UsageError as exc:
            _fail(str(exc), EXIT_USAGE)
        except StatebridgeError as exc:
            _fail(str(exc), EXIT_BAD_INPUT)
        for loss in report.losses:
            click.echo(f"lossy: {source}: {loss}", err=True)
        for problem in report.problems:
            prefix = "skipped: " if mode is OnUnknown.SKIP else ""
            click.echo(f"{prefix}{source}: {problem}", err=True)
        if report.problems and (mode is OnUnknown.FAIL or report.written == 0):
            _fail(f"{len(report.problems)} problem(s); nothing written", EXIT_BAD_INPUT)
        spool.seek(0)
        shutil.copyfileobj(spool, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    if report.problems:
        _fail(f"{report.written} order(s) written, {len(report.problems)} skipped", EXIT_SKIPPED)


@cli.group()
def mappings() -> None:
    """Inspect the status mapping tables shipped with statebridge."""


@mappings.command("check")
@click.option("--platform", help="Check one table only (default: every table).")
@click.option(
    "--mappings",
    "mappings_dir",
    type=click.Path(file_okay=False, exists=True, path_type=pathlib.Path),
    help=f"A folder of edited mapping tables to check instead of the shipped ones (or set {MAPPINGS_ENV}).",
)
def mappings_check(platform: str | None, mappings_dir: pathlib.Path | None) -> None:
    """Check every table: each value named by a rule, no gaps, reverse rules, round trips.

    Prints a coverage table per platform and exits 1 when anything needs fixing.
    """
    if mappings_dir is not None:
        os.environ[MAPPINGS_ENV] = str(mappings_dir)
    if platform is not None and platform not in available_tables():
        _fail(f"no mapping table {platform!r} (known: {', '.join(available_tables())})", EXIT_USAGE)
    failed = False
    for name in [platform] if platform else available_tables():
        try:
            report = analyse(load_table(name))
        except StatebridgeError as exc:
            click.echo(str(exc), err=True)
            failed = True
            continue
        click.echo(
            f"{name}: {report.combinations} combinations, {report.rejected} rejected on purpose, "
            f"{len(report.reachable)} distinct DFC triples"
        )
        click.echo(f"  {'field':<16} {'values':>6} {'named':>6}")
        unnamed = set(report.unnamed)
        for field, spec in report.table.fields.items():
            named = sum((field, v) not in unnamed for v in spec.domain)
            click.echo(f"  {field:<16} {len(spec.domain):>6} {named:>6}")
        for problem in report.problems():
            click.echo(f"  GAP {problem}")
        failed = failed or not report.ok
        click.echo(f"  {'ok' if report.ok else 'FAILED'}")
    if failed:
        sys.exit(EXIT_BAD_INPUT)


@cli.command("validate")
@click.argument("fixtures_dir", type=click.Path(file_okay=False, path_type=pathlib.Path))
@click.option(
    "--platform", help="Platform of the fixtures (default: the folder's name, e.g. fixtures/spree)."
)
@click.option(
    "--mappings",
    "mappings_dir",
    type=click.Path(file_okay=False, exists=True, path_type=pathlib.Path),
    help=f"A folder of edited mapping tables to use instead of the shipped ones (or set {MAPPINGS_ENV}).",
)
@click.option(
    "--update", is_flag=True, help="Write NAME.expected.jsonld beside each fixture instead of comparing."
)
def validate_command(
    fixtures_dir: pathlib.Path, platform: str | None, mappings_dir: pathlib.Path | None, update: bool
) -> None:
    """Translate every fixture in FIXTURES_DIR and compare it with NAME.expected.jsonld beside it.

    Outputs are compared as RDF graphs; each mismatch is shown per subject with the statements
    only the expected output has (-) and only the new output has (+). Exits 1 on any mismatch.

    \b
    Example, after editing mappings/spree.yaml:
      statebridge validate fixtures/spree --mappings mappings
    """
    if mappings_dir is not None:
        os.environ[MAPPINGS_ENV] = str(mappings_dir)
    try:
        results = validate_fixtures(fixtures_dir, platform=platform, update=update)
    except UsageError as exc:
        _fail(str(exc), EXIT_USAGE)
    except StatebridgeError as exc:
        _fail(str(exc), EXIT_BAD_INPUT)
    for result in results:
        click.echo(f"{'ok  ' if result.ok else 'FAIL'} {result.path} ({result.orders} orders)")
        for line in result.details:
            click.echo(line)
    failed = sum(not r.ok for r in results)
    click.echo(f"{len(results) - failed} passed, {failed} failed")
    if failed:
        sys.exit(EXIT_BAD_INPUT)


def main() -> None:
    """Entry point of the `statebridge` script."""
    cli(prog_name="statebridge")


cli.add_command(translate_command, name="translate")
