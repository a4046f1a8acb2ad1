"""Commercials (sales agents) and their availability."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class CommercialStatus(StrEnum):
    ONLINE = "online"
    BUSY = "busy"
    AWAY = "away"
    OFFLINE = "offline"


@dataclass(slots=True)
class Commercial:
    id: UUID
    company_id: UUID
    name: str
    status: CommercialStatus = CommercialStatus.OFFLINE
    max_chats: int = 5
    skills: list[str] = field(default_factory=list)
    seniority: int = 1
    last_activity_at: datetime | None = None
    avatar_url: str | None = None

    def is_available(self, workload: int) -> bool:
        return self.status == CommercialStatus.ONLINE and workload < self.max_chats
