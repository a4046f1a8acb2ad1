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
    AGENT = "commercial"
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

    def facts(self) -> dict[str, Any]:
        """What was said, by whom, in which chat: the ``message.sent`` payload (with the chat's
        ``visitor_id``) and what the API's message shape is mapped from, in domain words."""
        return {
            "message_id": str(self.id),
            "chat_id": str(self.chat_id),
            "sender_id": str(self.sender.id),
            "sender_name": self.sender.name,
            "sender_role": role_fact(self.sender.role),
            "content": self.content,
            "kind": self.type.value,
            "internal": self.is_internal,
            "metadata": self.metadata,
            "client_message_id": self.client_message_id,
            "sent_at": self.sent_at.isoformat(),
        }

    @classmethod
    def from_facts(cls, company_id: UUID, facts: dict[str, Any]) -> Message:
        return cls(
            id=UUID(facts["message_id"]),
            chat_id=UUID(facts["chat_id"]),
            company_id=company_id,
            sender=Sender(
                id=UUID(facts["sender_id"]),
                name=facts.get("sender_name"),
                role=role_from_fact(facts["sender_role"]),
            ),
            content=facts["content"],
            type=MessageType(facts["kind"]),
            is_internal=bool(facts["internal"]),
            sent_at=datetime.fromisoformat(facts["sent_at"]),
            metadata=dict(facts.get("metadata") or {}),
            client_message_id=facts.get("client_message_id"),
        )


def role_fact(role: SenderRole) -> str:
    """Inside the log a commercial is an ``agent``; the wire keeps the Guiders API's word."""
    return "agent" if role == SenderRole.AGENT else role.value


def role_from_fact(value: str) -> SenderRole:
    return SenderRole.AGENT if value == "agent" else SenderRole(value)


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
