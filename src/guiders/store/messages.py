"""A chat's messages: written by the group commit in batches, read in pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain.message import Message, MessageType, Sender, SenderRole
from guiders.services.ports import MessageRepository, Page
from guiders.store.bulk_insert import BulkInsert
from guiders.store.chats import unread_for
from guiders.store.tables import messages

_MESSAGE_ROWS = BulkInsert(messages)
_MESSAGE_BY_CLIENT_ID = select(messages).where(
    messages.c.chat_id == bindparam("b_chat"),
    messages.c.sender_id == bindparam("b_sender"),
    messages.c.client_message_id == bindparam("b_client"),
)


class SqlMessageRepository(MessageRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, message: Message) -> None:
        await _MESSAGE_ROWS.many(self._conn, [message_values(message)])

    async def add_many(self, messages: Sequence[Message]) -> None:
        if messages:
            await _MESSAGE_ROWS.many(self._conn, [message_values(m) for m in messages])

    async def by_client_id(
        self, chat_id: UUID, sender_id: UUID, client_message_id: str
    ) -> Message | None:
        params = {"b_chat": chat_id, "b_sender": sender_id, "b_client": client_message_id}
        row = (await self._conn.execute(_MESSAGE_BY_CLIENT_ID, params)).first()
        return message_from_row(row._mapping) if row else None

    async def by_client_ids(
        self, keys: Sequence[tuple[UUID, UUID, str]]
    ) -> dict[tuple[UUID, UUID, str], Message]:
        found: dict[tuple[UUID, UUID, str], Message] = {}
        for start in range(0, len(keys), 300):
            # an OR of exact keys: both databases answer each from uq_messages_client_id
            # (SQLite scans the table for a row-value IN list)
            each = [
                and_(
                    messages.c.chat_id == chat_id,
                    messages.c.sender_id == sender_id,
                    messages.c.client_message_id == client_id,
                )
                for chat_id, sender_id, client_id in keys[start : start + 300]
            ]
            for row in await self._conn.execute(select(messages).where(or_(*each))):
                m = message_from_row(row._mapping)
                assert m.client_message_id is not None
                found[(m.chat_id, m.sender.id, m.client_message_id)] = m
        return found

    async def page(
        self,
        chat_id: UUID,
        *,
        newest_first: bool,
        limit: int,
        cursor: tuple[str, str] | None,
        since: datetime | None,
        include_internal: bool,
    ) -> Page[Message]:
        conditions: list[ColumnElement[bool]] = [messages.c.chat_id == chat_id]
        if not include_internal:
            conditions.append(messages.c.is_internal.is_(False))
        if since is not None:
            conditions.append(messages.c.sent_at > since)
        total = (
            await self._conn.execute(select(func.count()).select_from(messages).where(*conditions))
        ).scalar_one()
        stmt = select(messages).where(*conditions)
        col = messages.c.sent_at
        if cursor is not None:
            value, last_id = datetime.fromisoformat(cursor[0]), UUID(cursor[1])
            if newest_first:
                stmt = stmt.where(or_(col < value, and_(col == value, messages.c.id < last_id)))
            else:
                stmt = stmt.where(or_(col > value, and_(col == value, messages.c.id > last_id)))
        order = (
            (col.desc(), messages.c.id.desc()) if newest_first else (col.asc(), messages.c.id.asc())
        )
        rows = list(await self._conn.execute(stmt.order_by(*order).limit(limit + 1)))
        items = [message_from_row(r._mapping) for r in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = items[-1]
            next_cursor = (last.sent_at.isoformat(), str(last.id))
        return Page(items=items, total=int(total), next_cursor=next_cursor)

    async def unread(self, chat_id: UUID, *, reader_role: str) -> list[Message]:
        stmt = (
            select(messages)
            .where(
                messages.c.chat_id == chat_id,
                messages.c.read_at.is_(None),
                *unread_for(reader_role),
            )
            .order_by(messages.c.sent_at)
        )
        return [message_from_row(r._mapping) for r in await self._conn.execute(stmt)]

    async def mark_read(self, chat_id: UUID, message_ids: Sequence[UUID], at: datetime) -> None:
        await self._conn.execute(
            update(messages)
            .where(
                messages.c.chat_id == chat_id,
                messages.c.id.in_(message_ids),
                messages.c.read_at.is_(None),
            )
            .values(read_at=at)
        )

    async def group_by_chat(self, message_ids: Sequence[UUID]) -> dict[UUID, list[UUID]]:
        grouped: dict[UUID, list[UUID]] = {}
        if message_ids:
            stmt = select(messages.c.chat_id, messages.c.id).where(messages.c.id.in_(message_ids))
            for chat_id, message_id in await self._conn.execute(stmt):
                grouped.setdefault(chat_id, []).append(message_id)
        return grouped


def message_values(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "chat_id": message.chat_id,
        "company_id": message.company_id,
        "sender_id": message.sender.id,
        "sender_role": message.sender.role.value,
        "sender_name": message.sender.name,
        "content": message.content,
        "type": message.type.value,
        "is_internal": message.is_internal,
        "metadata": message.metadata,
        "client_message_id": message.client_message_id,
        "sent_at": message.sent_at,
        "read_at": message.read_at,
    }


def message_from_row(r: Any) -> Message:
    return Message(
        id=r["id"],
        chat_id=r["chat_id"],
        company_id=r["company_id"],
        sender=Sender(id=r["sender_id"], name=r["sender_name"], role=SenderRole(r["sender_role"])),
        content=r["content"],
        type=MessageType(r["type"]),
        is_internal=r["is_internal"],
        sent_at=r["sent_at"],
        metadata=dict(r["metadata"] or {}),
        client_message_id=r["client_message_id"],
        read_at=r["read_at"],
    )
