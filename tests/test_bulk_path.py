"""The bulk path of `translate` (`statebridge.bulk`, the platforms' `document_reader`s) against the
reference path: `read_orders` (adapter, canonical `Order`) and the writers' `order_nodes`.

Both must give the same bytes in every format and the same problems, at the same positions, for
every fixture, every generated order and every mutation Hypothesis makes of them; and the bulk
path must actually take the orders it is there for (else it would be proven equal by never running).
"""

from __future__ import annotations

import io
import json
import typing as t

import orjson
import pytest
from bench.orders import PLATFORMS as GENERATED, generator
from hypothesis import given, strategies as st

from statebridge.bulk import NodeReader, read_nodes
from statebridge.dfc import IriMinter
from statebridge.errors import OrderError
from statebridge.formats import FORMATS
from statebridge.pipeline import OnUnknown
from statebridge.reading import read_documents
from statebridge.translate import read_orders, translate

from .fuzzing import mutated, single_mutations
from .platforms import adapter, fixture_inputs, table, table_platforms
from .shopify_orders import shopify_bare_orders

PLATFORMS = table_platforms()
BASES = (None, "https://shop.example.org/")


def reference(data: bytes, platform: str, fmt: str, base_url: str | None) -> tuple[bytes, list[str]]:
    """What the reference path writes, and the problems it meets (as the command line shows them)."""
    results = list(read_orders(io.BytesIO(data), platform))
    out = io.BytesIO()
    orders = [result for result in results if not isinstance(result, OrderError)]
    FORMATS[fmt](orders, IriMinter.for_platform(platform, base_url), out)
    return out.getvalue(), [str(result) for result in results if isinstance(result, OrderError)]


def bulk(data: bytes, platform: str, fmt: str, base_url: str | None) -> tuple[bytes, list[str]]:
    """What `translate` writes (the bulk path where it takes an order), and its problems."""
    out = io.BytesIO()
    report = translate(
        io.BytesIO(data), out, platform=platform, fmt=fmt, base_url=base_url, on_unknown=OnUnknown.SKIP
    )
    return out.getvalue(), [str(problem) for problem in report.problems]


def _fixtures() -> list[tuple[str, t.Any]]:
    return [(name, path) for name in PLATFORMS for path in fixture_inputs(name)]


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize(("platform", "path"), _fixtures(), ids=lambda v: getattr(v, "name", v))
def test_every_fixture_gives_the_reference_bytes_and_problems(platform: str, path: t.Any, fmt: str) -> None:
    data = path.read_bytes()
    for base_url in BASES:
        assert bulk(data, platform, fmt, base_url) == reference(data, platform, fmt, base_url)


@pytest.mark.parametrize("platform", GENERATED)
def test_generated_orders_of_every_status_give_the_reference_bytes(platform: str) -> None:
    data = generator(platform).ndjson(300)
    for fmt in FORMATS:
        written, problems = bulk(data, platform, fmt, None)
        assert (written, problems) == reference(data, platform, fmt, None)
        assert not problems


@pytest.mark.parametrize("platform", GENERATED)
def test_the_bulk_path_takes_every_generated_order(platform: str) -> None:
    """Every status combination the generator covers goes through the bulk path, none through the
    reference: the document reader where the platform has one, else the node reader."""
    source = adapter(platform)
    minter = IriMinter.for_platform(platform)
    lines = generator(platform).ndjson(200).splitlines()
    whole = source.document_reader(minter)
    reader = NodeReader(source, minter)
    written = list(read_nodes(source, read_documents(io.BytesIO(b"\n".join(lines))), minter, reader))
    assert len(written) == len(lines)
    assert reader.declined == 0
    if whole is not None:
        assert all(whole(orjson.loads(line)) is not None for line in lines)
        assert reader.taken == 0
    else:
        assert reader.taken == len(lines)


