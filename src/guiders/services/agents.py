"""Agent use cases: who is available, and status changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from guiders.domain.agent import Agent, AgentStatus
from guiders.domain.assignment import (
    Candidate,
    rank_available,
    rank_for_policy,
    status_on_console_open,
)
from guiders.domain.company import StaffRole
from guiders.domain.errors import Forbidden, NotFound
from guiders.services.access import Principal
from guiders.services.ports import Actor, UnitOfWorkFactory
from guiders.services.roster import Roster


@dataclass(frozen=True, slots=True)
class StatusChange:
    agent: Agent
    previous: AgentStatus | None


class AgentService:
    def __init__(self, uow: UnitOfWorkFactory, roster: Roster | None = None) -> None:
        self._uow = uow
        self._roster = roster or Roster()
        self.changed_hooks: list[Callable[[UUID], None]] = []
        """Called with the company's id once an agent's status changed here (the cached
        availability goes at once on this node; other nodes hear the event)."""

    async def assignable(self, company_id: UUID) -> list[Candidate]:
        """Who may be offered a chat now, in the order of the company's routing policy."""
        routing = await self._roster.routing(company_id)
        policy = routing.policy if routing is not None else "least_busy"
        return rank_for_policy(await self.candidates(company_id), policy)

    async def candidates(self, company_id: UUID) -> list[Candidate]:
        async with self._uow() as uow:
            return await self._roster.candidates(uow, company_id)

    async def listing(
        self, principal: Principal, *, available_only: bool, order_by: str | None
    ) -> list[Candidate]:
        candidates = await self.candidates(principal.company_id)
        if available_only:
            return rank_available(candidates)
        if order_by == "workload":
            return sorted(candidates, key=lambda c: (c.workload, -c.agent.seniority))
        return sorted(candidates, key=lambda c: c.agent.name)

    async def set_status(
        self, principal: Principal, agent_id: UUID, status: AgentStatus
    ) -> StatusChange:
        if principal.is_visitor:
            raise Forbidden("Visitors cannot change an agent's status")
        if principal.is_staff and not principal.is_supervisor and principal.subject_id != agent_id:
            raise Forbidden("A commercial may change only their own status")
        now = datetime.now(UTC)
        async with self._uow() as uow:
            uow.actor = principal.actor
            agent = await uow.agents.get(agent_id)
            if agent is None or agent.company_id != principal.company_id:
                raise NotFound("Commercial not found", field="commercialId")
            previous = agent.change_status(status, now)
            uow.track(agent)
            await uow.agents.save(agent)
            await uow.commit()
        self._changed(agent.company_id, previous)
        return StatusChange(agent=agent, previous=previous)

    async def follow_sockets(
        self,
        company_id: UUID,
        agent_id: UUID,
        *,
        connected: bool,
        actor: Actor,
        role: StaffRole | None = None,
    ) -> StatusChange | None:
        """Console sockets drive presence: the first one opening makes an offline agent online
        (an admin away: ``status_on_console_open``); when the last has been closed for the
        grace period the agent goes offline. A status the agent chose (busy, away) is left
        alone while they are connected."""
        async with self._uow() as uow:
            uow.actor = actor
            agent = await uow.agents.get(agent_id)
            if agent is None or agent.company_id != company_id:
                return None
            offline = agent.status == AgentStatus.OFFLINE
            if connected != offline:
                return None
            target = status_on_console_open(role) if connected else AgentStatus.OFFLINE
            previous = agent.change_status(target, datetime.now(UTC))
            uow.track(agent)
            await uow.agents.save(agent)
            await uow.commit()
        self._changed(company_id, previous)
        return StatusChange(agent=agent, previous=previous)

    def _changed(self, company_id: UUID, previous: AgentStatus | None) -> None:
        if previous is not None:
            for hook in self.changed_hooks:
                hook(company_id)
