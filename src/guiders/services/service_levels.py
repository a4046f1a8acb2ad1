"""SLA timers in business time, checked on a schedule; each breach is recorded once.

Every server runs the scan (``SlaMonitor.start``); the breach table's key makes a breach one
event however many nodes see it. A breach is ``chat.sla_breached`` in the event log: the
metrics count it (``guiders_sla_breaches_total``, the ``SlaBreached`` alert) and the pipeline's
rules can act on it like on any other event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import cast
from uuid import UUID

import structlog

from guiders.domain.business_hours import Schedule
from guiders.domain.settings import BusinessHours, CompanyProfile, SlaTargets
from guiders.domain.sla import (
    Breach,
    Turn,
    breach_event,
    breaches,
    clocks,
    escalated_priority,
)
from guiders.services.periodic import PeriodicJob
from guiders.services.ports import (
    SYSTEM,
    OpenChat,
    SentMessage,
    UnitOfWork,
    UnitOfWorkFactory,
)
from guiders.services.settings import SettingsService

log = structlog.get_logger(__name__)

SCAN_CHATS = 500
"""Open chats looked at per scan, most recently active first."""
MESSAGES_PER_CHAT = 300


def waiting_since(chat: OpenChat, sent: list[SentMessage]) -> datetime | None:
    """When a person was first wanted: the visitor's request, the bot's hand-off (its first
    message of the server's hand-off, ``sagaId``), or the chat's assignment."""
    marks = [chat.agent_requested_at]
    marks += [m.sent_at for m in sent if m.sender_role == "ai" and "sagaId" in m.metadata][:1]
    marks += [m.sent_at for m in sent if m.sender_role == "agent"][:1]
    if chat.status != "PENDING":
        marks.append(chat.assigned_at)
    present = [m for m in marks if m is not None]
    return min(present) if present else None


def turns(sent: list[SentMessage]) -> list[Turn]:
    out = []
    for m in sent:
        if m.sender_role == "visitor":
            out.append(Turn(m.sent_at, "visitor"))
        elif m.sender_role == "agent":
            out.append(Turn(m.sent_at, "agent"))
    return out


class SlaMonitor:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        settings: SettingsService,
        *,
        interval_s: float = 30.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._uow = uow
        self._settings = settings
        self._clock = clock
        self._job = PeriodicJob("sla-scan", self.scan, interval_s)

    async def schedule(self, company_id: UUID) -> tuple[Schedule, SlaTargets]:
        profile = cast(CompanyProfile, await self._settings.effective(company_id, "company"))
        hours = cast(BusinessHours, await self._settings.effective(company_id, "business_hours"))
        targets = cast(SlaTargets, await self._settings.effective(company_id, "sla"))
        return Schedule.of(hours, profile.time_zone), targets

    async def scan(self) -> int:
        """Records the breaches not recorded yet; returns how many."""
        now = self._clock()
        async with self._uow() as uow:
            chats = await uow.service_levels.open_chats(SCAN_CHATS)
        recorded = 0
        for chat in chats:
            schedule, targets = await self.schedule(chat.company_id)
            if targets.first_response_minutes is None and targets.next_response_minutes is None:
                continue
            async with self._uow() as uow:
                sent = await uow.service_levels.visible_messages(chat.chat_id, MESSAGES_PER_CHAT)
            found = breaches(clocks(waiting_since(chat, sent), turns(sent)), schedule, targets, now)
            for breach in found:
                async with self._uow() as uow:
                    uow.actor = SYSTEM
                    new = await uow.service_levels.mark_breached(
                        chat.company_id, chat.chat_id, breach.kind.value, breach.started_at, now
                    )
                    if not new:
                        continue
                    uow.record(breach_event(chat.company_id, chat.chat_id, breach, now))
                    await self._escalate(uow, chat.chat_id, breach, now)
                    await uow.commit()
                recorded += 1
                log.warning(
                    "sla breached", chat=str(chat.chat_id), kind=breach.kind.value,
                    target_s=breach.target_s,
                )  # fmt: skip
        return recorded

    async def _escalate(
        self, uow: UnitOfWork, chat_id: UUID, breach: Breach, now: datetime
    ) -> None:
        """The chat becomes URGENT with its breach, in the same transaction: the console's
        URGENT means "late in business time", not "asked for a person" (``domain/sla.py``)."""
        loaded = await uow.chats.get(chat_id, for_update=True)
        if loaded is None or not loaded.is_open:
            return
        priority = escalated_priority(loaded.priority, [breach])
        if priority is None:
            return
        loaded.change_priority(priority, now)
        uow.track(loaded)
        await uow.chats.save(loaded)

    async def start(self) -> None:
        self._job.start()

    async def stop(self) -> None:
        await self._job.stop()
