"""What a platform is: the frozen `Platform` descriptor each platform folder registers.

A platform package (`statebridge.platforms.spree`, or a third party's) declares one `Platform` and
names it in the `statebridge.platforms` entry-point group. Everything that used to list the
platforms by hand (CLI choices and options, the clients, the webhook routes, the hints about other
platforms' orders, the crosswalk's order) reads these descriptors instead.

Clients are named by `module:attribute` and imported on first use, so that loading the registry
(which every command does) does not import httpx.
"""

from __future__ import annotations

import dataclasses
import importlib
import types
import typing as t

from ..errors import NoWriteApi, UsageError

if t.TYPE_CHECKING:
    from ..clients.base import ApiClient
    from ..delivery.writer import Writer
    from ..web.delivery import WebhookHandler
    from .base import Adapter

__all__ = ["ClientOption", "Platform"]

_NOTHING: t.Mapping[str, t.Any] = types.MappingProxyType({})


@dataclasses.dataclass(frozen=True)
class ClientOption:
    """A `pull`/`sync` option that only this platform's clients take (`--api`, `--flavour`)."""

    #: The flag on the command line (`--auth-url`).
    flag: str
    #: The client keyword argument it sets (`auth_url`).
    key: str
    help: str
    #: The values accepted, or () for any text.
    choices: tuple[str, ...] = ()
    metavar: str | None = None


@dataclasses.dataclass(frozen=True)
class Platform:
    """One platform: its names, its table, its reader and writer, its clients and webhook."""

    #: The name on the command line (`--from spree`).
    name: str
    #: Where it comes in listings: the crosswalk's order of platforms, the order of hints.
    position: int
    #: The adapter class (reader and writer) of the platform's documents.
    adapter: type[Adapter]
    #: Other names accepted for it (`chord`, `solidus`, `ofn`): the one home of aliases.
    aliases: tuple[str, ...] = ()
    #: The clients of its APIs as `module:Class`, by API name (`pull --api`), the default first.
    clients: t.Mapping[str, str] = dataclasses.field(default_factory=lambda: _NOTHING)
    #: Client keyword arguments an alias implies unless given (`ofn` -> `flavour="ofn"`).
    alias_client_kwargs: t.Mapping[str, t.Mapping[str, str]] = dataclasses.field(
        default_factory=lambda: _NOTHING
    )
    #: The `pull`/`sync` options only its clients take.
    client_options: tuple[ClientOption, ...] = ()
    #: Keys of one order record that mark it as this platform's, most telling first; the hint
    #: "it looks like a … order: use --from …" in other platforms' refusals is computed from them.
    markers: tuple[str, ...] = ()
    #: Keys that its orders have although other platforms list them as markers (never a hint here).
    shared_keys: tuple[str, ...] = ()
    #: Top-level keys of its documents, most telling first, for the hint when a document is not
    #: what was expected (the platforms that list a key earlier are named first).
    envelopes: tuple[str, ...] = ()
    #: `module:attribute` of its `WebhookHandler` (served at /webhooks/<name>), or None.
    webhook: str | None = None
    #: `module:Class` of the `Writer` that writes orders through its API (a delivery target), or
    #: None with `no_writer` saying why (Relatude and Socleo publish no write API).
    writer: str | None = None
    no_writer: str = "statebridge has no writer for it"

    @property
    def table(self) -> str | None:
        """The mapping table that translates its statuses (its adapter's), or None (DFC documents
        carry their states)."""
        return self.adapter.table

    @property
    def names(self) -> tuple[str, ...]:
        """Its name, then its aliases."""
        return (self.name, *self.aliases)

    def recognises(self, document: t.Any) -> bool:
        """Whether `document` (one order record) carries one of this platform's markers."""
        return isinstance(document, dict) and any(key in document for key in self.markers)

    def client_class(self, api: str | None = None) -> type[ApiClient]:
        """The client class of API `api` (its default API when None); imported on first use."""
        if not self.clients:
            msg = f"{self.name} has no API client"
            raise UsageError(msg)
        if api is None:
            api = next(iter(self.clients))
        elif api not in self.clients or len(self.clients) == 1:
            known = ", ".join(sorted(self.clients)) if len(self.clients) > 1 else "one API only"
            msg = f"statebridge pulls {self.name} through {known}, not --api {api}"
            raise UsageError(msg)
        return t.cast("type[ApiClient]", _resolve(self.clients[api]))

    def writer_class(self) -> type[Writer]:
        """The class of its write API's `Writer`; `NoWriteApi` when it has none. Imported on first use."""
        if self.writer is None:
            msg = f"{self.name} cannot be a delivery target: {self.no_writer}"
            raise NoWriteApi(msg)
        return t.cast("type[Writer]", _resolve(self.writer))

    def webhook_handler(self) -> WebhookHandler | None:
        """Its webhook handler, or None when it has no webhook; imported on first use."""
        if self.webhook is None:
            return None
        return t.cast("WebhookHandler", _resolve(self.webhook))


def _resolve(reference: str) -> object:
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)
