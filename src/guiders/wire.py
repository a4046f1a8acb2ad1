"""The API's message shape, the one wire shape both edges share.

A message leaves the server as a REST response (``api/``) and as ``message:new`` on Socket.IO
(``realtime/``, mapped from the ``message.sent`` event, live and on resume); clients of the
Guiders API expect the two to be identical, field for field and in the same order. So both edges
map the same domain facts (``Message.facts()``, the event's payload) through this module, which
keeps the API's names: ``messageId`` and ``id``, ``senderId`` and ``sender``, a commercial's
role ``commercial`` where the domain says ``agent``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guiders.domain.message import Message


def wire_role(role: str) -> str:
    """The domain's ``agent`` is the API's ``commercial``."""
    return "commercial" if role == "agent" else role


def message_wire(facts: Mapping[str, Any], read_at: str | None = None) -> dict[str, Any]:
    """``message.sent`` facts as the API's message."""
    role = wire_role(facts["sender_role"])
    sent = facts["sent_at"]
    metadata = facts["metadata"]
    is_ai = facts["kind"] == "ai-response" or role == "ai"
    message_id = facts["message_id"]
    sender_id = facts["sender_id"]
    name = facts["sender_name"]
    return {
        "messageId": message_id,
        "id": message_id,
        "chatId": facts["chat_id"],
        "senderId": sender_id,
        "senderName": name,
        "senderType": role,
        "sender": {"id": sender_id, "name": name, "role": role},
        "content": facts["content"],
        "type": facts["kind"],
        "isInternal": facts["internal"],
        "isAI": is_ai,
        "aiMetadata": metadata if is_ai else None,
        "metadata": metadata,
        "sentAt": sent,
        "timestamp": sent,
        "createdAt": sent,
        "clientMessageId": facts["client_message_id"],
        "readAt": read_at,
    }


def message_response(message: Message) -> dict[str, Any]:
    """A stored message as the REST API returns it."""
    read_at = message.read_at.isoformat() if message.read_at else None
    return message_wire(message.facts(), read_at)
