"""The direct reader of simple compact DFC JSON-LD (`platforms/dfc/direct.py`) against rdflib's parser.

For every document it takes, `compact_graph` must give the graph `parse_untrusted_jsonld` gives (the
same triples up to blank node names) and the DFC adapter must read from it the same orders and the
same errors, order for order (`==`, and the same JSON, so that a date's offset counts too). It may
decline any document; it must not decline statebridge's own documents nor OFN's write bodies.
"""

from __future__ import annotations

import collections
import io
import json
import pathlib
import re
import typing as t

import orjson
import pytest
from bench.orders import PLATFORMS as GENERATED, generator
from hypothesis import given, settings, strategies as st
from rdflib import BNode, Graph

from statebridge.dfc import IriMinter, order_document
from statebridge.dfc.parse import parse_untrusted_jsonld
from statebridge.model import Order
from statebridge.pipeline import outcomes
from statebridge.platforms import get_adapter
from statebridge.platforms.dfc.direct import compact_graph
from statebridge.reading import Document
from statebridge.translate import read_orders

from .fuzzing import JSON_VALUES, mutated, paths, single_mutations
from .platforms import fixture_inputs, table_platforms

DFC = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "dfc"
#: OFN's write bodies, which the endpoint's mixed load benchmark sends.
OFN_POST = DFC / "public_ofn_cassette_completes_an_order_5_post_request.json"
OFN_PUT = DFC / "public_ofn_cassette_completes_an_order_8_put_request.json"


#: A blank node's name in a message: rdflib makes up a new one on every parse.
_BLANK = re.compile(r"\bN[0-9a-f]{32}\b")


def _read(document: t.Any, *, direct: bool) -> tuple[list[Order | str], Graph | None]:
    """The orders (or errors, as messages) the DFC adapter reads, and the graph it read them from."""
    adapter = get_adapter("dfc")
    adapter.direct = direct  # type: ignore[attr-defined]
    results: list[Order | str] = []
    graph = None
    for result, raw in outcomes(adapter, [Document(None, document)]):
        if raw is not None:
            graph = raw.record["graph"]
        if isinstance(result, Order):
            results.append(result)
        else:
            results.append(_BLANK.sub("_:blank", f"{type(result).__name__}: {result}"))
    return results, graph


def _results(document: t.Any, *, direct: bool) -> list[Order | str]:
    return _read(document, direct=direct)[0]


def _taken(document: t.Any) -> bool:
    """Whether the direct reader takes `document`; if it does, it must agree with the reference:
    the same triples (blank nodes aside), the same orders and the same errors."""
    graph = compact_graph(document)
    if graph is None:
        return False
    try:
        expected, reference = _read(document, direct=False)
        if reference is None:  # no order to read: the graph alone
            reference = parse_untrusted_jsonld(document)
    except Exception as exc:  # a document the reference refuses must be declined
        pytest.fail(f"the direct reader took a document rdflib refuses ({exc!r}): {document!r}")
    assert _statements(graph) == _statements(reference), document
    direct, taken = _read(document, direct=True)
    assert taken is None or _statements(taken) == _statements(graph)
    assert direct == expected, document
    assert [_json(item) for item in direct] == [_json(item) for item in expected]
    return True


def _statements(graph: Graph) -> collections.Counter[tuple[t.Any, ...]]:
    """The graph's triples, each blank node named by what is said of it (they cannot form cycles in
    the documents the direct reader takes: it refuses blank node labels)."""
    about: dict[BNode, list[tuple[t.Any, ...]]] = collections.defaultdict(list)
    for s, p, o in graph:
        if isinstance(s, BNode):
            about[s].append((p, o))

    def name(node: t.Any, depth: int = 0) -> t.Any:
        if not isinstance(node, BNode):
            return node
        assert depth < 10, "a cycle of blank nodes"
        return ("blank", tuple(sorted((str(p), repr(name(o, depth + 1))) for p, o in about[node])))

    return collections.Counter((name(s), p, name(o)) for s, p, o in graph)


def _json(item: Order | str) -> str:
    return item.model_dump_json() if isinstance(item, Order) else item


