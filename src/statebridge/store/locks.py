"""One drain per target at a time, across processes, released when its holder dies.

Two drains delivering to one target at once could both send the same pending delivery. A drain
therefore holds the target's lock while it delivers, and one that finds it held leaves the target
to the holder. The lock must vanish with a process killed by kill -9, or a crashed sync would
block deliveries until someone cleared it by hand:

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection kept for
  the drain; the server releases it when the connection ends, the process's death included.
- SQLite: an exclusive `flock` on a small file beside the database, which the kernel releases
  when the process's descriptors close. An in-memory database has one process: no lock needed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pathlib
import typing as t

import sqlalchemy as sa

from .base import StoreBase

__all__ = ["TargetLocks"]


def _key(kind: str, name: str) -> int:
    """A signed 64-bit advisory lock key for `name` of `kind` (distinct from the migration lock's)."""
    return int.from_bytes(
        hashlib.sha256(f"statebridge {kind}\n{name}".encode()).digest()[:8], "big", signed=True
    )


class TargetLocks(StoreBase):
    """`exclusive(target)`: whether this process may deliver to `target` now; `holding(kind, name)`
    the same for any other one-at-a-time job (a source's pull, the scheduler's leadership)."""

    def exclusive(self, target: str) -> t.ContextManager[bool]:
        """Hold `target`'s delivery lock for the block; yields False (holding nothing) when another
        process holds it."""
        return self.holding("outbox", target)

    @contextlib.contextmanager
    def holding(self, kind: str, name: str) -> t.Iterator[bool]:
        """Hold the lock on `name` of `kind` for the block, or yield False (holding nothing) when
        another process (or another thread of this one) holds it."""
        key = _key(kind, name)
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as connection:
                taken = bool(
                    connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
                )
                connection.commit()
                try:
                    yield taken
                finally:
                    if taken:
                        connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                        connection.commit()
            return
        database = self.engine.url.database
        if not database or database == ":memory:":
            yield True
            return
        digest = hashlib.sha256(name.encode()).hexdigest()[:16]
        path = pathlib.Path(f"{database}.{kind}-{digest}.lock")
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(descriptor)
