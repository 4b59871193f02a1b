"""The first hour of a new user: what `make run` does, and how the CLI fails.

Every test runs the real thing: `make -n` on the real Makefile, the real `statebridge` script as a
subprocess (closed or full streams, Ctrl-C as a real SIGINT), and asserts one-line messages and exit
codes, never a traceback.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_installs_the_package_only() -> None:
    """`make run` (all its prerequisites remade, -B) runs no apt-get, sssom, npm or dev install."""
    plan = subprocess.run(
        ["make", "-n", "-B", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for command in ("apt-get", "sssom", "npm", "chromium", "[dev]"):
        assert command not in plan, f"`make run` would run {command}:\n{plan}"
    assert "statebridge translate" in plan
    tests_plan = subprocess.run(
        ["make", "-n", "-B", "pytest"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for command in ("apt-get install -y chromium", "pip install --quiet sssom", "npm ci", "[dev]"):
        assert command in tests_plan, f"the test set-up no longer tries {command}"
