"""Rendered representations kept while the store's generation has not moved.

Rendering a page of 100 orders costs far more than serving bytes; any write of orders, by this
process or a pull in another, bumps the store's generation and so retires every entry. The
generation is read from the store at most every `freshness` seconds, and a write through this app
is seen at once (`written`), one by another process (a pull) within that time. `written` counts this
app's writes into the key rather than asking the store again: under a steady trickle of writes, a
read after each write cost a round trip to PostgreSQL for a number the app already knew had moved
(docs/performance.md, "The endpoint under a mixed load"). The principal is part of the key: two
clients asking for one URL see different orders.
"""

from __future__ import annotations

import collections
import threading
import time
import typing as t

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from ..store import Store
from .representation import Rendered
from .scope import Scope

__all__ = ["RenderCache"]


class RenderCache:
    """At most `size` representations, least recently used first out."""

    def __init__(self, store: Store, *, size: int = 256, freshness: float = 0.1) -> None:
        self.store = store
        self.size = size
        self.freshness = freshness
        self._known: tuple[int, float] | None = None
        self._writes = 0  # this app's writes of orders: part of every key
        self._counting = threading.Lock()  # `written` is called from the threadpool
        self._entries: collections.OrderedDict[tuple[t.Any, ...], Rendered] = collections.OrderedDict()

    def written(self) -> None:
        """This app wrote orders (and they are committed): retire every entry."""
        with self._counting:
            self._writes += 1

    async def _generation(self) -> int:
        now = time.monotonic()
        if self._known is not None and now - self._known[1] < self.freshness:
            return self._known[0]
        value = await run_in_threadpool(self.store.generation)
        self._known = (value, now)
        return value

    async def render(
        self,
        request: Request,
        scope: Scope,
        media: str,
        produce: t.Callable[[], t.Awaitable[Rendered]],
    ) -> Rendered:
        """The representation of `request` for `scope` in `media`, from the cache or `produce`d."""
        generation = await self._generation()
        key = (
            generation,
            self._writes,
            scope.access.key,
            str(request.base_url),
            request.url.path,
            request.url.query,
            media,
        )
        cached = self._entries.get(key)
        if cached is not None:
            self._entries.move_to_end(key)
            return cached
        rendered = await produce()
        self._entries[key] = rendered
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return rendered
