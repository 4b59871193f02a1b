"""`statebridge connections check`: is the connections file valid, and is every credential it
names set? Shows what statebridge will pull and deliver, never a credential's value."""

from __future__ import annotations

import os
import pathlib
import sys
import typing as t

import click

from ..settings import Settings
from .exits import EXIT_USAGE

if t.TYPE_CHECKING:
    from ..connections import Connections, Endpoint

__all__ = ["connections_group", "connections_option"]

_F = t.TypeVar("_F", bound=t.Callable[..., t.Any])

#: Equal to statebridge.connections.CONNECTIONS_ENV and DEFAULT_FILE (a test holds them equal):
#: the command line starts without importing the platforms.
CONNECTIONS_ENV = "STATEBRIDGE_CONNECTIONS"
DEFAULT_FILE = "statebridge.yaml"


def connections_option(function: _F) -> _F:
    """`--connections FILE`, the `connections_file` parameter (else STATEBRIDGE_CONNECTIONS, else
    ./statebridge.yaml when it exists)."""
    return click.option(
        "--connections",
        "connections_file",
        type=click.Path(dir_okay=False, path_type=pathlib.Path),
        metavar="FILE",
        help=f"The connections file (default: ${CONNECTIONS_ENV}, else ./{DEFAULT_FILE}).",
    )(function)


@click.group("connections")
def connections_group() -> None:
    """The connections file: the sources orders are pulled from, the targets they are delivered to.

    \b
    Example statebridge.yaml (docs/connections.md describes every key):
      sources:
        hodmedod:
          platform: shopify
          base_url: https://hodmedod.myshopify.com
          credentials: {token: HODMEDOD_SHOPIFY_TOKEN}
      targets:
        hub:
          platform: dfc
          base_url: https://hub.example.org/api/dfc/Enterprises/acme/Orders
          credentials: {token: HUB_DFC_TOKEN}
      routes:
        - from: hodmedod
          to: [hub]

    \b
    Examples:
      statebridge connections check
      statebridge connections check --connections /etc/statebridge/statebridge.yaml
    """


@connections_group.command("check")
@connections_option
def connections_check(connections_file: pathlib.Path | None) -> None:
    """Check the connections file; one line per source, target and credential variable.

    \b
    Exit 0 when the file is valid and every credential variable is set; else 2, with one line
    per problem on stderr (each naming its entry). Credential values are never shown.

    \b
    Example:
      $ statebridge connections check --connections statebridge.yaml
      source hodmedod: shopify https://hodmedod.myshopify.com -> hub
        token: HODMEDOD_SHOPIFY_TOKEN set
      target hub: dfc https://hub.example.org/api/dfc/Enterprises/acme/Orders (method POST)
        token: HUB_DFC_TOKEN NOT SET
      statebridge: statebridge.yaml: targets.hub.credentials.token: HUB_DFC_TOKEN is not set
    """
    from ..connections import find_connections, load_connections
    from ..errors import ConnectionsError

    chosen = Settings.from_env(connections=connections_file)
    path = find_connections(chosen, pathlib.Path.cwd())
    if path is None:
        _exit(
            [
                f"no connections file: give --connections FILE, set {CONNECTIONS_ENV}, or create "
                f"{DEFAULT_FILE} in this folder (see docs/connections.md)"
            ]
        )
    try:
        connections = load_connections(path)
    except ConnectionsError as exc:
        _exit([f"{exc.source}: {problem}" for problem in exc.problems])
    unset = _show(connections, os.environ)
    policy = connections.delivery
    click.echo(
        f"{path}: {len(connections.source_endpoints)} source(s), {len(connections.target_endpoints)} "
        f"target(s); delivery: at most {policy.max_attempts} attempts, {policy.base_delay_seconds:g}s "
        f"to {policy.max_delay_seconds:g}s apart",
        err=True,
    )
    if unset:
        _exit([f"{path}: {problem}" for problem in unset])


def _show(connections: Connections, environ: t.Mapping[str, str]) -> list[str]:
    """Print each source and target with its credential variables; the unset ones, as problems."""
    unset: list[str] = []
    for kind, endpoints in (
        ("source", connections.source_endpoints),
        ("target", connections.target_endpoints),
    ):
        for endpoint in endpoints.values():
            detail = _detail(kind, endpoint, connections)
            click.echo(f"{kind} {endpoint.name}: {endpoint.platform} {endpoint.base_url}{detail}")
            for key, variable in endpoint.credentials.items():
                state = "set" if environ.get(variable) else "NOT SET"
                click.echo(f"  {key}: {variable} {state}")
                if not environ.get(variable):
                    unset.append(f"{kind}s.{endpoint.name}.credentials.{key}: {variable} is not set")
    return unset


def _detail(kind: str, endpoint: Endpoint, connections: Connections) -> str:
    if kind == "source":
        fed = connections.routes.get(endpoint.name, ())
        return f" -> {', '.join(fed)}" if fed else " (feeds no target)"
    parts = [
        f"method {endpoint.method}" if endpoint.method else "",
        f"enterprise {endpoint.enterprise}" if endpoint.enterprise else "",
    ]
    shown = "; ".join(part for part in parts if part)
    return f" ({shown})" if shown else ""


def _exit(problems: t.Sequence[str]) -> t.NoReturn:
    for problem in problems:
        click.echo(f"statebridge: {problem}", err=True)
    sys.exit(EXIT_USAGE)
