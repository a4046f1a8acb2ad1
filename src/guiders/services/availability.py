"""What the widget tells a visitor about people: are they in, when are they back, how long the
wait is, and where this visitor is in the queue. Also the record of the AI disclosure shown.

The wait estimate is honest or absent: the median of the company's latest assignments (time
from the chat's creation, or from the visitor asking for a person, to its assignment), times
the visitor's place in the queue. Fewer than ``MIN_SAMPLES`` assignments in the last week, or
nobody online, and there is no estimate: the widget says so rather than guess.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import cast
from uuid import UUID

from guiders.domain.agent import AgentStatus
from guiders.domain.business_hours import Schedule
from guiders.domain.errors import ValidationFailed
from guiders.domain.events import Stream
from guiders.domain.settings import BotConfig, BusinessHours, CompanyProfile
from guiders.services.access import Principal, check_chat_access
from guiders.services.agents import AgentService
from guiders.services.ports import EventFilter, UnitOfWorkFactory
from guiders.services.settings import SettingsService

MIN_SAMPLES = 3
SAMPLES = 20
SAMPLE_DAYS = 7
QUEUE_LIMIT = 500
DISCLOSED = "ai.disclosure_shown"


@dataclass(frozen=True, slots=True)
class Availability:
    state: str
    """``online`` (someone can take a chat), ``busy`` (people are in, all at capacity),
    ``nobody_online`` (within hours, nobody in) or ``closed`` (outside business hours)."""
    open_now: bool
    agents_online: int
    agents_available: int
    next_opening: datetime | None
    time_zone: str
    typical_wait_s: float | None
    outside_hours: str


@dataclass(frozen=True, slots=True)
class Wait:
    position: int | None
    """1 = next; None when the chat is not waiting in the queue."""
    queue_length: int
    estimate_s: float | None
    samples: int


class AvailabilityService:
    def __init__(
        self, uow: UnitOfWorkFactory, settings: SettingsService, agents: AgentService
    ) -> None:
        self._uow = uow
        self._settings = settings
        self._agents = agents

    async def _typical_wait(self, company_id: UUID, now: datetime) -> tuple[float | None, int]:
        async with self._uow() as uow:
            waits = await uow.service_levels.recent_waits(
                company_id, now - timedelta(days=SAMPLE_DAYS), SAMPLES
            )
        if len(waits) < MIN_SAMPLES:
            return None, len(waits)
        return float(median(waits)), len(waits)

    async def availability(self, company_id: UUID, now: datetime | None = None) -> Availability:
        now = now or datetime.now(UTC)
        profile = cast(CompanyProfile, await self._settings.effective(company_id, "company"))
        hours = cast(BusinessHours, await self._settings.effective(company_id, "business_hours"))
        schedule = Schedule.of(hours, profile.time_zone)
        candidates = await self._agents.candidates(company_id)
        online = sum(1 for c in candidates if c.agent.status == AgentStatus.ONLINE)
        available = sum(1 for c in candidates if c.available)
        open_now = schedule.is_open(now)
        if not open_now:
            state = "closed"
        elif available:
            state = "online"
        elif online:
            state = "busy"
        else:
            state = "nobody_online"
        typical, _ = await self._typical_wait(company_id, now)
        return Availability(
            state=state,
            open_now=open_now,
            agents_online=online,
            agents_available=available,
            next_opening=None if open_now else schedule.next_opening(now),
            time_zone=profile.time_zone,
            typical_wait_s=typical if state in ("online", "busy") else None,
            outside_hours=hours.outside_hours,
        )

    async def wait(self, principal: Principal, chat_id: UUID) -> Wait:
        now = datetime.now(UTC)
        async with self._uow() as uow:
            chat = check_chat_access(principal, await uow.chats.get(chat_id))
            queue = await uow.service_levels.queue(chat.company_id, QUEUE_LIMIT)
        position = queue.index(chat.id) + 1 if chat.id in queue else None
        typical, samples = await self._typical_wait(chat.company_id, now)
        candidates = await self._agents.candidates(chat.company_id)
        anyone = any(c.agent.status == AgentStatus.ONLINE for c in candidates)
        estimate = None
        if position is not None and typical is not None and anyone:
            estimate = max(60.0, math.ceil(typical * position / 60) * 60.0)
        return Wait(position, len(queue), estimate, samples)

    async def record_disclosure(
        self, principal: Principal, chat_id: UUID, language: str, text: str
    ) -> bool:
        """The AI disclosure the widget showed in this chat, with its text, as an event.
        The text must be the company's (``bot.disclosure``) for that language, so a visitor
        cannot write arbitrary text into the log; recorded once per chat, language and text.
        Returns False when it was recorded before."""
        bot = cast(BotConfig, await self._settings.effective(principal.company_id, "bot"))
        if text not in bot.disclosure.values():
            raise ValidationFailed("not the disclosure text this company shows", field="text")
        now = datetime.now(UTC)
        async with self._uow() as uow:
            chat = check_chat_access(principal, await uow.chats.get(chat_id))
            earlier = await uow.events.read(
                EventFilter(chat.company_id, aggregate_id=chat.id, types=[DISCLOSED], limit=50)
            )
            if any(e.payload.get("text") == text for e in earlier):
                return False
            uow.actor = principal.actor
            uow.record(
                Stream("ai_disclosure", chat.id, chat.company_id).event(
                    DISCLOSED,
                    now,
                    {
                        "chat_id": str(chat.id),
                        "visitor_id": str(chat.visitor_id),
                        "language": language,
                        "text": text,
                        "shown_at": now.isoformat(),
                    },
                )
            )
            await uow.commit()
        return True
