"""The writers of a connections file's targets, opened when first needed and closed together."""

from __future__ import annotations

import typing as t

from ..errors import ConfigurationError
from ..platforms import platform as platform_named
from .writer import Writer

if t.TYPE_CHECKING:
    from ..connections import Endpoint
    from ..mapping import Tables
    from ..settings import Settings

__all__ = ["Writers"]


class Writers(t.Mapping[str, Writer]):
    """Target name -> its `Writer`, built on first use from the target's platform, base URL,
    options and credentials (read from `environ` by variable name), and closed by `close`."""

    def __init__(
        self,
        targets: t.Mapping[str, Endpoint],
        *,
        settings: Settings,
        environ: t.Mapping[str, str],
        tables: Tables | None = None,
    ) -> None:
        self._targets = targets
        self._settings = settings
        self._environ = environ
        self._tables = tables
        self._open: dict[str, Writer] = {}

    def __getitem__(self, name: str) -> Writer:
        if name not in self._open:
            self._open[name] = self._writer(self._targets[name])
        return self._open[name]

    def __iter__(self) -> t.Iterator[str]:
        return iter(self._targets)

    def __len__(self) -> int:
        return len(self._targets)

    def _writer(self, target: Endpoint) -> Writer:
        kind: t.Callable[..., Writer] = platform_named(target.platform).writer_class()
        options: dict[str, t.Any] = dict(target.options)
        if target.method:
            options["method"] = target.method
        settings = target.settings(self._settings, self._environ)
        try:
            return kind(target.base_url, settings=settings, tables=self._tables, **options)
        except TypeError as exc:
            msg = f"targets.{target.name}: {target.platform} takes no option among {sorted(options)} ({exc})"
            raise ConfigurationError(msg) from None

    def close(self) -> None:
        for writer in self._open.values():
            writer.close()
        self._open.clear()

    def __enter__(self) -> t.Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
