"""The dashboard's chat figures: waiting and first-response times (p50, p95) and per-agent rows.

A supervisor, an admin or an integration key sees the company and every agent; an agent (role
agent) sees their own chats and their own row, never a colleague's; a visitor nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from guiders.domain.chat_figures import figures, per_agent
from guiders.domain.errors import Forbidden, ValidationFailed
from guiders.services.access import Principal
from guiders.services.ports import UnitOfWorkFactory
from guiders.services.ports.figures import ChatTimings

MAX_DAYS = 90
MAX_CHATS = 20_000


class ChatFiguresService:
    def __init__(self, uow: UnitOfWorkFactory, timings: ChatTimings) -> None:
        self._uow = uow
        self._timings = timings

    async def read(self, principal: Principal, days: int) -> dict[str, Any]:
        if principal.is_visitor:
            raise Forbidden("The dashboard is for staff")
        if not 1 <= days <= MAX_DAYS:
            raise ValidationFailed(f"days must be 1 to {MAX_DAYS}", field="days")
        own = not (principal.is_supervisor or principal.is_integration)
        since = datetime.now(UTC) - timedelta(days=days)
        timings = await self._timings.since(
            principal.company_id,
            since,
            agent_id=principal.subject_id if own else None,
            limit=MAX_CHATS,
        )
        async with self._uow() as uow:
            team = await uow.agents.of_company(principal.company_id)
        names = {c.id: c.name for c in team if not own or c.id == principal.subject_id}
        return {
            "scope": "own" if own else "company",
            "days": days,
            "since": since.isoformat(),
            "truncated": len(timings) >= MAX_CHATS,
            **figures(timings),
            "agents": per_agent(timings, names),
        }
