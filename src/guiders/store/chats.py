"""Chats and their messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Text,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain.chat import OPEN_STATUSES, WORKLOAD_STATUSES, Chat, ChatStatus, Priority
from guiders.domain.chat_details import ChatMetadata, VisitorInfo
from guiders.domain.message import Message, MessageType, Sender, SenderRole
from guiders.services.chats import SORT_FIELDS
from guiders.services.ports import ChatQuery, ChatRepository, MessageRepository, Page
from guiders.store.bulk_insert import BulkInsert
from guiders.store.tables import chats, messages
from guiders.store.types import UTCDateTime

_SORT_COLUMNS: dict[str, ColumnElement[Any]] = {
    "createdAt": chats.c.created_at,
    "updatedAt": chats.c.updated_at,
    "lastMessageDate": func.coalesce(
        chats.c.last_message_at, chats.c.created_at, type_=UTCDateTime
    ),
}
if tuple(_SORT_COLUMNS) != SORT_FIELDS:
    raise ImportError("a chat sort field of the use case has no column here")

# Built once: the send path runs these on every message, and building statements per call
# cost more than executing them on SQLite.
_INSERT_CHAT = chats.insert()
_GET_CHAT = select(chats).where(chats.c.id == bindparam("b_id"))
_GET_CHAT_FOR_UPDATE = _GET_CHAT.with_for_update()
_GET_CHATS = (
    select(chats).where(chats.c.id.in_(bindparam("b_ids", expanding=True))).order_by(chats.c.id)
)
_GET_CHATS_FOR_UPDATE = _GET_CHATS.with_for_update()
_UPDATE_CHAT = update(chats).where(chats.c.id == bindparam("b_id"))
_MESSAGE_ROWS = BulkInsert(messages)
_MESSAGE_BY_CLIENT_ID = select(messages).where(
    messages.c.chat_id == bindparam("b_chat"),
    messages.c.sender_id == bindparam("b_sender"),
    messages.c.client_message_id == bindparam("b_client"),
)
_COUNT_OPEN_OF_VISITOR = select(func.count()).where(  # ix_chats_visitor_id
    chats.c.visitor_id == bindparam("b_visitor"),
    chats.c.status.in_(sorted(s.value for s in OPEN_STATUSES)),
)
_PRIORITY_RANK = case({p.value: p.rank for p in Priority}, value=chats.c.priority)


class SqlChatRepository(ChatRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, chat: Chat) -> None:
        await self._conn.execute(_INSERT_CHAT, {"id": chat.id, **_chat_values(chat)})

    async def get(self, chat_id: UUID, *, for_update: bool = False) -> Chat | None:
        locking = for_update and self._conn.dialect.name == "postgresql"
        stmt = _GET_CHAT_FOR_UPDATE if locking else _GET_CHAT
        row = (await self._conn.execute(stmt, {"b_id": chat_id})).first()
        return chat_from_row(row._mapping) if row else None

    async def get_many(
        self, chat_ids: Sequence[UUID], *, for_update: bool = False
    ) -> dict[UUID, Chat]:
        if not chat_ids:
            return {}
        locking = for_update and self._conn.dialect.name == "postgresql"
        stmt = _GET_CHATS_FOR_UPDATE if locking else _GET_CHATS
        rows = await self._conn.execute(stmt, {"b_ids": sorted(set(chat_ids))})
        return {r.id: chat_from_row(r._mapping) for r in rows}

    async def save(self, chat: Chat) -> None:
        await self._conn.execute(_UPDATE_CHAT, {"b_id": chat.id, **_chat_values(chat)})

    async def find(self, query: ChatQuery) -> Page[Chat]:
        conditions = _conditions(query, self._conn.dialect.name)
        total = (
            await self._conn.execute(select(func.count()).select_from(chats).where(*conditions))
        ).scalar_one()
        sort_col = _SORT_COLUMNS[query.sort]
        stmt = select(chats, sort_col.label("sort_value")).where(*conditions)
        if query.cursor is not None:
            value = datetime.fromisoformat(query.cursor[0])
            last_id = UUID(query.cursor[1])
            if query.descending:
                stmt = stmt.where(
                    or_(sort_col < value, and_(sort_col == value, chats.c.id < last_id))
                )
            else:
                stmt = stmt.where(
                    or_(sort_col > value, and_(sort_col == value, chats.c.id > last_id))
                )
        order = (
            (sort_col.desc(), chats.c.id.desc())
            if query.descending
            else (sort_col.asc(), chats.c.id.asc())
        )
        rows = list(await self._conn.execute(stmt.order_by(*order).limit(query.limit + 1)))
        items = [chat_from_row(r._mapping) for r in rows[: query.limit]]
        next_cursor = None
        if len(rows) > query.limit:
            last = rows[query.limit - 1]._mapping
            next_cursor = (last["sort_value"].isoformat(), str(last["id"]))
        return Page(items=items, total=int(total), next_cursor=next_cursor)

    async def pending_queue(self, company_id: UUID, limit: int) -> list[Chat]:
        stmt = (
            select(chats)
            .where(chats.c.company_id == company_id, chats.c.status == ChatStatus.PENDING.value)
            .order_by(_PRIORITY_RANK.desc(), chats.c.created_at.asc())
            .limit(limit)
        )
        return [chat_from_row(r._mapping) for r in await self._conn.execute(stmt)]

    async def count_pending(self, company_id: UUID) -> int:
        stmt = select(func.count()).where(
            chats.c.company_id == company_id, chats.c.status == ChatStatus.PENDING.value
        )
        return int((await self._conn.execute(stmt)).scalar_one())

    async def count_open_of_visitor(self, visitor_id: UUID) -> int:
        result = await self._conn.execute(_COUNT_OPEN_OF_VISITOR, {"b_visitor": visitor_id})
        return int(result.scalar_one())

    async def workloads(self, company_id: UUID) -> dict[UUID, int]:
        stmt = (
            select(chats.c.assigned_commercial_id, func.count())
            .where(
                chats.c.company_id == company_id,
                chats.c.status.in_([s.value for s in WORKLOAD_STATUSES]),
                chats.c.assigned_commercial_id.is_not(None),
            )
            .group_by(chats.c.assigned_commercial_id)
        )
        return {r[0]: int(r[1]) for r in await self._conn.execute(stmt)}

    async def unread_counts(self, chat_ids: Sequence[UUID], reader_role: str) -> dict[UUID, int]:
        if not chat_ids:
            return {}
        stmt = (
            select(messages.c.chat_id, func.count())
            .where(
                messages.c.chat_id.in_(chat_ids),
                messages.c.read_at.is_(None),
                *_unread_for(reader_role),
            )
            .group_by(messages.c.chat_id)
        )
        return {r[0]: int(r[1]) for r in await self._conn.execute(stmt)}


def _unread_for(reader_role: str) -> list[ColumnElement[bool]]:
    """A visitor's unread are the others' public messages; staff's are the visitor's."""
    if reader_role == SenderRole.VISITOR.value:
        return [
            messages.c.sender_role != SenderRole.VISITOR.value,
            messages.c.is_internal.is_(False),
        ]
    return [messages.c.sender_role == SenderRole.VISITOR.value]


def _has_tag(tag: str, dialect: str) -> ColumnElement[bool]:
    """The chat's ``metadata.tags`` holds ``tag`` (JSON on SQLite, JSONB on PostgreSQL)."""
    if dialect == "sqlite":
        each = func.json_each(chats.c.metadata, "$.tags").table_valued("value")
        return exists(select(1).select_from(each).where(each.c.value == tag))
    tags = chats.c.metadata.op("->")("tags")
    return tags.op("@>", return_type=Boolean)(func.jsonb_build_array(cast(tag, Text)))


