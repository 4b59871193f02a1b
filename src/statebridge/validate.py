"""`statebridge validate`: translate fixtures and compare them with the expected output beside them.

A fixture is an input file (`NAME.json`, `NAME.ndjson`, `NAME.xml`) in a folder named after its
platform (or given with `--platform`), with `NAME.expected.jsonld` beside it. Outputs are compared
as RDF graphs, never as bytes, so key order, whitespace and node order do not matter. A mismatch
is shown per subject, with the statements only the expected output has (`-`) and those only the
new output has (`+`).

`update=True` writes the expected files instead, from the rdflib reference path (`to_graph` and
rdflib's JSON-LD serializer), so that they never depend on the fast writer they check. Blank nodes
(a line's price and quantity) are embedded in the node that refers to them, as the writers write
them. Graphs are compared with rdflib's isomorphism, which matches blank nodes by structure, not
by label.
"""

from __future__ import annotations

import dataclasses
import io
import json
import pathlib
import typing as t

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.term import Node

from .dfc import IriMinter, orders_to_graph, parse_jsonld, write_document
from .dfc.context import term_definitions
from .dfc.vocab import CONTEXT_URL
from .errors import StatebridgeError, UsageError
from .mapping import Tables
from .model import Order
from .platforms import get_adapter
from .translate import read_orders

__all__ = ["INPUT_SUFFIXES", "FixtureResult", "expected_path", "validate_fixtures"]

INPUT_SUFFIXES = (".json", ".ndjson", ".xml")
EXPECTED_SUFFIX = ".expected.jsonld"


@dataclasses.dataclass
class FixtureResult:
    """The outcome for one fixture: `ok`, or the lines that say what differs."""

    path: pathlib.Path
    ok: bool
    details: list[str] = dataclasses.field(default_factory=list)
    orders: int = 0


def expected_path(path: pathlib.Path) -> pathlib.Path:
    return path.with_name(path.stem + EXPECTED_SUFFIX)


def fixture_files(directory: pathlib.Path) -> list[pathlib.Path]:
    """Input fixtures in `directory`, sorted (expected outputs and other files are not inputs)."""
    return sorted(
        p
        for p in directory.iterdir()
        if p.is_file() and p.suffix in INPUT_SUFFIXES and not p.name.endswith(EXPECTED_SUFFIX)
    )


def _read(path: pathlib.Path, platform: str, tables: Tables | None) -> tuple[list[Order], list[str]]:
    orders: list[Order] = []
    problems: list[str] = []
    with path.open("rb") as stream:
        for outcome in read_orders(stream, platform, tables=tables):
            if isinstance(outcome, StatebridgeError):
                problems.append(str(outcome))
            else:
                orders.append(outcome)
    return orders, problems


