"""What the SLA timers and the visitor's wait need from storage (``store/service_levels.py``)."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class OpenChat:
    """An open chat, as the SLA scan reads it."""

    chat_id: UUID
    company_id: UUID
    status: str
    agent_requested_at: datetime | None
    assigned_at: datetime | None


@dataclass(frozen=True, slots=True)
class SentMessage:
    sent_at: datetime
    sender_role: str
    metadata: dict[str, Any]


class ServiceLevelStore(abc.ABC):
    @abc.abstractmethod
    async def open_chats(self, limit: int) -> list[OpenChat]:
        """Open chats of every company, most recently active first."""

    @abc.abstractmethod
    async def visible_messages(self, chat_id: UUID, limit: int) -> list[SentMessage]:
        """The chat's messages the visitor sees (not internal notes), oldest first."""

    @abc.abstractmethod
    async def mark_breached(
        self, company_id: UUID, chat_id: UUID, kind: str, started_at: datetime, at: datetime
    ) -> bool:
        """Records one breach; False when it was recorded before (by this or another node)."""

    @abc.abstractmethod
    async def recent_waits(self, company_id: UUID, since: datetime, limit: int) -> list[float]:
        """Seconds between a chat's creation (or its visitor asking for a person) and its
        assignment, for the company's latest assignments since ``since``."""

    @abc.abstractmethod
    async def queue(self, company_id: UUID, limit: int) -> list[UUID]:
        """The company's PENDING chats in the order agents take them."""
