"""The benchmark harness stays runnable: `python -m bench --help` imports every stage."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_bench_help_lists_the_stages_and_quick_mode() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--quick" in done.stdout
    for stage in ("throughput", "morph", "memory", "rdftext", "endpoint"):
        assert stage in done.stdout
