"""Chat use cases: open, find, assign, close, request a person."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from guiders.domain.assignment import choose_agent
from guiders.domain.chat import Chat, Priority
from guiders.domain.chat_details import ChatMetadata, VisitorInfo
from guiders.domain.errors import Forbidden, NotFound, TooManyOpenChats, ValidationFailed
from guiders.domain.message import Message
from guiders.services.access import (
    Principal,
    check_chat_access,
    check_may_handle,
    require_staff_or_key,
    require_supervisor_or_key,
)
from guiders.services.bot_identity import BotIdentity
from guiders.services.messages import MessageDraft, build_message
from guiders.services.ports import ChatQuery, Page, UnitOfWork, UnitOfWorkFactory
from guiders.services.roster import Roster

SORT_FIELDS = ("createdAt", "updatedAt", "lastMessageDate")
"""What a chat listing may be sorted by (``ChatQuery.sort``); every repository supports each."""
DEFAULT_MAX_OPEN_CHATS_PER_VISITOR = 5
"""Chats not closed one visitor may have (``GUIDERS_MAX_OPEN_CHATS_PER_VISITOR``): an anonymous
site key must not be able to fill the queue; the widget keeps one chat at a time."""


@dataclass(slots=True)
class ChatView:
    """A chat with what the list and detail views add around it."""

    chat: Chat
    agent_name: str | None
    agent_avatar: str | None
    unread: int
    position: int | None = None


class ChatService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        roster: Roster | None = None,
        *,
        max_open_per_visitor: int = DEFAULT_MAX_OPEN_CHATS_PER_VISITOR,
        identity: BotIdentity | None = None,
    ) -> None:
        """``identity``: signs an AI sender's first message with the company's bot name."""
        self._uow = uow
        self._roster = roster or Roster()
        self._identity = identity
        self.max_open_per_visitor = max_open_per_visitor

    async def open(
        self,
        principal: Principal,
        *,
        visitor_id: UUID | None,
        visitor_info: dict[str, Any],
        metadata: dict[str, Any],
        priority: Priority = Priority.NORMAL,
        first_message: MessageDraft | None = None,
    ) -> tuple[Chat, int, Message | None]:
        """A new PENDING chat (and its first message), with its queue position.

        The visitor's cap on open chats holds whoever opens it: an integration key opens chats
        for visitors, so a key-driven flood is bounded the same way as a site key's."""
        now = datetime.now(UTC)
        author = principal
        if first_message is not None and self._identity is not None:
            author = await self._identity.sign(principal)  # before the transaction
        async with self._uow() as uow:
            uow.actor = principal.actor
            owner = principal.subject_id if principal.is_visitor else visitor_id
            if owner is None:
                raise ValidationFailed(
                    "visitorId is required for staff and keys", field="visitorId"
                )
            visitor = await uow.visitors.get(owner, for_update=True)
            if visitor is None or visitor.company_id != principal.company_id:
                raise NotFound("Visitor not found", field="visitorId")
            await self._check_open_cap(uow, owner)
            info = VisitorInfo(
                id=visitor.id,
                name=visitor_info.get("name") or visitor.name,
                email=visitor_info.get("email") or visitor.email,
                phone=visitor_info.get("phone") or visitor.phone,
                location=visitor_info.get("location") or visitor.location,
            )
            chat = Chat.open(
                id=uuid.uuid4(),
                company_id=principal.company_id,
                visitor_info=info,
                metadata=ChatMetadata.from_dict(metadata),
                priority=priority,
                at=now,
            )
            uow.track(chat)
            message = None
            if first_message is not None:
                message = build_message(author, chat, first_message, now)
                chat.post_message(message)
            await uow.chats.add(chat)
            if message is not None:
                await uow.messages.add(message)
            position = await uow.chats.count_pending(principal.company_id)
            await uow.commit()
        return chat, position, message

    async def _check_open_cap(self, uow: UnitOfWork, visitor_id: UUID) -> None:
        """Counted under the visitor's row lock (taken by the caller), so concurrent opens of
        one visitor cannot all see room for one more."""
        limit = self.max_open_per_visitor
        if await uow.chats.count_open_of_visitor(visitor_id) >= limit:
            raise TooManyOpenChats(
                f"This visitor already has {limit} open chats; close one to open another",
                field="visitorId",
                limit=limit,
            )

    async def get(self, principal: Principal, chat_id: UUID) -> ChatView:
        async with self._uow() as uow:
            chat = check_chat_access(principal, await uow.chats.get(chat_id))
            return (await self._views(uow, principal, [chat]))[0]

    async def find(self, principal: Principal, query: ChatQuery) -> Page[ChatView]:
        if principal.is_visitor and query.visitor_id != principal.subject_id:
            raise Forbidden("A visitor may list only their own chats")
        query.company_id = principal.company_id
        async with self._uow() as uow:
            page = await uow.chats.find(query)
            views = await self._views(uow, principal, page.items)
        return Page(items=views, total=page.total, next_cursor=page.next_cursor)

    async def pending_queue(self, principal: Principal, limit: int) -> list[ChatView]:
        require_staff_or_key(principal)
        async with self._uow() as uow:
            chats = await uow.chats.pending_queue(principal.company_id, limit)
            views = await self._views(uow, principal, chats)
        for position, view in enumerate(views, start=1):
            view.position = position
        return views

    async def assign(
        self,
        principal: Principal,
        chat_id: UUID,
        agent_id: UUID | None,
        *,
        reason: str = "manual",
    ) -> Chat:
        """Assigns to the named agent, or by policy when none is named."""
        require_staff_or_key(principal)
        now = datetime.now(UTC)
        routing = await self._roster.routing(principal.company_id) if agent_id is None else None
        async with self._uow() as uow:
            uow.actor = principal.actor
            chat = check_chat_access(principal, await uow.chats.get(chat_id, for_update=True))
            if agent_id is None:
                department = chat.metadata.department if routing and routing.by_department else None
                agent_id = await self._choose(
                    uow,
                    principal.company_id,
                    most_senior=routing is not None and routing.policy == "most_senior",
                    department=department,
                )
                reason = "auto" if reason == "manual" else reason
            agent = await uow.agents.get(agent_id)
            if agent is None or agent.company_id != principal.company_id:
                raise NotFound("Commercial not found", field="commercialId")
            if (
                principal.is_staff
                and not principal.is_supervisor
                and agent_id != principal.subject_id
            ):
                raise Forbidden("A commercial may assign chats only to themselves")
            chat.assign(
                agent_id,
                reason=reason,
                at=now,
                by_supervisor=principal.is_supervisor or principal.is_integration,
            )
            uow.track(chat)
            await uow.chats.save(chat)
            await uow.commit()
        return chat

    async def _choose(
        self,
        uow: UnitOfWork,
        company_id: UUID,
        *,
        most_senior: bool = False,
        department: str | None = None,
    ) -> UUID:
        candidates = await self._roster.candidates(uow, company_id)
        if department:
            wanted = department.strip().lower()
            skilled = [c for c in candidates if wanted in (s.lower() for s in c.agent.skills)]
            candidates = skilled or candidates
        chosen = choose_agent(candidates, most_senior=most_senior)
        if chosen is None:
            raise NotFound("No commercial is available", field="commercialId")
        return chosen.id

    async def close(
        self,
        principal: Principal,
        chat_id: UUID,
        *,
        reason: str | None,
        satisfaction: int | None,
        resolution: str | None,
    ) -> Chat:
        return await self._change(
            principal,
            chat_id,
            lambda chat, now: chat.close(
                reason=reason, satisfaction=satisfaction, resolution=resolution, at=now
            ),
            action="close",
        )

    async def rate(self, principal: Principal, chat_id: UUID, satisfaction: int) -> Chat:
        if not principal.is_visitor:
            raise Forbidden("Only the chat's visitor rates it")
        return await self._change(
            principal, chat_id, lambda chat, now: chat.rate(satisfaction, now)
        )

    async def request_agent(self, principal: Principal, chat_id: UUID, reason: str) -> Chat:
        if not principal.is_visitor:
            raise Forbidden("Only the chat's visitor requests an agent")
        return await self._change(
            principal, chat_id, lambda chat, now: chat.request_agent(reason=reason, at=now)
        )

    async def change_priority(
        self, principal: Principal, chat_id: UUID, priority: Priority
    ) -> Chat:
        require_staff_or_key(principal)
        return await self._change(
            principal,
            chat_id,
            lambda chat, now: chat.change_priority(priority, now),
            action="change the priority of",
        )

    async def release(self, principal: Principal, chat_id: UUID, reason: str) -> Chat:
        """Back to the pending queue (an escalation that found no agent, a hand-off undone)."""
        require_supervisor_or_key(principal)
        return await self._change(
            principal, chat_id, lambda chat, now: chat.release_to_queue(reason=reason, at=now)
        )

    async def tag(self, principal: Principal, chat_id: UUID, tags: list[str]) -> Chat:
        require_staff_or_key(principal)
        return await self._change(
            principal, chat_id, lambda chat, now: chat.tag(tags, now), action="tag"
        )

    async def set_custom_fields(
        self, principal: Principal, chat_id: UUID, fields: dict[str, Any]
    ) -> Chat:
        require_staff_or_key(principal)
        return await self._change(
            principal,
            chat_id,
            lambda chat, now: chat.set_custom_fields(fields, now),
            action="edit the fields of",
        )

    async def _change(
        self,
        principal: Principal,
        chat_id: UUID,
        command: Callable[[Chat, datetime], None],
        *,
        action: str | None = None,
    ) -> Chat:
        """Load the chat the caller may see, check they may ``action`` it (when named: the
        visitor's own commands need no agent's right), run one domain command, store it."""
        async with self._uow() as uow:
            uow.actor = principal.actor
            chat = check_chat_access(principal, await uow.chats.get(chat_id, for_update=True))
            if action is not None:
                check_may_handle(principal, chat, action)
            command(chat, datetime.now(UTC))
            uow.track(chat)
            await uow.chats.save(chat)
            await uow.commit()
        return chat

    async def _views(
        self, uow: UnitOfWork, principal: Principal, chats: list[Chat]
    ) -> list[ChatView]:
        reader = "visitor" if principal.is_visitor else "staff"
        unread = await uow.chats.unread_counts([c.id for c in chats], reader)
        names: dict[UUID, tuple[str, str | None]] = {}
        for chat in chats:
            cid = chat.assigned_agent_id
            if cid is not None and cid not in names:
                agent = await uow.agents.get(cid)
                if agent is not None:
                    names[cid] = (agent.name, agent.avatar_url)
        views = []
        for chat in chats:
            name, avatar = names.get(chat.assigned_agent_id or uuid.UUID(int=0), (None, None))
            views.append(
                ChatView(
                    chat=chat,
                    agent_name=name,
                    agent_avatar=avatar,
                    unread=unread.get(chat.id, 0),
                )
            )
        return views
