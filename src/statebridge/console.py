"""The `statebridge` script's entry point: light to import, so that Ctrl-C at any moment of
start-up ends with one line and exit 130, not a traceback from the middle of an import."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Import the command line (pydantic, rdflib, the adapters: half a second), then run it."""
    try:
        from .cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("statebridge: interrupted\n")
        sys.exit(130)
    run()
