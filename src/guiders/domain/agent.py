"""Agents (sales agents) and their availability."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from guiders.domain.errors import ValidationFailed
from guiders.domain.events import Aggregate, DomainEvent, Stream


class AgentStatus(StrEnum):
    ONLINE = "online"
    BUSY = "busy"
    AWAY = "away"
    OFFLINE = "offline"


@dataclass(slots=True)
class Agent(Aggregate):
    id: UUID
    company_id: UUID
    name: str
    status: AgentStatus = AgentStatus.OFFLINE
    max_chats: int = 5
    skills: list[str] = field(default_factory=list)
    seniority: int = 1
    last_activity_at: datetime | None = None
    avatar_url: str | None = None
    active: bool = True
    """False once an admin deactivated the agent: never assigned, whatever the status."""

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
    ) -> Agent:
        agent = cls(id=id, company_id=company_id, name=name)
        agent._emit(
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
        return agent

    def is_available(self, workload: int) -> bool:
        return self.active and self.status == AgentStatus.ONLINE and workload < self.max_chats

    def reprofile(
        self, *, max_chats: int, skills: list[str], seniority: int, active: bool, at: datetime
    ) -> bool:
        """An admin's change of capacity, skills (departments), seniority or activation;
        False when nothing changed."""
        if not 1 <= max_chats <= 50:
            raise ValidationFailed("an agent takes 1 to 50 chats at once", field="maxChats")
        if not 1 <= seniority <= 10:
            raise ValidationFailed("seniority is 1 to 10", field="seniority")
        skills = list(dict.fromkeys(s.strip().lower() for s in skills if s.strip()))
        if len(skills) > 30 or any(len(s) > 60 for s in skills):
            raise ValidationFailed("at most 30 skills of 60 characters", field="skills")
        new = (max_chats, skills, seniority, active)
        if new == (self.max_chats, self.skills, self.seniority, self.active):
            return False
        self._emit(
            "commercial.profile_changed",
            at,
            {
                "agent_id": str(self.id),
                "max_chats": max_chats,
                "skills": skills,
                "seniority": seniority,
                "active": active,
            },
        )
        return True

    def change_status(self, status: AgentStatus, at: datetime) -> AgentStatus | None:
        """Returns the previous status, or None when nothing changed."""
        previous = self.status
        if status == previous:
            return None
        self._emit(
            "commercial.status_changed",
            at,
            {
                "agent_id": str(self.id),
                "status": status.value,
                "previous_status": previous.value,
            },
        )
        return previous

    @property
    def stream(self) -> Stream:
        return Stream("commercial", self.id, self.company_id)

    def apply(self, event: DomainEvent) -> None:
        p = event.payload
        if event.type == "commercial.created":
            self.name = p["name"]
            self.max_chats = p["max_chats"]
            self.skills = list(p["skills"])
            self.seniority = p["seniority"]
            self.avatar_url = p.get("avatar_url")
        elif event.type == "commercial.profile_changed":
            self.max_chats = p["max_chats"]
            self.skills = list(p["skills"])
            self.seniority = p["seniority"]
            self.active = p["active"]
        elif event.type == "commercial.status_changed":
            self.status = AgentStatus(p["status"])
            self.last_activity_at = event.occurred_at
        else:
            raise ValueError(f"commercial cannot apply {event.type}")

    @classmethod
    def from_created(cls, event: DomainEvent) -> Agent:
        agent = cls(id=event.aggregate_id, company_id=event.company_id, name="")
        agent.apply(event)
        agent.version = event.version
        return agent
