"""`statebridge mappings check|show|export` and `statebridge validate`: the status mapping tables."""

from __future__ import annotations

import datetime as dt
import pathlib
import sys

import click

from ..crosswalk import Crosswalk, load_crosswalks, render_html, render_markdown, render_svg
from ..crosswalk.sssom import mapping_sets, write_mapping_sets
from ..errors import StatebridgeError
from ..mapping import Tables
from ..mapping.coverage import analyse
from ..platforms import check_aliases
from ..validate import validate_fixtures
from .exits import EXIT_BAD_INPUT, EXIT_USAGE, fail, reported
from .options import mappings_option, settings, tables as tables_of

__all__ = ["mappings", "validate_command"]


@click.group("mappings")
def mappings() -> None:
    """Inspect the status mapping tables shipped with statebridge."""


@mappings.command("check")
@click.option("--platform", help="Check one table only (default: every table).")
@mappings_option("check")
def mappings_check(platform: str | None, mappings_dir: pathlib.Path | None) -> None:
    """Check every table: each value named by a rule, no gaps, reverse rules, round trips.

    Prints a coverage table per platform and exits 1 when anything needs fixing.
    """
    tables = _use_mappings(mappings_dir)
    names = _tables_or_fail(tables)
    if platform is not None:
        with reported():  # an alias (chord, solidus, ofn) checks its table, as `mappings show` shows it
            platform = tables.resolve(platform)
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
    tables = tables_of(settings(mappings=mappings_dir))
    if mappings_dir is not None:
        _tables_or_fail(tables)
    return tables


def _tables_or_fail(tables: Tables) -> list[str]:
    """The names of `tables`; exit 2 when the folder given holds none (a wrong folder, not a pass)."""
    with reported(code=EXIT_USAGE):
        names = tables.names()
    if not names:
        folder = tables.folder
        fail(
            f"no mapping tables (PLATFORM.yaml) in {folder}: give the folder holding the tables, "
            "e.g. a copy of the repository's mappings/",
            EXIT_USAGE,
        )
    return names


def _crosswalks(platform: str | None, tables: Tables) -> list[Crosswalk]:
    with reported():
        return load_crosswalks(platform, tables=tables)


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
@mappings_option()
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
        fail(f"--format svg draws one platform: add --platform ({', '.join(tables.names())})", EXIT_USAGE)
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
@mappings_option()
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


@click.command("validate")
@click.argument("fixtures_dir", type=click.Path(file_okay=False, path_type=pathlib.Path))
@click.option(
    "--platform", help="Platform of the fixtures (default: the folder's name, e.g. fixtures/spree)."
)
@mappings_option()
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
    with reported():
        results = validate_fixtures(fixtures_dir, platform=platform, update=update, tables=tables)
    for result in results:
        click.echo(f"{'ok  ' if result.ok else 'FAIL'} {result.path} ({result.orders} orders)")
        for line in result.details:
            click.echo(line)
    failed = sum(not r.ok for r in results)
    click.echo(f"{len(results) - failed} passed, {failed} failed")
    if failed:
        sys.exit(EXIT_BAD_INPUT)
