"""What a connections file declares, as frozen values: endpoints, routes and the delivery policy.

The outbox asks `Connections.targets(platform, base_url, via)` inside the store's write
transaction, once per order written; so the answers are computed once, when the `Connections` is
built, and the call is a dictionary lookup.

Credentials are never held here: an `Endpoint` names, per credential key, the *environment
variable* that holds it, and `Endpoint.settings` reads them into a copy of the run's `Settings`
(the one place a client reads its credentials from), so that a file can be committed and shown.
"""

from __future__ import annotations

import dataclasses
import types
import typing as t

from pydantic import SecretStr

from ..errors import ConfigurationError
from ..settings import Settings

__all__ = [
    "DEFAULT_METHOD",
    "Connections",
    "DeliveryPolicy",
    "Endpoint",
    "Via",
    "credential_field",
    "secret_fields",
    "url_key",
]

#: How a DFC target is written when its `method:` is not given: POST a new order to the Orders
#: collection, then PUT to the IRI it was given.
DEFAULT_METHOD: t.Final = "POST"

Method = t.Literal["POST", "PUT"]
Via = t.Literal["source", "endpoint"]

_NOTHING: t.Mapping[str, str] = types.MappingProxyType({})

#: Bounds of the delivery policy (the schema holds the same).
MAX_ATTEMPTS = 100
MAX_DELAY_SECONDS = 86400.0


def url_key(base_url: str) -> str:
    """A base URL as compared: without trailing slashes (`https://a.example/` is `https://a.example`)."""
    return base_url.rstrip("/")


def credential_field(platform: str, key: str) -> str:
    """The `Settings` field credential `key` of `platform` sets (`shopify`, `token` -> `shopify_token`)."""
    return f"{platform}_{key}"


def secret_fields() -> frozenset[str]:
    """The `Settings` fields a credential may set: the secret ones, read now (other work adds some)."""
    return frozenset(
        name
        for name, field in Settings.model_fields.items()
        if field.annotation is SecretStr or SecretStr in t.get_args(field.annotation)
    )


def credential_keys(platform: str) -> list[str]:
    """The credential keys statebridge reads for `platform`, sorted (for messages)."""
    prefix = f"{platform}_"
    return sorted(name.removeprefix(prefix) for name in secret_fields() if name.startswith(prefix))


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """One source or target of the connections file.

    `platform` is the canonical platform name (aliases are resolved when the file is loaded);
    `credentials` maps a credential key to the *name* of the environment variable holding it;
    `options` are client or writer options (`api: graphql`, `flavour: solidus`, `market: ...`).
    `method` is set on DFC targets only (default POST); `enterprise` on targets only: orders the
    DFC endpoint receives for that enterprise are delivered to this target.
    """

    name: str
    platform: str
    base_url: str
    credentials: t.Mapping[str, str] = dataclasses.field(default_factory=lambda: _NOTHING, hash=False)
    options: t.Mapping[str, str] = dataclasses.field(default_factory=lambda: _NOTHING, hash=False)
    method: Method | None = None
    enterprise: str | None = None

    def __post_init__(self) -> None:
        # Frozen copies: a caller's dict changed later must not change the connections.
        object.__setattr__(self, "credentials", types.MappingProxyType(dict(self.credentials)))
        object.__setattr__(self, "options", types.MappingProxyType(dict(self.options)))

    @property
    def key(self) -> tuple[str, str]:
        """(platform, base URL without trailing slash): what orders are stored and routed under."""
        return self.platform, url_key(self.base_url)

    def unset(self, environ: t.Mapping[str, str]) -> list[str]:
        """The credential variables missing or empty in `environ`, in the file's order."""
        return [variable for variable in self.credentials.values() if not environ.get(variable)]

    def settings(self, base: Settings, environ: t.Mapping[str, str]) -> Settings:
        """A copy of `base` with this endpoint's credentials read from `environ` on their fields.

        Key K of platform P sets field `P_K` (`commercelayer`, `client_id` ->
        `commercelayer_client_id`). `ConfigurationError` naming the connection, the key and the
        variable (never a value) for a key statebridge reads no setting for, or a variable that
        is missing or empty.
        """
        known = secret_fields()
        update: dict[str, SecretStr] = {}
        for key, variable in self.credentials.items():
            field = credential_field(self.platform, key)
            if field not in known:
                valid = ", ".join(credential_keys(self.platform)) or "none"
                msg = (
                    f"connection {self.name}: credential {key!r} (from {variable}) is not one "
                    f"statebridge reads for {self.platform} (valid: {valid})"
                )
                raise ConfigurationError(msg)
            value = environ.get(variable)
            if not value:
                msg = (
                    f"connection {self.name}: credential {key!r}: environment variable {variable} is not set"
                )
                raise ConfigurationError(msg)
            update[field] = SecretStr(value)
        return base.model_copy(update=update)


