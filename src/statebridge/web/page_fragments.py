"""A page of the Orders collection as JSON-LD, assembled from each order's nodes as serialised
for its stored version.

Every write of orders retires every representation the render cache (`render_cache.py`) holds, so
under a steady trickle of writes the collection was re-read and re-rendered whole on nearly every
request: parsing and rendering 100 orders was most of what the endpoint did under a mixed load
(docs/performance.md, "The endpoint under a mixed load"). An order's nodes, though, change only
with its version (bumped by every write of it, whoever makes it) and its IRI base: kept under those,
a page reads the public ids and versions of its rows, and parses and renders only the orders it has
not seen at that version. The bytes are those `representation.render_collection` makes.
"""

from __future__ import annotations

import collections
import threading
import typing as t

import orjson

from ..dfc.jsonld import order_nodes
from ..dfc.vocab import CONTEXT_URL
from ..store import Store
from .negotiation import JSON, JSONLD
from .representation import render_collection, served_order
from .scope import Scope

__all__ = ["OrderFragments", "PageBody"]

_OPEN = b'{"@context":' + orjson.dumps(CONTEXT_URL) + b',"@graph":['
_CLOSE = b"]}"


class PageBody(t.NamedTuple):
    """A page's public ids (the cursor of its next link is the last), whether more orders follow
    it, and its JSON-LD body."""

    public_ids: list[str]
    more: bool
    body: bytes


class OrderFragments:
    """Up to `size` orders' serialised nodes, by (public id, version, IRI base); least recently used
    first out. Called from the threadpool: one lock guards the entries (held only to look up and
    store, never while reading or rendering)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        #: How many orders were rendered rather than found: what a test counts.
        self.rendered = 0
        self._entries: collections.OrderedDict[tuple[str, int, str], bytes] = collections.OrderedDict()
        self._lock = threading.Lock()

    def page(self, store: Store, scope: Scope, *, after: str | None, limit: int) -> PageBody | None:
        """Up to `limit` orders after `after` in `scope`, or None when one of them can no longer be
        read (then `Store.page` fills the page from the rows after it)."""
        index = store.page_versions(
            after=after, limit=limit + 1, sources=scope.sources, seen=scope.access.seen
        )
        more, index = len(index) > limit, index[:limit]
        base = scope.base
        found: dict[str, bytes] = {}
        with self._lock:
            for public_id, version in index:
                fragment = self._entries.get((public_id, version, base))
                if fragment is not None:
                    self._entries.move_to_end((public_id, version, base))
                    found[public_id] = fragment
        missing = [public_id for public_id, _ in index if public_id not in found]
        stored = store.by_public_ids(missing)
        if len(stored) < len(missing):
            return None
        minter = scope.minter
        made = {
            public_id: orjson.dumps(order_nodes(served_order(order), minter))[1:-1]
            for public_id, order in stored.items()
        }
        with self._lock:
            self.rendered += len(made)
            for public_id, fragment in made.items():
                # Under the version read now, which a write since the index may have moved on.
                self._entries[(public_id, stored[public_id].version, base)] = fragment
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        found.update(made)
        ids = [public_id for public_id, _ in index]
        return PageBody(ids, more, _OPEN + b",".join(found[public_id] for public_id in ids) + _CLOSE)


def assemble_page(
    fragments: OrderFragments, store: Store, scope: Scope, media: str, *, after: str | None, limit: int
) -> PageBody:
    """A page of the collection: from each order's nodes as kept at its version (JSON-LD, JSON),
    else rendered whole (Turtle, N-Triples, or a page holding an order that cannot be read)."""
    page = fragments.page(store, scope, after=after, limit=limit) if media in (JSONLD, JSON) else None
    if page is not None:
        return page
    rows = store.page(after=after, limit=limit + 1, sources=scope.sources, seen=scope.access.seen)
    shown = rows[:limit]
    return PageBody(
        [row.public_id for row in shown], len(rows) > limit, render_collection(shown, scope, media)
    )
