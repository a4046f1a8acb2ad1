"""One queue of jobs per chat: a chat's events are handled in order, chats in parallel."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)
Job = Callable[[], Awaitable[None]]


class ChatWorkers:
    def __init__(self) -> None:
        self._jobs: dict[str, deque[Job]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def submit(self, chat_id: str, job: Job) -> None:
        self._jobs.setdefault(chat_id, deque()).append(job)
        if chat_id not in self._tasks:
            self._tasks[chat_id] = asyncio.create_task(self._drain(chat_id))

    async def idle(self) -> None:
        """Wait until every submitted job ran (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def cancel(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _drain(self, chat_id: str) -> None:
        jobs = self._jobs[chat_id]
        try:
            while jobs:
                job = jobs.popleft()
                try:
                    await job()
                except Exception:
                    log.exception("bot job failed", chat_id=chat_id)
        finally:
            self._tasks.pop(chat_id, None)
            if not jobs:
                self._jobs.pop(chat_id, None)
