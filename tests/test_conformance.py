"""One conformance suite over every registered platform: what every adapter must do.

Every platform registered in the `statebridge.platforms` entry-point group is tested here, by name,
through `tests/platforms.py` (the one module that knows how platforms are registered):

- each fixture in `fixtures/<platform>/` translates without error and equals its golden
  `.expected.jsonld` file (`statebridge validate`'s check, per file);
- each shape in `adapter.shapes` is detected from at least one fixture, and no fixture gives a shape
  the adapter does not declare;
- for a platform with a mapping table, every value of every field has a row: the fixtures carry it,
  and each order carrying it has the table's answer for its status (or the table's rejection);
- arbitrary JSON, JSON made of the platform's own keys and words, and a fixture with a few of its
  values replaced never crash the reader: it yields orders or errors (`StatebridgeError`), and
  raises nothing else.

Adding a platform needs no edit here: declare its `Platform` in the `statebridge.platforms` entry-point
group (pyproject.toml, or any installed package), give it a table in `mappings/` if it has one, and
put its fixtures with their golden files in `fixtures/<name>/` (`statebridge validate --update`
writes them). Every test above then gets rows named after it; a platform with no fixture, or a
shape or a table value no fixture shows, fails the suite until one is added.
"""

from __future__ import annotations

import functools
import io
import json
import pathlib
import typing as t

import pytest
from hypothesis import given, strategies as st
from rdflib.plugins.shared.jsonld import context as rdflib_context

from statebridge.errors import OrderError, RejectedStatusError, StatebridgeError
from statebridge.model import Order
from statebridge.states import DFCStates
from statebridge.translate import read_orders
from statebridge.validate import validate_fixture

from .fuzzing import JSON_VALUES, mutated, platformish
from .platforms import FIXTURES as FIXTURE_ROOT, adapter, fixture_inputs, registered, table, table_platforms


@pytest.fixture(autouse=True, scope="module")
def _no_fetching() -> t.Iterator[None]:
    """Fail any test here in which rdflib tries to fetch a JSON-LD context (network or disk)."""
    fetched: list[str] = []

    def refuse(source: t.Any, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        fetched.append(str(source))
        raise AssertionError(f"rdflib tried to fetch {source!r}")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rdflib_context, "source_to_json", refuse)
        yield
    assert fetched == []


def _read(name: str, data: bytes) -> list[Order | OrderError]:
    return list(read_orders(io.BytesIO(data), name))


@functools.cache
def _fixture_outcomes(name: str, path: pathlib.Path) -> tuple[Order | OrderError, ...]:
    return tuple(_read(name, path.read_bytes()))


def _fixture_orders(name: str) -> list[Order]:
    return [o for path in fixture_inputs(name) for o in _fixture_outcomes(name, path) if isinstance(o, Order)]


FIXTURES = [(name, path) for name in registered() for path in fixture_inputs(name)]


def _fixture_id(case: tuple[str, pathlib.Path]) -> str:
    return f"{case[0]}-{case[1].name}"


# -- fixtures and their golden files ----------------------------------------------------------------


@pytest.mark.parametrize("name", registered())
def test_every_platform_has_fixtures(name: str) -> None:
    assert fixture_inputs(name), f"no fixtures for {name}: add some, with golden files, to fixtures/{name}/"


def test_every_fixture_folder_is_a_registered_platform() -> None:
    folders = {p.name for p in FIXTURE_ROOT.iterdir() if p.is_dir()}
    assert folders - set(registered()) == set(), "fixtures that no registered platform reads"


@pytest.mark.parametrize("case", FIXTURES, ids=_fixture_id)
def test_fixture_translates_and_equals_its_golden_file(case: tuple[str, pathlib.Path]) -> None:
    name, path = case
    outcomes = _fixture_outcomes(name, path)
    assert outcomes, f"{path.name} holds no order"
    assert [str(o) for o in outcomes if isinstance(o, OrderError)] == []
    assert all(o.platform == name for o in outcomes if isinstance(o, Order))
    result = validate_fixture(path, name)
    assert result.ok, "\n".join(result.details)


# -- shapes -------------------------------------------------------------------------------------------

SHAPES = [(name, shape) for name in registered() for shape in adapter(name).shapes]


@pytest.mark.parametrize("case", SHAPES, ids=lambda case: f"{case[0]}-{case[1]}")
def test_each_shape_is_detected_from_a_fixture(case: tuple[str, str]) -> None:
    name, shape = case
    showing = [p.name for p in fixture_inputs(name) if any(o.shape == shape for o in _orders_of(name, p))]
    assert showing, f"no {name} fixture is read as shape {shape!r}: add one to fixtures/{name}/"


@pytest.mark.parametrize("name", registered())
def test_fixtures_give_only_declared_shapes(name: str) -> None:
    undeclared = {o.shape for o in _fixture_orders(name)} - set(adapter(name).shapes)
    assert undeclared == set(), f"{name} orders read as shapes it does not declare in `shapes`"


