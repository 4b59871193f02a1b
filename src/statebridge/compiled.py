"""Which of statebridge's modules run compiled, and the rule that keeps a stale build out.

`setup.py` compiles the bulk path's modules with Cython, where it can, next to their source
(`direct.py` and `direct.cpython-311-….so`). Python would load the compiled file whenever both are
there, even after the source was edited; the finder installed here loads the source instead when:

- the source is newer than the compiled file (edited, or checked out, since the build), or
- `STATEBRIDGE_PURE_PYTHON=1` is set in the environment of the process (read once, when statebridge
  is first imported: it is how the tests run the pure-Python reference beside the compiled build).

Either way the behaviour is the same: the compiled module is the same source. `compiled_modules()`
says which modules are running compiled (the benchmarks report it).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import pathlib
import sys
import types
import typing as t

__all__ = ["PURE_PYTHON_VARIABLE", "compiled_modules", "install", "use_source"]

PURE_PYTHON_VARIABLE = "STATEBRIDGE_PURE_PYTHON"
_PACKAGE = __name__.rpartition(".")[0]


def use_source(source: pathlib.Path, compiled: pathlib.Path, pure: bool) -> bool:
    """Whether to load `source` rather than its `compiled` build."""
    if pure:
        return True
    try:
        return source.stat().st_mtime > compiled.stat().st_mtime
    except OSError:  # no source beside the build: the build is all there is
        return False


class _StaleBuildFinder(importlib.abc.MetaPathFinder):
    """For a statebridge module found compiled: its source's spec instead, where `use_source` says."""

    def __init__(self, pure: bool) -> None:
        self.pure = pure

    def find_spec(
        self, fullname: str, path: t.Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(_PACKAGE + "."):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
            return None  # not compiled: the usual machinery finds it again
        compiled = pathlib.Path(t.cast(str, spec.origin))
        stem = compiled.name.split(".", 1)[0]
        if stem == "__init__":
            source = compiled.with_name("__init__.py")
            return self._source(fullname, source, compiled, package=True)
        return self._source(fullname, compiled.with_name(stem + ".py"), compiled, package=False)

    def _source(
        self, fullname: str, source: pathlib.Path, compiled: pathlib.Path, package: bool
    ) -> importlib.machinery.ModuleSpec | None:
        if not use_source(source, compiled, self.pure):
            return None  # the compiled module, by the usual machinery
        locations = [str(source.parent)] if package else None
        return importlib.util.spec_from_file_location(fullname, source, submodule_search_locations=locations)


def _pure() -> bool:
    return os.environ.get(PURE_PYTHON_VARIABLE, "") not in ("", "0")


def install() -> None:
    """Put the finder first on `sys.meta_path` (once)."""
    if not any(isinstance(finder, _StaleBuildFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _StaleBuildFinder(_pure()))


def compiled_modules() -> list[str]:
    """The statebridge modules that run compiled in this process: built, and not older than their
    source (`use_source`), sorted."""
    finder = next((f for f in sys.meta_path if isinstance(f, _StaleBuildFinder)), None)
    pure = finder.pure if finder is not None else _pure()
    root = pathlib.Path(__file__).resolve().parent
    found = []
    for built in root.rglob("*" + importlib.machinery.EXTENSION_SUFFIXES[0]):
        stem = built.name.split(".", 1)[0]
        if not use_source(built.with_name(stem + ".py"), built, pure):
            parts = built.relative_to(root).parent.parts + (() if stem == "__init__" else (stem,))
            found.append(".".join((_PACKAGE, *parts)))
    return sorted(found)
