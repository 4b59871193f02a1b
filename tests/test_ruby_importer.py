"""What the DFC Ruby connector's importer requires, checked on every document statebridge writes.

Open Food Network reads DFC orders with the Ruby connector (`DataFoodConsortium::Connector::Importer`,
the same code as its `ConnectorV1`). The gem cannot be installed here (its registry is not reachable),
so its requirements are encoded from its source, connector-ruby 1.3.0 (commit acd261b):

- `lib/datafoodconsortium/connector/importer.rb` lines 49-53 and 55-65: the graph comes from
  `JSON::LD::API.toRdf` (line 46); every subject with an `rdf:type` statement becomes one object,
  `clazz.new(*[id].compact)` (line 64), where `id` is the subject's IRI, or nothing for a blank node
  (lines 56-59: an `RDF::Node` has no `value`), and `clazz` is looked up by the type's prefixed name
  (`RDF::URI#pname` over the context's prefixes, lines 23-25 and 60-62). A type it does not know
  leaves `clazz` nil: `undefined method 'new' for nil`, and the whole import fails.
- Constructors: `Price#initialize(value:, vatRate:, unit:)` (price.rb line 44) and
  `QuantitativeValue#initialize(unit:, value:)` (quantitative_value.rb line 40) take no id: a named
  price or quantity raises `ArgumentError (given 1, expected 0)`. Every other class takes a required
  `semanticId` (order.rb line 71, order_line.rb 55, offer.rb 51, person.rb 52, enterprise.rb 83, ...): a
  blank node of those raises `ArgumentError (given 0, expected 1)`.
- lines 73-92: each statement is applied to `@subjects[subject]`: a subject without an `rdf:type`
  is nil there (`undefined method 'hasSemanticProperty?' for nil`). Properties the class does not
  register are dropped (line 80): `OrderLine` registers `dfc-b:quantity` (order_line.rb line 64),
  not `dfc-b:hasQuantity`, so OFN reads a line's count from `dfc-b:quantity` only.
- `lib/datafoodconsortium/connector/context.rb` lines 11-39: the contexts it resolves without a
  network request (https is looked up as http, a URL without a path ends with `/`).

docs/references/ruby-connector-importer.md keeps these facts with their sources.
"""

from __future__ import annotations

import dataclasses
import io
import json
import pathlib
import typing as t

import pytest
from rdflib import RDF, BNode, Literal, URIRef

from statebridge.dfc import IriMinter, parse_jsonld, write_document, write_ndjson
from statebridge.dfc.context import term_definitions
from statebridge.dfc.graph import DFCB
from statebridge.errors import StatebridgeError
from statebridge.model import Order
from statebridge.platforms import get_adapter, names
from statebridge.translate import read_orders
from statebridge.validate import expected_path

from .conftest import FIXTURES, fixture_inputs

#: `SEMANTIC_TYPE` of every class `DataFoodConsortium::Connector.semantic_types` registers
#: (connector.rb lines 53-57 over the classes it requires, lines 7-51).
KNOWN_TYPES = frozenset(
    {
        "dfc-b:Address",
        "dfc-b:Agent",
        "dfc-b:AllergenCharacteristic",
        "dfc-b:AsPlannedConsumptionFlow",
        "dfc-b:AsPlannedLocalConsumptionFlow",
        "dfc-b:AsPlannedLocalProductionFlow",
        "dfc-b:AsPlannedLocalTransformation",
        "dfc-b:AsPlannedProductionFlow",
        "dfc-b:AsPlannedTransformation",
        "dfc-b:AsRealizedConsumptionFlow",
        "dfc-b:AsRealizedProductionFlow",
        "dfc-b:AsRealizedTransformation",
        "dfc-b:Catalog",
        "dfc-b:CatalogItem",
        "dfc-b:CustomerCategory",
        "dfc-b:DefinedProduct",
        "dfc-b:DeliveryOption",
        "dfc-b:Enterprise",
        "dfc-b:LocalizedProduct",
        "dfc-b:NutrientCharacteristic",
        "dfc-b:Offer",
        "dfc-b:Order",
        "dfc-b:OrderLine",
        "dfc-b:PaymentMethod",
        "dfc-b:Person",
        "dfc-b:PhoneNumber",
        "dfc-b:PhysicalCharacteristic",
        "dfc-b:PhysicalPlace",
        "dfc-b:PhysicalProduct",
        "dfc-b:PickupOption",
        "dfc-b:Price",
        "dfc-b:ProductBatch",
        "dfc-b:QuantitativeValue",
        "dfc-b:Quantity",
        "dfc-b:RealStock",
        "dfc-b:SaleSession",
        "dfc-b:SocialMedia",
        "dfc-b:SuppliedProduct",
        "dfc-b:TechnicalProduct",
        "dfc-b:TheoreticalStock",
        "dfc-b:VirtualPlace",
        "skos:Concept",
    }
)

