"""DFC 1.16.0 namespaces, the context URL statebridge writes, and the IRIs it uses.

Terms are those of the DFC business ontology 1.16.0; state IRIs come from the taxonomies 1.3.0
vocabulary (`dfc-v:`). The context has no `xsd` prefix, so typed literals carry full datatype IRIs.
"""

from __future__ import annotations

import enum

__all__ = [
    "CONTEXT_URL",
    "CURRENCY_UNITS",
    "DFC_B",
    "DFC_M",
    "DFC_V",
    "KNOWN_CONTEXT_URLS",
    "XSD_DATETIME",
    "XSD_DECIMAL",
    "XSD_FLOAT",
    "state_curie",
    "state_iri",
]

CONTEXT_URL = "https://w3id.org/dfc/ontology/context/context_1.16.0.json"

#: Context references that statebridge resolves to its bundled 1.16.0 copy, never fetching them.
#: `https://www.datafoodconsortium.org` is what OFN and the FDC servers send; its Link header now
#: points at 2.0.0, which is why connector-ruby pinned 1.16 (docs/references/dfc-vocabulary.md#context-urls).
KNOWN_CONTEXT_URLS = frozenset(
    {
        CONTEXT_URL,
        "http://w3id.org/dfc/ontology/context/context_1.16.0.json",
        "https://www.datafoodconsortium.org",
        "https://www.datafoodconsortium.org/",
        "http://www.datafoodconsortium.org",
        "http://www.datafoodconsortium.org/",
        "https://www.datafoodconsortium.org/wp-content/plugins/wordpress-context-jsonld/context_1.16.0.jsonld",
        "http://www.datafoodconsortium.org/wp-content/plugins/wordpress-context-jsonld/context_1.16.0.jsonld",
    }
)

DFC_B = "https://github.com/datafoodconsortium/ontology/releases/latest/download/DFC_BusinessOntology.owl#"
DFC_V = "https://github.com/datafoodconsortium/taxonomies/releases/latest/download/vocabulary.rdf#"
DFC_M = "https://github.com/datafoodconsortium/taxonomies/releases/latest/download/measures.rdf#"
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_DATETIME = XSD + "dateTime"
XSD_DECIMAL = XSD + "decimal"
#: The datatype of every number statebridge writes (`dfc-b:quantity`, `dfc-b:value`): the
#: ontology's range for both; `literals.py` says why and how the digits are kept.
XSD_FLOAT = XSD + "float"

#: ISO 4217 codes that have a currency unit in the DFC measures taxonomy (narrower of
#: `dfc-m:CurrencyUnit`). Other currencies have none: prices then carry no unit.
CURRENCY_UNITS = {
    "AUD": "AustralianDollar",
    "CAD": "CanadianDollar",
    "EUR": "Euro",
    "GBP": "PoundSterling",
    "USD": "USDollar",
}


def state_curie(state: enum.StrEnum) -> str:
    """`dfc-v:Held` for a state; the same IRI serves every dimension that has the state."""
    return f"dfc-v:{state.value}"


def state_iri(state: enum.StrEnum) -> str:
    return DFC_V + state.value
