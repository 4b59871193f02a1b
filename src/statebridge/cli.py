"""The `statebridge` command line: a thin layer over the library.

Exit status: 0 success; 1 bad input or an unknown status (nothing is written); 2 a usage error;
3 some orders were skipped with `--on-unknown skip` (the rest were written); 130 interrupted by
Ctrl-C. Every failure is one line on stderr (`statebridge: ...`), never a traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import io
import logging
import os
import pathlib
import shutil
import sys
import tempfile
import typing as t

import click

from . import __version__, progress
from .crosswalk import Crosswalk, load_crosswalks, render_html, render_markdown, render_svg
from .crosswalk.sssom import mapping_sets, write_mapping_sets
from .errors import StatebridgeError, UsageError
from .mapping import SHIPPED, Tables
from .mapping.coverage import analyse
from .mapping.loader import MAPPINGS_ENV
from .platforms import ClientOption, check_aliases, names, platform as find_platform, platforms
from .settings import Settings
from .translate import FORMATS, OnUnknown, translate
from .validate import validate_fixtures

if t.TYPE_CHECKING:  # the store, pull and sync bring sqlalchemy and httpx: imported when used
    from .pull import PageReport
    from .store import Store

#: Defaults shown in --help, equal to statebridge.store.STORE_ENV / DEFAULT_STORE and
#: statebridge.pull.DEFAULT_OVERLAP (a test holds them equal), so that `translate` starts fast.
STORE_ENV = "STATEBRIDGE_STORE"
DEFAULT_STORE = "sqlite:///statebridge.db"
DEFAULT_OVERLAP_SECONDS = 300.0

__all__ = ["main"]

EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
EXIT_SKIPPED = 3

log = logging.getLogger("statebridge")

_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%d %H:%M:%S%z"]

#: Output is spooled in memory up to this size, then on disk, so that a failed run writes nothing.
_SPOOL_BYTES = 16 * 1024 * 1024


def _settings(*, mappings: pathlib.Path | None = None, store: str | None = None) -> Settings:
    """The settings of this run: the environment's, with the options given (they win)."""
    return Settings.from_env(mappings=mappings, store=store)


