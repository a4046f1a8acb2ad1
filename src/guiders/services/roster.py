"""Who may take a company's chats now, and by which routing rules.

The one reading of a company's agents with their open chats, their live connections
(``services/liveness.py``) and its routing settings, shared by ``AgentService`` (the listing,
the widget's availability) and ``ChatService`` (assignment), so both rank the same people the
same way.
"""

from __future__ import annotations

from uuid import UUID

from guiders.domain.assignment import Candidate
from guiders.domain.settings import Routing
from guiders.services.liveness import Liveness
from guiders.services.ports import UnitOfWork
from guiders.services.settings import SettingsService


class Roster:
    def __init__(
        self, liveness: Liveness | None = None, settings: SettingsService | None = None
    ) -> None:
        self._liveness = liveness or Liveness()
        self._settings = settings

    async def routing(self, company_id: UUID) -> Routing | None:
        """The company's routing settings (policy, by department), or None without a settings
        service. Read before a transaction, so the settings cache never holds a second
        connection inside it."""
        if self._settings is None:
            return None
        routing = await self._settings.effective(company_id, "routing")
        return routing if isinstance(routing, Routing) else None

    async def candidates(self, uow: UnitOfWork, company_id: UUID) -> list[Candidate]:
        """Every agent of the company with their workload and whether they are connected."""
        workloads = await uow.chats.workloads(company_id)
        agents = await uow.agents.of_company(company_id)
        return await self._liveness.candidates(agents, workloads)
