"""Handing a chat on (to an agent or a department, with a note), tags, and search.

A transfer is one unit of work: ``chat.transferred`` (from, to, note), the status change it
causes, and the note as an internal message, so the receiving agent reads it in the chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from guiders.domain.assignment import Candidate, choose_agent
from guiders.domain.chat import Chat
from guiders.domain.errors import NotFound
from guiders.domain.message import MessageType
from guiders.services.access import (
    Principal,
    check_chat_access,
    check_may_handle,
    require_staff_or_key,
)
from guiders.services.messages import MessageDraft, build_message
from guiders.services.ports import SearchHit, UnitOfWork, UnitOfWorkFactory

MAX_QUERY = 200


@dataclass(frozen=True, slots=True)
class Transfer:
    agent_id: UUID | None = None
    department_id: UUID | None = None
    note: str | None = None


class TransferService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def transfer(self, principal: Principal, chat_id: UUID, order: Transfer) -> Chat:
        """To the named agent; or to the department's best available member (the current
        agent left out), else to the queue marked with the department."""
        require_staff_or_key(principal)
        now = datetime.now(UTC)
        async with self._uow() as uow:
            uow.actor = principal.actor
            chat = check_chat_access(principal, await uow.chats.get(chat_id, for_update=True))
            check_may_handle(principal, chat, "transfer")
            department = None
            to_agent = order.agent_id
            if order.department_id is not None:
                found = await uow.departments.get(order.department_id)
                if found is None or found.company_id != principal.company_id:
                    raise NotFound("Department not found", field="departmentId")
                department = found.name
                if to_agent is None:
                    to_agent = await self._member(uow, chat, found.member_ids)
            if to_agent is not None:
                agent = await uow.agents.get(to_agent)
                if agent is None or agent.company_id != principal.company_id:
                    raise NotFound("Commercial not found", field="commercialId")
            chat.transfer(to_agent_id=to_agent, department=department, note=order.note, at=now)
            note = (order.note or "").strip()
            message = None
            if note:
                draft = MessageDraft(
                    content=f"Transfer note: {note}",
                    type=MessageType.INTERNAL,
                    is_internal=True,
                    metadata={"transfer": True},
                )
                message = build_message(principal, chat, draft, now)
                chat.post_message(message)
            uow.track(chat)
            await uow.chats.save(chat)
            if message is not None:
                await uow.messages.add(message)
            await uow.commit()
        return chat

    @staticmethod
    async def _member(uow: UnitOfWork, chat: Chat, member_ids: list[UUID]) -> UUID | None:
        members = set(member_ids) - {chat.assigned_agent_id}
        workloads = await uow.chats.workloads(chat.company_id)
        candidates = [
            Candidate(c, workloads.get(c.id, 0))
            for c in await uow.agents.of_company(chat.company_id)
            if c.id in members
        ]
        chosen = choose_agent(candidates)
        return chosen.id if chosen is not None else None

    async def untag(self, principal: Principal, chat_id: UUID, tags: list[str]) -> Chat:
        require_staff_or_key(principal)
        async with self._uow() as uow:
            uow.actor = principal.actor
            chat = check_chat_access(principal, await uow.chats.get(chat_id, for_update=True))
            check_may_handle(principal, chat, "untag")
            chat.untag(tags, datetime.now(UTC))
            uow.track(chat)
            await uow.chats.save(chat)
            await uow.commit()
        return chat

    async def search(
        self, principal: Principal, query: str, *, visitor_id: UUID | None, limit: int
    ) -> list[SearchHit]:
        """Staff and keys search their own company's conversations, internal notes too."""
        require_staff_or_key(principal)
        async with self._uow() as uow:
            hits = await uow.search.search(
                principal.company_id, query[:MAX_QUERY], visitor_id=visitor_id, limit=limit
            )
            await uow.commit()  # keeps the messages the search indexed first (store/search.py)
        return hits
