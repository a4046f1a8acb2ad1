"""Commercials (agents)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain.commercial import Commercial, CommercialStatus
from guiders.services.ports import CommercialRepository
from guiders.store.tables import commercials


class SqlCommercialRepository(CommercialRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, commercial: Commercial) -> None:
        await self._conn.execute(
            commercials.insert().values(id=commercial.id, **_values(commercial))
        )

    async def get(self, commercial_id: UUID) -> Commercial | None:
        row = (
            await self._conn.execute(select(commercials).where(commercials.c.id == commercial_id))
        ).first()
        return commercial_from_row(row._mapping) if row else None

    async def save(self, commercial: Commercial) -> None:
        await self._conn.execute(
            update(commercials)
            .where(commercials.c.id == commercial.id)
            .values(**_values(commercial))
        )

    async def of_company(self, company_id: UUID) -> list[Commercial]:
        stmt = select(commercials).where(commercials.c.company_id == company_id)
        return [commercial_from_row(r._mapping) for r in await self._conn.execute(stmt)]

    async def not_offline(self, limit: int) -> list[Commercial]:
        stmt = (
            select(commercials)
            .where(commercials.c.status != CommercialStatus.OFFLINE.value)
            .order_by(commercials.c.id)
            .limit(limit)
        )
        return [commercial_from_row(r._mapping) for r in await self._conn.execute(stmt)]


def _values(c: Commercial) -> dict[str, Any]:
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


def commercial_from_row(r: Any) -> Commercial:
    return Commercial(
        id=r["id"],
        company_id=r["company_id"],
        name=r["name"],
        status=CommercialStatus(r["status"]),
        max_chats=r["max_chats"],
        skills=list(r["skills"] or []),
        seniority=r["seniority"],
        last_activity_at=r["last_activity_at"],
        avatar_url=r["avatar_url"],
        active=bool(r["active"]),
    )
