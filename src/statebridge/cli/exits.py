"""Exit statuses, and the one mapping from statebridge's errors to them.

0 success; 1 bad input or an unknown status (nothing is written); 2 a usage error; 3 some orders
were skipped (the rest were written); 130 interrupted by Ctrl-C. Every failure is one line on
stderr, `statebridge: MESSAGE`, never a traceback.
"""

from __future__ import annotations

import sys
import types
import typing as t

import click

from .. import progress
from ..errors import StatebridgeError, UsageError

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_SKIPPED",
    "EXIT_USAGE",
    "code_for",
    "fail",
    "fail_for",
    "reported",
]

EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
EXIT_SKIPPED = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C


def code_for(error: StatebridgeError) -> int:
    """The exit status of a library error: a name or option the caller got wrong is a usage error
    (2); anything else the input, a setting, the store or a platform refused is bad input (1)."""
    return EXIT_USAGE if isinstance(error, UsageError) else EXIT_BAD_INPUT


def fail(message: str, code: int) -> t.NoReturn:
    """One line on stderr, then exit with `code`."""
    click.echo(f"statebridge: {message}", err=True)
    sys.exit(code)


def fail_for(error: StatebridgeError, *, code: int | None = None, end_progress: bool = False) -> t.NoReturn:
    """Report `error` and exit with its status (`code_for`), or with `code` when the command says
    what the error means there; `end_progress` first ends a progress line on a terminal."""
    if end_progress:
        progress.end_line()
    fail(str(error), code_for(error) if code is None else code)


class reported:  # lower case: used as a statement, `with reported():`
    """Within the block, a library error is reported (`fail_for`) instead of raised.

    A class rather than a generator, so that type checkers know it never swallows an exception.
    """

    def __init__(self, *, code: int | None = None, end_progress: bool = False) -> None:
        self.code = code
        self.end_progress = end_progress

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        if isinstance(error, StatebridgeError):
            fail_for(error, code=self.code, end_progress=self.end_progress)
