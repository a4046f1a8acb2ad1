"""Commercials (sales agents) and their availability."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from guiders.domain.events import Aggregate, DomainEvent


class CommercialStatus(StrEnum):
    ONLINE = "online"
    BUSY = "busy"
    AWAY = "away"
    OFFLINE = "offline"


@dataclass(slots=True)
class Commercial(Aggregate):
    id: UUID
    company_id: UUID
    name: str
    status: CommercialStatus = CommercialStatus.OFFLINE
    max_chats: int = 5
    skills: list[str] = field(default_factory=list)
    seniority: int = 1
    last_activity_at: datetime | None = None
    avatar_url: str | None = None

    @classmethod
    def hire(
        cls,
        *,
        id: UUID,
        company_id: UUID,
        name: str,
        max_chats: int,
        skills: list[str],
        seniority: int,
        avatar_url: str | None,
        at: datetime,
    ) -> Commercial:
        commercial = cls(id=id, company_id=company_id, name=name)
        commercial._event(
            "commercial.created",
            at,
            {
                "agent_id": str(id),
                "name": name,
                "max_chats": max_chats,
                "skills": skills,
                "seniority": seniority,
                "avatar_url": avatar_url,
            },
        )
        return commercial

    def is_available(self, workload: int) -> bool:
        return self.status == CommercialStatus.ONLINE and workload < self.max_chats

    def change_status(self, status: CommercialStatus, at: datetime) -> CommercialStatus | None:
        """Returns the previous status, or None when nothing changed."""
        previous = self.status
        if status == previous:
            return None
        self._event(
            "commercial.status_changed",
            at,
            {
                "agent_id": str(self.id),
                "status": status.value,
                "previous_status": previous.value,
            },
        )
        return previous

    def _event(self, type: str, at: datetime, payload: dict[str, Any]) -> None:
        self._record(
            DomainEvent(
                type=type,
                aggregate_type="commercial",
                aggregate_id=self.id,
                company_id=self.company_id,
                payload=payload,
                occurred_at=at,
            )
        )

    def apply(self, event: DomainEvent) -> None:
        p = event.payload
        if event.type == "commercial.created":
            self.name = p["name"]
            self.max_chats = p["max_chats"]
            self.skills = list(p["skills"])
            self.seniority = p["seniority"]
            self.avatar_url = p.get("avatar_url")
        elif event.type == "commercial.status_changed":
            self.status = CommercialStatus(p["status"])
            self.last_activity_at = event.occurred_at
        else:
            raise ValueError(f"commercial cannot apply {event.type}")

    @classmethod
    def from_created(cls, event: DomainEvent) -> Commercial:
        commercial = cls(id=event.aggregate_id, company_id=event.company_id, name="")
        commercial.apply(event)
        commercial.version = event.version
        return commercial
