"""Indexes new messages for full-text search a batch at a time, every ``interval_s``.

Where the database does not index a message in the transaction that writes it (SQLite:
``store/search.py``), this job keeps the backlog short: each pass indexes what was sent since
the last, in transactions of at most ``batch`` messages, so no pass holds the write lock long
while sends wait. A search catches up on its own first, so the backlog is never visible to it;
this job only keeps that catch-up small. Idempotent: a failed pass leaves the backlog to the next.
"""

from __future__ import annotations

import asyncio

from guiders.services.periodic import PeriodicJob
from guiders.services.ports import UnitOfWorkFactory


class SearchIndexing:
    def __init__(
        self, uow: UnitOfWorkFactory, *, interval_s: float = 1.0, batch: int = 1000
    ) -> None:
        self._uow = uow
        self._batch = batch
        self._job = PeriodicJob("search-indexing", self.pass_once, interval_s)
        self.indexed = 0

    async def pass_once(self) -> int:
        """Indexes the whole backlog; how many messages that was."""
        done = 0
        while True:
            async with self._uow() as uow:
                count = await uow.search.catch_up(self._batch)
                await uow.commit()
            done += count
            if count < self._batch:
                break
            await asyncio.sleep(0)  # sends waiting for the write lock go first
        self.indexed += done
        return done

    async def start(self) -> None:
        self._job.start()

    async def stop(self) -> None:
        await self._job.stop()
