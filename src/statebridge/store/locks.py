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


def _key(target: str) -> int:
    """A signed 64-bit advisory lock key for `target` (distinct from the migration lock's)."""
    return int.from_bytes(
        hashlib.sha256(f"statebridge outbox\n{target}".encode()).digest()[:8], "big", signed=True
    )


class TargetLocks(StoreBase):
    """`exclusive(target)`: whether this process may deliver to `target` now."""

    @contextlib.contextmanager
    def exclusive(self, target: str) -> t.Iterator[bool]:
        """Hold `target`'s delivery lock for the block; yields False (holding nothing) when another
        process holds it."""
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as connection:
                taken = bool(
                    connection.execute(
                        sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": _key(target)}
                    ).scalar()
                )
                connection.commit()
                try:
                    yield taken
                finally:
                    if taken:
                        connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": _key(target)})
                        connection.commit()
            return
        database = self.engine.url.database
        if not database or database == ":memory:":
            yield True
            return
        digest = hashlib.sha256(target.encode()).hexdigest()[:16]
        path = pathlib.Path(f"{database}.outbox-{digest}.lock")
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
