"""Hints about other platforms' documents, computed from the registry's descriptors.

A reader that refuses a record says which platform it looks like: "it has 'financial_status', so it
looks like a shopify order: use --from shopify". Each platform lists its own `markers` (keys of one
order record) and `envelopes` (top-level keys of a document); no reader lists the others'.
"""

from __future__ import annotations

import functools
import typing as t

from . import platform, platforms

__all__ = ["envelope_hint", "foreign_keys", "looks_like", "marker_hint"]


@functools.cache
def _foreign(own: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Other platforms' markers as (key, platforms it marks), in registry order, for `own`'s reader."""
    mine = platform(own)
    skipped = set(mine.markers) | set(mine.shared_keys)
    found: dict[str, list[str]] = {}
    for other in platforms():
        if other.name == own:
            continue
        for key in other.markers:
            if key not in skipped:
                found.setdefault(key, []).append(other.name)
    return tuple((key, tuple(owners)) for key, owners in found.items())


def foreign_keys(own: str) -> frozenset[str]:
    """The keys that mark an order record as another platform's than `own`."""
    return frozenset(key for key, _ in _foreign(own))


def looks_like(record: t.Mapping[str, t.Any], own: str) -> tuple[str, tuple[str, ...]] | None:
    """The first key of another platform's in `record`, with the platforms it marks; or None."""
    for key, owners in _foreign(own):
        if key in record:
            return key, owners
    return None


def marker_hint(record: t.Mapping[str, t.Any], own: str) -> str:
    """`; it has 'KEY', so it looks like a P order: use --from P`, or "" when nothing marks it."""
    found = looks_like(record, own)
    if found is None:
        return ""
    key, owners = found
    return f"; it has {key!r}, so it looks like a {' or '.join(owners)} order: use --from {owners[0]}"


def envelope_hint(keys: t.Iterable[str], own: str) -> tuple[str, tuple[str, ...]] | None:
    """The first of `keys` that is the top-level key of another platform's documents, and those
    platforms, the ones that list it earliest among their `envelopes` first; or None."""
    present = set(keys)
    found: dict[str, list[tuple[int, int, str]]] = {}
    for other in platforms():
        if other.name == own:
            continue
        for rank, key in enumerate(other.envelopes):
            if key in present:
                found.setdefault(key, []).append((rank, other.position, other.name))
    if not found:
        return None
    key = next(iter(found))
    return key, tuple(name for _, _, name in sorted(found[key]))
