"""`statebridge export`: the stored orders as DFC, each named under the base URL it came from."""

from __future__ import annotations

import typing as t

from .dfc import IriMinter
from .errors import UsageError
from .model import Order
from .store import Store
from .translate import FORMATS

__all__ = ["export"]


def export(store: Store, out: t.BinaryIO, *, fmt: str = "jsonld", platform: str | None = None) -> int:
    """Stream every stored order (or one platform's) to `out` in DFC format `fmt`; how many."""
    writer = FORMATS.get(fmt)
    if writer is None:
        msg = f"unknown format {fmt!r} (known: {', '.join(FORMATS)})"
        raise UsageError(msg)
    minters: dict[tuple[str, str], IriMinter] = {}
    current: list[IriMinter] = []

    def orders() -> t.Iterator[Order]:
        for stored in store.orders(platform=platform):
            key = (stored.platform, stored.base_url)
            if key not in minters:
                minters[key] = IriMinter.for_platform(stored.platform, stored.base_url or None)
            current[:] = [minters[key]]
            yield stored.order

    return writer(orders(), lambda _order: current[0], out)