def _documents(path: pathlib.Path) -> list[t.Any]:
    if path.suffix == ".ndjson":
        return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    return [orjson.loads(path.read_bytes())]


def _cassette_bodies() -> list[t.Any]:
    """Every JSON body, request or response, of OFN's recorded DFC traffic."""
    bodies = []
    for path in sorted((DFC / "ofn_backorder").glob("*.json")):
        for interaction in orjson.loads(path.read_bytes())["interactions"]:
            for side in ("request", "response"):
                body = interaction[side].get("body")
                try:
                    bodies.append(orjson.loads(body))
                except (orjson.JSONDecodeError, TypeError):
                    continue
    return bodies


def _fixture_documents() -> list[t.Any]:
    paths_ = sorted(DFC.glob("*.json")) + sorted(DFC.glob("*.ndjson"))
    return [document for path in paths_ for document in _documents(path)] + _cassette_bodies()


def _written(orders: t.Iterable[Order], platform: str) -> list[dict[str, t.Any]]:
    """Each order as statebridge's writer writes it to DFC, under both kinds of base."""
    minters = (IriMinter.for_platform(platform), IriMinter.for_platform(platform, "https://shop.example.org"))
    return [order_document(order, minter) for order in orders for minter in minters]


def _platform_orders(platform: str) -> list[Order]:
    orders = []
    for path in fixture_inputs(platform):
        orders += [
            item for item in read_orders(io.BytesIO(path.read_bytes()), platform) if isinstance(item, Order)
        ]
    return orders


def _generated_orders(platform: str, count: int) -> list[Order]:
    data = generator(platform).ndjson(count)
    return [item for item in read_orders(io.BytesIO(data), platform) if isinstance(item, Order)]


# -- documents as they come ----------------------------------------------------------------------


@pytest.mark.parametrize("document", _fixture_documents(), ids=lambda d: str(d)[:40])
def test_every_dfc_fixture_is_read_alike_or_declined(document: t.Any) -> None:
    _taken(document)


def test_ofn_write_bodies_and_statebridge_documents_among_the_fixtures_are_taken() -> None:
    assert _taken(orjson.loads(OFN_POST.read_bytes()))
    assert _taken(orjson.loads(OFN_PUT.read_bytes()))
    assert all(_taken(document) for document in _documents(DFC / "statebridge_solidus_orders.ndjson"))
    assert _taken(orjson.loads((DFC / "statebridge_chord_order.json").read_bytes()))


@pytest.mark.parametrize("platform", table_platforms())
def test_the_writers_documents_of_every_platforms_fixtures_are_taken_and_read_alike(platform: str) -> None:
    documents = _written(_platform_orders(platform), platform)
    assert documents
    assert all(_taken(document) for document in documents)


@pytest.mark.parametrize("platform", GENERATED)
def test_the_writers_documents_of_generated_orders_are_taken_and_read_alike(platform: str) -> None:
    documents = _written(_generated_orders(platform, 40), platform)
    assert len(documents) == 80
    assert all(_taken(document) for document in documents)


def test_orders_read_from_dfc_with_kept_statements_are_taken_when_written_again() -> None:
    [order] = [item for item in _results(orjson.loads(OFN_POST.read_bytes()), direct=False)]
    assert isinstance(order, Order)
    assert order.kept
    assert all(_taken(document) for document in _written([order], "dfc"))


# -- documents changed -----------------------------------------------------------------------------