@dataclasses.dataclass(frozen=True)
class DeliveryPolicy:
    """How often, and how far apart, the outbox tries a delivery before parking it.

    The delay before attempt n+1 is `base_delay_seconds * 2**(n-1)`, at most `max_delay_seconds`
    (the outbox applies it); bounded so that a typo cannot make a delivery wait for a year.
    """

    max_attempts: int = 8
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 600.0

    def __post_init__(self) -> None:
        problems = list(self.problems())
        if problems:
            raise ConfigurationError("delivery policy: " + "; ".join(problems))

    def problems(self) -> t.Iterator[str]:
        """What is out of bounds, each naming its key and value."""
        if isinstance(self.max_attempts, bool) or not 1 <= self.max_attempts <= MAX_ATTEMPTS:
            yield f"delivery.max_attempts: {self.max_attempts!r} is not between 1 and {MAX_ATTEMPTS}"
        for key in ("base_delay_seconds", "max_delay_seconds"):
            value = getattr(self, key)
            if isinstance(value, bool) or not 0 < value <= MAX_DELAY_SECONDS:
                yield f"delivery.{key}: {value!r} is not more than 0 and at most {MAX_DELAY_SECONDS:g}"
        if self.base_delay_seconds > self.max_delay_seconds:
            yield (
                f"delivery.base_delay_seconds: {self.base_delay_seconds!r} is more than "
                f"max_delay_seconds {self.max_delay_seconds!r}"
            )


@dataclasses.dataclass(frozen=True)
class SchedulePolicy:
    """How often the scheduler pulls each source, and how it backs off after failed pulls.

    A source is due `pull_every_seconds` after its last pull began; after n failed pulls in a row
    the next is due `backoff_base_seconds * 2**(n-1)` after the failure, at most
    `backoff_max_seconds` (and never later than a day, the bound of every value here).
    """

    pull_every_seconds: float = 300.0
    backoff_base_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0

    def __post_init__(self) -> None:
        problems = list(self.problems())
        if problems:
            raise ConfigurationError("schedule: " + "; ".join(problems))

    def problems(self) -> t.Iterator[str]:
        """What is out of bounds, each naming its key and value."""
        for key in ("pull_every_seconds", "backoff_base_seconds", "backoff_max_seconds"):
            value = getattr(self, key)
            if isinstance(value, bool) or not 0 < value <= MAX_DELAY_SECONDS:
                yield f"schedule.{key}: {value!r} is not more than 0 and at most {MAX_DELAY_SECONDS:g}"
        if self.backoff_base_seconds > self.backoff_max_seconds:
            yield (
                f"schedule.backoff_base_seconds: {self.backoff_base_seconds!r} is more than "
                f"backoff_max_seconds {self.backoff_max_seconds!r}"
            )

    def backoff(self, failures: int) -> float:
        """Seconds to wait after the `failures`-th failed pull in a row."""
        return float(
            min(self.backoff_max_seconds, self.backoff_base_seconds * 2 ** max(0, min(failures, 40) - 1))
        )


