"""Comparing RDF graphs in tests: isomorphic, or a failure that lists the triples each side lacks."""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

__all__ = ["assert_same_graph"]


def assert_same_graph(expected: Graph, actual: Graph) -> None:
    """Fail, naming the triples only one side has, unless the graphs are isomorphic."""
    if not isomorphic(expected, actual):
        _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
        pytest.fail(
            "graphs differ\nonly expected:\n"
            + only_expected.serialize(format="nt")
            + "only actual:\n"
            + only_actual.serialize(format="nt")
        )