#: Values on the edges of what the reader takes: IRIs and CURIEs of every kind, literals of every
#: JSON type, value objects, references, embedded nodes, keywords.
EDGES: list[object] = [
    "",
    " ",
    "dfc-v:Held",
    "dfc-v:Draft",
    "dfc-v:Fulfilled",
    "dfc-b:Order",
    "dfc-b:Enterprise",
    "dfc-m:Piece",
    "dfc-m:Kilogram",
    "dfc:Order",
    "_:b0",
    "https://shop.example.org/api/dfc/enterprises/3",
    "https://shop.example.org/api/dfc/Orders/7#buyer",
    "https://shop.example.org/a b",
    "https://shop.example.org/a/../b",
    "urn:statebridge:spree:Orders:1",
    "/Orders/7",
    "http://www.w3.org/2001/XMLSchema#float",
    "2026-03-03T15:12:30+02:00",
    "2026-03-03T15:12:30",
    "12.50",
    "1e3",
    "\ud800",
    0,
    2,
    2**64,
    -0.0,
    True,
    None,
    [],
    [[]],
    {},
    {"@id": "dfc-v:Held"},
    {"@id": "_:b1"},
    {"@value": "2", "@type": "http://www.w3.org/2001/XMLSchema#float"},
    {"@value": "2026-03-03T15:12:30+02:00", "@type": "http://www.w3.org/2001/XMLSchema#dateTime"},
    {"@value": "x", "@language": "en"},
    {"@value": 2},
    {"@list": ["https://shop.example.org/l/1"]},
    {"@type": "dfc-b:QuantitativeValue", "dfc-b:hasUnit": "dfc-m:Piece", "dfc-b:value": "3"},
    {"@type": "dfc-b:Price", "dfc-b:value": "3", "dfc-b:hasUnit": "dfc-m:USDollar"},
]


def _seeds() -> list[t.Any]:
    written = _written(_generated_orders("spree", 2), "spree") + _written(
        _platform_orders("shopify")[:1], "shopify"
    )
    return [
        orjson.loads(OFN_POST.read_bytes()),
        orjson.loads(OFN_PUT.read_bytes()),
        orjson.loads((DFC / "compact_graph_orders.json").read_bytes()),
        *written,
    ]


def _single_mutations(seed: t.Any) -> t.Iterator[t.Any]:
    """`seed` with one value replaced by each edge value, or its key removed, at every place."""
    return single_mutations(seed, EDGES)


def _renamed_keys(seed: t.Any) -> t.Iterator[t.Any]:
    """`seed` with one key at a time renamed to a keyword or another term."""
    text = json.dumps(seed)
    for path in [(), *paths(seed)]:
        holder = json.loads(text)
        for step in path:
            holder = holder[step]
        if not isinstance(holder, dict):
            continue
        for key in list(holder):
            for name in (
                "@id",
                "@type",
                "@context",
                "@reverse",
                "@graph",
                "@value",
                "dfc-b",
                "dfc-b:x",
                "ofn:x",
                "x",
            ):
                document = json.loads(text)
                target = document
                for step in path:
                    target = target[step]
                target[name] = target.pop(key)
                yield document


def _exhaustive_seeds() -> list[t.Any]:
    """OFN's PUT and a written order: every value, every edge (the rest are mutated at random)."""
    return [_seeds()[index] for index in (1, 3)]


@pytest.mark.parametrize("index", range(2))
def test_every_value_of_every_seed_replaced_by_every_edge(index: int) -> None:
    seed = _exhaustive_seeds()[index]
    taken = sum(_taken(document) for document in _single_mutations(seed))
    assert taken > 0


@pytest.mark.parametrize("index", range(4))
def test_every_key_of_every_seed_renamed(index: int) -> None:
    """OFN's POST and PUT, the hand-written compact graph and a written order."""
    for document in _renamed_keys(_seeds()[index]):
        _taken(document)


@settings(max_examples=300, deadline=None)
@given(mutated(_seeds(), JSON_VALUES | st.sampled_from(EDGES)))
def test_mutated_documents_are_read_alike_or_declined(document: t.Any) -> None:
    _taken(document)


def test_a_document_the_reader_declines_is_still_read() -> None:
    """A form it does not take (a top-level array) goes to rdflib, with the same orders."""
    document = orjson.loads(OFN_PUT.read_bytes())
    as_array = [{**node, "@context": document["@context"]} for node in document["@graph"]]
    assert compact_graph(as_array) is None
    [order] = _results(as_array, direct=True)
    assert order == _results(document, direct=False)[0]


def test_errors_are_the_references() -> None:
    document = orjson.loads(OFN_PUT.read_bytes())
    document["@graph"][0]["dfc-b:hasOrderStatus"] = "dfc-v:Shipped"
    assert _taken(document)
    [error] = _results(document, direct=True)
    assert isinstance(error, str)
    assert "dfc-v:Shipped" in error
