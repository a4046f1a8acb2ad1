"""Agents, stored under the Guiders API's word.

The database and the event log keep "commercial": the table ``commercials``, the columns
``chats.assigned_commercial_id`` and ``department_members.commercial_id``, the log's aggregate
type ``commercial`` and its event types ``commercial.created``, ``commercial.profile_changed``
and ``commercial.status_changed``. Renaming them would take a migration on SQLite and
PostgreSQL and an upcaster for every stored log, and would gain a reader nothing: the store
maps them to the domain's ``Agent`` here and in ``store/chats.py``, as the API maps the wire.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain.agent import Agent, AgentStatus
from guiders.services.ports import AgentRepository
from guiders.store.tables import agents


class SqlAgentRepository(AgentRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, agent: Agent) -> None:
        await self._conn.execute(agents.insert().values(id=agent.id, **_values(agent)))

    async def get(self, agent_id: UUID) -> Agent | None:
        row = (await self._conn.execute(select(agents).where(agents.c.id == agent_id))).first()
        return agent_from_row(row._mapping) if row else None

    async def save(self, agent: Agent) -> None:
        await self._conn.execute(
            update(agents).where(agents.c.id == agent.id).values(**_values(agent))
        )

    async def of_company(self, company_id: UUID) -> list[Agent]:
        stmt = select(agents).where(agents.c.company_id == company_id)
        return [agent_from_row(r._mapping) for r in await self._conn.execute(stmt)]

    async def not_offline(self, limit: int) -> list[Agent]:
        stmt = (
            select(agents)
            .where(agents.c.status != AgentStatus.OFFLINE.value)
            .order_by(agents.c.id)
            .limit(limit)
        )
        return [agent_from_row(r._mapping) for r in await self._conn.execute(stmt)]


def _values(c: Agent) -> dict[str, Any]:
    return {
        "company_id": c.company_id,
        "name": c.name,
        "status": c.status.value,
        "max_chats": c.max_chats,
        "skills": c.skills,
        "seniority": c.seniority,
        "last_activity_at": c.last_activity_at,
        "avatar_url": c.avatar_url,
        "active": c.active,
    }


def agent_from_row(r: Any) -> Agent:
    return Agent(
        id=r["id"],
        company_id=r["company_id"],
        name=r["name"],
        status=AgentStatus(r["status"]),
        max_chats=r["max_chats"],
        skills=list(r["skills"] or []),
        seniority=r["seniority"],
        last_activity_at=r["last_activity_at"],
        avatar_url=r["avatar_url"],
        active=bool(r["active"]),
    )
