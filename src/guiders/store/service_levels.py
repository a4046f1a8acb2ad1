"""SLA breaches recorded once each, and the reads behind the SLA scan and the visitor's wait."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain.chat import OPEN_STATUSES, ChatStatus, Priority
from guiders.services.ports import OpenChat, SentMessage, ServiceLevelStore
from guiders.store.service_level_tables import sla_breaches
from guiders.store.tables import chats, messages

_PRIORITY_RANK = case({p.value: p.rank for p in Priority}, value=chats.c.priority)


class SqlServiceLevelStore(ServiceLevelStore):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def open_chats(self, limit: int) -> list[OpenChat]:
        stmt = (
            select(
                chats.c.id,
                chats.c.company_id,
                chats.c.status,
                chats.c.agent_requested_at,
                chats.c.assigned_at,
            )
            .where(chats.c.status.in_([s.value for s in OPEN_STATUSES]))
            .order_by(chats.c.updated_at.desc())
            .limit(limit)
        )
        return [
            OpenChat(r.id, r.company_id, r.status, r.agent_requested_at, r.assigned_at)
            for r in await self._conn.execute(stmt)
        ]

    async def visible_messages(self, chat_id: UUID, limit: int) -> list[SentMessage]:
        stmt = (
            select(messages.c.sent_at, messages.c.sender_role, messages.c.metadata)
            .where(messages.c.chat_id == chat_id, messages.c.is_internal.is_(False))
            .order_by(messages.c.sent_at.desc())
            .limit(limit)
        )
        rows = list(await self._conn.execute(stmt))
        return [SentMessage(r.sent_at, r.sender_role, dict(r.metadata or {})) for r in rows[::-1]]

    async def mark_breached(
        self, company_id: UUID, chat_id: UUID, kind: str, started_at: datetime, at: datetime
    ) -> bool:
        exists = await self._conn.execute(
            select(sla_breaches.c.chat_id).where(
                sla_breaches.c.chat_id == chat_id,
                sla_breaches.c.kind == kind,
                sla_breaches.c.started_at == started_at,
            )
        )
        if exists.first() is not None:
            return False
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(
                    sla_breaches.insert().values(
                        chat_id=chat_id,
                        kind=kind,
                        started_at=started_at,
                        company_id=company_id,
                        breached_at=at,
                    )
                )
        except IntegrityError:
            return False  # another node recorded it a moment ago
        return True

    async def recent_waits(self, company_id: UUID, since: datetime, limit: int) -> list[float]:
        stmt = (
            select(chats.c.created_at, chats.c.agent_requested_at, chats.c.assigned_at)
            .where(
                chats.c.company_id == company_id,
                chats.c.assigned_at.is_not(None),
                chats.c.assigned_at >= since,
            )
            .order_by(chats.c.assigned_at.desc())
            .limit(limit)
        )
        waits = []
        for r in await self._conn.execute(stmt):
            start = r.agent_requested_at or r.created_at
            waits.append(max(0.0, (r.assigned_at - start).total_seconds()))
        return waits

    async def queue(self, company_id: UUID, limit: int) -> list[UUID]:
        stmt = (
            select(chats.c.id)
            .where(chats.c.company_id == company_id, chats.c.status == ChatStatus.PENDING.value)
            .order_by(_PRIORITY_RANK.desc(), chats.c.created_at.asc())
            .limit(limit)
        )
        return [r.id for r in await self._conn.execute(stmt)]
