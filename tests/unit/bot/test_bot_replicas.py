"""What a bot replica reads off a chat to know what is still owed after a redelivery."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from guiders.bot.replicas import answered, chat_of
from guiders.client.models import Message, Sender


def msg(id: str, role: str, *, ai: bool = False, **meta: Any) -> Message:
    return Message(
        id=id,
        chat_id="c",
        sender=Sender(id=role, role=role),
        content=id,
        is_ai=ai,
        metadata=meta,
        sent_at=datetime.now(UTC),
    )


def test_a_question_is_answered_by_a_reply_naming_it_or_a_hand_off_after_it() -> None:
    messages = [
        msg("w", "bot", ai=True, isWelcome=True),
        msg("q1", "visitor"),
        msg("r1", "bot", ai=True, replyTo="q1"),
        msg("q2", "visitor"),
        msg("h", "bot", ai=True, sagaId="s"),
        msg("q3", "visitor"),
        msg("note", "commercial"),
    ]
    assert answered(messages) == {"q1", "q2"}


def test_an_event_names_its_chat_by_payload_or_aggregate() -> None:
    assert chat_of({"type": "message.sent", "payload": {"chat_id": "c1"}}) == "c1"
    assert chat_of({"type": "chat.created", "aggregateType": "chat", "aggregateId": "c2"}) == "c2"
    assert chat_of({"type": "visitor.x", "aggregateType": "visitor", "aggregateId": "v"}) is None
