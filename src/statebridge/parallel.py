"""Translating NDJSON to DFC in several processes, with the output one process would write.

Translation is CPU-bound Python, so one process uses one core. For NDJSON, whose lines are read
independently, the parent reads the input in chunks of lines, worker processes translate each chunk
to DFC bytes, and the parent writes the results back in input order, so the output is byte for byte
what `translate(..., jobs=1)` writes:

- positions are absolute (`line 812`) because each chunk carries its first line number;
- problems come back in input order (errors pickle, see `StatebridgeError.__reduce__`);
- with `OnUnknown.FAIL`, no order after the first problem is written, as in one process;
- only `2 * jobs` chunks are in flight at once, so memory stays flat however long the input is;
- a file (or in-memory input) is not sent to the workers: forked, they inherit its descriptor (or
  its bytes) and each chunk travels as two offsets, which the worker reads with `pread`. Input
  from a pipe is sent chunk by chunk.

Ctrl-C is the parent's alone: workers start with SIGINT held back and then ignore it, and the
parent, interrupted (or failing to write), terminates them at once rather than waiting for them.

Input that is not NDJSON (one JSON document, XML), or whose lines depend on each other (Shopify
Bulk Operation JSONL, `Adapter.independent_lines`), is translated in this process instead: the
result is the same, only not faster.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import dataclasses
import functools
import gc
import io
import itertools
import multiprocessing
import os
import pathlib
import signal
import threading
import typing as t

from . import ndjson_split as split
from .bulk import read_nodes
from .bulk.lines import write_document_lines, write_lines
from .dfc.iris import IriMinter
from .dfc.jsonld import (
    DOCUMENT_CLOSE,
    DOCUMENT_OPEN,
    NODE_SEPARATOR,
    Written,
    write_graph_members,
    write_ndjson,
)
from .dfc.rdftext import turtle_prefixes, write_ntriples, write_turtle_statements
from .errors import UsageError
from .formats import FORMATS
from .mapping import SHIPPED, Tables
from .pipeline import (
    OnUnknown,
    Progress,
    TranslateReport,
    counted,
    good_orders,
)
from .platforms import Adapter, get_adapter
from .reading import read_documents, read_lines

__all__ = ["CHUNK_BYTES", "translate_in_processes", "worker_count"]

#: Input bytes per chunk handed to a worker: big enough that sending it costs little next to
#: translating it, small enough that 2 x jobs chunks in flight stay a few MiB.
CHUNK_BYTES = 1 << 20

Members = t.Callable[[t.Iterable[Written], IriMinter, t.BinaryIO], int]


@dataclasses.dataclass(frozen=True)
class _Framing:
    """How a DFC format wraps the orders: what comes first, between two chunks, and last."""

    members: Members
    open: bytes = b""
    separator: bytes = b""
    close: bytes = b""


@functools.cache
def _framing(fmt: str) -> _Framing:
    """Once per process: how each format frames the orders' statements."""
    if fmt == "jsonld":
        return _Framing(write_graph_members, DOCUMENT_OPEN, NODE_SEPARATOR, DOCUMENT_CLOSE)
    if fmt == "ndjson":
        return _Framing(write_ndjson)
    if fmt == "turtle":
        return _Framing(write_turtle_statements, turtle_prefixes())
    return _Framing(write_ntriples)


def worker_count(jobs: int) -> int:
    """`jobs`, or one per CPU this process may use when `jobs` is 0."""
    if jobs < 0:
        msg = f"--jobs must be 0 (one per CPU) or more, not {jobs}"
        raise UsageError(msg)
    if jobs:
        return jobs
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclasses.dataclass(frozen=True)
class _Chunk:
    platform: str
    fmt: str
    base_url: str | None
    on_unknown: OnUnknown
    first_line: int
    data: bytes | None  # the lines themselves, or None: `span` of the input the worker inherited
    span: tuple[int, int] = (0, 0)
    mappings: pathlib.Path | None = None  # the folder of the tables in use (None: the shipped ones)

    def lines(self) -> list[bytes]:
        """The chunk's lines, split on LF only, as reading a file line by line does."""
        if self.data is not None:
            data = self.data
        elif isinstance(_INPUT, int):  # the input file's descriptor
            data = os.pread(_INPUT, self.span[1] - self.span[0], self.span[0])
        else:
            data = t.cast(bytes, _INPUT)[self.span[0] : self.span[1]]
        return data.split(b"\n")