def _orders_of(name: str, path: pathlib.Path) -> list[Order]:
    return [o for o in _fixture_outcomes(name, path) if isinstance(o, Order)]


# -- every value of every field ---------------------------------------------------------------------

VALUES = [
    (name, field, value)
    for name in table_platforms()
    for field, spec in table(name).fields.items()
    for value in spec.domain
]


def _value_id(case: tuple[str, str, str | None]) -> str:
    name, field, value = case
    return f"{name}-{field}={'null' if value is None else value}"


def _answer(name: str, status: t.Mapping[str, str | None]) -> DFCStates | str:
    """What the table says for `status`: its triple, or the message of its named rejection."""
    try:
        return table(name).translate(status)
    except RejectedStatusError as exc:
        return str(exc)


@pytest.mark.parametrize("case", VALUES, ids=_value_id)
def test_every_value_of_every_field_reads_as_the_table_says(case: tuple[str, str, str | None]) -> None:
    name, field, value = case
    carrying = [o for o in _fixture_orders(name) if o.platform_status.get(field) == value]
    assert carrying, f"no {name} fixture has {field}={value!r}: add an order carrying it"
    for order in carrying:
        answer = _answer(name, order.platform_status)
        assert isinstance(answer, DFCStates), f"{order.number}: the table rejects it ({answer})"
        assert order.states == answer, f"{order.number} {dict(order.platform_status)}"


@pytest.mark.parametrize("case", VALUES, ids=_value_id)
def test_every_value_is_known_to_the_table_and_others_are_named(case: tuple[str, str, str | None]) -> None:
    """Each domain value passes the table's check; a value one character off is refused by name."""
    name, field, value = case
    tbl = table(name)
    tbl.check_value(field, value)
    wrong = f"{value}?" if value is not None else "?"
    with pytest.raises(StatebridgeError, match=field):
        tbl.check_value(field, wrong)


# -- arbitrary input never crashes -------------------------------------------------------------------


def _documents(path: pathlib.Path) -> list[object]:
    """The JSON documents of a fixture file (each line of NDJSON); none for XML."""
    text = path.read_text("utf-8")
    if path.suffix == ".ndjson":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if path.suffix == ".json":
        return [json.loads(text)]
    return []


def _walk(node: object, keys: set[str], words: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            keys.add(key)
            _walk(value, keys, words)
    elif isinstance(node, list):
        for value in node:
            _walk(value, keys, words)
    elif isinstance(node, str) and len(node) <= 60:
        words.add(node)


@functools.cache
def _seeds(name: str) -> tuple[object, ...]:
    return tuple(d for path in fixture_inputs(name) for d in _documents(path))


#: Keys and words every platform's fuzzing gets besides its fixtures' own: envelopes of errors,
#: JSON-LD keywords, and text that looks like a number or a date but is not a valid one.
EXTRA_KEYS = ("errors", "data", "@context", "@graph", "@list", "@base", "@value", "@type")
EXTRA_WORDS = ("", "-1", "1,5", "12.50", "1e3", "2025-01-01T00:00:00Z", "2026-02-14T13:45:00", "true", "null")


@functools.cache
def _platformish(name: str) -> st.SearchStrategy[object]:
    """JSON built from the keys and short strings of the platform's own fixtures (and a few more)."""
    keys: set[str] = set(EXTRA_KEYS)
    words: set[str] = set(EXTRA_WORDS)
    for document in _seeds(name):
        _walk(document, keys, words)
    return platformish(sorted(keys), sorted(words), floats=True)


def _check(name: str, document: object) -> None:
    """Through the pipeline and through the adapter directly: orders or errors, never a crash."""
    try:
        outcomes: list[object] = list(_read(name, json.dumps(document).encode()))
    except StatebridgeError as exc:
        outcomes = [exc]
    reader = adapter(name)
    reader.start_document(None)
    try:
        raws = [*reader.split(document), *reader.finish()]
    except StatebridgeError as exc:
        raws = [exc]
    for raw in raws:
        try:
            outcomes.append(raw if isinstance(raw, StatebridgeError) else reader.read(raw))
        except StatebridgeError as exc:
            outcomes.append(exc)
    for outcome in outcomes:
        assert isinstance(outcome, Order | StatebridgeError), repr(outcome)
        if isinstance(outcome, StatebridgeError):
            assert str(outcome)


@pytest.mark.parametrize("name", registered())
@given(data=st.data())
def test_arbitrary_json_yields_orders_or_errors_never_an_exception(name: str, data: st.DataObject) -> None:
    _check(name, data.draw(JSON_VALUES | _platformish(name)))


@pytest.mark.parametrize("name", [n for n in registered() if _seeds(n)])
@given(data=st.data())
def test_a_fixture_with_any_values_replaced_never_crashes(name: str, data: st.DataObject) -> None:
    _check(name, data.draw(mutated(_seeds(name), JSON_VALUES | _platformish(name))))
