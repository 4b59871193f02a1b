"""Hypothesis strategies shared by the adapters' crash tests: arbitrary JSON, and real documents
with a few of their values replaced by arbitrary JSON."""

from __future__ import annotations

import copy
import json
import typing as t

from hypothesis import strategies as st

__all__ = ["JSON_VALUES", "mutated", "paths", "platformish", "single_mutations"]

#: Any JSON value, nested a little.
JSON_VALUES: st.SearchStrategy[object] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)


Choice: t.TypeAlias = "t.Sequence[t.Any] | st.SearchStrategy[t.Any]"


def _strategy(choice: Choice) -> st.SearchStrategy[t.Any]:
    return choice if isinstance(choice, st.SearchStrategy) else st.sampled_from(list(choice))


def platformish(keys: Choice, words: Choice, *, floats: bool = False) -> st.SearchStrategy[object]:
    """JSON built from a platform's own keys and words, so that it gets past shape detection."""
    scalars = st.none() | st.integers() | st.text(max_size=6) | _strategy(words)
    if floats:
        scalars = scalars | st.floats(allow_nan=False, allow_infinity=False)
    key = _strategy(keys)
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=3) | st.dictionaries(key, children, max_size=6),
        max_leaves=25,
    )


def paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every path to a value inside `node` (dict keys and list indexes)."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(paths(value, (*prefix, index)))
    return found


def mutated(seeds: t.Sequence[object], values: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    """A copy of one of `seeds` with one to three of its values replaced by one drawn from `values`."""

    @st.composite
    def build(draw: st.DrawFn) -> object:
        document = copy.deepcopy(draw(st.sampled_from(list(seeds))))
        for _ in range(draw(st.integers(1, 3))):
            where = paths(document)
            if not where:
                break
            path = draw(st.sampled_from(where))
            target: t.Any = document
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = copy.deepcopy(draw(values))  # never a value shared between examples
        return document

    return build()


_REMOVED = object()


def single_mutations(seed: t.Any, edges: t.Sequence[object]) -> t.Iterator[t.Any]:
    """`seed` with one value replaced by each of `edges`, or its key removed, at every place: the
    differential tests' exhaustive mutations at depth one (each a fresh copy of `seed`)."""
    text = json.dumps(seed)
    for path in paths(seed):
        for edge in [*edges, _REMOVED]:
            document = json.loads(text)
            holder = document
            for step in path[:-1]:
                holder = holder[step]
            if edge is _REMOVED:
                if not isinstance(holder, dict):
                    continue
                del holder[path[-1]]
            else:
                holder[path[-1]] = edge
            yield document
