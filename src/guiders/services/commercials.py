"""Commercial use cases: who is available, and status changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from guiders.domain.assignment import Candidate, rank_available, rank_for_policy
from guiders.domain.commercial import Commercial, CommercialStatus
from guiders.domain.errors import Forbidden, NotFound
from guiders.domain.settings import Routing
from guiders.services.access import Principal
from guiders.services.liveness import Liveness
from guiders.services.ports import Actor, UnitOfWorkFactory
from guiders.services.settings import SettingsService


@dataclass(frozen=True, slots=True)
class StatusChange:
    commercial: Commercial
    previous: CommercialStatus | None


class CommercialService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        liveness: Liveness | None = None,
        settings: SettingsService | None = None,
    ) -> None:
        self._uow = uow
        self._liveness = liveness or Liveness()
        self._settings = settings

    async def assignable(self, company_id: UUID) -> list[Candidate]:
        """Who may be offered a chat now, in the order of the company's routing policy."""
        policy = "least_busy"
        if self._settings is not None:
            routing = await self._settings.effective(company_id, "routing")
            if isinstance(routing, Routing):
                policy = routing.policy
        return rank_for_policy(await self.candidates(company_id), policy)

    async def candidates(self, company_id: UUID) -> list[Candidate]:
        async with self._uow() as uow:
            workloads = await uow.chats.workloads(company_id)
            commercials = await uow.commercials.of_company(company_id)
        return await self._liveness.candidates(commercials, workloads)

    async def availability(self, company_id: UUID) -> tuple[bool, int]:
        """(anyone can take a chat now, how many agents are online) for the widget's badge."""
        candidates = await self.candidates(company_id)
        online = sum(
            1 for c in candidates if c.connected and c.commercial.status == CommercialStatus.ONLINE
        )
        return any(c.available for c in candidates), online

    async def listing(
        self, principal: Principal, *, available_only: bool, order_by: str | None
    ) -> list[Candidate]:
        candidates = await self.candidates(principal.company_id)
        if available_only:
            return rank_available(candidates)
        if order_by == "workload":
            return sorted(candidates, key=lambda c: (c.workload, -c.commercial.seniority))
        return sorted(candidates, key=lambda c: c.commercial.name)

    async def set_status(
        self, principal: Principal, commercial_id: UUID, status: CommercialStatus
    ) -> StatusChange:
        if principal.is_visitor:
            raise Forbidden("Visitors cannot change an agent's status")
        if (
            principal.is_staff
            and not principal.is_supervisor
            and principal.subject_id != commercial_id
        ):
            raise Forbidden("A commercial may change only their own status")
        now = datetime.now(UTC)
        async with self._uow() as uow:
            uow.actor = principal.actor
            commercial = await uow.commercials.get(commercial_id)
            if commercial is None or commercial.company_id != principal.company_id:
                raise NotFound("Commercial not found", field="commercialId")
            previous = commercial.change_status(status, now)
            uow.track(commercial)
            await uow.commercials.save(commercial)
            await uow.commit()
        return StatusChange(commercial=commercial, previous=previous)

    async def follow_sockets(
        self, company_id: UUID, commercial_id: UUID, *, connected: bool, actor: Actor
    ) -> StatusChange | None:
        """Console sockets drive presence: the first one opening makes an offline agent online;
        when the last has been closed for the grace period the agent goes offline. A status the
        agent chose (busy, away) is left alone while they are connected."""
        async with self._uow() as uow:
            uow.actor = actor
            commercial = await uow.commercials.get(commercial_id)
            if commercial is None or commercial.company_id != company_id:
                return None
            offline = commercial.status == CommercialStatus.OFFLINE
            if connected != offline:
                return None
            target = CommercialStatus.ONLINE if connected else CommercialStatus.OFFLINE
            previous = commercial.change_status(target, datetime.now(UTC))
            uow.track(commercial)
            await uow.commercials.save(commercial)
            await uow.commit()
        return StatusChange(commercial=commercial, previous=previous)
