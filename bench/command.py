"""Running `statebridge translate` as a real subprocess and measuring it: wall time and peak RSS.

Peak RSS is `ru_maxrss` from `os.wait4` on that one child (KiB on Linux). The child is started by a
small intermediate interpreter (`python -I -S`, ~10 MiB), not by the benchmark process itself:
Linux carries the RSS high-water mark of the image a child was forked from across `exec`, so a
child forked (or vforked) straight from a benchmark holding hundreds of MiB would report the
benchmark's RSS as its own peak. `/usr/bin/time -v` works for the same reason.

stdout goes to /dev/null; the command's spool (it writes its output to a temporary file first, so
that a failed run writes nothing) goes to `spool_dir` through TMPDIR.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import shutil
import subprocess
import sys

__all__ = ["CommandRun", "statebridge_command", "translate_command"]


@dataclasses.dataclass
class CommandRun:
    seconds: float
    max_rss_kib: int


def statebridge_command() -> list[str]:
    """The installed console script next to this interpreter, else `python -m statebridge`."""
    script = pathlib.Path(sys.executable).parent / "statebridge"
    if script.exists():
        return [str(script)]
    found = shutil.which("statebridge")
    return [found] if found else [sys.executable, "-m", "statebridge"]


def translate_command(
    source: pathlib.Path,
    *,
    platform: str = "spree",
    fmt: str = "jsonld",
    spool_dir: pathlib.Path | None = None,
) -> CommandRun:
    """One `statebridge translate --from PLATFORM --format FMT SOURCE > /dev/null`."""
    command = [*statebridge_command(), "translate", "--from", platform, "--format", fmt, str(source)]
    env = dict(os.environ)
    if spool_dir is not None:
        env["TMPDIR"] = str(spool_dir)
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _LAUNCHER, *command], capture_output=True, env=env, check=False
    )
    if done.returncode:
        msg = f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode(errors='replace')[-2000:]}"
        raise RuntimeError(msg)
    measured = json.loads(done.stdout)
    return CommandRun(measured["seconds"], measured["max_rss_kib"])


#: Run argv[1:] with stdout to /dev/null, print its wall time and peak RSS, exit with its status.
_LAUNCHER = """
import json, os, subprocess, sys, time
with open(os.devnull, "wb") as null:
    started = time.perf_counter()
    child = subprocess.Popen(sys.argv[1:], stdout=null)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
code = os.waitstatus_to_exitcode(status)
print(json.dumps({"seconds": seconds, "max_rss_kib": usage.ru_maxrss}))
sys.exit(code)
"""
