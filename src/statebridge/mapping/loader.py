"""Load mapping tables: YAML shipped in `statebridge.mappings`, validated before use.

Validation happens in two passes and reports every problem it finds, each with its path in the
file: the JSON Schema (`table.schema.json`, shape and allowed DFC states), then consistency
(conditions name declared fields and values, citations name declared references, reverse rules
produce values from the field's domain).
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import pathlib
import typing as t
from importlib.resources.abc import Traversable

import jsonschema
import yaml

from ..errors import MappingTableError, UsageError
from ..states import Dimension
from .table import FieldSpec, ForwardRule, MappingTable, ReverseRule

__all__ = [
    "MAPPINGS_ENV",
    "SHIPPED",
    "Tables",
    "available_tables",
    "load_table",
    "load_table_text",
    "resolve_platform",
]

_PACKAGE = "statebridge.mappings"


@functools.cache
def _schema_validator() -> jsonschema.Draft202012Validator:
    text = importlib.resources.files("statebridge.mapping").joinpath("table.schema.json").read_text("utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


#: The variable naming a folder of YAML tables to use instead of the shipped ones (a developer
#: validating an edit); the command line and `create_app` read it into `Settings.mappings`.
MAPPINGS_ENV = "STATEBRIDGE_MAPPINGS"


class Tables:
    """The mapping tables of one folder, each validated and loaded once, on first use.

    `Tables()` are the tables shipped in `statebridge.mappings`; `Tables(folder)` those in a folder
    of edited tables (`--mappings`, `$STATEBRIDGE_MAPPINGS`). Several coexist in one process.
    """

    def __init__(self, folder: str | pathlib.Path | None = None) -> None:
        self.folder = None if folder is None else pathlib.Path(folder)
        self._loaded: dict[str, MappingTable] = {}
        self._aliases: dict[str, str] | None = None
        #: Per table: the `aliases:` it declares and where it was read from (with `_aliases`).
        self._declared: dict[str, tuple[tuple[str, ...], str]] = {}
        #: Per table: its parsed YAML, read with the aliases, so that `load` does not parse it again.
        self._documents: dict[str, t.Any] = {}

    def __reduce__(self) -> tuple[t.Any, ...]:  # to worker processes: the folder, not the cache
        return type(self), (self.folder,)

    def __repr__(self) -> str:
        return f"Tables({str(self.folder)!r})" if self.folder is not None else "Tables()"

    def _root(self) -> Traversable:
        if self.folder is None:
            return _package_root()
        if not self.folder.is_dir():
            msg = f"{MAPPINGS_ENV}={str(self.folder)!r} is not a folder of mapping tables"
            raise UsageError(msg)
        return self.folder

    def _source(self, resource: Traversable) -> str:
        return f"{_PACKAGE}/{resource.name}" if self.folder is None else str(resource)

    def names(self) -> list[str]:
        """Names of the tables, sorted."""
        return sorted(_table_files(self._root()))

    def resolve(self, name: str) -> str:
        """The table name for a platform name or alias; `UsageError` listing the known ones otherwise."""
        if self._aliases is None:
            self._aliases = self._read_aliases()
        if name in self._aliases:
            return self._aliases[name]
        msg = f"no mapping table for platform {name!r} (known: {', '.join(sorted(self._aliases))})"
        raise UsageError(msg)

    def declared_aliases(self, table: str) -> tuple[tuple[str, ...], str]:
        """The `aliases:` table `table` declares, in its order, and where it was read from."""
        return self._declared[self.resolve(table)]  # read with the aliases, once per Tables

    def load(self, name: str) -> MappingTable:
        """The table for platform family `name` (aliases such as `chord` are accepted)."""
        canonical = self.resolve(name)
        table = self._loaded.get(canonical)
        if table is None:
            _, source = self._declared[canonical]
            table = _table_from_document(self._documents[canonical], source)
            self._loaded[canonical] = table
        return table

    def _read_aliases(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for stem, resource in _table_files(self._root()).items():
            names[stem] = stem
            source = self._source(resource)
            document = self._documents[stem] = _parse_yaml(resource.read_text("utf-8"), source)
            declared = document.get("aliases", []) if isinstance(document, dict) else []
            self._declared[stem] = (tuple(str(alias) for alias in declared), source)
            for alias in declared:
                names[str(alias)] = stem
        return names


@functools.cache
def _package_root() -> Traversable:
    return importlib.resources.files(_PACKAGE)


def _table_files(root: Traversable) -> dict[str, Traversable]:
    return {p.name.removesuffix(".yaml"): p for p in root.iterdir() if p.name.endswith(".yaml")}


#: The tables shipped with statebridge, shared by everything not given other `Tables`.
SHIPPED = Tables()


def available_tables() -> list[str]:
    """Names of the shipped tables, sorted."""
    return SHIPPED.names()


def load_table(name: str) -> MappingTable:
    """The shipped table for platform family `name` (aliases such as `chord` are accepted).

    For a folder of edited tables, use `Tables(folder).load(name)`.
    """
    return SHIPPED.load(name)


def resolve_platform(name: str) -> str:
    """The shipped table name for a platform name or alias; `UsageError` listing the known ones."""
    return SHIPPED.resolve(name)


def load_table_text(text: str, *, source: str) -> MappingTable:
    """Parse, validate and build a table from YAML text; `source` names it in errors."""
    return _table_from_document(_parse_yaml(text, source), source)


def _table_from_document(document: t.Any, source: str) -> MappingTable:
    """Validate and build a table from its parsed YAML; `source` names it in errors."""
    problems = list(_non_string_keys(document, "$"))
    if not problems:
        problems = [
            f"{_path(error.absolute_path)}: {error.message}"
            for error in sorted(_schema_validator().iter_errors(document), key=lambda e: list(e.path))
        ]
    if problems:
        raise MappingTableError(source, problems)
    table = _build(t.cast(dict[str, t.Any], document), source)
    problems = list(_consistency(table))
    if problems:
        raise MappingTableError(source, problems)
    return table


def _parse_yaml(text: str, source: str) -> t.Any:
    """The YAML document; a `MappingTableError` naming the file, line and column of a syntax error."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise MappingTableError(source, [f"not valid YAML{where}: {problem}"]) from None


