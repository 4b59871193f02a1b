"""Rewrite the expected DFC output beside fixtures: `statebridge validate DIR --update` in a script.

.venv/bin/python tests/regen_expected.py [fixtures/spree ...]
"""

from __future__ import annotations

import pathlib
import sys

from statebridge.validate import validate_fixtures

ROOT = pathlib.Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    for directory in sys.argv[1:] or ["fixtures/spree"]:
        for result in validate_fixtures(ROOT / directory, update=True):
            print(
                f"{result.path.relative_to(ROOT)}: {'ok' if result.ok else 'FAIL'}", *result.details, sep="\n"
            )
