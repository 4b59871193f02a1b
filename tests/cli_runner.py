"""The command line run in this process through click's CliRunner: the same group, options,
messages and exit statuses as the `statebridge` script, without starting an interpreter.

What needs a real process (Ctrl-C, closed or full streams, `--jobs` workers, a terminal, the
installed script, `python -m statebridge`) is tested with subprocesses elsewhere.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import typing as t

from click.testing import CliRunner

from statebridge.cli import cli

#: click before 8.2 mixes stderr into stdout unless told not to; 8.2 keeps them apart (pyproject: >=8.1).
_SEPARATE_STDERR: dict[str, t.Any] = (
    {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters else {}
)


@dataclasses.dataclass(frozen=True)
class Ran:
    """What a run of the command line left: its exit status and its two streams, as bytes."""

    returncode: int
    stdout: bytes
    stderr: bytes


def invoke(*args: str, stdin: bytes | None = None, env: t.Mapping[str, str] | None = None) -> Ran:
    """Run `statebridge ARGS` in this process; `env`, when given, is the whole environment (as for
    subprocess.run), else the environment is this process's.

    An exception other than an exit is raised here: it is a traceback a user would have seen.
    """
    overlay: dict[str, str | None] | None = None
    if env is not None:
        overlay = {name: None for name in os.environ if name not in env}
        overlay.update(env)
    result = CliRunner(**_SEPARATE_STDERR).invoke(
        cli, list(args), input=stdin, env=overlay, prog_name="statebridge"
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout_bytes, result.stderr_bytes)


@dataclasses.dataclass(frozen=True)
class RanText:
    """A run's exit status and streams as text, as subprocess.run(..., text=True) gives them."""

    returncode: int
    stdout: str
    stderr: str


def invoke_text(*args: str, stdin: bytes | None = None, env: t.Mapping[str, str] | None = None) -> RanText:
    """`invoke`, its streams decoded (UTF-8)."""
    ran = invoke(*args, stdin=stdin, env=env)
    return RanText(ran.returncode, ran.stdout.decode("utf-8"), ran.stderr.decode("utf-8"))
