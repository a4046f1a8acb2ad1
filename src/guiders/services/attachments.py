"""Files sent in chats, both ways: a visitor from the widget, an agent from the console.

- **Type by content.** The first bytes decide (``filetype``): PNG, JPEG, GIF, WebP or PDF. A
  file's name and the type its sender claims are not trusted: HTML renamed ``.png`` is refused.
- **Size.** At most ``max_bytes`` (setting ``attachment_max_bytes``): larger is 413.
- **Who.** Only the chat's participants: its visitor, and the company's staff and keys. Anyone
  else's request looks like a missing file (404).
- **A domain fact.** The upload is a message (type ``image`` or ``file``) whose
  ``metadata.attachment`` says what was sent: the ``message.sent`` event carries it, so the
  live feed, resume and the event log see the file like any other message.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from uuid import UUID

import filetype
import structlog

from guiders.domain.attachment import ACCEPTED_TYPES, Attachment, safe_filename
from guiders.domain.chat import ChatStatus
from guiders.domain.errors import NotFound, PayloadTooLarge, UnsupportedMediaType
from guiders.domain.message import Message, MessageType
from guiders.services.access import Principal, check_chat_access, check_may_handle
from guiders.services.bot_identity import BotIdentity
from guiders.services.messages import MessageDraft, build_message
from guiders.services.ports import FileStore, UnitOfWork, UnitOfWorkFactory

log = structlog.get_logger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_FILES_PER_VISITOR = 100
DEFAULT_MAX_BYTES_PER_VISITOR = 200 * 1024 * 1024


def sniff(data: bytes) -> str:
    """The accepted type the content is, or ``UnsupportedMediaType``."""
    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind is not None else None
    if mime not in ACCEPTED_TYPES:
        raise UnsupportedMediaType(
            "Only images (PNG, JPEG, GIF, WebP) and PDF documents can be sent",
            field="file",
            detected=mime,
        )
    return str(mime)


@dataclass(frozen=True, slots=True)
class Upload:
    attachment: Attachment
    message: Message


@dataclass(frozen=True, slots=True)
class Download:
    attachment: Attachment
    data: bytes


class AttachmentService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        files: FileStore,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_files_per_visitor: int = DEFAULT_MAX_FILES_PER_VISITOR,
        max_bytes_per_visitor: int = DEFAULT_MAX_BYTES_PER_VISITOR,
        identity: BotIdentity | None = None,
    ) -> None:
        """``identity``: signs an AI sender's file messages with the company's bot name."""
        self._uow = uow
        self._identity = identity
        self.files = files
        self.max_bytes = max_bytes
        self.max_files_per_visitor = max_files_per_visitor
        self.max_bytes_per_visitor = max_bytes_per_visitor

    async def upload(
        self, principal: Principal, chat_id: UUID, name: str | None, data: bytes
    ) -> Upload:
        if len(data) > self.max_bytes:
            raise PayloadTooLarge(
                f"A file may be at most {self.max_bytes} bytes", field="file", limit=self.max_bytes
            )
        if not data:
            raise UnsupportedMediaType("The file is empty", field="file")
        content_type = sniff(data)
        async with self._uow() as uow:  # who may write here, before a byte is stored
            chat = check_chat_access(principal, await uow.chats.get(chat_id))
            check_may_handle(principal, chat, "send files in")
            await self._check_room(uow, chat.visitor_id, len(data))
        attachment_id = uuid.uuid4()
        key = f"{chat.company_id}/{chat.id}/{attachment_id}"
        await self.files.put(key, data, content_type)
        if self._identity is not None:  # before the transaction: it may read the settings
            principal = await self._identity.sign(principal)
        try:
            return await self._record(
                principal, chat_id, attachment_id, key, name, data, content_type
            )
        except BaseException:
            await self.files.delete(key)
            raise

    async def _record(
        self,
        principal: Principal,
        chat_id: UUID,
        attachment_id: UUID,
        key: str,
        name: str | None,
        data: bytes,
        content_type: str,
    ) -> Upload:
        now = datetime.now(UTC)
        async with self._uow() as uow:
            uow.actor = principal.actor
            chat = check_chat_access(principal, await uow.chats.get(chat_id, for_update=True))
            check_may_handle(principal, chat, "send files in")
            await self._check_room(uow, chat.visitor_id, len(data))  # under the chat's lock
            filename = safe_filename(name, content_type)
            attachment = Attachment(
                id=attachment_id,
                company_id=chat.company_id,
                chat_id=chat.id,
                visitor_id=chat.visitor_id,
                message_id=attachment_id,  # the message's, once it is built
                uploader_id=principal.subject_id,
                uploader_role=principal.sender_role.value,
                name=filename,
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                storage_key=key,
                created_at=now,
            )
            draft = MessageDraft(
                content=filename,
                type=MessageType(attachment.message_type),
                metadata={"attachment": attachment.to_metadata()},
            )
            message = build_message(principal, chat, draft, now)
            attachment = replace(attachment, message_id=message.id)
            chat.post_message(message)
            if (
                principal.is_staff
                and chat.assigned_agent_id == principal.subject_id
                and chat.status in (ChatStatus.ASSIGNED, ChatStatus.TRANSFERRED)
            ):
                chat.activate(now)
            uow.track(chat)
            await uow.messages.add(message)
            await uow.attachments.add(attachment)
            await uow.chats.save(chat)
            await uow.commit()
        return Upload(attachment=attachment, message=message)

    async def _check_room(self, uow: UnitOfWork, visitor_id: UUID, size: int) -> None:
        """What one visitor's chats may hold in all: anything anonymous is bounded."""
        count, total = await uow.attachments.usage_of_visitor(visitor_id)
        if count >= self.max_files_per_visitor or total + size > self.max_bytes_per_visitor:
            raise PayloadTooLarge(
                "This conversation holds as many files as it may",
                field="file",
                files=self.max_files_per_visitor,
                bytes=self.max_bytes_per_visitor,
            )

    async def download(self, principal: Principal, attachment_id: UUID) -> Download:
        """The file, for the chat's visitor and the company's staff; 404 for anyone else."""
        async with self._uow() as uow:
            attachment = await uow.attachments.get(attachment_id)
            if attachment is None or attachment.company_id != principal.company_id:
                raise NotFound("Attachment not found", field="attachmentId")
            if principal.is_visitor and attachment.visitor_id != principal.subject_id:
                raise NotFound("Attachment not found", field="attachmentId")
        data = await self.files.get(attachment.storage_key)
        if data is None:
            raise NotFound("Attachment not found", field="attachmentId")
        return Download(attachment=attachment, data=data)

    async def erase_visitor(self, visitor_id: UUID) -> int:
        """Deletes a visitor's attachments, rows then bytes (GDPR erasure); returns how many.
        The caller has already authorised the erasure."""
        async with self._uow() as uow:
            gone = await uow.attachments.delete_of_visitor(visitor_id)
            await uow.commit()
        for attachment in gone:
            try:
                await self.files.delete(attachment.storage_key)
            except Exception:
                log.exception("attachment bytes not deleted", attachment_id=str(attachment.id))
        return len(gone)