def _tables(settings: Settings) -> Tables:
    """The mapping tables the settings name (`--mappings`, `$STATEBRIDGE_MAPPINGS`), else the shipped ones."""
    return SHIPPED if settings.mappings is None else Tables(settings.mappings)


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
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        try:
            with progress.OrderRate("translated") as rate:
                report = translate(
                    input_file,
                    t.cast(t.BinaryIO, spool),
                    platform=platform,
                    to=to,
                    fmt=fmt,
                    base_url=base_url,
                    on_unknown=mode,
                    jobs=jobs,
                    tables=_tables(_settings()),
                    progress=rate if rate.enabled else None,
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
    tables = _use_mappings(mappings_dir)
    names = _tables_or_fail(tables)
    if platform is not None:
        try:  # an alias (chord, solidus, ofn) checks its table, as `mappings show` shows it
            platform = tables.resolve(platform)
        except UsageError as exc:
            _fail(str(exc), EXIT_USAGE)
        except StatebridgeError as exc:
            _fail(str(exc), EXIT_BAD_INPUT)
    failed = False
    shown: set[str] = set()  # one broken file can fail every table (aliases are read from all)
    for name in [platform] if platform else names:
        try:
            check_aliases(tables, name)
            report = analyse(tables.load(name))
        except StatebridgeError as exc:
            if str(exc) not in shown:
                shown.add(str(exc))
                click.echo(f"statebridge: {exc}", err=True)
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


def _use_mappings(mappings_dir: pathlib.Path | None) -> Tables:
    """The tables of this run: `--mappings` (checked to hold tables), else as the environment says."""
    tables = _tables(_settings(mappings=mappings_dir))
    if mappings_dir is not None:
        _tables_or_fail(tables)
    return tables


def _tables_or_fail(tables: Tables) -> list[str]:
    """The names of `tables`; exit 2 when the folder given holds none (a wrong folder, not a pass)."""
    try:
        names = tables.names()
    except StatebridgeError as exc:
        _fail(str(exc), EXIT_USAGE)
    if not names:
        folder = tables.folder
        _fail(
            f"no mapping tables (PLATFORM.yaml) in {folder}: give the folder holding the tables, "
            "e.g. a copy of the repository's mappings/",
            EXIT_USAGE,
        )
    return names


_MAPPINGS_OPTION = click.option(
    "--mappings",
    "mappings_dir",
    type=click.Path(file_okay=False, exists=True, path_type=pathlib.Path),
    help=f"A folder of edited mapping tables to use instead of the shipped ones (or set {MAPPINGS_ENV}).",
)


def _crosswalks(platform: str | None, tables: Tables) -> list[Crosswalk]:
    try:
        return load_crosswalks(platform, tables=tables)
    except UsageError as exc:
        _fail(str(exc), EXIT_USAGE)
    except StatebridgeError as exc:
        _fail(str(exc), EXIT_BAD_INPUT)


@mappings.command("show")
@click.option("--platform", help="One table only (aliases such as chord are accepted; default: every table).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html", "svg"]),
    default="markdown",
    show_default=True,
    help="markdown: a GitHub-flavoured page (docs/crosswalk.md); html: one self-contained page "
    "with the state diagrams, for a browser or a phone; svg: the state diagram of --platform.",
)
@_MAPPINGS_OPTION
def mappings_show(platform: str | None, fmt: str, mappings_dir: pathlib.Path | None) -> None:
    """Show the crosswalk on stdout: per DFC dimension and state, the platform values that reach
    it (and under which conditions), what statebridge writes back for it, and what is lost.

    \b
    Examples:
      statebridge mappings show --platform spree
      statebridge mappings show --format html > crosswalk.html
      statebridge mappings show --format svg --platform shopify > shopify.svg
    """
    tables = _use_mappings(mappings_dir)
    if fmt == "svg" and platform is None:
        _fail(f"--format svg draws one platform: add --platform ({', '.join(tables.names())})", EXIT_USAGE)
    crosswalks = _crosswalks(platform, tables)
    if fmt == "svg":
        text = render_svg(crosswalks[0])
    elif fmt == "html":
        text = render_html(crosswalks)
    else:
        text = render_markdown(crosswalks)
    click.echo(text, nl=False)


@mappings.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["sssom"]),
    default="sssom",
    show_default=True,
    help="sssom: one SSSOM/TSV mapping set per platform and field (PLATFORM-FIELD.sssom.tsv).",
)
@click.option("--platform", help="One table only (default: every table).")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=pathlib.Path),
    default=pathlib.Path("."),
    show_default=True,
    help="Folder to write the files to (created when missing).",
)
@click.option(
    "--date",
    "mapping_date",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The mapping_date written in each set (default: today).",
)
@_MAPPINGS_OPTION
def mappings_export(
    fmt: str,
    platform: str | None,
    output: pathlib.Path,
    mapping_date: dt.datetime | None,
    mappings_dir: pathlib.Path | None,
) -> None:
    """Export the tables as SSSOM mapping sets, printing the path of each file written.

    Platform values get IRIs minted under https://w3id.org/statebridge/vocab/PLATFORM/FIELD/;
    skos:exactMatch, broadMatch, narrowMatch or relatedMatch is chosen from each rule's
    lossiness and cardinality, and conditions SSSOM cannot express are in each row's comment.

    \b
    Example:
      statebridge mappings export --format sssom --platform spree --output build/sssom
    """
    tables = _use_mappings(mappings_dir)
    date = mapping_date.date() if mapping_date is not None else dt.date.today()
    written = []
    for crosswalk in _crosswalks(platform, tables):
        written += write_mapping_sets(mapping_sets(crosswalk), output, date)
    for path in written:
        click.echo(str(path))
    click.echo(f"wrote {len(written)} {fmt} mapping sets to {output}", err=True)


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
    tables = _use_mappings(mappings_dir)
    try:
        results = validate_fixtures(fixtures_dir, platform=platform, update=update, tables=tables)
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


