"""The output formats of a translation, by `--format` name: DFC's writers, and another platform's."""

from __future__ import annotations

import typing as t

from .dfc import write_document, write_ndjson, write_ntriples, write_turtle
from .dfc.iris import MinterSource
from .dfc.jsonld import Written

__all__ = ["FORMATS", "PLATFORM_FORMATS", "Writer"]

#: A DFC writer: orders (or their nodes, already built), a minter, where to write; returns how many.
Writer = t.Callable[[t.Iterable[Written], MinterSource, t.BinaryIO], int]

#: Output formats for DFC, by `--format` name.
FORMATS: dict[str, Writer] = {
    "jsonld": write_document,
    "ndjson": write_ndjson,
    "turtle": write_turtle,
    "ntriples": write_ntriples,
}

#: Output formats for another platform: its envelope as one JSON document, or one record per line.
PLATFORM_FORMATS = ("jsonld", "ndjson")