def _conditions(q: ChatQuery, dialect: str) -> list[ColumnElement[bool]]:
    c: list[ColumnElement[bool]] = [chats.c.company_id == q.company_id]
    if q.status:
        c.append(chats.c.status.in_([s.value for s in q.status]))
    if q.priority:
        c.append(chats.c.priority.in_([p.value for p in q.priority]))
    if q.visitor_id:
        c.append(chats.c.visitor_id == q.visitor_id)
    if q.assigned_agent_id:
        c.append(chats.c.assigned_commercial_id == q.assigned_agent_id)
    if q.department:
        c.append(chats.c.department_key == q.department)
    if q.tag:
        c.append(_has_tag(q.tag, dialect))
    if q.date_from:
        c.append(chats.c.created_at >= q.date_from)
    if q.date_to:
        c.append(chats.c.created_at <= q.date_to)
    return c


def _chat_values(chat: Chat) -> dict[str, Any]:
    return {
        "company_id": chat.company_id,
        "visitor_id": chat.visitor_id,
        "status": chat.status.value,
        "priority": chat.priority.value,
        "visitor_info": chat.visitor_info.to_dict(),
        "metadata": chat.metadata.to_dict(),
        "department_key": chat.metadata.department,
        "assigned_commercial_id": chat.assigned_agent_id,
        "assigned_at": chat.assigned_at,
        "closed_at": chat.closed_at,
        "close_reason": chat.close_reason,
        "resolution": chat.resolution,
        "satisfaction": chat.satisfaction,
        "last_message_at": chat.last_message_at,
        "last_message_preview": chat.last_message_preview,
        "total_messages": chat.total_messages,
        "agent_requested_at": chat.agent_requested_at,
        "created_at": chat.created_at,
        "updated_at": chat.updated_at,
        "version": chat.version,
    }


def chat_from_row(r: Any) -> Chat:
    chat = Chat(
        id=r["id"],
        company_id=r["company_id"],
        visitor_id=r["visitor_id"],
        status=ChatStatus(r["status"]),
        priority=Priority(r["priority"]),
        visitor_info=VisitorInfo.from_dict(r["visitor_info"]),
        metadata=ChatMetadata.from_dict(r["metadata"]),
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        assigned_agent_id=r["assigned_commercial_id"],
        assigned_at=r["assigned_at"],
        closed_at=r["closed_at"],
        close_reason=r["close_reason"],
        resolution=r["resolution"],
        satisfaction=r["satisfaction"],
        last_message_at=r["last_message_at"],
        last_message_preview=r["last_message_preview"],
        total_messages=r["total_messages"],
        agent_requested_at=r["agent_requested_at"],
    )
    chat.version = r["version"]
    return chat


class SqlMessageRepository(MessageRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, message: Message) -> None:
        await _MESSAGE_ROWS.many(self._conn, [_message_values(message)])

    async def add_many(self, messages: Sequence[Message]) -> None:
        if messages:
            await _MESSAGE_ROWS.many(self._conn, [_message_values(m) for m in messages])

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
                *_unread_for(reader_role),
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


def _message_values(message: Message) -> dict[str, Any]:
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
