"""The N-Triples and Turtle plans compiled per node shape (`dfc/rdfplan.py`) write exactly the bytes
of the generic writers (`rdfwrite.generic_*`), on every fixture of every platform, on generated
node objects of every form the writers read, and on keys and values made to look like code."""

from __future__ import annotations

import itertools
import pathlib
import typing as t

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from statebridge.dfc import IriMinter
from statebridge.dfc.jsonld import order_nodes
from statebridge.dfc.rdfplan import MAX_KEYS, PlanCache, Shape, compile_nt
from statebridge.dfc.rdfwrite import generic_ntriples_text, generic_turtle_text, ntriples_text, turtle_text
from statebridge.model import Order
from statebridge.translate import read_orders

from .platforms import fixture_inputs, registered

Node = dict[str, t.Any]


def _both(nodes: list[Node]) -> None:
    """Planned and generic text are equal, the first time a shape is seen (generic) and after it has
    been compiled (the third time, to be sure the plan is used)."""
    seed = str(nodes[0].get("@id", "urn:seed")) if nodes else "urn:seed"
    for _ in range(3):
        assert ntriples_text(nodes, seed) == generic_ntriples_text(nodes, seed)
        assert turtle_text(nodes) == generic_turtle_text(nodes)


_FIXTURES = [path for platform in registered() for path in fixture_inputs(platform)]


@pytest.mark.parametrize("path", _FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_plans_write_the_generic_bytes_for_every_fixture(path: pathlib.Path) -> None:
    platform = path.parent.name
    with path.open("rb") as stream:
        orders = [o for o in read_orders(stream, platform) if isinstance(o, Order)]
    for base in (None, "https://shop.example.org"):
        minter = IriMinter.for_platform(platform, base)
        for order in orders:
            _both(order_nodes(order, minter))


def test_a_shape_is_compiled_the_second_time_and_used_after() -> None:
    node = {"@id": "urn:o:1", "@type": "dfc-b:Order", "dfc-b:orderNumber": "R1"}
    calls: list[str] = []

    def generic(node: Node, subject: str, writer: t.Any) -> None:
        calls.append("generic")

    cache: PlanCache[t.Any] = PlanCache(compile_nt, generic)
    keys = tuple(node)
    assert cache.find(keys, node) is generic  # seen once: not compiled
    assert keys not in cache.plans
    plan = cache.find(keys, node)
    assert plan is not generic
    assert cache.plans[keys] is plan


def _shape(node: Node) -> Shape:
    return tuple(node), tuple(map(type, node.values()))


def test_shapes_a_plan_does_not_take_stay_generic() -> None:
    wide = {"@id": "urn:o:1", **{f"dfc-b:p{i}": f"v{i}" for i in range(MAX_KEYS + 1)}}
    numbers = {"@id": "urn:o:1", "dfc-b:orderNumber": 3}
    assert compile_nt(_shape(wide), wide) is None
    assert compile_nt(_shape(numbers), numbers) is None
    assert compile_nt(_shape({}), {}) is None
    _both([wide])
    for _ in range(3):  # a value the writers never make fails alike, planned or not
        with pytest.raises(TypeError, match="not a JSON-LD value"):
            ntriples_text([numbers], "urn:o:1")


def test_keys_and_values_that_look_like_code_are_only_text(tmp_path: pathlib.Path) -> None:
    planted = tmp_path / "planted"
    code = f'{{__import__("pathlib").Path("{planted}").touch()}}'
    node = {
        "@id": "urn:o:{x}",
        "@type": f"dfc-b:{code}",
        f"dfc-b:{code}": code,
        f'http://example.org/"{code}': [code, {"@value": code, "@language": "en"}],
        "dfc-b:hasPart": f"urn:l:{code}",
    }
    _both([node])
    assert not planted.exists()


# -- generated node objects ---------------------------------------------------------------------

_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(['"', "\\", "\n", "{", "}", "<", ">", " ", "_", ":"]),
    ),
    max_size=8,
)
#: Properties of both kinds: `@type: @id` in the context (string values are IRIs) and not.
_keys = st.sampled_from(
    ["dfc-b:hasPart", "dfc-b:orderedBy", "dfc-b:hasUnit", "dfc-b:description", "dfc-b:orderNumber"]
) | _text.map(lambda s: f"http://example.org/{s}")
_iris = st.sampled_from(["urn:o:1", "dfc-b:Order", "dfc-m:Euro", "_:k1-a", "_:k1-b c"]) | _text.map(
    lambda s: f"urn:x:{s}"
)
_literals = st.builds(
    lambda v, d: {"@value": v, "@type": d}, _text, st.sampled_from(["xsd:float", "xsd:dateTime"])
)
_languages = st.builds(
    lambda v, lang: {"@value": v, "@language": lang}, _text, st.sampled_from(["en", "fr-BE"])
)
_refs = _iris.map(lambda iri: {"@id": iri})


def _values(children: st.SearchStrategy[t.Any]) -> st.SearchStrategy[t.Any]:
    one = st.one_of(_text, _iris, _literals, _languages, _refs, children)
    return one | st.lists(one, max_size=3)