def _seeds(platform: str, *, whole_files: bool = True) -> list[t.Any]:
    """Orders of the platform: two generated ones (in two statuses), every NDJSON line of its
    fixtures (for Shopify also `shopify_bare_orders`), then (with `whole_files`) its whole-file
    fixtures."""
    seeds = (
        [orjson.loads(line) for line in generator(platform).ndjson(2).splitlines()]
        if (platform in GENERATED)
        else []
    )
    for path in fixture_inputs(platform):
        if path.suffix == ".ndjson":
            seeds += [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    if platform == "shopify":
        seeds += shopify_bare_orders()
    if whole_files:
        seeds += [
            orjson.loads(path.read_bytes()) for path in fixture_inputs(platform) if path.suffix == ".json"
        ]
    return seeds


def _status_words(platform: str) -> list[str]:
    return sorted({value for spec in table(platform).fields.values() for value in spec.values})


#: Values that sit on the edges of what the bulk path takes: timestamps in other forms, decimals,
#: currency codes, ids of every type, big and odd numbers.
EDGES = [
    "2026-03-03T15:12:30.000Z",
    "2026-03-03T15:12:30Z",
    "2026-03-03T15:12:30+02:00",
    "2026-03-03T15:12:30.1234567Z",
    "2026-03-03T15:12:30.5Z",
    "2026-03-03T15:12:30.120+00:00",
    "2026-03-03 15:12:30Z",
    "2026-03-03T15:12:30",
    "2026-02-30T10:00:00Z",
    "2026-03-03T24:00:00Z",
    "2026-03-03T15:12:60Z",
    "2026-03-03T15:12:30+24:00",
    "2026-03-03T15:12:30-00:00",
    "2026-03-03",
    "0001-01-01T00:00:00+00:00",
    "1700000000",
    "12.50",
    "12.5000000000000000000000000000001",
    "-0",
    "1e3",
    " 4.10",
    "NaN",
    "Infinity",
    "",
    " ",
    "EUR",
    "eur",
    "EURO",
    "ÉUR",
    1700000000,
    0,
    -1,
    2**63,
    10**30,
    4.1,
    -0.0,
    1e300,
    True,
    False,
    None,
    [],
    {},
]


def _values(platform: str) -> st.SearchStrategy[object]:
    scalars = st.sampled_from(EDGES + _status_words(platform)) | st.integers() | st.text(max_size=6)
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=2) | st.dictionaries(st.text(max_size=4), children, max_size=3)
        ),
        max_leaves=6,
    )


def _drop_keys(document: t.Any, draw: st.DrawFn) -> t.Any:
    """`document` with up to two keys removed somewhere inside it."""
    for _ in range(draw(st.integers(0, 2))):
        holders = [node for node in _dicts(document) if node]
        if not holders:
            break
        holder = draw(st.sampled_from(holders))
        del holder[draw(st.sampled_from(sorted(holder, key=str)))]
    return document


