"""A pipeline worker: pumps its event source through the processor, resumes orphaned sagas."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import structlog

from guiders.client import GuidersClient
from guiders.pipeline.conversation import conversation_saga
from guiders.pipeline.processor import Outcome, Processor
from guiders.pipeline.saga_api import ApiSagaStore
from guiders.pipeline.sources import EventSource
from guiders.sagas import SagaRunner

log = structlog.get_logger(__name__)


def build_runner(
    client: GuidersClient,
    processor_analyzer: Any,
    *,
    owner: str | None = None,
    lease_s: float = 30.0,
) -> SagaRunner:
    """The pipeline's sagas (its rules' conversations); the hand-off to a person is the
    server's (``POST /v2/chats/{id}/handoff``), not the pipeline's."""
    store = ApiSagaStore(client)
    runner = SagaRunner(store, {}, lease_s=lease_s)
    if owner:
        runner.owner = owner
    runner.definitions["conversation"] = conversation_saga(client, processor_analyzer)
    return runner


@dataclass
class Worker:
    processor: Processor
    source: EventSource
    idle_s: float = 0.5
    orphan_scan_s: float = 5.0
    outcomes: list[Outcome] = field(default_factory=list)
    keep_outcomes: bool = False
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def _handle(self, event: dict[str, Any]) -> Outcome:
        outcome = await self.processor.process(event)
        if self.keep_outcomes:
            self.outcomes.append(outcome)
        if outcome.status != "skipped":
            log.info(
                "pipeline.event", seq=outcome.seq, status=outcome.status, actions=outcome.actions
            )
        return outcome

    async def resume_sagas(self) -> None:
        try:
            await self.processor.runner.resume_orphans(("conversation",))
        except Exception as exc:  # a resumable saga that fails now is retried at the next scan
            log.warning("pipeline.orphan_scan_failed", error=str(exc))

    async def run(self, *, until_idle: bool = False) -> None:
        """Until ``stop()``; with ``until_idle`` it returns once the source has nothing left."""
        last_scan = 0.0
        while not self._stop.is_set():
            if time.monotonic() - last_scan >= self.orphan_scan_s:
                last_scan = time.monotonic()
                await self.resume_sagas()
            try:
                handled = await self.source.pump(self._handle)
            except Exception as exc:  # the API or Redis is away: wait and try again
                log.warning("pipeline.pump_failed", error=f"{type(exc).__name__}: {exc}")
                handled = 0
            if handled == 0:
                if until_idle:
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.idle_s)

    def stop(self) -> None:
        self._stop.set()