#: Classes whose constructor takes no id (keyword arguments only): their nodes must be blank.
NO_ID_TYPES = frozenset(
    {
        "dfc-b:AllergenCharacteristic",  # allergen_characteristic.rb line 38
        "dfc-b:NutrientCharacteristic",  # nutrient_characteristic.rb line 38
        "dfc-b:PhysicalCharacteristic",  # physical_characteristic.rb line 38
        "dfc-b:Price",  # price.rb line 44
        "dfc-b:QuantitativeValue",  # quantitative_value.rb line 40
        "dfc-b:Quantity",  # quantity.rb line 40
    }
)

#: The context URLs context.rb preloads (lines 11-39), as the gem looks them up (http, `/` path).
PRELOADED_CONTEXTS = frozenset(
    {
        "http://w3id.org/dfc/ontology/context/context_1.16.0.json",
        "http://www.datafoodconsortium.org/",
        "http://www.datafoodconsortium.org/wp-content/plugins/wordpress-context-jsonld/context_1.16.0.jsonld",
        "http://www.datafoodconsortium.org/wp-content/plugins/wordpress-context-jsonld/context.jsonld",
        "http://static.datafoodconsortium.org/ontologies/context.json",
    }
)


def _prefixed_name(iri: str) -> str:
    """`Importer.prefixed_name`: the first string-valued context entry the IRI starts with, in
    context order (RDF.rb `URI#qname(prefixes:)`), else the IRI itself."""
    for prefix, namespace in term_definitions().items():
        if isinstance(namespace, str) and iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def _lookup_form(url: str) -> str:
    """How JSON::LD looks a remote context up among the preloaded ones (context.rb lines 14-16)."""
    if url.startswith("https://"):
        url = "http://" + url[len("https://") :]
    if url.count("/") == 2:
        url += "/"
    return url


def import_problems(document: bytes) -> list[str]:
    """What would make the Ruby importer raise on `document`, or lose what OFN reads; [] if none."""
    data = json.loads(document)
    problems = []
    context = data.get("@context") if isinstance(data, dict) else None
    if not isinstance(context, str) or _lookup_form(context) not in PRELOADED_CONTEXTS:
        return [f"@context {context!r} is not one the gem preloads"]
    graph = parse_jsonld(document)
    typed: dict[t.Any, list[str]] = {}
    for subject, cls in graph.subject_objects(RDF.type):
        typed.setdefault(subject, []).append(_prefixed_name(str(cls)))
    for subject, types in typed.items():
        for name in types:
            if name not in KNOWN_TYPES:
                problems.append(f"{subject}: type {name} is unknown to the importer (nil.new)")
            elif name in NO_ID_TYPES and not isinstance(subject, BNode):
                problems.append(f"{subject}: a {name} has no id in Ruby, it must be a blank node")
            elif name not in NO_ID_TYPES and not isinstance(subject, URIRef):
                problems.append(f"{subject}: a {name} needs an id in Ruby, it must be named")
    for subject in set(graph.subjects()) - set(typed):
        problems.append(f"{subject}: a subject without rdf:type is nil in the importer")
    for line in graph.subjects(RDF.type, DFCB.OrderLine):
        if not isinstance(graph.value(line, DFCB.quantity), Literal):
            problems.append(f"{line}: no dfc-b:quantity literal, the only quantity OrderLine reads")
        price = graph.value(line, DFCB.hasPrice)
        if price is not None and (price, RDF.type, DFCB.Price) not in graph:
            problems.append(f"{line}: dfc-b:hasPrice is not a dfc-b:Price node")
    return sorted(problems)


