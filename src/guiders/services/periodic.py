"""One background job that runs a pass every ``interval_s``: the retention job, the mail
dispatcher, the SLA scan and the outbox relay each hand it their pass.

A failed pass is logged and the next one runs on time: these jobs are idempotent (a pass
finds again what the last one left), so the only cure for a failure is to try again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)


class PeriodicJob:
    def __init__(
        self,
        name: str,
        run_pass: Callable[[], Awaitable[object]],
        interval_s: float,
        *,
        first_pass_now: bool = True,
    ) -> None:
        self.name = name
        self.interval_s = interval_s
        self._run_pass = run_pass
        self._first_pass_now = first_pass_now
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        if not self._first_pass_now:
            await asyncio.sleep(self.interval_s)
        while True:
            try:
                await self._run_pass()
            except Exception:
                log.exception("periodic pass failed; will retry", job=self.name)
            await asyncio.sleep(self.interval_s)
