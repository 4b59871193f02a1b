"""Bounded memos: what the hot paths remember (spelt terms, read amounts, status pairs) and how
much.

Each memo is a plain dict that its module looks up inline (the hit is the common case, and a call
costs more than the lookup); on a miss the module computes the value and hands it to `remember`,
which empties the dict first when it is full. Emptying, not evicting one entry, keeps the miss
path to two operations; the values recur so much (a shop's prices, a table's combinations) that
a memo refills within a few orders. Memory stays flat however many orders pass.
"""

from __future__ import annotations

import typing as t

__all__ = ["REMEMBERED", "remember"]

#: The default bound: distinct values kept per memo.
REMEMBERED = 65536

_Key = t.TypeVar("_Key")
_Value = t.TypeVar("_Value")


def remember(cache: dict[_Key, _Value], key: _Key, value: _Value, limit: int = REMEMBERED) -> _Value:
    """Keep `value` under `key` in `cache` (emptied first when it holds `limit` entries); return it."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value
