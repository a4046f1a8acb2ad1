"""The analytics worker's model-health duty: feed the monitor, post reports, run a confirmed
retrain.

:class:`HealthReporter` reads the log with a cursor of its own (scores, conversions and retrain
confirmations), so a worker restarted from a saved state still rebuilds its calibration window:
the first pass reads those event types from the start, later passes only what is new. Every
``interval_s`` it posts a report (``POST /api/v2/analytics/model-health``); the server decides
on alerts and proposals. When an admin confirms a proposal and the reporter knows the base CSV
and model directory, it runs the guarded :func:`~guiders.analytics.retraining.retrain` (promoted
only if no worse) in a thread and posts the outcome, which closes the proposal.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

from guiders.analytics.drift import bins_from_metadata
from guiders.analytics.model import ConversionModel
from guiders.analytics.monitoring import FOLLOWED as MONITORED
from guiders.analytics.monitoring import ModelMonitor, MonitorConfig
from guiders.analytics.outcomes import fetch_events, labelled_rows
from guiders.analytics.training import TrainingConfig
from guiders.client import GuidersClient

log = structlog.get_logger(__name__)

CONFIRMED = "model.retrain_confirmed"


@dataclass(frozen=True)
class RetrainSetup:
    """What a confirmed retrain needs: the base CSV and the model directory it promotes into."""

    csv: Path
    model_dir: Path
    members: tuple[str, ...] | None = None


class HealthReporter:
    def __init__(
        self,
        client: GuidersClient,
        model: Callable[[], ConversionModel | None],
        *,
        config: MonitorConfig | None = None,
        interval_s: float = 3600.0,
        retrain: RetrainSetup | None = None,
    ) -> None:
        self._client = client
        self._model = model
        self.monitor = ModelMonitor(config)
        self.interval_s = interval_s
        self._retrain = retrain
        self.cursor = 0
        self._last_report: float | None = None
        self._confirmed: list[str] = []
        self.reports = 0

    async def catch_up(self) -> None:
        """Reads every new score, conversion and confirmation."""
        while True:
            page = await self._client.events(
                after_seq=self.cursor, types=[*MONITORED, CONFIRMED], limit=1000
            )
            for event in page.events:
                if event.type == CONFIRMED:
                    self._confirmed.append(str(event.payload.get("proposalId")))
                else:
                    self.monitor.handle(event.type, event.payload, event.occurred_at)
                self.cursor = event.seq
            if not page.has_more or not page.events:
                return

    async def step(self, now: datetime | None = None) -> dict[str, Any] | None:
        """One pass: catch up, report when due, act on a confirmation; the report if posted."""
        await self.catch_up()
        posted = None
        due = self._last_report is None or time.monotonic() - self._last_report >= self.interval_s
        if due:
            posted = await self.post_report(now or datetime.now(UTC))
        while self._confirmed:
            await self._run_confirmed(self._confirmed.pop(0))
        return posted

    async def post_report(self, now: datetime) -> dict[str, Any] | None:
        model = self._model()
        if model is None:
            return None
        report = self.monitor.report(now, bins_from_metadata(model.metadata), model.version)
        await self._client.request("POST", "/v2/analytics/model-health", json=report)
        self._last_report = time.monotonic()
        self.reports += 1
        return report

    async def _run_confirmed(self, proposal_id: str) -> None:
        view = await self._client.request("GET", "/v2/analytics/model-health")
        proposal = view.get("proposal") or {}
        if proposal.get("proposalId") != proposal_id or proposal.get("status") != "confirmed":
            return  # an old confirmation, already completed
        if self._retrain is None:
            log.warning("retrain confirmed but this worker has no base CSV", proposal=proposal_id)
            return
        setup = self._retrain
        rows = labelled_rows(await fetch_events(self._client), datetime.now(UTC))
        log.info("retraining as confirmed", proposal=proposal_id, extra_rows=len(rows))
        from guiders.analytics.retraining import retrain  # sklearn work: import when needed

        outcome = await asyncio.to_thread(
            retrain,
            setup.csv,
            rows,
            setup.model_dir,
            config=TrainingConfig(members=setup.members),
        )
        await self._client.request(
            "POST",
            f"/v2/analytics/retrain-proposals/{proposal_id}/outcome",
            json={
                "promoted": outcome.promoted,
                "reason": outcome.reason,
                "candidateVersion": outcome.candidate_version,
                "currentVersion": outcome.current_version,
                "extraRows": len(rows),
            },
        )
