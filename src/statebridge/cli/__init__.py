"""The `statebridge` command line: a thin layer over the library.

Exit status: 0 success; 1 bad input or an unknown status (nothing is written); 2 a usage error;
3 some orders were skipped with `--on-unknown skip` (the rest were written); 130 interrupted by
Ctrl-C. Every failure is one line on stderr (`statebridge: ...`), never a traceback.

One module per command family (translate, mappings, jobs, serve, clients); the options they share
are in `options`, and `exits` holds the one mapping from statebridge's errors to exit statuses.
"""

from __future__ import annotations

import contextlib
import errno
import sys
import typing as t

import click

from .. import __version__
from ..errors import StatebridgeError
from .clients import clients_group
from .connections import connections_group
from .exits import EXIT_BAD_INPUT, EXIT_INTERRUPTED, fail_for
from .jobs import export_command, pull_command, sync_command
from .mappings import mappings, validate_command
from .options import DEFAULT_OVERLAP_SECONDS, DEFAULT_STORE, STORE_ENV
from .outbox import outbox_group
from .serve import serve_command
from .status import status_command
from .streams import os_error_message, silence_stdout, stand_in_for_closed_streams
from .translate import translate_command
from .workers import scheduler_command, worker_command

__all__ = ["DEFAULT_OVERLAP_SECONDS", "DEFAULT_STORE", "STORE_ENV", "cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="statebridge")
def cli() -> None:
    """Translate e-commerce orders and their statuses to the Data Food Consortium (DFC) standard.

    \b
    Example:
      statebridge translate --from spree fixtures/spree/solidus_flat_orders.json
    """


for _command in (
    translate_command,
    mappings,
    validate_command,
    pull_command,
    export_command,
    sync_command,
    serve_command,
    clients_group,
    outbox_group,
    connections_group,
    worker_command,
    scheduler_command,
    status_command,
):
    cli.add_command(_command)


def main(args: t.Sequence[str] | None = None) -> None:
    """Entry point of the `statebridge` script (`args`: the command line, else `sys.argv[1:]`).

    No traceback reaches the user: Ctrl-C exits 130 with one line, a closed or full stdout (or a
    closed stdin) is one line and exit 1, a reader that went away (`| head`) ends quietly.
    """
    stand_in_for_closed_streams()
    try:
        status = cli.main(args=args, prog_name="statebridge", standalone_mode=False)
    except (KeyboardInterrupt, click.Abort):
        with contextlib.suppress(OSError, ValueError):
            click.echo("statebridge: interrupted", err=True)
        silence_stdout()
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except StatebridgeError as exc:  # a command that let one through: still one line, no traceback
        fail_for(exc, end_progress=True)
    except OSError as exc:
        silence_stdout()
        if exc.errno != errno.EPIPE:
            with contextlib.suppress(OSError, ValueError):
                click.echo(f"statebridge: {os_error_message(exc)}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    sys.exit(status if isinstance(status, int) else 0)