@dataclasses.dataclass(frozen=True)
class Output:
    name: str
    documents: tuple[bytes, ...]


def _orders(platform: str, path: pathlib.Path) -> list[Order]:
    with path.open("rb") as stream:
        outcomes = list(read_orders(stream, platform))
    assert all(isinstance(o, Order) for o in outcomes), [
        str(o) for o in outcomes if isinstance(o, StatebridgeError)
    ]
    return t.cast(list[Order], outcomes)


def _outputs() -> list[tuple[str, pathlib.Path]]:
    platforms = sorted(names(aliases=False))
    cases = [(platform, path) for platform in platforms for path in fixture_inputs(platform)]
    assert {platform for platform, _ in cases} == set(platforms), "a platform without fixtures"
    return cases


def _documents(platform: str, path: pathlib.Path) -> t.Iterator[tuple[str, bytes]]:
    """Every JSON-LD document statebridge writes for this fixture."""
    orders = _orders(platform, path)
    name = get_adapter(platform).name
    for base in (None, "https://shop.example.org"):
        minter = IriMinter.for_platform(name, base)
        buffer = io.BytesIO()
        write_document(orders, minter, buffer)
        yield f"document (base {base})", buffer.getvalue()
        buffer = io.BytesIO()
        write_ndjson(orders, minter, buffer)
        for number, line in enumerate(buffer.getvalue().splitlines(), start=1):
            yield f"ndjson line {number} (base {base})", line
    yield "expected output", expected_path(path).read_bytes()


@pytest.mark.parametrize(("platform", "path"), _outputs(), ids=lambda v: getattr(v, "name", v))
def test_every_output_is_importable_by_the_ruby_connector(platform: str, path: pathlib.Path) -> None:
    found = {
        label: problems
        for label, document in _documents(platform, path)
        if (problems := import_problems(document))
    }
    assert found == {}


def test_the_check_catches_what_broke_ofn() -> None:
    """The requirements fail on named prices and quantities, unknown types and untyped subjects."""
    line = "https://shop.example.org/api/dfc/Orders/1/OrderLines/1"
    document = {
        "@context": "https://w3id.org/dfc/ontology/context/context_1.16.0.json",
        "@graph": [
            {"@id": "https://shop.example.org/api/dfc/Orders", "@type": "ldp:BasicContainer"},
            {
                "@id": line,
                "@type": "dfc-b:OrderLine",
                "dfc-b:quantity": "2",
                "dfc-b:hasPrice": line + "#price",
            },
            {"@id": line + "#price", "@type": "dfc-b:Price", "dfc-b:value": "1.5"},
            {"@type": "dfc-b:Offer", "dfc-b:concernedBy": line},
            {"@id": "https://shop.example.org/api/dfc/Persons/1", "dfc-b:email": "a@example.org"},
        ],
    }
    problems = import_problems(json.dumps(document).encode())
    assert any("#price: a dfc-b:Price has no id" in p for p in problems), problems
    assert any("unknown to the importer" in p for p in problems), problems
    assert any("a dfc-b:Offer needs an id" in p for p in problems), problems
    assert any("Persons/1: a subject without rdf:type" in p for p in problems), problems
    other = {**document, "@context": "https://example.org/context.json", "@graph": []}
    assert import_problems(json.dumps(other).encode()) == [
        "@context 'https://example.org/context.json' is not one the gem preloads"
    ]


def test_the_fixture_platforms_are_every_platform() -> None:
    assert {p.name for p in FIXTURES.iterdir() if p.is_dir()} == set(names(aliases=False))


def test_types_are_named_as_the_importer_names_them() -> None:
    assert _prefixed_name(str(DFCB.Price)) == "dfc-b:Price"
    assert _prefixed_name("http://www.w3.org/2004/02/skos/core#Concept") == "skos:Concept"
    assert (
        _prefixed_name("http://www.w3.org/ns/ldp#BasicContainer") == "http://www.w3.org/ns/ldp#BasicContainer"
    )
