"""Messages: immutable once sent, except for their read receipt."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from guiders.domain.errors import Forbidden, ValidationFailed

MAX_CONTENT_LENGTH = 10_000


class MessageType(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    FILE = "file"
    SYSTEM = "system"
    AI_RESPONSE = "ai-response"
    INTERNAL = "internal"


class SenderRole(StrEnum):
    VISITOR = "visitor"
    COMMERCIAL = "commercial"
    AI = "ai"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Sender:
    id: UUID
    name: str | None
    role: SenderRole


@dataclass(slots=True)
class Message:
    id: UUID
    chat_id: UUID
    company_id: UUID
    sender: Sender
    content: str
    type: MessageType
    is_internal: bool
    sent_at: datetime
    metadata: dict[str, Any] = field(default_factory=dict)
    client_message_id: str | None = None
    read_at: datetime | None = None

    @property
    def is_ai(self) -> bool:
        return self.type == MessageType.AI_RESPONSE or self.sender.role == SenderRole.AI

    def to_payload(self) -> dict[str, Any]:
        """The one message shape of the API: REST response and ``message:new`` alike."""
        sent = self.sent_at.isoformat()
        ai_metadata = self.metadata if self.is_ai else None
        return {
            "messageId": str(self.id),
            "id": str(self.id),
            "chatId": str(self.chat_id),
            "senderId": str(self.sender.id),
            "senderName": self.sender.name,
            "senderType": self.sender.role.value,
            "sender": {
                "id": str(self.sender.id),
                "name": self.sender.name,
                "role": self.sender.role.value,
            },
            "content": self.content,
            "type": self.type.value,
            "isInternal": self.is_internal,
            "isAI": self.is_ai,
            "aiMetadata": ai_metadata,
            "metadata": self.metadata,
            "sentAt": sent,
            "timestamp": sent,
            "createdAt": sent,
            "clientMessageId": self.client_message_id,
            "readAt": self.read_at.isoformat() if self.read_at else None,
        }


def check_content(content: str) -> None:
    if not content.strip():
        raise ValidationFailed("content must not be empty", field="content")
    if len(content) > MAX_CONTENT_LENGTH:
        raise ValidationFailed(
            f"content is longer than {MAX_CONTENT_LENGTH} characters", field="content"
        )


def check_type_allowed(message_type: MessageType, role: SenderRole) -> None:
    """Who may send which type: visitors cannot post internal notes or speak as the AI."""
    if message_type == MessageType.AI_RESPONSE and role != SenderRole.AI:
        raise Forbidden("type ai-response is reserved for integration keys", field="type")
    if role == SenderRole.VISITOR and message_type in (MessageType.INTERNAL, MessageType.SYSTEM):
        raise Forbidden(f"a visitor cannot send {message_type.value} messages", field="type")
