"""The `statebridge` script's entry point: light to import, so that Ctrl-C at any moment of
start-up ends with one line and exit 130, not a traceback from the middle of an import."""

from __future__ import annotations

import _thread
import signal
import sys
import threading
import time
import types
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the type exists only in typeshed
    from typing import TypeAlias

    _Hook: TypeAlias = Callable[[sys.UnraisableHookArgs], object]

__all__ = ["main"]


def main() -> None:
    """Import the command line (pydantic, rdflib, the platforms: half a second), then run it.

    A Ctrl-C during the import can surface as another exception: pydantic-core, building a model's
    schema, wraps the `KeyboardInterrupt` in a `SchemaError`. So the signal itself is noted, and any
    failure of the import after it is the interruption, not a bug to show.

    It can also be raised inside a callback whose exceptions Python only reports, never propagates (a
    weakref callback of importlib's module locks, a `__del__`): "Exception ignored in ... Traceback",
    and the import goes on. The hook below keeps that quiet; the import's end sees the note.
    """
    interrupted = False

    def note(signum: int, frame: types.FrameType | None) -> None:
        nonlocal interrupted
        interrupted = True
        raise KeyboardInterrupt

    sys.unraisablehook = _Unraisable(sys.unraisablehook, swallow=lambda: interrupted)
    previous = signal.signal(signal.SIGINT, note)
    try:
        from .cli import main as run
    except BaseException:
        if interrupted:
            _interrupted()
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted:  # swallowed by a callback: the import finished, the Ctrl-C still counts
        _interrupted()
    run()


def _interrupted() -> None:
    sys.stderr.write("statebridge: interrupted\n")
    sys.exit(130)


class _Unraisable:
    """The unraisable-exception hook for the whole run: a `KeyboardInterrupt` raised where it cannot
    propagate is not printed as a traceback and not lost. While the command line is imported, `main`
    has noted it (`swallow`); afterwards it is raised again in the main thread, from a helper thread
    once this hook has returned (raised from the hook itself, it would land in the hook). Anything
    else goes to the hook there was before."""

    def __init__(self, previous: _Hook, *, swallow: Callable[[], bool]) -> None:
        self._previous = previous
        self._swallow = swallow

    def __call__(self, info: sys.UnraisableHookArgs) -> None:
        if not isinstance(info.exc_value, KeyboardInterrupt):
            self._previous(info)
        elif not self._swallow():
            threading.Thread(target=_interrupt_main_soon, daemon=True).start()


def _interrupt_main_soon() -> None:
    """A real SIGINT to the main thread, so that a blocking call there (a sleep, a wait) wakes."""
    time.sleep(0.01)
    main = threading.main_thread().ident
    if hasattr(signal, "pthread_kill") and main is not None:
        signal.pthread_kill(main, signal.SIGINT)
    else:
        _thread.interrupt_main()