def _store_option(function: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    return click.option(
        "--store",
        "store_url",
        metavar="URL",
        help=f"sqlite:///FILE or postgresql://… (default: ${STORE_ENV}, else {DEFAULT_STORE}).",
    )(function)


def _open_store(settings: Settings, *, must_exist: bool = False) -> Store:
    """The store `--store` (or `$STATEBRIDGE_STORE`, else the default) names."""
    from .store import Store

    try:
        return Store(settings.store or DEFAULT_STORE, must_exist=must_exist)
    except UsageError as exc:
        _fail(str(exc), EXIT_USAGE)
    except StatebridgeError as exc:
        _fail(str(exc), EXIT_BAD_INPUT)


_T = t.TypeVar("_T")


def _in_store(settings: Settings, action: t.Callable[[Store], _T], *, must_exist: bool = False) -> _T:
    """Run `action` on the opened store; library errors become one line on stderr and an exit.

    `must_exist` for commands that only read: a missing SQLite file is an error, not a new store.
    """
    with _open_store(settings, must_exist=must_exist) as store:
        try:
            return action(store)
        except UsageError as exc:
            _end_progress_line()
            _fail(str(exc), EXIT_USAGE)
        except StatebridgeError as exc:
            _end_progress_line()
            _fail(str(exc), EXIT_BAD_INPUT)


def _end_progress_line() -> None:
    progress.end_line()


def _client_options(function: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    """The platforms' own client options (`--api`, `--auth-url`, `--flavour`), for pull and sync."""
    for option in sorted(_platform_client_options(), key=lambda pair: pair[1].flag, reverse=True):
        described = option[1]
        function = click.option(
            described.flag,
            described.key,
            type=click.Choice(described.choices) if described.choices else None,
            metavar=described.metavar,
            help=described.help,
        )(function)
    return function


def _platform_client_options() -> list[tuple[str, ClientOption]]:
    """(platform name, option) for every client option a platform declares."""
    return [(described.name, option) for described in platforms() for option in described.client_options]


def _client_kwargs(platform: str, given: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The client options given, each refused for a platform it does not apply to."""
    name = find_platform(platform).name
    chosen: dict[str, t.Any] = {}
    for owner, option in _platform_client_options():
        value = given.get(option.key)
        if value is None:
            continue
        if name != owner:
            _fail(f"{option.flag} is for {owner}, not {platform}", EXIT_USAGE)
        chosen[option.key] = value
    return chosen


class _PullableChoice(click.Choice):  # type: ignore[type-arg]
    """The platforms `pull` and `sync` can pull from (those with an API client), aliases included;
    read from the descriptors, which name their clients without importing them (nor httpx)."""

    def __init__(self) -> None:
        super().__init__([])

    @property  # type: ignore[override]
    def choices(self) -> t.Sequence[str]:
        return [name for name in names() if find_platform(name).clients]

    @choices.setter
    def choices(self, value: t.Sequence[str]) -> None:
        pass

    def convert(self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None) -> t.Any:
        if isinstance(value, str) and value not in self.choices and value in names():
            pullable = ", ".join(self.choices)
            self.fail(
                f"statebridge cannot pull from {value!r}: it has no API client "
                f"(translate reads its files); can pull: {pullable}",
                param,
                ctx,
            )
        return super().convert(value, param, ctx)


def _progress_printer() -> t.Callable[[PageReport], None]:
    interactive = progress.interactive()
    total = 0

    def show(page: PageReport) -> None:
        nonlocal total
        total += page.orders
        cursor = page.cursor.isoformat() if page.cursor else "none"
        text = f"page {page.number}: {page.orders} orders ({total} so far, {page.changed} new or changed"
        text += f", {page.rejected} rejected), cursor {cursor}" if page.rejected else f"), cursor {cursor}"
        if interactive:
            progress.show_line(text)
        else:
            log.info("%s", text)

    return show


@cli.command("pull")
@click.argument("platform", metavar="PLATFORM", type=_PullableChoice())
@click.option(
    "--base-url", required=True, metavar="URL", help="The platform's root, e.g. https://SHOP.myshopify.com."
)
@click.option(
    "--since",
    metavar="ISO8601",
    type=click.DateTime(_DATETIME_FORMATS),
    help="Pull orders updated since then (ISO 8601), instead of resuming from the stored cursor.",
)
@click.option(
    "--overlap",
    type=click.FloatRange(min=0),
    default=DEFAULT_OVERLAP_SECONDS,
    show_default=True,
    help="Seconds to re-read before the stored cursor (inclusive filters, clock skew).",
)
@click.option(
    "--page-size",
    type=click.IntRange(min=1),
    help="Orders per request (default: the platform's "
    "maximum; lower it when a platform times out on large orders).",
)
@_client_options
@_store_option
def pull_command(
    platform: str,
    base_url: str,
    since: dt.datetime | None,
    overlap: float,
    page_size: int | None,
    store_url: str | None,
    **client_options: str | None,
) -> None:
    """Pull a platform's orders into the store, resuming where the last pull stopped.

    Credentials come from the environment: STATEBRIDGE_SHOPIFY_TOKEN,
    STATEBRIDGE_COMMERCELAYER_CLIENT_ID and _CLIENT_SECRET, STATEBRIDGE_SPREE_TOKEN,
    STATEBRIDGE_RELATUDE_TOKEN. Each page is stored with the cursor in one transaction, so a pull
    that is stopped can simply be run again.
    """
    _configure_logging()
    if since is not None and since.tzinfo is None:
        _fail("--since needs an offset, e.g. 2026-05-01T00:00:00+00:00", EXIT_USAGE)
    from .pull import pull

    options = _client_kwargs(platform, client_options)
    settings = _settings(store=store_url)
    report = _in_store(
        settings,
        lambda store: pull(
            platform,
            base_url,
            store,
            since=since,
            overlap=dt.timedelta(seconds=overlap),
            progress=_progress_printer(),
            page_size=page_size,
            client_options=options,
            settings=settings,
            tables=_tables(settings),
        ),
    )
    _end_progress_line()
    for problem in report.problems:
        click.echo(f"rejected: {problem}", err=True)
    cursor = report.cursor.isoformat() if report.cursor else "none"
    click.echo(
        f"pulled {report.orders} orders from {report.platform} {report.base_url} in {report.pages} pages: "
        f"{report.changed} new or changed, {len(report.problems)} rejected (kept in the store); "
        f"cursor {cursor}",
        err=True,
    )
    if report.problems:
        sys.exit(EXIT_SKIPPED)


@cli.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="jsonld",
    show_default=True,
    help="DFC output format, as for translate.",
)
@click.option("--platform", help="Export only the orders pulled from this platform.")
@_store_option
def export_command(fmt: str, platform: str | None, store_url: str | None) -> None:
    """Write every stored order as DFC on stdout, named under the base URL it was pulled from."""
    from .export import export

    count = _in_store(
        _settings(store=store_url),
        lambda store: export(store, sys.stdout.buffer, fmt=fmt, platform=platform),
        must_exist=True,
    )
    click.echo(f"exported {count} orders", err=True)


@cli.command("sync")
@click.argument("platform", metavar="PLATFORM", type=_PullableChoice())
@click.option("--base-url", required=True, metavar="URL", help="The platform's root, as for pull.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=pathlib.Path),
    help="Write the pulled orders as one DFC JSON-LD document to this file.",
)
@click.option(
    "--target",
    metavar="URL",
    help="Send each pulled order to this DFC Orders collection "
    "(bearer token from STATEBRIDGE_DFC_TOKEN when the server needs one).",
)
@click.option(
    "--method",
    type=click.Choice(["PUT", "POST"]),
    default="PUT",
    show_default=True,
    help="PUT each order to TARGET/{id}, or POST each to TARGET.",
)
@click.option("--since", metavar="ISO8601", type=click.DateTime(_DATETIME_FORMATS), help="As for pull.")
@click.option(
    "--overlap",
    type=click.FloatRange(min=0),
    default=DEFAULT_OVERLAP_SECONDS,
    show_default=True,
    help="As for pull.",
)
@click.option("--page-size", type=click.IntRange(min=1), help="As for pull.")
@_client_options
@_store_option
def sync_command(
    platform: str,
    base_url: str,
    output: pathlib.Path | None,
    target: str | None,
    method: str,
    since: dt.datetime | None,
    overlap: float,
    page_size: int | None,
    store_url: str | None,
    **client_options: str | None,
) -> None:
    """Pull a platform's orders, then write the pulled ones as DFC to a file or a DFC endpoint.

    \b
    Examples:
      statebridge sync shopify --base-url https://shop.myshopify.com --output orders.jsonld
      statebridge sync commercelayer --base-url https://acme.commercelayer.io \\
          --target https://hub.example.org/api/dfc/Enterprises/acme/Orders
    """
    _configure_logging()
    if (output is None) == (target is None):
        _fail("give exactly one of --output FILE or --target URL", EXIT_USAGE)
    from .sync import sync

    options = _client_kwargs(platform, client_options)
    settings = _settings(store=store_url)
    report = _in_store(
        settings,
        lambda store: sync(
            platform,
            base_url,
            store,
            output=output,
            target=target,
            method=method,
            since=since,
            overlap=dt.timedelta(seconds=overlap),
            progress=_progress_printer(),
            page_size=page_size,
            client_options=options,
            settings=settings,
            tables=_tables(settings),
        ),
    )
    _end_progress_line()
    for failure in report.failures:
        click.echo(f"not sent: {failure}", err=True)
    where = str(output) if output is not None else target
    click.echo(
        f"pulled {report.pull.orders} orders, {report.sent} written to {where}"
        + (f", {len(report.failures)} refused" if report.failures else ""),
        err=True,
    )
    if report.failures or report.pull.problems:
        sys.exit(EXIT_SKIPPED)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on."
)
@_store_option
@click.option(
    "--max-body-bytes",
    type=click.IntRange(0),
    envvar="STATEBRIDGE_MAX_BODY_BYTES",
    metavar="BYTES",
    help="Largest request body accepted; a larger one is answered 413 before it is read "
    "(default: $STATEBRIDGE_MAX_BODY_BYTES, else 1048576, 1 MiB).",
)
@click.option(
    "--body-timeout",
    type=click.FloatRange(0, min_open=True),
    envvar="STATEBRIDGE_BODY_TIMEOUT",
    metavar="SECONDS",
    help="Time for a request body to arrive; a slower one is answered 408 "
    "(default: $STATEBRIDGE_BODY_TIMEOUT, else 30).",
)
def serve_command(
    host: str, port: int, store_url: str | None, max_body_bytes: int | None, body_timeout: float | None
) -> None:
    """Serve the HTTP endpoints over the store: the DFC Orders endpoint, platform webhooks in, GET /health.

    \b
    GET|POST            /api/dfc/[Enterprises/SLUG/]Orders       Authorization: Bearer TOKEN
    GET|PUT|DELETE      /api/dfc/[Enterprises/SLUG/]Orders/{id}  PUT/DELETE honour If-Match
    POST /webhooks/shopify        X-Shopify-Hmac-Sha256, secret STATEBRIDGE_SHOPIFY_WEBHOOK_SECRET
    POST /webhooks/commercelayer  X-CommerceLayer-Signature, secret STATEBRIDGE_COMMERCELAYER_WEBHOOK_SECRET
    POST /webhooks/spree          X-Spree-Webhook-Signature, secret STATEBRIDGE_SPREE_WEBHOOK_SECRET
    GET  /health

    Operators: STATEBRIDGE_API_TOKENS; clients: `statebridge clients add` (each sees only its own
    orders) or OIDC (STATEBRIDGE_OIDC_ISSUER, _AUDIENCE, _JWKS_URL, _CLIENT_CLAIM). Enterprises:
    STATEBRIDGE_ENTERPRISES. With no token, issuer or client configured the endpoint is open.
    STATEBRIDGE_PUBLIC_URL: the root order IRIs are minted under. STATEBRIDGE_COMMERCELAYER_BASE_URL,
    STATEBRIDGE_SPREE_BASE_URL: the shop a webhook belongs to when the delivery does not say.

    Each request is logged on stderr as one JSON line, its query string redacted; a request with a
    token in its query string (?access_token=…) is refused with 400: send it as a bearer token.
    Bodies over --max-body-bytes are refused with 413 before being read, slow ones with 408.
    """
    import uvicorn

    from .web import create_app, server_logging

    server_logging.configure()
    settings = _settings(store=store_url)
    with _open_store(settings) as store:
        limits: dict[str, t.Any] = {"max_body_bytes": max_body_bytes, "body_timeout": body_timeout}
        try:
            app = create_app(
                store,
                settings=settings,
                **{name: value for name, value in limits.items() if value is not None},
            )
        except StatebridgeError as exc:  # a bad STATEBRIDGE_ENTERPRISES, OIDC or token setting
            _fail(str(exc), EXIT_USAGE)
        config = uvicorn.Config(
            app, host=host, port=port, server_header=False, **server_logging.UVICORN_OPTIONS
        )
        # Server.run, not uvicorn.run: after its graceful shutdown it raises the Ctrl-C it caught
        # (uvicorn.run swallows it), so that `serve` stopped by Ctrl-C exits 130 like every command.
        uvicorn.Server(config).run()


@cli.group("clients")
def clients_group() -> None:
    """Client principals of the DFC endpoint: who may order, as which buyer, from which enterprises.

    \b
    A client sees and changes only the orders it created or that are ordered by its buyer,
    at the enterprises it may order from; every other order is 404 to it. Operators
    (STATEBRIDGE_API_TOKENS) see everything. Once a client exists, the endpoint requires a token.

    \b
    Examples:
      statebridge clients add ofn-hub --buyer https://ofn.example.org/api/dfc/enterprises/10 \\
          --enterprise hodmedod --enterprise green-hub
      statebridge clients add fdc-app --oidc-subject 3f1c... --no-token
      statebridge clients list
      statebridge clients revoke ofn-hub
    """


@clients_group.command("add")
@click.argument("name")
@click.option("--buyer", metavar="IRI", help="The buyer (hub) the client orders as: its dfc-b:orderedBy IRI.")
@click.option(
    "--enterprise",
    "enterprises",
    multiple=True,
    metavar="SLUG",
    help="An enterprise (of STATEBRIDGE_ENTERPRISES) the client may order from; repeat. Default: any.",
)
@click.option(
    "--oidc-subject",
    metavar="VALUE",
    help="Map OIDC tokens whose client claim (sub, or azp: STATEBRIDGE_OIDC_CLIENT_CLAIM) is VALUE.",
)
@click.option(
    "--token/--no-token",
    default=True,
    show_default=True,
    help="Make a bearer token (printed once, stored only as its SHA-256 digest).",
)
@_store_option
def clients_add(
    name: str,
    buyer: str | None,
    enterprises: tuple[str, ...],
    oidc_subject: str | None,
    token: bool,
    store_url: str | None,
) -> None:
    """Register client NAME; its bearer token is printed once on stdout, never again."""
    from .store import ClientRegistry

    client, secret = _in_store(
        _settings(store=store_url),
        lambda store: ClientRegistry(store).add(
            name, buyer=buyer, enterprises=enterprises, oidc_subject=oidc_subject, token=token
        ),
    )
    if secret is not None:
        click.echo(secret)
    scope = ", ".join(client.enterprises) or "any enterprise"
    click.echo(
        f"client {client.name} added (buyer {client.buyer or 'none'}; {scope})"
        + ("; the token above is shown only now: keep it safe" if secret else ""),
        err=True,
    )


@clients_group.command("list")
@_store_option
def clients_list(store_url: str | None) -> None:
    """One line per client: name, state, buyer, enterprises, OIDC subject (never a token)."""
    from .store import ClientRegistry

    clients = _in_store(
        _settings(store=store_url), lambda store: ClientRegistry(store).list(), must_exist=True
    )
    for client in clients:
        state = f"revoked {client.revoked_at}" if client.revoked_at else "active"
        click.echo(
            "\t".join(
                [
                    client.name,
                    state,
                    client.buyer or "-",
                    ",".join(client.enterprises) or "*",
                    client.oidc_subject or "-",
                ]
            )
        )
    click.echo(f"{len(clients)} client(s)", err=True)


@clients_group.command("revoke")
@click.argument("name")
@_store_option
def clients_revoke(name: str, store_url: str | None) -> None:
    """Revoke client NAME at once: its token and OIDC mapping stop working; its orders stay."""
    from .store import ClientRegistry

    client = _in_store(
        _settings(store=store_url), lambda store: ClientRegistry(store).revoke(name), must_exist=True
    )
    click.echo(f"client {client.name} revoked", err=True)


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="statebridge: %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C


class _ClosedStreamError(OSError):
    """Reading or writing a standard stream the caller closed (`<&-`, `>&-`)."""


class _ClosedStream(io.RawIOBase):
    """Stands for a standard stream that was closed when statebridge started: using it fails."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int:
        raise _ClosedStreamError(errno.EBADF, f"{self.name} is closed: give an input file, or redirect it")

    def write(self, data: t.Any) -> int:
        raise _ClosedStreamError(errno.EBADF, f"{self.name} is closed: redirect it to a file or /dev/null")


def _stand_in_for_closed_streams() -> None:
    if sys.stdin is None:
        sys.stdin = io.TextIOWrapper(io.BufferedReader(_ClosedStream("stdin")))
    if sys.stdout is None:
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(_ClosedStream("stdout")))


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush has nowhere to fail."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - open until the process ends


def _os_error_message(exc: OSError) -> str:
    if isinstance(exc, _ClosedStreamError) or exc.strerror is None:
        return str(exc.strerror or exc)
    if exc.filename is not None:
        return f"{exc.filename}: {exc.strerror}"
    return f"cannot write the output: {exc.strerror}"


def main() -> None:
    """Entry point of the `statebridge` script.

    No traceback reaches the user: Ctrl-C exits 130 with one line, a closed or full stdout (or a
    closed stdin) is one line and exit 1, a reader that went away (`| head`) ends quietly.
    """
    _stand_in_for_closed_streams()
    try:
        status = cli.main(prog_name="statebridge", standalone_mode=False)
    except (KeyboardInterrupt, click.Abort):
        with contextlib.suppress(OSError, ValueError):
            click.echo("statebridge: interrupted", err=True)
        _silence_stdout()
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except StatebridgeError as exc:  # a command that let one through: still one line, no traceback
        _end_progress_line()
        _fail(str(exc), EXIT_USAGE if isinstance(exc, UsageError) else EXIT_BAD_INPUT)
    except OSError as exc:
        _silence_stdout()
        if exc.errno != errno.EPIPE:
            with contextlib.suppress(OSError, ValueError):
                click.echo(f"statebridge: {_os_error_message(exc)}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    sys.exit(status if isinstance(status, int) else 0)


cli.add_command(translate_command, name="translate")
