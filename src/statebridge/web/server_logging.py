"""How `statebridge serve` logs: statebridge's lines only, on stderr, and never a credential.

- Requests are logged once, by `AccessLogMiddleware`, as one bare JSON object per line (query
  redacted). uvicorn's own access log (`"GET /path?query HTTP/1.1" 200`, which writes query strings
  verbatim) is switched off: `UVICORN_OPTIONS` is what `uvicorn.run` must be given.
- Every other line (statebridge's loggers and uvicorn's `uvicorn.error`: start-up, shutdown,
  "Invalid HTTP request received.", a failed request's traceback) is `statebridge: message`.
- As a last guard, every line is passed through `redact`, which masks what a credential looks like
  should one ever reach a message or a traceback: a bearer credential (`Bearer …`),
  a JWT (three base64url segments starting `eyJ`), and a credential query parameter's value.
  The code does not log headers or queries in the first place; this only catches a mistake.
"""

from __future__ import annotations

import logging
import re
import sys
import typing as t

__all__ = ["UVICORN_OPTIONS", "RedactingFormatter", "configure", "redact"]

#: Keyword arguments for `uvicorn.run`: keep uvicorn's logging configuration and access log out.
UVICORN_OPTIONS: t.Mapping[str, t.Any] = {"log_config": None, "access_log": False, "log_level": "info"}

_MASK = "***"
_PATTERNS = (
    (re.compile(r"\b(Bearer)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE), rf"\1 {_MASK}"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"), _MASK),
    (
        re.compile(
            r"\b((?:access|id|refresh|auth)[_-]?token|token|api[_-]?key|apikey|jwt|client[_-]?secret|password)"
            r"(=|%3D)[^&\s\"']+",
            re.IGNORECASE,
        ),
        rf"\1\2{_MASK}",
    ),
)


def redact(text: str) -> str:
    """`text` with anything shaped like a credential replaced by `***`."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """`statebridge: message` (the access log's JSON bare), traceback included, then `redact`ed."""

    def __init__(self) -> None:
        super().__init__("statebridge: %(message)s")
        self._bare = logging.Formatter("%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if record.name == "statebridge.access":
            return redact(self._bare.format(record))
        return redact(super().format(record))


def configure(stream: t.TextIO | None = None) -> None:
    """Route every log line of the server through one `RedactingFormatter` handler on `stream`
    (stderr by default), at INFO, with uvicorn's loggers propagating to it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.asgi"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    access.disabled = True
