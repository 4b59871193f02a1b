"""Content negotiation for the DFC endpoint: which representation an `Accept` header asks for.

Offered: `application/ld+json` (the default, also for `*/*` and a missing header),
`application/json` (the same JSON-LD, for clients that only know JSON), `text/turtle` and
`application/n-triples`. Quality values are honoured; a header that accepts none of them gets a
406 from the caller.
"""

from __future__ import annotations

__all__ = ["JSON", "JSONLD", "NTRIPLES", "OFFERED", "TURTLE", "choose"]

JSONLD = "application/ld+json"
JSON = "application/json"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
OFFERED = (JSONLD, JSON, TURTLE, NTRIPLES)


def _ranges(header: str) -> list[tuple[str, float, int]]:
    """(media range, q, position) for each entry; malformed q values count as 0."""
    found = []
    for position, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        quality = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    quality = 0.0
        found.append((media, quality, position))
    return found


def _specificity(media: str, offered: str) -> int | None:
    if media == offered:
        return 3
    kind, _, _ = offered.partition("/")
    if media == f"{kind}/*":
        return 2
    if media == "*/*":
        return 1
    return None


def choose(accept: str | None, offered: tuple[str, ...] = OFFERED) -> str | None:
    """The offered type the client prefers most, the first offered on a tie; None when none is acceptable."""
    if accept is None or not accept.strip():
        return offered[0]
    ranges = _ranges(accept)
    best: tuple[float, int, int] | None = None
    chosen: str | None = None
    for index, candidate in enumerate(offered):
        matches = [
            (spec, q) for media, q, _ in ranges if (spec := _specificity(media, candidate)) is not None
        ]
        if not matches:
            continue
        _, quality = max(matches)  # the most specific range decides the quality
        if quality <= 0:
            continue
        score = (quality, -index, 0)
        if best is None or score > best:
            best, chosen = score, candidate
    return chosen