#: In forked workers, the parent's input: its bytes when it was in memory, or the descriptor of the
#: file it is read from (each worker reads its chunks with `pread`); chunks then travel as offsets,
#: not as bytes through a pipe. None when the input is a pipe or workers are spawned.
_INPUT: bytes | int | None = None


@dataclasses.dataclass(frozen=True)
class _Done:
    body: bytes
    written: int
    problems: list[t.Any]


_WORKER_STATE: dict[tuple[str, str | None, pathlib.Path | None], tuple[Adapter, IriMinter]] = {}

#: The mapping tables by folder: filled (and loaded) by the parent before it forks, so that forked
#: workers inherit them loaded; a spawned worker loads its own.
_TABLES: dict[pathlib.Path | None, Tables] = {None: SHIPPED}


def _translate_chunk(chunk: _Chunk) -> _Done:
    """In a worker: one chunk of NDJSON lines to the DFC bytes of its orders (no framing)."""
    key = (chunk.platform, chunk.base_url, chunk.mappings)
    state = _WORKER_STATE.get(key)
    if state is None:  # one adapter per worker: its mapping table is loaded once
        tables = _TABLES.get(chunk.mappings) or _TABLES.setdefault(chunk.mappings, Tables(chunk.mappings))
        adapter = get_adapter(chunk.platform, tables=tables)
        state = _WORKER_STATE[key] = (adapter, IriMinter.for_platform(adapter.name, chunk.base_url))
    adapter, minter = state
    report = TranslateReport()
    body = io.BytesIO()
    if chunk.fmt == "jsonld":  # the common case, in one loop (`bulk.lines`)
        whole = adapter.document_reader(minter)
        written = write_lines(
            adapter, whole, chunk.lines(), chunk.first_line, minter, body, report, chunk.on_unknown
        )
        return _Done(body.getvalue(), written, list(report.problems))
    results = read_nodes(adapter, read_lines(chunk.lines(), chunk.first_line), minter)
    written = _framing(chunk.fmt).members(good_orders(results, report, chunk.on_unknown), minter, body)
    return _Done(body.getvalue(), written, list(report.problems))


def _warm(adapter: Adapter) -> None:
    """Load (and validate) the adapter's mapping table here, so that forked workers inherit it."""
    _TABLES.setdefault(adapter.tables.folder, adapter.tables)
    if adapter.table in adapter.tables.names():
        adapter.tables.load(adapter.table)


def _context() -> multiprocessing.context.BaseContext:
    """Fork when it is safe (this process runs one thread): workers start at once, tables loaded."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _worker_ignores_ctrl_c() -> None:
    """In a worker, first thing: Ctrl-C is the parent's to handle; it stops the workers itself.

    A worker that took the terminal's SIGINT itself could die holding the pool's call queue, and
    leave the parent waiting for it for good.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextlib.contextmanager
