"""Message use cases: send (idempotent by ``clientMessageId``), list, read receipts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from guiders.domain.chat import Chat, ChatStatus
from guiders.domain.errors import ValidationFailed
from guiders.domain.ids import time_ordered_id
from guiders.domain.message import (
    Message,
    MessageType,
    Sender,
    SenderRole,
    check_content,
    check_type_allowed,
)
from guiders.services.access import Principal, check_chat_access, check_may_handle
from guiders.services.bot_identity import BotIdentity
from guiders.services.group_commit import Batch, GroupCommit, Send
from guiders.services.ports import Page, UnitOfWorkFactory


@dataclass(slots=True)
class MessageDraft:
    content: str
    type: MessageType = MessageType.TEXT
    is_internal: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    client_message_id: str | None = None


def build_message(principal: Principal, chat: Chat, draft: MessageDraft, at: datetime) -> Message:
    check_content(draft.content)
    role = principal.sender_role
    check_type_allowed(draft.type, role)
    internal = draft.is_internal or draft.type == MessageType.INTERNAL
    if internal and role == SenderRole.VISITOR:
        raise ValidationFailed("a visitor cannot send internal messages", field="isInternal")
    return Message(
        id=time_ordered_id(),
        chat_id=chat.id,
        company_id=chat.company_id,
        sender=Sender(id=principal.subject_id, name=principal.name, role=role),
        content=draft.content,
        type=draft.type,
        is_internal=internal,
        sent_at=at,
        metadata=dict(draft.metadata),
        client_message_id=draft.client_message_id,
    )


class MessageService:
    def __init__(self, uow: UnitOfWorkFactory, identity: BotIdentity | None = None) -> None:
        """``identity``: signs AI messages with the company's bot name (else the key's name)."""
        self._uow = uow
        self._identity = identity
        self.group_commit = GroupCommit(uow, _send_in_batch)

    async def send(
        self, principal: Principal, chat_id: UUID, draft: MessageDraft
    ) -> tuple[Message, bool]:
        """The stored message and whether it is new (False: an idempotent repeat).

        Answered once the transaction holding it has committed; concurrent sends share one
        (``group_commit.py``)."""
        if self._identity is not None:
            principal = await self._identity.sign(principal)
        return await self.group_commit.submit(principal, chat_id, draft)

    async def page(
        self,
        principal: Principal,
        chat_id: UUID,
        *,
        newest_first: bool,
        limit: int,
        cursor: tuple[str, str] | None,
        since: datetime | None,
    ) -> Page[Message]:
        async with self._uow() as uow:
            chat = check_chat_access(principal, await uow.chats.get(chat_id))
            return await uow.messages.page(
                chat.id,
                newest_first=newest_first,
                limit=limit,
                cursor=cursor,
                since=since,
                include_internal=not principal.is_visitor,
            )

    async def unread(self, principal: Principal, chat_id: UUID) -> list[Message]:
        async with self._uow() as uow:
            chat = check_chat_access(principal, await uow.chats.get(chat_id))
            return await uow.messages.unread(chat.id, reader_role=_reader(principal))

    async def mark_read(self, principal: Principal, message_ids: list[UUID]) -> int:
        """Marks messages of chats the caller may see; returns how many were marked."""
        now = datetime.now(UTC)
        marked = 0
        async with self._uow() as uow:
            uow.actor = principal.actor
            for chat_id, ids in (await uow.messages.group_by_chat(message_ids)).items():
                chat = check_chat_access(principal, await uow.chats.get(chat_id))
                unread = {
                    m.id for m in await uow.messages.unread(chat.id, reader_role=_reader(principal))
                }
                mine = [i for i in ids if i in unread]
                if mine:
                    chat.mark_read(mine, reader_id=principal.subject_id, at=now)
                    uow.track(chat)
                    await uow.messages.mark_read(chat.id, mine, now)
                    await uow.chats.save(chat)
                    marked += len(mine)
            await uow.commit()
        return marked


async def _send_in_batch(batch: Batch, send: Send) -> tuple[Message, bool]:
    """One send's work inside a group commit: refused before it changes anything, or done."""
    principal = send.principal
    draft: MessageDraft = send.draft
    chat = check_chat_access(principal, await batch.chat(send.chat_id))
    if draft.client_message_id:
        existing = await batch.existing(chat.id, principal.subject_id, draft.client_message_id)
        if existing is not None:
            return existing, False
    message = build_message(principal, chat, draft, send.at)
    if not message.is_internal:
        check_may_handle(principal, chat, "write in")
    chat.post_message(message)
    if (
        principal.is_staff
        and chat.assigned_agent_id == principal.subject_id
        and chat.status in (ChatStatus.ASSIGNED, ChatStatus.TRANSFERRED)
        and not message.is_internal
    ):
        chat.activate(send.at)
    batch.uow.record_for(chat.take_events(), principal.actor, send.correlation_id)
    batch.add(chat, message)
    return message, True


def _reader(principal: Principal) -> str:
    return SenderRole.VISITOR.value if principal.is_visitor else "staff"
