"""The dashboard's read model of chat times: one query, the first agent reply as a subquery."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import false, func, select, type_coerce

from guiders.domain.chat_figures import ChatTiming
from guiders.services.ports.figures import ChatTimings
from guiders.store.database import Database
from guiders.store.tables import chats, messages
from guiders.store.types import UTCDateTime


class SqlChatTimings(ChatTimings):
    def __init__(self, db: Database) -> None:
        self._db = db

    async def since(
        self, company_id: UUID, since: datetime, *, agent_id: UUID | None, limit: int
    ) -> list[ChatTiming]:
        first_reply = (
            select(func.min(messages.c.sent_at))
            .where(
                messages.c.chat_id == chats.c.id,
                messages.c.sender_role == "commercial",
                messages.c.is_internal == false(),
            )
            .scalar_subquery()
        )
        stmt = (
            select(
                chats.c.id,
                chats.c.assigned_commercial_id,
                chats.c.created_at,
                chats.c.agent_requested_at,
                chats.c.assigned_at,
                chats.c.satisfaction,
                type_coerce(first_reply, UTCDateTime(timezone=True)).label("first_reply_at"),
            )
            .where(chats.c.company_id == company_id, chats.c.created_at >= since)
            .order_by(chats.c.created_at)
            .limit(limit)
        )
        if agent_id is not None:
            stmt = stmt.where(chats.c.assigned_commercial_id == agent_id)
        async with self._db.reading() as conn:
            rows = (await conn.execute(stmt)).all()
        return [
            ChatTiming(
                chat_id=r.id,
                agent_id=r.assigned_commercial_id,
                created_at=r.created_at,
                agent_requested_at=r.agent_requested_at,
                assigned_at=r.assigned_at,
                first_reply_at=r.first_reply_at,
                satisfaction=r.satisfaction,
            )
            for r in rows
        ]
