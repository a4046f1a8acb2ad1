"""Agent use cases: who is available, and status changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from guiders.domain.agent import Agent, AgentStatus
from guiders.domain.assignment import Candidate, rank_available, rank_for_policy
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

    async def assignable(self, company_id: UUID) -> list[Candidate]:
        """Who may be offered a chat now, in the order of the company's routing policy."""
        routing = await self._roster.routing(company_id)
        policy = routing.policy if routing is not None else "least_busy"
        return rank_for_policy(await self.candidates(company_id), policy)

    async def candidates(self, company_id: UUID) -> list[Candidate]:
        async with self._uow() as uow:
            return await self._roster.candidates(uow, company_id)

    async def availability(self, company_id: UUID) -> tuple[bool, int]:
        """(anyone can take a chat now, how many agents are online) for the widget's badge."""
        candidates = await self.candidates(company_id)
        online = sum(1 for c in candidates if c.connected and c.agent.status == AgentStatus.ONLINE)
        return any(c.available for c in candidates), online

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
        return StatusChange(agent=agent, previous=previous)

    async def follow_sockets(
        self, company_id: UUID, agent_id: UUID, *, connected: bool, actor: Actor
    ) -> StatusChange | None:
        """Console sockets drive presence: the first one opening makes an offline agent online;
        when the last has been closed for the grace period the agent goes offline. A status the
        agent chose (busy, away) is left alone while they are connected."""
        async with self._uow() as uow:
            uow.actor = actor
            agent = await uow.agents.get(agent_id)
            if agent is None or agent.company_id != company_id:
                return None
            offline = agent.status == AgentStatus.OFFLINE
            if connected != offline:
                return None
            target = AgentStatus.ONLINE if connected else AgentStatus.OFFLINE
            previous = agent.change_status(target, datetime.now(UTC))
            uow.track(agent)
            await uow.agents.save(agent)
            await uow.commit()
        return StatusChange(agent=agent, previous=previous)
