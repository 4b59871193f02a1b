"""The bundled DFC 1.16.0 JSON-LD context, and offline resolution of context references."""

from __future__ import annotations

import copy
import functools
import importlib.resources
import json
import typing as t

from ..errors import UnrecognisedShapeError
from .vocab import KNOWN_CONTEXT_URLS

__all__ = ["context_document", "inline_context", "offline_document", "term_definitions"]


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


def offline_document(document: t.Any) -> t.Any:
    """A copy of a JSON-LD document with every context reference, at any depth, made local.

    `inline_context` replaces the top-level `@context` only, which is enough for statebridge's own
    output. A document from outside may also carry `@context` inside a node, a scoped context inside
    a term definition, or an `@import`: rdflib would fetch each of them, from the network or, for a
    relative reference, from the local disk. Here every one is resolved to the bundled 1.16.0 copy
    when it is a known DFC context URL, and refused (`UnrecognisedShapeError`) otherwise, so that a
    document read with this never makes rdflib open anything.
    """
    if isinstance(document, list):
        return [offline_document(item) for item in document]
    if isinstance(document, dict):
        return {
            key: _offline_context(value) if key == "@context" else offline_document(value)
            for key, value in document.items()
        }
    return document


def _offline_context(context: t.Any) -> t.Any:
    if isinstance(context, str):
        return _resolve(context)
    if isinstance(context, list):
        return [_offline_context(item) for item in context]
    if not isinstance(context, dict):
        return context  # null resets the context; anything else is rdflib's to refuse
    resolved: dict[str, t.Any] = {}
    if "@import" in context:
        imported = context["@import"]
        if not isinstance(imported, str) or imported not in KNOWN_CONTEXT_URLS:
            msg = "statebridge resolves DFC contexts offline and imports only the DFC 1.16.0 context"
            raise UnrecognisedShapeError(msg, field="@import", value=imported, has_value=True)
        resolved.update(copy.deepcopy(term_definitions()))  # the importing context's terms win
    for key, value in context.items():
        if key != "@import":
            resolved[key] = _offline_context(value) if key == "@context" else _within_context(value)
    return resolved


def _within_context(value: t.Any) -> t.Any:
    """A term definition (or any value inside a context), with its scoped contexts made local."""
    if isinstance(value, list):
        return [_within_context(item) for item in value]
    if isinstance(value, dict):
        return {
            key: _offline_context(item) if key == "@context" else _within_context(item)
            for key, item in value.items()
        }
    return value
