"""Chats (their messages: ``store/messages.py``)."""

from __future__ import annotations

import copy
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
from guiders.domain.message import SenderRole
from guiders.services.chats import SORT_FIELDS
from guiders.services.ports import ChatQuery, ChatRepository, Page
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
_COUNT_OPEN_OF_VISITOR = select(func.count()).where(  # ix_chats_visitor_id
    chats.c.visitor_id == bindparam("b_visitor"),
    chats.c.status.in_(sorted(s.value for s in OPEN_STATUSES)),
)
_PRIORITY_RANK = case({p.value: p.rank for p in Priority}, value=chats.c.priority)


class SqlChatRepository(ChatRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._stored: dict[UUID, dict[str, Any]] = {}
        """The columns of each chat read for update in this transaction, as stored: its save
        writes only the columns that changed. A message changes four of twenty; writing all
        of them made SQLite rewrite every index of the row and check both foreign keys, in
        every batch of sends."""

    async def add(self, chat: Chat) -> None:
        await self._conn.execute(_INSERT_CHAT, {"id": chat.id, **_chat_values(chat)})

    async def get(self, chat_id: UUID, *, for_update: bool = False) -> Chat | None:
        locking = for_update and self._conn.dialect.name == "postgresql"
        stmt = _GET_CHAT_FOR_UPDATE if locking else _GET_CHAT
        row = (await self._conn.execute(stmt, {"b_id": chat_id})).first()
        if row is None:
            return None
        chat = chat_from_row(row._mapping)
        if for_update:
            self._stored[chat.id] = _snapshot(chat)
        return chat

    async def get_many(
        self, chat_ids: Sequence[UUID], *, for_update: bool = False
    ) -> dict[UUID, Chat]:
        if not chat_ids:
            return {}
        locking = for_update and self._conn.dialect.name == "postgresql"
        wanted = sorted(set(chat_ids))
        if len(wanted) == 1:
            # the usual batch: an expanding IN is compiled again on every execution
            stmt = _GET_CHAT_FOR_UPDATE if locking else _GET_CHAT
            rows = await self._conn.execute(stmt, {"b_id": wanted[0]})
        else:
            stmt = _GET_CHATS_FOR_UPDATE if locking else _GET_CHATS
            rows = await self._conn.execute(stmt, {"b_ids": wanted})
        found = {r.id: chat_from_row(r._mapping) for r in rows}
        if for_update:
            self._stored.update((chat_id, _snapshot(chat)) for chat_id, chat in found.items())
        return found

    async def save(self, chat: Chat) -> None:
        changed, _ = self.changes(chat)
        if changed:
            await self._conn.execute(_UPDATE_CHAT, {"b_id": chat.id, **changed})

    def changes(self, chat: Chat) -> tuple[dict[str, Any], dict[str, Any]]:
        """The columns to write (those that changed since the chat was read for update, else
        all) and all of them; from here on the chat counts as saved."""
        values = _chat_values(chat)
        before = self._stored.get(chat.id)
        if before is None:
            return values, values
        self._stored[chat.id] = _detached(values)
        return {key: value for key, value in values.items() if before[key] != value}, values

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
                *unread_for(reader_role),
            )
            .group_by(messages.c.chat_id)
        )
        return {r[0]: int(r[1]) for r in await self._conn.execute(stmt)}


def unread_for(reader_role: str) -> list[ColumnElement[bool]]:
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


def _snapshot(chat: Chat) -> dict[str, Any]:
    return _detached(_chat_values(chat))


def _detached(values: dict[str, Any]) -> dict[str, Any]:
    """The chat's columns, with nothing shared with the chat (its JSON may change in place)."""
    values = dict(values)
    values["visitor_info"] = copy.deepcopy(values["visitor_info"])
    values["metadata"] = copy.deepcopy(values["metadata"])
    return values


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
