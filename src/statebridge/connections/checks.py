"""What the schema cannot know about a connections file: the platform registry, credentials,
routes between the entries, names used twice; and the building of the `Connections`.

Written over the parsed document as it is (the schema's problems are reported alongside, not
first), so an entry of the wrong shape is skipped here and every other problem is still found.
"""

from __future__ import annotations

import dataclasses
import typing as t
import urllib.parse

from ..errors import ConfigurationError, UsageError
from ..platforms import Platform, names, platform as find_platform, platforms
from .model import (
    DEFAULT_METHOD,
    Connections,
    DeliveryPolicy,
    Endpoint,
    SchedulePolicy,
    credential_keys,
    url_key,
)

__all__ = ["build"]

#: The DFC endpoint writer is built by the outbox work; a DFC target is writable regardless.
_ALWAYS_WRITABLE = frozenset({"dfc"})


def build(document: t.Mapping[str, t.Any]) -> tuple[Connections | None, list[str]]:
    """The connections `document` declares and every problem found; None when there is any."""
    problems: list[str] = []
    sources = _endpoints(document.get("sources"), "sources", problems)
    targets = _endpoints(document.get("targets"), "targets", problems)
    for name in targets:
        if name in sources:
            problems.append(
                f"targets.{name}: the name {name!r} is also a source's (names are unique across "
                "sources and targets)"
            )
    _enterprises(targets, problems)
    routes = _routes(document.get("routes"), sources, targets, problems)
    delivery = _policy(DeliveryPolicy, "delivery", document.get("delivery"), problems)
    schedule = _policy(SchedulePolicy, "schedule", document.get("schedule"), problems)
    endpoints = [*sources.values(), *targets.values()]
    if problems or delivery is None or schedule is None or None in endpoints:
        return None, problems  # an entry the schema refuses was skipped: nothing is built
    built = Connections(
        sources=[e for e in sources.values() if e is not None],
        targets=[e for e in targets.values() if e is not None],
        routes=routes,
        delivery=delivery,
        schedule=schedule,
    )
    return built, problems


def _endpoints(section: object, kind: str, problems: list[str]) -> dict[str, Endpoint | None]:
    """Each entry of `sources:` or `targets:` by name: its `Endpoint`, or None when it has problems."""
    if not isinstance(section, dict):
        return {}
    found: dict[str, Endpoint | None] = {}
    for name, entry in section.items():
        before = len(problems)
        endpoint = (
            _endpoint(f"{kind}.{name}", str(name), entry, kind, problems) if isinstance(entry, dict) else None
        )
        found[str(name)] = endpoint if len(problems) == before else None
    return found


def _endpoint(
    where: str, name: str, entry: dict[str, t.Any], kind: str, problems: list[str]
) -> Endpoint | None:
    given = entry.get("platform")
    described = _platform(where, given, kind, problems) if isinstance(given, str) else None
    base_url = entry.get("base_url")
    if isinstance(base_url, str):
        _check_url(f"{where}.base_url", base_url, problems)
    credentials = _strings(entry.get("credentials"))
    options = _strings(entry.get("options"))
    if described is None or not isinstance(base_url, str) or credentials is None or options is None:
        return None
    for key in credentials:
        valid = credential_keys(described.name)
        if key not in valid:
            problems.append(
                f"{where}.credentials.{key}: {described.name} has no credential {key!r} "
                f"(valid: {', '.join(valid) or 'none'})"
            )
    implied = described.alias_client_kwargs.get(t.cast(str, given), {})
    options = {**implied, **options}
    _check_options(f"{where}.options", described, options, problems)
    method = entry.get("method")
    if method is not None and described.name != "dfc":
        problems.append(
            f"{where}.method: only a dfc target takes a method ({described.name} targets are written "
            "through their own API)"
        )
    if kind == "targets" and described.name == "dfc" and method is None:
        method = DEFAULT_METHOD
    enterprise = entry.get("enterprise")
    return Endpoint(
        name=name,
        platform=described.name,
        base_url=base_url,
        credentials=credentials,
        options=options,
        method=method if method in ("POST", "PUT") else None,
        enterprise=enterprise if isinstance(enterprise, str) else None,
    )


