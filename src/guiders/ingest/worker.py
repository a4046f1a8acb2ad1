"""The in-process ingestion worker every server node runs (started by ``runtime/``).

It wakes when a source is added or a re-crawl asked for on this node, and polls for the rest
(sources queued on another node, re-crawls that came due, crawls whose node died). A source is
claimed with a conditional update before it is read, so across nodes each job runs once;
jobs run one at a time per node, in the background, next to the chat traffic.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import socket
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import structlog

from guiders.domain.knowledge import SourceStatus
from guiders.ingest.indexing import Indexer
from guiders.ingest.jobs import IngestionJob, JobSettings
from guiders.services.ports import UnitOfWorkFactory

log = structlog.get_logger(__name__)


def parse_pool(processes: int) -> Executor | None:
    """Worker processes for parsing (``spawn``: a fork of a process with torch's threads is
    unsafe); 0 parses in the encoding thread instead."""
    if processes <= 0:
        return None
    return ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))


class IngestionWorker:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        settings: JobSettings,
        *,
        poll_s: float = 10.0,
        parse_processes: int = 1,
        encode_executor: Executor | None = None,
    ) -> None:
        self._uow = uow
        self._settings = settings
        self._poll_s = poll_s
        self._parse_processes = parse_processes
        self._encode = encode_executor or ThreadPoolExecutor(1, thread_name_prefix="ingest")
        self._pool: Executor | None = None
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.runs = 0

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._wake = asyncio.Event()  # of this loop: an app may be started again in another
        self._pool = parse_pool(self._parse_processes)
        self._task = asyncio.create_task(self._loop(), name="knowledge-ingestion")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def _loop(self) -> None:
        while True:
            try:
                while await self.run_due():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database was away: try again at the next poll
                log.warning("ingestion poll failed", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_s)
            self._wake.clear()

    async def run_due(self) -> int:
        """Runs the sources due now; how many this node ran."""
        now = datetime.now(UTC)
        async with self._uow() as uow:
            due = await uow.knowledge.due_sources(now, limit=10)
        ran = 0
        for source in due:
            lease = datetime.now(UTC) + timedelta(seconds=self._settings.lease_s)
            async with self._uow() as uow:
                claimed = await uow.knowledge.claim_source(
                    source.id, source.status, self.owner, datetime.now(UTC), lease
                )
                await uow.commit()
            if not claimed:
                continue
            source.status = SourceStatus.CRAWLING
            job = IngestionJob(
                self._uow,
                Indexer(self._encode),
                self._settings,
                parse_pool=self._pool,
                owner=self.owner,
            )
            await job.run(source)
            ran += 1
            self.runs += 1
        return ran