def _dicts(node: t.Any) -> t.Iterator[dict[str, t.Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _dicts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _dicts(value)


def _single_mutations(seed: t.Any, edges: list[object]) -> t.Iterator[t.Any]:
    """`seed` with one value replaced by each edge value, or its key removed, at every place; and
    with each of `ENVELOPE_KEYS` added."""
    yield from single_mutations(seed, edges)
    if isinstance(seed, dict):  # a key added at the top: an envelope's, or another shape's marker
        for key in ENVELOPE_KEYS:
            for value in ([], None):
                yield {**json.loads(json.dumps(seed)), key: value}


#: Keys by which the adapters tell envelopes and shapes apart (JSON:API, GraphQL, JSON-LD, lists),
#: or an order of one shape from another's (Spree's `state`, `status`, `number`, `items`).
ENVELOPE_KEYS = (
    "state",
    "status",
    "number",
    "items",
    "data",
    "errors",
    "included",
    "meta",
    "orders",
    "order",
    "Orders",
    "nodes",
    "edges",
    "pagination",
    "@context",
    "@graph",
    "@type",
)


def _envelope_mutations(seed: t.Any) -> t.Iterator[t.Any]:
    """`seed` with one envelope key added at its top (or its value replaced), for each key."""
    if not isinstance(seed, dict):
        return
    text = json.dumps(seed)
    for key in ENVELOPE_KEYS:
        for value in ([], {}, None):
            document = json.loads(text)
            document[key] = value
            yield document


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_value_of_every_seed_replaced_by_every_edge(platform: str) -> None:
    """Exhaustive at depth one: each value of a few real and generated orders replaced by each
    edge value (and each key removed), and with each envelope key added at their top, all in one
    NDJSON input; output and problems are the reference's, line for line."""
    seeds = _seeds(platform, whole_files=False)[:4]
    edges = EDGES + _status_words(platform)[:4]
    lines = [json.dumps(doc).encode() for seed in seeds for doc in _single_mutations(seed, edges)]
    lines += [json.dumps(doc).encode() for seed in seeds for doc in _envelope_mutations(seed)]
    data = b"\n".join(lines) + b"\n"
    written, problems = bulk(data, platform, "jsonld", BASES[1])
    expected_written, expected_problems = reference(data, platform, "jsonld", BASES[1])
    assert problems == expected_problems
    assert written == expected_written
    assert len(lines) > 100


#: Fewer edge values, for whole documents (their values are many): one of each kind.
FEW_EDGES = ["2026-03-03T15:12:30.5Z", "", 7, -1, True, None, {}]


def _whole_documents_taken() -> list[tuple[str, t.Any]]:
    """The whole-file fixtures that a platform's document reader takes: one order each, with the
    related resources and fields that NDJSON lines seldom carry (customers, addresses, shipments)."""
    found = []
    for platform in PLATFORMS:
        whole = adapter(platform).document_reader(IriMinter.for_platform(platform))
        if whole is None:
            continue
        for path in fixture_inputs(platform):
            if path.suffix == ".json" and whole(orjson.loads(path.read_bytes())) is not None:
                found.append((platform, path))
    return found


@pytest.mark.parametrize(("platform", "path"), _whole_documents_taken(), ids=lambda v: getattr(v, "name", v))
def test_every_value_of_a_whole_document_replaced(platform: str, path: t.Any) -> None:
    """Exhaustive at depth one on each whole document a document reader takes, with one edge
    value of each kind: output and problems are the reference's, line for line."""
    seed = orjson.loads(path.read_bytes())
    lines = [json.dumps(doc).encode() for doc in _single_mutations(seed, FEW_EDGES)]
    data = b"\n".join(lines) + b"\n"
    written, problems = bulk(data, platform, "jsonld", BASES[1])
    expected_written, expected_problems = reference(data, platform, "jsonld", BASES[1])
    assert problems == expected_problems
    assert written == expected_written
    assert len(lines) > 100


def _listed_orders_taken() -> list[tuple[str, list[bytes]]]:
    """The orders of each JSON:API list fixture (`{"data": [...], "included": [...]}`), each as a
    single-order document with the list's `included` (and again with its cents as text), when
    the platform's document reader takes some: they carry what NDJSON fixtures lack (other
    currencies' minor units, bundles, promotions)."""
    found = []
    for platform in PLATFORMS:
        whole = adapter(platform).document_reader(IriMinter.for_platform(platform))
        if whole is None:
            continue
        for path in fixture_inputs(platform):
            listed = orjson.loads(path.read_bytes()) if path.suffix == ".json" else None
            if not (
                isinstance(listed, dict) and isinstance(listed.get("data"), list) and "included" in listed
            ):
                continue
            documents = [{"data": order, "included": listed["included"]} for order in listed["data"]]
            if any(whole(document) is not None for document in documents):
                documents += [_cents_as_text(document) for document in documents]
                found.append((platform, [orjson.dumps(document) for document in documents]))
    return found


def _cents_as_text(node: t.Any) -> t.Any:
    """`node` with every integer amount in minor units (`*_cents`) as text: `1580` -> `"1580"`."""
    if isinstance(node, dict):
        return {
            key: str(value) if key.endswith("_cents") and type(value) is int else _cents_as_text(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_cents_as_text(value) for value in node]
    return node


@pytest.mark.parametrize(
    ("platform", "lines"),
    _listed_orders_taken(),
    ids=lambda v: v if isinstance(v, str) else f"{len(v)}-orders",
)
def test_each_order_of_a_list_as_its_own_document(platform: str, lines: list[bytes]) -> None:
    data = b"\n".join(lines) + b"\n"
    for fmt in FORMATS:
        for base_url in BASES:
            assert bulk(data, platform, fmt, base_url) == reference(data, platform, fmt, base_url)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_mutated_orders_give_the_reference_bytes_and_problems(platform: str) -> None:
    """Real and generated orders with values replaced by edge values and keys removed: whatever
    the bulk path takes or declines, the output and the problems are the reference path's."""
    seeds = _seeds(platform)

    @st.composite
    def documents(draw: st.DrawFn) -> t.Any:
        return _drop_keys(draw(mutated(seeds, _values(platform))), draw)

    whole = adapter(platform).document_reader(IriMinter.for_platform(platform))
    seen = {"taken": 0, "declined": 0}

    @given(st.lists(documents(), min_size=1, max_size=3), st.sampled_from(BASES))
    def check(docs: list[t.Any], base_url: str | None) -> None:
        data = b"\n".join(json.dumps(doc, ensure_ascii=False).encode() for doc in docs) + b"\n"
        assert bulk(data, platform, "jsonld", base_url) == reference(data, platform, "jsonld", base_url)
        if whole is not None:
            for doc in docs:
                seen["taken" if whole(orjson.loads(json.dumps(doc))) is not None else "declined"] += 1

    check()
    if whole is not None:  # both sides of the document reader were compared
        assert seen["taken"], seen
        assert seen["declined"], seen


@pytest.mark.parametrize("platform", GENERATED)
@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_numbers_json_does_not_have_are_refused_alike(platform: str, literal: bytes) -> None:
    """orjson refuses NaN, Infinity and 1e400 (pydantic-core's JSON parser takes them): the bulk
    path reads with orjson like the reference, so such a line is `not valid JSON` on both paths,
    and the lines around it still go through."""
    good = generator(platform).ndjson(2).splitlines()
    bad = good[0].replace(b"{", b'{"x":' + literal + b",", 1)
    data = b"\n".join([good[0], bad, good[1]]) + b"\n"
    written, problems = bulk(data, platform, "jsonld", None)
    assert (written, problems) == reference(data, platform, "jsonld", None)
    assert len(problems) == 1
    assert "line 2" in problems[0]
    assert "not valid JSON" in problems[0]
