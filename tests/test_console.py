"""The script's entry point: a Ctrl-C while the command line is imported is one line and exit 130,
whatever exception the interrupted import turns it into (pydantic-core wraps a KeyboardInterrupt
raised while it builds a schema in a `SchemaError`)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# A finder that stands in for `statebridge.cli`: its import presses Ctrl-C on the process, then fails
# as pydantic-core does (another exception, the KeyboardInterrupt only in its context) or not at all.
_SCRIPT = textwrap.dedent(
    """
    import importlib.abc, importlib.util, os, signal, sys, time

    MODE = sys.argv[1]

    class Interrupted(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        def find_spec(self, name, path, target=None):
            if name == "statebridge.cli":
                return importlib.util.spec_from_loader(name, self)
            return None

        def create_module(self, spec):
            return None

        def exec_module(self, module):
            if MODE == "bug":
                raise RuntimeError("a real bug in the import")
            if MODE == "unraisable":  # the Ctrl-C lands in a finaliser, whose exceptions are only reported
                class Finalised:
                    def __del__(self):
                        os.kill(os.getpid(), signal.SIGINT)
                Finalised()
                return
            if MODE == "later":  # the same once the command line runs, under Python's own handler
                def main():
                    class Finalised:
                        def __del__(self):
                            os.kill(os.getpid(), signal.SIGINT)
                    try:
                        Finalised()
                        time.sleep(20)
                    except KeyboardInterrupt:  # as statebridge.cli.main does
                        sys.stderr.write("statebridge: interrupted\\n")
                        sys.exit(130)
                module.main = main
                return
            try:
                os.kill(os.getpid(), signal.SIGINT)
            except KeyboardInterrupt as exc:
                if MODE == "wrapped":
                    raise RuntimeError("SchemaError: error building a schema") from exc
                raise

    sys.meta_path.insert(0, Interrupted())
    from statebridge.console import main
    main()
    """
)


def _run(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _SCRIPT, mode], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize("mode", ["plain", "wrapped", "unraisable", "later"])
def test_ctrl_c_while_importing_is_one_line_and_130(mode: str) -> None:
    result = _run(mode)
    assert (result.returncode, result.stderr) == (130, "statebridge: interrupted\n")


def test_an_import_that_fails_without_ctrl_c_is_not_called_an_interruption() -> None:
    result = _run("bug")
    assert result.returncode == 1
    assert "a real bug in the import" in result.stderr
    assert "interrupted" not in result.stderr