_embedded = st.deferred(
    lambda: st.dictionaries(_keys, _values(_embedded), max_size=3).map(
        lambda d: {"@type": "dfc-b:Price", **d}
    )
)
_nodes = st.builds(
    lambda iri, types, props: {"@id": iri, **({"@type": types} if types is not None else {}), **props},
    _iris,
    st.none() | st.sampled_from(["dfc-b:Order", "dfc-b:Person"]) | st.lists(_iris, max_size=2),
    st.dictionaries(_keys, _values(_embedded), max_size=5),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=st.lists(_nodes, min_size=1, max_size=4))
def test_generated_nodes_are_written_alike_planned_or_not(nodes: list[Node]) -> None:
    _both(nodes)


def test_nodes_of_one_shape_with_different_values_are_each_their_own() -> None:
    """A plan is per shape, never per node: the same keys with other values give other triples."""
    shapes = [
        {"@id": f"urn:o:{n}", "@type": kind, "dfc-b:orderNumber": f"R{n}", "dfc-b:hasPart": f"urn:l:{n}"}
        for n, kind in zip(range(6), itertools.cycle(["dfc-b:Order", "dfc-b:Person"]), strict=False)
    ]
    texts = [ntriples_text([node], str(node["@id"])) for node in shapes]
    assert len(set(texts)) == len(texts)
    for node, text in zip(shapes, texts, strict=True):
        assert f'"{node["dfc-b:orderNumber"]}"' in text
        assert text == generic_ntriples_text([node], str(node["@id"]))


_PRICE = {"@type": "dfc-b:Price", "dfc-b:value": {"@value": "1.5", "@type": "xsd:float"}}


@pytest.mark.parametrize(
    "other",
    [
        ["a", "b"],  # a list where the plan spells a string
        {"@value": "x", "@language": "en"},  # a value object there
        {"@id": "urn:x:1"},  # a reference there
        {"@type": "dfc-b:Price"},  # an embedded node there
    ],
    ids=["list", "value", "reference", "node"],
)
def test_a_value_of_another_type_than_the_plan_was_made_for_is_written_as_the_generic_writer_does(
    other: t.Any,
) -> None:
    """The plan for these keys spells `dfc-b:description` as a string, after an embedded price whose
    lines it has already appended: it must take them back before the generic writer writes the node."""
    usual = {"@id": "urn:o:1", "@type": "dfc-b:OrderLine", "dfc-b:hasPrice": _PRICE, "dfc-b:description": "d"}
    for _ in range(3):  # compiled for a string description
        _both([usual])
    odd = {**usual, "dfc-b:description": other}
    _both([odd, usual, odd])
    lines = ntriples_text([odd], "urn:o:1").splitlines()
    assert len(lines) == len(set(lines))  # nothing written twice


def test_a_list_or_object_of_another_type_goes_to_the_generic_writer() -> None:
    usual = {"@id": "urn:o:1", "dfc-b:hasPart": ["urn:l:1", "urn:l:2"], "dfc-b:hasPrice": _PRICE}
    for _ in range(3):
        _both([usual])
    for odd in ({**usual, "dfc-b:hasPart": "urn:l:1"}, {**usual, "dfc-b:hasPrice": "urn:p:1"}):
        _both([odd])
    with pytest.raises(TypeError, match="not a JSON-LD value"):
        ntriples_text([{**usual, "dfc-b:hasPrice": 7}], "urn:o:1")
    with pytest.raises(TypeError, match="not a JSON-LD value"):
        turtle_text([{**usual, "dfc-b:hasPart": [7]}])


@pytest.mark.parametrize(
    "price",
    [
        {"@type": "dfc-b:Price", "dfc-b:value": "1.5"},  # a string where the value object was
        {"@type": "dfc-b:Price", "dfc-b:value": {"@id": "urn:v:1"}},  # a reference there
        {"@type": ["dfc-b:Price"], "dfc-b:value": {"@value": "2", "@type": "xsd:float"}},  # a list of types
        {"@type": "dfc-b:Price", "dfc-b:value": {"@type": "dfc-b:QuantitativeValue"}},  # a node
        {"dfc-b:value": {"@value": "2", "@type": "xsd:float"}, "@type": "dfc-b:Price"},  # keys reordered
        {"@type": "dfc-b:Price", "dfc-b:value": {"@value": "2", "@type": "xsd:float"}},  # as compiled
    ],
)
def test_embedded_nodes_written_inline_or_not_are_the_generic_writers(price: Node) -> None:
    """A line plan writes a price like the one it was compiled with inline, labelled as
    `NTriples.blank` labels it; any other goes through the generic code, with the same labels."""
    line = {"@id": "urn:l:1", "@type": "dfc-b:OrderLine", "dfc-b:hasPrice": _PRICE}
    quantity = {"@type": "dfc-b:QuantitativeValue", "dfc-b:value": {"@value": "3", "@type": "xsd:float"}}
    for _ in range(3):
        _both([line, {**line, "@id": "urn:l:2"}])
    odd = {**line, "dfc-b:hasPrice": price, "dfc-b:hasQuantity": quantity}
    _both([line, {**line, "dfc-b:hasPrice": price}, odd, line])
    text = ntriples_text([line, {**line, "@id": "urn:l:2", "dfc-b:hasPrice": price}], "urn:o:1")
    assert text.count("n1 ") >= 1
    assert "n2 " in text  # the second line's price: the second label, inline or not
