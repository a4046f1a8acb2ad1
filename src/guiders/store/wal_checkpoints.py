"""SQLite's write-ahead log copied back into the database file off the event loop.

SQLite checkpoints (copies the log's pages back into the database file, then fsyncs it) inside
the commit that takes the log past ``wal_autocheckpoint`` pages. Statements run on the loop's
own thread (``database.InlineSqliteConnection``), so that commit stalled the whole server for
the length of an fsync. Measured on the send path (16 concurrent senders, 16,000 messages):
103 of 2,035 commits took more than 3 ms (p99 23.5 ms), 1.55 s of a 9.6 s run in which the
process waited with its CPU idle.

Here a thread runs a ``PASSIVE`` checkpoint on a connection of its own every ``interval_s``:
it never takes the write lock, so sends go on, and the fsync happens with the GIL released.
The in-commit threshold is raised to ``FALLBACK_PAGES``: it only acts if this thread falls
behind (or is not running: a CLI, a test without a runtime), which keeps the log bounded.
Durability is unchanged: a commit is in the log before it returns, whoever checkpoints it.
"""

from __future__ import annotations

import asyncio
import sqlite3

import structlog

from guiders.services.periodic import PeriodicJob

log = structlog.get_logger(__name__)

FALLBACK_PAGES = 20_000
"""``wal_autocheckpoint`` with the thread running: about 80 MB of log before a commit
checkpoints itself."""


class WalCheckpointer:
    def __init__(self, path: str, *, interval_s: float = 0.25) -> None:
        self._path = path
        self._conn: sqlite3.Connection | None = None
        self._running: asyncio.Future[None] | None = None
        """The checkpoint under way in its thread. Cancelling the job does not stop a thread:
        ``stop`` waits for it before closing the connection it uses."""
        self._job = PeriodicJob("sqlite-checkpoint", self._pass, interval_s, first_pass_now=False)
        self.passes = 0

    def start(self) -> None:
        self._job.start()

    async def stop(self) -> None:
        await self._job.stop()
        if self._running is not None:
            await asyncio.wait([self._running])
            self._running = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def _pass(self) -> None:
        self._running = asyncio.ensure_future(asyncio.to_thread(self._checkpoint))
        try:
            await asyncio.shield(self._running)
        except sqlite3.Error as exc:  # the next pass tries again; the fallback bounds the log
            log.warning("sqlite checkpoint failed", error=str(exc))
        self.passes += 1

    def _checkpoint(self) -> None:
        if self._conn is None:
            self._conn = sqlite3.connect(self._path, check_same_thread=False)
            self._conn.execute("PRAGMA busy_timeout=1000")
        self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