def _ctrl_c_held() -> t.Iterator[None]:
    """Hold SIGINT back while workers may be started (they inherit the mask, so none can take it
    before `_worker_ignores_ctrl_c`); a Ctrl-C meanwhile reaches this process right after."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _shut_down(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    """Cancel the chunks not started, let the workers finish the one in hand (a fraction of a
    second: they ignore Ctrl-C, so none dies holding the call queue), and wait for them to exit.

    Workers are not killed: one killed while sending its result would leave the pool's manager
    reading half a message for good. A Ctrl-C meanwhile still waits, then is raised.
    """
    interrupted = False
    while True:
        try:
            pool.shutdown(wait=True, cancel_futures=True)
            break
        except KeyboardInterrupt:
            interrupted = True
    if interrupted:
        raise KeyboardInterrupt


def translate_in_processes(
    stream: t.BinaryIO,
    out: t.BinaryIO,
    *,
    adapter: Adapter,
    fmt: str,
    base_url: str | None,
    on_unknown: OnUnknown,
    jobs: int,
    chunk_bytes: int = CHUNK_BYTES,
    progress: Progress | None = None,
) -> TranslateReport:
    """`translate(stream, out, platform=adapter.name, fmt=fmt, ...)`, in `jobs` worker processes.

    `progress` is called with the number of orders translated so far, in this process: after each
    order on the one-process path, after each chunk a worker sends back otherwise."""
    workers = worker_count(jobs)
    origin = split.origin(stream)
    head, ndjson = split.ndjson_head(stream)
    report = TranslateReport()
    if workers == 1 or not ndjson or not adapter.independent_lines:
        minter = IriMinter.for_platform(adapter.name, base_url)
        replay = t.cast(t.BinaryIO, split.Replay(head, stream))
        reader = get_adapter(adapter.name, tables=adapter.tables)
        if fmt == "jsonld" and progress is None:
            report.written = write_document_lines(reader, replay, minter, out, report, on_unknown)
            return report
        results = read_nodes(reader, read_documents(replay), minter)
        report.written = FORMATS[fmt](
            good_orders(counted(results, progress), report, on_unknown), minter, out
        )
        return report
    framing = _framing(fmt)
    _warm(adapter)
    out.write(framing.open)
    pending: collections.deque[concurrent.futures.Future[_Done]] = collections.deque()
    translated = 0

    def collect(done: _Done) -> None:
        nonlocal translated
        translated += done.written + len(done.problems)
        if progress is not None:
            progress(translated)
        if done.written and not (on_unknown is OnUnknown.FAIL and report.problems):
            if report.written:
                out.write(framing.separator)
            out.write(done.body)
            report.written += done.written
        report.problems.extend(done.problems)

    global _INPUT
    context = _context()
    shared = split.inheritable(stream, origin) if context.get_start_method() == "fork" else None
    if shared is None:  # sent: the lines already read, then the rest, a block at a time
        blocks = itertools.chain([b"".join(head)], split.blocks(stream, chunk_bytes))
        chunks = (
            _Chunk(adapter.name, fmt, base_url, on_unknown, first, block, mappings=adapter.tables.folder)
            for first, _, block in split.numbered(blocks, 0)
        )
    else:  # inherited: read here only to find where lines end; workers read their span themselves
        _INPUT, start = shared
        stream.seek(start)
        chunks = (
            _Chunk(
                adapter.name,
                fmt,
                base_url,
                on_unknown,
                first,
                None,
                (offset, offset + len(block)),
                mappings=adapter.tables.folder,
            )
            for first, offset, block in split.numbered(split.blocks(stream, chunk_bytes), start)
        )
    # Forked workers inherit this process's heap; frozen, their collector leaves it alone instead of
    # touching (and so copying) every inherited page. That took 2 workers from 1.3x to 1.8x one.
    frozen_before = gc.get_freeze_count() > 0  # the caller froze its own heap: leave it frozen
    gc.freeze()
    pool = concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=context, initializer=_worker_ignores_ctrl_c
    )
    try:
        try:
            for chunk in chunks:
                with _ctrl_c_held():  # a submit may start workers
                    pending.append(pool.submit(_translate_chunk, chunk))
                if len(pending) >= 2 * workers:
                    collect(pending.popleft().result())
            while pending:
                collect(pending.popleft().result())
        finally:  # done, interrupted or failed: no worker outlives the call
            _shut_down(pool)
    finally:
        if not frozen_before:
            gc.unfreeze()
        _INPUT = None
    out.write(framing.close)
    return report
