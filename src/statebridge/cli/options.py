"""Options shared by several commands: the store, the mapping tables, and the options of `pull`
and `sync` (the platform to pull from, the pull window, the platforms' own client options)."""

from __future__ import annotations

import pathlib
import typing as t

import click

from ..mapping import SHIPPED, Tables
from ..mapping.loader import MAPPINGS_ENV
from ..platforms import ClientOption, names, platform as find_platform, platforms
from ..settings import Settings
from .exits import EXIT_USAGE, fail

__all__ = [
    "DEFAULT_OVERLAP_SECONDS",
    "DEFAULT_STORE",
    "STORE_ENV",
    "PullableChoice",
    "client_kwargs",
    "mappings_option",
    "pull_source",
    "pull_window",
    "settings",
    "store_option",
    "tables",
]

#: Defaults shown in --help, equal to statebridge.store.STORE_ENV / DEFAULT_STORE and
#: statebridge.pull.DEFAULT_OVERLAP (a test holds them equal), so that `translate` starts fast.
STORE_ENV = "STATEBRIDGE_STORE"
DEFAULT_STORE = "sqlite:///statebridge.db"
DEFAULT_OVERLAP_SECONDS = 300.0

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%d %H:%M:%S%z"]

_F = t.TypeVar("_F", bound=t.Callable[..., t.Any])


def settings(*, mappings: pathlib.Path | None = None, store: str | None = None) -> Settings:
    """The settings of this run: the environment's, with the options given (they win)."""
    return Settings.from_env(mappings=mappings, store=store)


def tables(chosen: Settings) -> Tables:
    """The mapping tables the settings name (`--mappings`, `$STATEBRIDGE_MAPPINGS`), else the shipped ones."""
    return SHIPPED if chosen.mappings is None else Tables(chosen.mappings)


def _stacked(*decorators: t.Callable[[t.Any], t.Any]) -> t.Callable[[_F], _F]:
    """One decorator applying `decorators` so that their options show in --help in the order given."""

    def apply(function: _F) -> _F:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


def store_option(function: _F) -> _F:
    """`--store URL`, the `store_url` parameter."""
    return click.option(
        "--store",
        "store_url",
        metavar="URL",
        help=f"sqlite:///FILE or postgresql://… (default: ${STORE_ENV}, else {DEFAULT_STORE}).",
    )(function)


def mappings_option(purpose: str = "use") -> t.Callable[[_F], _F]:
    """`--mappings DIR`, the `mappings_dir` parameter: edited tables to `purpose` instead of the shipped."""
    return click.option(
        "--mappings",
        "mappings_dir",
        type=click.Path(file_okay=False, exists=True, path_type=pathlib.Path),
        help=f"A folder of edited mapping tables to {purpose} instead of the shipped ones "
        f"(or set {MAPPINGS_ENV}).",
    )


class PullableChoice(click.Choice):  # type: ignore[type-arg]
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


def pull_source(base_url_help: str, *, required: bool = True) -> t.Callable[[_F], _F]:
    """The `PLATFORM` argument and `--base-url`: what `pull` and `sync` pull from (`sync` can take
    its sources from the connections file instead: then neither is required)."""
    return _stacked(
        click.argument(
            "platform",
            metavar="PLATFORM" if required else "[PLATFORM]",
            type=PullableChoice(),
            required=required,
        ),
        click.option("--base-url", required=required, metavar="URL", help=base_url_help),
    )


def pull_window(*, since_help: str, overlap_help: str, page_size_help: str) -> t.Callable[[_F], _F]:
    """`--since`, `--overlap`, `--page-size`, the platforms' client options and `--store`: how
    `pull` and `sync` pull, each with its own help text."""
    return _stacked(
        click.option("--since", metavar="ISO8601", type=click.DateTime(DATETIME_FORMATS), help=since_help),
        click.option(
            "--overlap",
            type=click.FloatRange(min=0),
            default=DEFAULT_OVERLAP_SECONDS,
            show_default=True,
            help=overlap_help,
        ),
        click.option("--page-size", type=click.IntRange(min=1), help=page_size_help),
        _client_options,
        store_option,
    )


def _client_options(function: _F) -> _F:
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


def client_kwargs(platform: str, given: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The client options given, each refused for a platform it does not apply to."""
    name = find_platform(platform).name
    chosen: dict[str, t.Any] = {}
    for owner, option in _platform_client_options():
        value = given.get(option.key)
        if value is None:
            continue
        if name != owner:
            fail(f"{option.flag} is for {owner}, not {platform}", EXIT_USAGE)
        chosen[option.key] = value
    return chosen
