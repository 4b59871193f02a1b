"""The output spool of `translate`: everything is written here first, so that a failed run writes
nothing, and copied to stdout once the run has succeeded.

Up to `MEMORY_BYTES` the spool is memory; beyond, a temporary file written through a 1 MiB buffer
(the default 8 KiB buffer made one `write` call per order of N-Triples, ~9 KB each). From a file, the
copy to stdout is `os.sendfile`, which moves the bytes inside the kernel; anywhere `sendfile` is not
supported (stdout not a file descriptor, an old kernel), it is `shutil.copyfileobj`.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
import typing as t

__all__ = ["MEMORY_BYTES", "copy_out", "output_spool"]

#: Output is spooled in memory up to this size, then on disk.
MEMORY_BYTES = 16 * 1024 * 1024
_FILE_BUFFER = 1024 * 1024
#: `sendfile` errors that mean "not for these descriptors": the copy falls back to reading and writing.
_UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EBADF})


def output_spool(memory_bytes: int = MEMORY_BYTES) -> tempfile.SpooledTemporaryFile[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=memory_bytes, buffering=_FILE_BUFFER)


def copy_out(spool: tempfile.SpooledTemporaryFile[bytes], out: t.BinaryIO) -> None:
    """Copy the whole spool to `out` and flush it."""
    spool.flush()
    size = spool.seek(0, os.SEEK_END)
    spool.seek(0)
    # `fileno()` would move a spool still in memory to disk first: only a rolled-over spool is sent.
    if getattr(spool, "_rolled", False) and size and _sendfile(spool.fileno(), out, size):
        return
    shutil.copyfileobj(spool, out)
    out.flush()


def _sendfile(source: int, out: t.BinaryIO, size: int) -> bool:
    """Send `size` bytes of `source` to `out`; False (nothing sent) where `sendfile` cannot."""
    try:
        target = out.fileno()
    except (AttributeError, OSError, ValueError):  # a stream without a descriptor (a test's buffer)
        return False
    out.flush()
    offset = 0
    while offset < size:
        try:
            sent = os.sendfile(target, source, offset, size - offset)
        except OSError as error:
            if offset == 0 and error.errno in _UNSUPPORTED:
                return False
            raise
        if sent == 0:  # the file shrank under us: nothing more to send
            break
        offset += sent
    return True
