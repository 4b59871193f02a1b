"""The DFC business terms (`dfc-b:`) statebridge keeps from the DFC documents it reads.

Read once from `statebridge/data/dfc_business_terms_1.16.0.json`: the classes and properties of
the DFC business ontology 1.16.0, plus the few terms the DFC's own connectors define beyond it
(`dfc-b:offeredItem`, which Open Food Network reads, `dfc-b:beginDate`, …; the file names its
sources, and docs/references/ofn-order-reads.md says which of them clients send).

`CONNECTOR_OBJECT_PROPERTIES` are object properties that the 1.16.0 context does not declare
`@type: @id`: the connectors write their values as plain strings, which JSON-LD reads as literals
(OFN's `"dfc-b:offeredItem": "https://…"`), so readers take such a string back as the IRI it is.
"""

from __future__ import annotations

import importlib.resources
import typing as t

import orjson

__all__ = [
    "CONNECTOR_OBJECT_PROPERTIES",
    "CONTEXT_ID_PROPERTIES",
    "DFC_CLASSES",
    "DFC_PROPERTIES",
    "TERMS_FILE",
]

TERMS_FILE = "dfc_business_terms_1.16.0.json"


def _load() -> dict[str, t.Any]:
    data: dict[str, t.Any] = orjson.loads(
        importlib.resources.files("statebridge.data").joinpath(TERMS_FILE).read_bytes()
    )
    return data


_TERMS = _load()
_ONTOLOGY, _CONNECTOR = _TERMS["ontology"], _TERMS["connector"]

#: Local names (after `dfc-b:`) of the classes a kept node may have.
DFC_CLASSES: frozenset[str] = frozenset(_ONTOLOGY["classes"]) | frozenset(_CONNECTOR["classes"])
#: Local names of the properties a kept statement may have.
DFC_PROPERTIES: frozenset[str] = frozenset(
    _ONTOLOGY["object_properties"]
    + _ONTOLOGY["datatype_properties"]
    + _CONNECTOR["object_properties"]
    + _CONNECTOR["datatype_properties"]
)
CONNECTOR_OBJECT_PROPERTIES: frozenset[str] = frozenset(_CONNECTOR["object_properties"])
#: The ontology's object properties: the 1.16.0 context declares each of them `@type: @id`, so a
#: plain string value of one of them is an IRI, and a literal must be written as a value object.
CONTEXT_ID_PROPERTIES: frozenset[str] = frozenset(_ONTOLOGY["object_properties"])
