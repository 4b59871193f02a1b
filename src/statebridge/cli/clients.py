"""`statebridge clients add|list|revoke`: the client principals of the DFC endpoint."""

from __future__ import annotations

import click

from .options import settings, store_option
from .stores import in_store

__all__ = ["clients_group"]


@click.group("clients")
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
@store_option
def clients_add(
    name: str,
    buyer: str | None,
    enterprises: tuple[str, ...],
    oidc_subject: str | None,
    token: bool,
    store_url: str | None,
) -> None:
    """Register client NAME; its bearer token is printed once on stdout, never again."""
    from ..store import ClientRegistry

    client, secret = in_store(
        settings(store=store_url),
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
@store_option
def clients_list(store_url: str | None) -> None:
    """One line per client: name, state, buyer, enterprises, OIDC subject (never a token)."""
    from ..store import ClientRegistry

    clients = in_store(settings(store=store_url), lambda store: ClientRegistry(store).list(), must_exist=True)
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
@store_option
def clients_revoke(name: str, store_url: str | None) -> None:
    """Revoke client NAME at once: its token and OIDC mapping stop working; its orders stay."""
    from ..store import ClientRegistry

    client = in_store(
        settings(store=store_url), lambda store: ClientRegistry(store).revoke(name), must_exist=True
    )
    click.echo(f"client {client.name} revoked", err=True)