def _path(parts: t.Iterable[object]) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _non_string_keys(node: object, where: str) -> t.Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                yield f"{where}: key {key!r} is read as {type(key).__name__}; quote it"
            yield from _non_string_keys(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _non_string_keys(value, f"{where}[{i}]")


def _build(doc: dict[str, t.Any], source: str) -> MappingTable:
    fields = {
        name: FieldSpec(name, spec["description"], dict(spec["values"]), spec.get("null"))
        for name, spec in doc["fields"].items()
    }
    forward = {
        dimension: tuple(
            ForwardRule(
                dimension=dimension,
                index=i,
                when={f: frozenset(v) for f, v in rule["when"].items()},
                then=rule["then"],
                why=rule["why"],
                cite=tuple(rule["cite"]),
            )
            for i, rule in enumerate(doc["forward"][dimension.value])
        )
        for dimension in Dimension
    }
    reverse = {
        field: tuple(
            ReverseRule(
                field=field,
                index=i,
                when={Dimension(d): frozenset(v) for d, v in rule["when"].items()},
                then=rule["then"],
                why=rule["why"],
                cite=tuple(rule["cite"]),
                lossy=rule.get("lossy"),
            )
            for i, rule in enumerate(rules)
        )
        for field, rules in doc["reverse"].items()
    }
    return MappingTable(
        platform=doc["platform"],
        aliases=tuple(doc.get("aliases", ())),
        description=doc["description"],
        references=dict(doc["references"]),
        fields=fields,
        forward=forward,
        reverse_rules=reverse,
        source=source,
    )


def _consistency(table: MappingTable) -> t.Iterator[str]:
    for dimension, rules in table.forward.items():
        for rule in rules:
            where = f"$.forward.{dimension.value}[{rule.index}]"
            for field, allowed in rule.when.items():
                spec = table.fields.get(field)
                if spec is None:
                    yield f"{where}.when.{field}: no such field (defined: {', '.join(table.fields)})"
                    continue
                for value in sorted(allowed, key=str):
                    if value not in spec.domain:
                        yield f"{where}.when.{field}: {value!r} is not in the domain of {field}"
            yield from _citations(table, where, rule.cite)
    for field, reverse_rules in table.reverse_rules.items():
        spec = table.fields.get(field)
        if spec is None:
            yield f"$.reverse.{field}: no such field (defined: {', '.join(table.fields)})"
            continue
        for reverse_rule in reverse_rules:
            where = f"$.reverse.{field}[{reverse_rule.index}]"
            if reverse_rule.then not in spec.domain:
                yield f"{where}.then: {reverse_rule.then!r} is not in the domain of {field}"
            yield from _citations(table, where, reverse_rule.cite)


def _citations(table: MappingTable, where: str, cite: t.Iterable[str]) -> t.Iterator[str]:
    for ref in cite:
        if ref not in table.references:
            yield f"{where}.cite: unknown reference {ref!r} (declared: {', '.join(table.references)})"
