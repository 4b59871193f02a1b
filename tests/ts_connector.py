"""Run the real DFC TypeScript connector (`tests/interop/ts/connector.mjs`) on a batch of documents.

The connector is the npm package `@datafoodconsortium/connector`, pinned in
`tests/interop/ts/package.json` and `package-lock.json` and installed by `make test` (`npm ci`, best
effort). Tests that need it skip, saying why and how to install it, where Node.js, npm or the
installed package is missing. Everything runs offline: the script resolves the DFC context URLs to
statebridge's bundled copy of the 1.16.0 context and loads the DFC taxonomies 1.3.0 from
`fixtures/dfc/taxonomies/`; any other dereference is an error in its output, never a request.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import typing as t
from decimal import Decimal

from .conftest import FIXTURES, ROOT

__all__ = ["PROJECT", "pinned_version", "run_connector", "unavailable"]

PROJECT = ROOT / "tests" / "interop" / "ts"
SCRIPT = PROJECT / "connector.mjs"
PACKAGE = "@datafoodconsortium/connector"
CONTEXT = ROOT / "src" / "statebridge" / "data" / "context_1.16.0.json"
TAXONOMIES = FIXTURES / "dfc" / "taxonomies"
TIMEOUT = 120


def pinned_version() -> str:
    """The connector version package.json pins (an exact version, never a range)."""
    manifest = json.loads((PROJECT / "package.json").read_text("utf-8"))
    version: str = manifest["dependencies"][PACKAGE]
    return version


def unavailable() -> str | None:
    """Why the connector cannot run here (for `pytest.skip`), or None when it can."""
    installed = PROJECT / "node_modules" / PACKAGE / "package.json"
    if shutil.which("node") is None:
        return (
            "Node.js is not installed: the DFC TypeScript connector needs `node` (18 or newer) and `npm`; "
            f"install them, then `make test` installs the connector (npm ci in {PROJECT.relative_to(ROOT)})"
        )
    if not installed.is_file():
        if shutil.which("npm") is None:
            return (
                f"npm is not installed, so {PACKAGE} could not be installed: install npm, then run "
                f"`make test` (npm ci in {PROJECT.relative_to(ROOT)})"
            )
        return (
            f"{PACKAGE} is not installed in {PROJECT.relative_to(ROOT)}/node_modules: run `make test`, "
            f"or `npm ci` in {PROJECT.relative_to(ROOT)} (it needs the npm registry once)"
        )
    return None


def run_connector(command: str, documents: t.Sequence[tuple[str, bytes]] = ()) -> dict[str, t.Any]:
    """The script's JSON answer to `command` (`read` or `build`), numbers parsed as `Decimal`.

    `documents` are (name, JSON-LD bytes) pairs, all read by one Node process.
    """
    batch = [{"name": name, "text": text.decode("utf-8")} for name, text in documents]
    result = subprocess.run(
        [
            "node",
            str(SCRIPT),
            command,
            "--context",
            str(CONTEXT),
            "--vocabulary",
            str(TAXONOMIES / "vocabulary_v1.3.0.json"),
            "--measures",
            str(TAXONOMIES / "measures_v1.3.0.json"),
        ],
        input=json.dumps(batch).encode(),
        capture_output=True,
        cwd=PROJECT,
        timeout=TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"node {SCRIPT.name} {command} failed: {result.stderr.decode(errors='replace')}")
    answer: dict[str, t.Any] = json.loads(result.stdout, parse_float=Decimal)
    return answer
