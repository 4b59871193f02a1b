"""The bundled DFC 1.16.0 JSON-LD context, and offline resolution of context references."""

from __future__ import annotations

import copy
import functools
import importlib.resources
import json
import typing as t

from ..errors import UnrecognisedShapeError
from .vocab import KNOWN_CONTEXT_URLS

__all__ = ["context_document", "inline_context", "term_definitions"]


@functools.cache
def context_document() -> dict[str, t.Any]:
    """The 1.16.0 context file exactly as shipped (`{"@context": {…}}`)."""
    text = importlib.resources.files("statebridge.data").joinpath("context_1.16.0.json").read_text("utf-8")
    document: dict[str, t.Any] = json.loads(text)
    return document


def term_definitions() -> dict[str, t.Any]:
    """The prefixes and term definitions of the 1.16.0 context."""
    definitions: dict[str, t.Any] = context_document()["@context"]
    return definitions


def _resolve(context: t.Any) -> t.Any:
    if isinstance(context, str):
        if context in KNOWN_CONTEXT_URLS:
            return copy.deepcopy(term_definitions())
        msg = (
            "statebridge resolves DFC contexts offline and does not know this one "
            f"(known: {', '.join(sorted(KNOWN_CONTEXT_URLS))})"
        )
        raise UnrecognisedShapeError(msg, field="@context", value=context, has_value=True)
    if isinstance(context, list):
        return [_resolve(item) for item in context]
    return context


def inline_context(document: t.Any) -> t.Any:
    """A copy of a JSON-LD document whose `@context` references are replaced by the local copy."""
    if isinstance(document, list):
        return [inline_context(item) for item in document]
    if isinstance(document, dict) and "@context" in document:
        resolved = dict(document)
        resolved["@context"] = _resolve(document["@context"])
        return resolved
    return document
