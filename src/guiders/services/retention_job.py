"""The retention job: every server runs a pass at start and then every ``interval_s`` (an
hour by default), deleting what each company's retention period lets go.

A pass is idempotent (what is gone is not found again), so two servers running one at the same
moment do no harm: a visitor another node just erased is skipped. ``guiders privacy retention
run`` runs the same pass once, from cron or by hand, with ``--dry-run`` to count only.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from guiders.services.privacy import PrivacyService

log = structlog.get_logger(__name__)


class RetentionJob:
    def __init__(self, privacy: PrivacyService, interval_s: float) -> None:
        self._privacy = privacy
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None
        self.passes = 0

    async def pass_once(self) -> None:
        for report in await self._privacy.apply_all(dry_run=False):
            if any(report.counts().values()):
                log.info(
                    "retention applied",
                    company_id=str(report.company_id),
                    days=report.days,
                    **report.counts(),
                )
        self.passes += 1

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="retention-job")

    async def _run(self) -> None:
        while True:
            try:
                await self.pass_once()
            except Exception:
                log.exception("retention pass failed; will retry")
            await asyncio.sleep(self._interval_s)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