def _short(term: Node, graph: Graph) -> str:
    if isinstance(term, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(term)
        except ValueError:  # pragma: no cover - rdflib refuses some IRIs as prefixed names
            return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3(graph.namespace_manager)
    return str(term.n3())


def _diff(expected: Graph, actual: Graph) -> list[str]:
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    names = Graph()
    for prefix, namespace in actual.namespaces():
        names.bind(prefix, namespace)
    subjects: dict[str, list[str]] = {}
    for sign, graph in (("-", only_expected), ("+", only_actual)):
        for s, p, o in sorted(graph):
            subjects.setdefault(_short(s, names), []).append(
                f"    {sign} {_short(p, names)} {_short(o, names)}"
            )
    lines = []
    for subject in sorted(subjects):
        lines.append(f"  {subject}")
        lines.extend(subjects[subject])
    return lines


def _compact_nodes(graph: Graph) -> list[dict[str, t.Any]]:
    """rdflib's compact JSON-LD for `graph`: its node objects, without their `@context`."""
    document = json.loads(graph.serialize(format="json-ld", context=term_definitions(), auto_compact=True))
    nodes: list[dict[str, t.Any]] = document.get("@graph", [document] if "@id" in document else [])
    for node in nodes:
        node.pop("@context", None)
    return nodes


def _embedded(value: t.Any, blanks: dict[str, dict[str, t.Any]]) -> t.Any:
    """`value` with each reference to a blank node in `blanks` replaced by that node."""
    if isinstance(value, list):
        return [_embedded(item, blanks) for item in value]
    label = value.get("@id") if isinstance(value, dict) and len(value) == 1 else value
    if isinstance(label, str) and label in blanks:
        return _embedded(blanks.pop(label), blanks)
    if isinstance(value, dict):
        return {key: item if key == "@id" else _embedded(item, blanks) for key, item in value.items()}
    return value


def reference_document(orders: list[Order], minter: IriMinter) -> dict[str, t.Any]:
    """The expected output for `orders`, built by the rdflib reference path, nodes sorted by @id.

    rdflib's serializer leaves out a blank node that a term typed `@id` (`dfc-b:hasPrice`) refers
    to, so each blank node is compacted on its own: one referred to exactly once is embedded where
    it is referred to (as the fast writer embeds prices and quantities); any other stays a node of
    its own, named by its label.
    """
    graph = orders_to_graph(orders, minter)
    own: dict[str, dict[str, t.Any]] = {}
    for subject in {s for s in graph.subjects() if isinstance(s, BNode)}:
        part = Graph()
        for triple in graph.triples((subject, None, None)):
            part.add(triple)
        [node] = _compact_nodes(part)
        own[subject.n3()] = node
    once = {
        label for label in own if len(set(graph.subject_predicates(BNode(label.removeprefix("_:"))))) == 1
    }
    blanks = {label: {k: v for k, v in own[label].items() if k != "@id"} for label in once}
    nodes = [_embedded(node, blanks) for node in _compact_nodes(graph) if node["@id"] not in own]
    nodes.extend(_embedded(node, blanks) for label, node in own.items() if label not in once)
    nodes.extend({"@id": label, **node} for label, node in blanks.items())  # referred to by none
    return {"@context": CONTEXT_URL, "@graph": sorted(nodes, key=lambda n: str(n["@id"]))}


def validate_fixture(
    path: pathlib.Path, platform: str, *, update: bool = False, tables: Tables | None = None
) -> FixtureResult:
    """Translate one fixture with `tables` (default: the shipped ones) and compare it."""
    adapter = get_adapter(platform)
    minter = IriMinter.for_platform(adapter.name)
    orders, problems = _read(path, platform, tables)
    if problems:
        return FixtureResult(path, False, [f"  does not translate: {p}" for p in problems], len(orders))
    expected_file = expected_path(path)
    if update:
        document = reference_document(orders, minter)
        expected_file.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", "utf-8")
        return FixtureResult(path, True, [f"  wrote {expected_file.name}"], len(orders))
    if not expected_file.is_file():
        return FixtureResult(
            path, False, [f"  no {expected_file.name} beside it (write one with --update)"], len(orders)
        )
    buffer = io.BytesIO()
    write_document(orders, minter, buffer)
    actual = parse_jsonld(buffer.getvalue())
    try:
        expected = parse_jsonld(expected_file.read_bytes())
    except (ValueError, StatebridgeError) as exc:
        return FixtureResult(
            path, False, [f"  {expected_file.name} is not readable JSON-LD: {exc}"], len(orders)
        )
    if isomorphic(expected, actual):
        return FixtureResult(path, True, [], len(orders))
    return FixtureResult(path, False, _diff(expected, actual), len(orders))


def validate_fixtures(
    directory: pathlib.Path,
    *,
    platform: str | None = None,
    update: bool = False,
    tables: Tables | None = None,
) -> list[FixtureResult]:
    """Validate (or with `update`, rewrite) every fixture in `directory`, translated with `tables`
    (default: the shipped mapping tables)."""
    if not directory.is_dir():
        msg = f"{directory} is not a folder of fixtures"
        raise UsageError(msg)
    name = platform or directory.name
    get_adapter(name)  # an unknown platform is a usage error before any file is read
    files = fixture_files(directory)
    if not files:
        msg = f"{directory} holds no fixtures ({', '.join(INPUT_SUFFIXES)} files)"
        raise UsageError(msg)
    return [validate_fixture(path, name, update=update, tables=tables) for path in files]
