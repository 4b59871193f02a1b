"""What the figures were measured on: CPU, memory, Python, library versions, the commit."""

from __future__ import annotations

import importlib.metadata
import os
import pathlib
import platform
import shutil
import subprocess

__all__ = ["describe"]

ROOT = pathlib.Path(__file__).resolve().parent.parent
LIBRARIES = ("statebridge", "orjson", "pydantic", "pydantic-core", "rdflib", "starlette", "uvicorn", "httpx")


def _cpu_model() -> str:
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        for line in pathlib.Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 2**20:.0f} GiB"
    except OSError:
        pass
    return "unknown"


def _git() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} (src/ modified)" if dirty else head


def _wrk() -> str | None:
    if not shutil.which("wrk"):
        return None
    out = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0].split(" [")[0] if text else "wrk"


def _compiled() -> str:
    """Which of the bulk path's modules run compiled (`setup.py`): a stale or missing build runs as
    Python, and the figures then describe that."""
    from statebridge.compiled import compiled_modules

    found = compiled_modules()
    return f"{len(found)} ({', '.join(found)})" if found else "none: pure Python"


def describe() -> dict[str, str]:
    info = {
        "CPU": f"{_cpu_model()}, nproc {os.cpu_count()} ({len(os.sched_getaffinity(0))} usable)",
        "memory": _memory_gib(),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "commit": _git(),
    }
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    info["libraries"] = ", ".join(versions)
    info["compiled modules"] = _compiled()
    wrk = _wrk()
    info["load generator"] = wrk or "httpx (asyncio), wrk not installed"
    return info
