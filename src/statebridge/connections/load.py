"""Reading a connections file: finding it, its YAML, its schema; then `checks` does the rest.

Every problem of a file is collected before anything is refused, so that one run of
`statebridge connections check` shows them all: one `ConnectionsError` lists each on its own line,
each naming its entry (`targets.hub.method: 'GET' is not one of POST, PUT`).
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import pathlib
import typing as t

import jsonschema
import yaml

from ..errors import ConnectionsError
from ..settings import Settings
from .checks import build
from .model import Connections

__all__ = [
    "CONNECTIONS_ENV",
    "DEFAULT_FILE",
    "connections_for",
    "find_connections",
    "load_connections",
    "parse_connections",
]

#: The variable naming the connections file (`--connections`); read into `Settings.connections`.
CONNECTIONS_ENV = "STATEBRIDGE_CONNECTIONS"
#: The file read from the current directory when neither names one, if it exists.
DEFAULT_FILE = "statebridge.yaml"

#: More nodes than a connections file needs by far: YAML aliases can make a short file huge.
_MAX_NODES = 100_000
_UNWALKABLE = "not read further"


def find_connections(settings: Settings, cwd: pathlib.Path) -> pathlib.Path | None:
    """The connections file of this run: `settings.connections` (`--connections`,
    STATEBRIDGE_CONNECTIONS) as given, else `statebridge.yaml` in `cwd` when it exists, else None."""
    if settings.connections is not None:
        return settings.connections
    default = cwd / DEFAULT_FILE
    return default if default.is_file() else None


def connections_for(settings: Settings, cwd: pathlib.Path) -> Connections:
    """The connections of this run (`find_connections`), or `Connections.empty()` when there is no
    file: a run without one delivers nothing, as before connections existed."""
    path = find_connections(settings, cwd)
    return Connections.empty() if path is None else load_connections(path)


def load_connections(path: pathlib.Path) -> Connections:
    """The connections file at `path`; `ConnectionsError` listing every problem of it."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConnectionsError(str(path), [f"cannot be read: {reason}"]) from None
    return parse_connections(text, source=str(path))


def parse_connections(text: str, *, source: str) -> Connections:
    """The connections `text` declares; `source` names it in the `ConnectionsError`."""
    document, problems = _parse_yaml(text)
    if document is not None:
        problems += _shape_problems(document)
    walkable = document is not None and not any(_UNWALKABLE in problem for problem in problems)
    if walkable:
        problems += _schema_problems(document)
        built, more = build(t.cast(dict[str, t.Any], document or {}))
        # One problem per entry: the schema's words win over the checks' for the same entry.
        refused = {problem.partition(": ")[0] for problem in problems}
        problems += [problem for problem in more if problem.partition(": ")[0] not in refused]
        if not problems and built is not None:
            return built
    raise ConnectionsError(source, problems)


class _Loader(yaml.SafeLoader):
    """Safe YAML that records a key given twice in one mapping (plain PyYAML keeps the last)."""

    duplicates: list[str]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[t.Hashable, t.Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                key = key_node.value
                if key in seen:
                    line = key_node.start_mark.line + 1
                    self.duplicates.append(f"line {line}: {key!r} is given twice in one mapping")
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _parse_yaml(text: str) -> tuple[t.Any, list[str]]:
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # reads the first characters already: may refuse one
        loader.duplicates = []
        document = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [f"{where}not valid YAML: {problem}"]
    except (ValueError, OverflowError, RecursionError) as exc:  # a timestamp like 2026-13-45
        return None, [f"not valid YAML: {type(exc).__name__}: {exc}"]
    finally:
        if loader is not None:
            loader.dispose()
    if document is None:
        document = {}
    if not isinstance(document, dict):
        return None, [f"the file is {_kind(document)}, not a mapping of sources, targets, routes, delivery"]
    return document, loader.duplicates


def _shape_problems(document: t.Any) -> t.Iterator[str]:
    """Keys that are not text (`1:`, `true:`), a structure that contains itself, or one too large:
    what neither the schema nor the checks could walk."""
    count = 0
    stack: list[tuple[t.Any, str, frozenset[int]]] = [(document, "", frozenset())]
    while stack:
        node, where, within = stack.pop()
        count += 1
        if count > _MAX_NODES:
            yield f"more than {_MAX_NODES} values (YAML aliases?): {_UNWALKABLE}"
            return
        if not isinstance(node, dict | list):
            continue
        if id(node) in within:
            yield f"{where or 'the file'}: contains itself (a recursive YAML alias): {_UNWALKABLE}"
            continue
        inside = within | {id(node)}
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(node, dict) and not isinstance(key, str):
                yield f"{_join(where, str(key))}: key {key!r} is read as {_kind(key)}; quote it"
                continue
            stack.append((value, _join(where, key), inside))


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    text = importlib.resources.files(__package__).joinpath("schema.json").read_text("utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _schema_problems(document: t.Any) -> t.Iterator[str]:
    errors = sorted(_validator().iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        where = ""
        for part in error.absolute_path:
            where = _join(where, part)
        path = list(error.absolute_path)
        secret = len(path) == 4 and path[2] == "credentials"
        yield f"{where or 'the file'}: {_message(error, secret=secret)}"


def _message(error: jsonschema.ValidationError, *, secret: bool) -> str:
    """jsonschema's message in the words of this file: the valid values listed, keys named; the
    value of a credential is never shown (it may be a secret pasted where its variable belongs)."""
    kind = str(error.validator)
    value: t.Any = error.instance
    expected: t.Any = error.validator_value
    schema: t.Any = error.schema
    if secret:
        return (
            "is not the name of an environment variable (A-Z, 0-9, _): a credential names the "
            "variable that holds the secret, never the secret (value not shown)"
        )
    if kind == "enum":
        return f"{_shown(value)} is not one of {', '.join(str(v) for v in expected)}"
    if kind == "additionalProperties" and isinstance(value, dict):
        allowed = sorted(schema.get("properties", {}))
        extra = sorted(str(k) for k in value if k not in allowed)
        return f"unknown key {', '.join(extra)} (valid: {', '.join(allowed)})"
    if kind == "required":
        missing = [name for name in expected if name not in value]
        return f"{', '.join(missing)} is required"
    if kind == "type":
        names = expected if isinstance(expected, list) else [expected]
        return f"{_shown(value)} is not {' or '.join(_TYPES.get(str(n), str(n)) for n in names)}"
    if kind == "pattern":
        return f"{_shown(value)} is not a valid {_PATTERNS.get(str(expected), 'value')}"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "more than",
            "exclusiveMaximum": "less than",
        }
        return f"{_shown(value)} is not {words[kind]} {expected}"
    if kind == "minItems":
        return "names no target"
    return error.message


_TYPES = {
    "string": "text",
    "object": "a mapping",
    "array": "a list",
    "integer": "a whole number",
    "number": "a number",
}

_PATTERNS = {
    "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$": "name (letters, digits, _ . -; at most 64; starting with a letter "
    "or digit)",
    "^[a-z][a-z0-9_]*$": "key (lower-case letters, digits, _)",
}


def _join(where: str, part: object) -> str:
    if isinstance(part, int):
        return f"{where}[{part}]"
    return f"{where}.{part}" if where else str(part)


def _kind(value: object) -> str:
    words = {
        list: "a list",
        dict: "a mapping",
        str: "text",
        bool: "a boolean",
        int: "a number",
        float: "a number",
    }
    return words.get(type(value), f"a {type(value).__name__}")


def _shown(value: object) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
