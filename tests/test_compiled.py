"""The compiled build of the bulk path's modules (`setup.py`, `statebridge/compiled.py`): it is
there, it writes the bytes the pure-Python source writes, and a module edited since the build runs
from its source."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import textwrap

import pytest

import statebridge
from statebridge.compiled import PURE_PYTHON_VARIABLE, compiled_modules, use_source

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = pathlib.Path(statebridge.__file__).resolve().parent

#: Translates every fixture and generated orders of the bulk path's platforms in every format and
#: prints a digest of all the output, then the modules that ran compiled.
_DIGEST = textwrap.dedent(
    """
    import hashlib, io, sys
    sys.path.insert(0, {root!r})
    from bench.orders import generator
    from statebridge.compiled import compiled_modules
    from statebridge.translate import translate
    from tests.platforms import fixture_inputs, registered
    inputs = [(p, path.read_bytes()) for p in registered() for path in fixture_inputs(p)]
    inputs += [(p, generator(p).ndjson(300)) for p in ("spree", "shopify", "commercelayer", "relatude")]
    digest = hashlib.sha256()
    for platform, data in inputs:
        for fmt in ("jsonld", "ndjson", "turtle", "ntriples"):
            out = io.BytesIO()
            report = translate(io.BytesIO(data), out, platform=platform, fmt=fmt)
            digest.update(out.getvalue())
            digest.update(repr([str(p) for p in report.problems]).encode())
    print(digest.hexdigest())
    print(",".join(compiled_modules()))
    """
)


def _digest(pure: bool) -> tuple[str, list[str]]:
    env = {key: value for key, value in os.environ.items() if key != PURE_PYTHON_VARIABLE}
    if pure:
        env[PURE_PYTHON_VARIABLE] = "1"
    done = subprocess.run(
        [sys.executable, "-c", _DIGEST.format(root=str(ROOT))],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    digest, modules = done.stdout.splitlines()
    return digest, [m for m in modules.split(",") if m]


def test_the_bulk_path_runs_compiled_and_writes_what_its_source_writes() -> None:
    compiled, running = _digest(pure=False)
    pure, none = _digest(pure=True)
    assert "statebridge.platforms.spree.direct" in running  # the install compiled it (setup.py)
    assert "statebridge.bulk.values" in running
    assert none == []
    assert compiled == pure


def test_this_test_process_runs_the_compiled_modules_too() -> None:
    import statebridge.platforms.spree.direct  # noqa: F401 - imported for the check

    assert "statebridge.platforms.spree.direct" in compiled_modules()


def test_a_module_edited_since_the_build_runs_from_its_source(tmp_path: pathlib.Path) -> None:
    copy = tmp_path / "statebridge"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))  # copy2: mtimes kept
    edited = copy / "platforms" / "spree" / "direct.py"
    built = min(path.stat().st_mtime for path in (copy / "platforms" / "spree").glob("direct.*.so"))
    os.utime(edited, (built + 10, built + 10))
    probe = (
        "import statebridge.platforms.spree.direct as edited, statebridge.bulk.values as kept; "
        "print(edited.__file__); print(kept.__file__)"
    )
    env = {key: value for key, value in os.environ.items() if key != PURE_PYTHON_VARIABLE}
    env["PYTHONPATH"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True, cwd=tmp_path
    )
    edited_file, kept_file = done.stdout.splitlines()
    assert edited_file == str(edited)
    assert kept_file.startswith(str(copy / "bulk" / "values."))
    assert kept_file.endswith(".so")


@pytest.mark.parametrize(
    ("source_age", "pure", "expected"),
    [(-10, False, False), (10, False, True), (-10, True, True), (None, False, False)],
    ids=["built after the edit", "edited after the build", "pure Python asked for", "no source"],
)
def test_the_source_is_used_when_newer_or_asked_for(
    tmp_path: pathlib.Path, source_age: int | None, pure: bool, expected: bool
) -> None:
    compiled = tmp_path / "m.cpython-311-x86_64-linux-gnu.so"
    compiled.write_bytes(b"")
    source = tmp_path / "m.py"
    if source_age is not None:
        source.write_text("")
        stamp = compiled.stat().st_mtime + source_age
        os.utime(source, (stamp, stamp))
    assert use_source(source, compiled, pure) is expected