class Connections:
    """Sources, targets, the routes from sources to targets, and the delivery policy.

    `source_endpoints` and `target_endpoints` map names to endpoints (in the file's order);
    `routes` maps a source name to the names of the targets it feeds. Built by
    `load_connections`, which reports every problem of a file at once; built by hand, routes
    naming an unknown endpoint are refused here too.
    """

    def __init__(
        self,
        sources: t.Iterable[Endpoint] = (),
        targets: t.Iterable[Endpoint] = (),
        routes: t.Mapping[str, t.Sequence[str]] | None = None,
        delivery: DeliveryPolicy | None = None,
        schedule: SchedulePolicy | None = None,
    ) -> None:
        self.source_endpoints: t.Mapping[str, Endpoint] = types.MappingProxyType({e.name: e for e in sources})
        self.target_endpoints: t.Mapping[str, Endpoint] = types.MappingProxyType({e.name: e for e in targets})
        self.routes: t.Mapping[str, tuple[str, ...]] = types.MappingProxyType(
            {source: tuple(dict.fromkeys(names)) for source, names in (routes or {}).items()}
        )
        self.delivery = delivery if delivery is not None else DeliveryPolicy()
        self.schedule = schedule if schedule is not None else SchedulePolicy()
        for source, names in self.routes.items():
            self.source(source)
            for name in names:
                self.target(name)
        self._via_source = self._fed_by_sources()
        self._via_endpoint = self._by_enterprise()

    @classmethod
    def empty(cls) -> Connections:
        """No sources, no targets: nothing is delivered."""
        return cls()

    def __bool__(self) -> bool:
        return bool(self.source_endpoints or self.target_endpoints)

    def __repr__(self) -> str:
        return (
            f"Connections(sources={list(self.source_endpoints)}, targets={list(self.target_endpoints)}, "
            f"routes={dict(self.routes)}, delivery={self.delivery})"
        )

    def _fed_by_sources(self) -> dict[tuple[str, str], tuple[Endpoint, ...]]:
        fed: dict[tuple[str, str], dict[str, Endpoint]] = {}
        for source, names in self.routes.items():
            chosen = fed.setdefault(self.source_endpoints[source].key, {})
            for name in names:
                chosen[name] = self.target_endpoints[name]
        return {key: tuple(chosen.values()) for key, chosen in fed.items()}

    def _by_enterprise(self) -> dict[tuple[str, str], tuple[Endpoint, ...]]:
        found: dict[tuple[str, str], list[Endpoint]] = {}
        for target in self.target_endpoints.values():
            if target.enterprise is not None:
                found.setdefault(target.key, []).append(target)
        return {key: tuple(targets) for key, targets in found.items()}

    def targets(self, platform: str, base_url: str, via: Via) -> tuple[Endpoint, ...]:
        """The targets an order stored under (`platform`, `base_url`) is delivered to.

        `via="source"`: the targets fed by every source with that platform and base URL (an order
        pulled or received by webhook); `via="endpoint"`: the targets declaring `enterprise:` with
        that platform and base URL (an order the DFC endpoint received). `platform` is the
        canonical name; base URLs are compared without trailing slashes.
        """
        table = self._via_source if via == "source" else self._via_endpoint
        return table.get((platform, url_key(base_url)), ())

    def source(self, name: str) -> Endpoint:
        """The source called `name`; `ConfigurationError` listing the sources."""
        found = self.source_endpoints.get(name)
        if found is None:
            raise ConfigurationError(_unknown("source", name, self.source_endpoints))
        return found

    def target(self, name: str) -> Endpoint:
        """The target called `name`; `ConfigurationError` listing the targets."""
        found = self.target_endpoints.get(name)
        if found is None:
            raise ConfigurationError(_unknown("target", name, self.target_endpoints))
        return found

    def enterprises(self) -> dict[str, tuple[str, str]]:
        """Enterprise slug -> (platform, base URL) of the targets that declare `enterprise:`: what
        the DFC endpoint files the orders it receives for that enterprise under."""
        return {
            target.enterprise: (target.platform, target.base_url)
            for target in self.target_endpoints.values()
            if target.enterprise is not None
        }


def _unknown(kind: str, name: str, known: t.Mapping[str, Endpoint]) -> str:
    valid = ", ".join(known) or "none declared"
    return f"no {kind} {name!r} in the connections (valid {kind}s: {valid})"
