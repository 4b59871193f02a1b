"""Progress of long runs (`pull`, `translate`): one updating line on stderr, on a terminal only.

A line is redrawn in place (`\\r`, then erase to the end of the line) so that it never scrolls,
and only when stderr is a terminal: piped or redirected stderr, and stdout always, see nothing of
it. `end_line` moves past a line left on screen; `OrderRate` reports orders per second, throttled,
and erases its line when the run is over.
"""

from __future__ import annotations

import sys
import time
import typing as t

__all__ = ["OrderRate", "clear_line", "end_line", "interactive", "show_line"]

_ERASE = "\r\033[K"


def _stream(stream: t.TextIO | None) -> t.TextIO:
    return stream if stream is not None else sys.stderr


def interactive(stream: t.TextIO | None = None) -> bool:
    """Whether `stream` (stderr by default) is a terminal, where a progress line may be drawn."""
    try:
        return _stream(stream).isatty()
    except (AttributeError, ValueError):  # no stream, or a closed one
        return False


def show_line(text: str, stream: t.TextIO | None = None) -> None:
    """Draw `text` over the current line of `stream` (stderr by default), without a newline."""
    out = _stream(stream)
    out.write(f"{_ERASE}{text}")
    out.flush()


def clear_line(stream: t.TextIO | None = None) -> None:
    """Erase the current line of `stream` (stderr by default) and go back to its start."""
    out = _stream(stream)
    out.write(_ERASE)
    out.flush()


def end_line(stream: t.TextIO | None = None) -> None:
    """On a terminal, end the progress line so that what follows starts on a line of its own."""
    if interactive(stream):
        out = _stream(stream)
        out.write("\n")
        out.flush()


class OrderRate:
    """`translated 12,345 orders (3,210/s)` on a terminal's stderr, for a run that takes a while.

    Call it with the number of orders done so far, as often as convenient: it draws nothing in the
    first `delay` seconds (a short run stays silent) and then at most every `interval` seconds.
    `close()` erases the line, if one was drawn. Off a terminal it does nothing at all.
    """

    def __init__(
        self,
        verb: str = "translated",
        *,
        stream: t.TextIO | None = None,
        delay: float = 1.0,
        interval: float = 0.5,
        clock: t.Callable[[], float] = time.monotonic,
    ) -> None:
        self.verb = verb
        self.stream = _stream(stream)
        self.enabled = interactive(self.stream)
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self.shown = False
        self._next = self.started + delay

    def __call__(self, done: int) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if now < self._next:
            return
        self._next = now + self.interval
        rate = done / max(now - self.started, 1e-9)
        show_line(f"{self.verb} {done:,} orders ({rate:,.0f}/s)", self.stream)
        self.shown = True

    def close(self) -> None:
        if self.shown:
            clear_line(self.stream)
            self.shown = False

    def __enter__(self) -> t.Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