def _platform(where: str, given: str, kind: str, problems: list[str]) -> Platform | None:
    """The platform `given` names, if it can be a source (an API client) or a target (a writer)."""
    try:
        described = find_platform(given)
    except UsageError:
        problems.append(
            f"{where}.platform: {given!r} is not a platform statebridge knows (valid: {', '.join(names())})"
        )
        return None
    if kind == "sources" and not described.clients:
        pullable = ", ".join(p.name for p in platforms() if p.clients)
        problems.append(
            f"{where}.platform: statebridge cannot pull from {given!r}: it has no API client "
            f"(sources can be: {pullable})"
        )
        return None
    if kind == "targets" and described.writer is None and described.name not in _ALWAYS_WRITABLE:
        problems.append(
            f"{where}.platform: {described.name} cannot be a delivery target: {described.no_writer}"
        )
        return None
    return described


def _check_url(where: str, url: str, problems: list[str]) -> None:
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        problems.append(f"{where}: is not a valid URL")
        return
    if parts.username is not None or parts.password is not None:
        # Never echoed: it carries a user name or password.
        problems.append(f"{where}: carries a user or password (not shown): name them in credentials:")
    elif parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append(f"{where}: {url!r} is not an http(s) URL")


def _check_options(where: str, described: Platform, options: dict[str, str], problems: list[str]) -> None:
    """Options that are a platform's client options (`api`, `flavour`, `auth_url`) must be this
    platform's and take one of its values; others (`market`) are writers' and passed through."""
    owners: dict[str, list[str]] = {}
    for other in platforms():
        for option in other.client_options:
            owners.setdefault(option.key, []).append(other.name)
    own = {option.key: option for option in described.client_options}
    for key, value in options.items():
        if key == "api" and described.clients and value not in described.clients:
            problems.append(f"{where}.api: {value!r} is not one of {', '.join(described.clients)}")
        elif key in own and own[key].choices and value not in own[key].choices:
            problems.append(f"{where}.{key}: {value!r} is not one of {', '.join(own[key].choices)}")
        elif key in owners and key not in own and key != "api":
            problems.append(f"{where}.{key}: is an option of {', '.join(owners[key])}, not {described.name}")


def _strings(value: object) -> dict[str, str] | None:
    """A mapping of text to text (absent: empty), else None (the schema reports it)."""
    if value is None:
        return {}
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return dict(value)
    return None


def _enterprises(targets: dict[str, Endpoint | None], problems: list[str]) -> None:
    claimed: dict[str, str] = {}
    for name, target in targets.items():
        if target is None or target.enterprise is None:
            continue
        other = claimed.setdefault(target.enterprise, name)
        if other != name:
            problems.append(f"targets.{name}.enterprise: {target.enterprise!r} is already target {other}'s")


def _routes(
    section: object,
    sources: dict[str, Endpoint | None],
    targets: dict[str, Endpoint | None],
    problems: list[str],
) -> dict[str, list[str]]:
    routes: dict[str, list[str]] = {}
    if not isinstance(section, list):
        return routes
    for i, route in enumerate(section):
        if not isinstance(route, dict):
            continue
        origin = route.get("from")
        if isinstance(origin, str) and origin not in sources:
            problems.append(
                f"routes[{i}].from: {origin!r} is not a source (valid: {', '.join(sources) or 'none'})"
            )
        given = route.get("to")
        listed = [(f"routes[{i}].to", given)] if isinstance(given, str) else []
        if isinstance(given, list):
            listed = [(f"routes[{i}].to[{j}]", name) for j, name in enumerate(given)]
        for where, name in listed:
            if not isinstance(name, str):
                continue
            if name not in targets:
                problems.append(f"{where}: {name!r} is not a target (valid: {', '.join(targets) or 'none'})")
                continue
            source = sources.get(origin) if isinstance(origin, str) else None
            target = targets[name]
            if source is not None and target is not None and source.key == target.key:
                problems.append(
                    f"{where}: target {name!r} is source {origin!r} itself ({source.platform} "
                    f"{url_key(source.base_url)}): a loop"
                )
            elif isinstance(origin, str):
                routes.setdefault(origin, []).append(name)
    return routes


_Policy = t.TypeVar("_Policy", DeliveryPolicy, SchedulePolicy)


def _policy(kind: type[_Policy], key: str, section: object, problems: list[str]) -> _Policy | None:
    """The `delivery:` or `schedule:` policy (defaults for what is not given); None when the schema
    refuses it."""
    if section is None:
        return kind()
    if not isinstance(section, dict):
        return None
    values = {name: section[name] for name in (f.name for f in dataclasses.fields(kind)) if name in section}
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in values.values()):
        return None
    try:
        return kind(**values)
    except ConfigurationError as exc:
        problems.extend(str(exc).removeprefix(f"{key} policy: ").removeprefix(f"{key}: ").split("; "))
        return None
