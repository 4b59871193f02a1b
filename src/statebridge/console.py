"""The `statebridge` script's entry point: light to import, so that Ctrl-C at any moment of
start-up ends with one line and exit 130, not a traceback from the middle of an import."""

from __future__ import annotations

import signal
import sys
import types

__all__ = ["main"]


def main() -> None:
    """Import the command line (pydantic, rdflib, the platforms: half a second), then run it.

    A Ctrl-C during the import can surface as another exception: pydantic-core, building a model's
    schema, wraps the `KeyboardInterrupt` in a `SchemaError`. So the signal itself is noted, and any
    failure of the import after it is the interruption, not a bug to show.
    """
    interrupted = False

    def note(signum: int, frame: types.FrameType | None) -> None:
        nonlocal interrupted
        interrupted = True
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, note)
    try:
        from .cli import main as run
    except BaseException:
        if interrupted:
            sys.stderr.write("statebridge: interrupted\n")
            sys.exit(130)
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
    run()
