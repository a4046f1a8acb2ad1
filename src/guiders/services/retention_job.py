"""The retention job: every server runs a pass at start and then every ``interval_s`` (an
hour by default), deleting what each company's retention period lets go.

A pass is idempotent (what is gone is not found again), so two servers running one at the same
moment do no harm: a visitor another node just erased is skipped. ``guiders privacy retention
run`` runs the same pass once, from cron or by hand, with ``--dry-run`` to count only.
"""

from __future__ import annotations

import structlog

from guiders.services.periodic import PeriodicJob
from guiders.services.privacy import PrivacyService

log = structlog.get_logger(__name__)


class RetentionJob:
    def __init__(self, privacy: PrivacyService, interval_s: float) -> None:
        self._privacy = privacy
        self._job = PeriodicJob("retention-job", self.pass_once, interval_s)
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
        self._job.start()

    async def stop(self) -> None:
        await self._job.stop()
