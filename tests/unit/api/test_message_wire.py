"""The send routes answer with ``message_response`` as it is (no FastAPI validation on that hot
path), so its shape is checked here against the declared ``Message`` reply (``extra="forbid"``)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from guiders.api.responses.chats import Message as MessageReply
from guiders.domain.message import Message, MessageType, Sender, SenderRole
from guiders.wire import message_response


@pytest.mark.parametrize(
    ("role", "kind", "read"),
    [
        (SenderRole.VISITOR, MessageType.TEXT, False),
        (SenderRole.AGENT, MessageType.INTERNAL, True),
        (SenderRole.AI, MessageType.AI_RESPONSE, False),
        (SenderRole.SYSTEM, MessageType.SYSTEM, False),
    ],
)
def test_the_send_answer_is_exactly_the_declared_message(
    role: SenderRole, kind: MessageType, read: bool
) -> None:
    now = datetime.now(UTC)
    message = Message(
        id=uuid.uuid4(),
        chat_id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        sender=Sender(
            id=uuid.uuid4(), name="Ana" if role != SenderRole.SYSTEM else None, role=role
        ),
        content="hola",
        type=kind,
        is_internal=kind == MessageType.INTERNAL,
        sent_at=now,
        metadata={"confidence": 0.9} if role == SenderRole.AI else {},
        client_message_id="c1" if role == SenderRole.VISITOR else None,
        read_at=now if read else None,
    )
    body = message_response(message)
    reply = MessageReply.model_validate(body)  # an undeclared key or a wrong type raises
    # plain JSON as it is: the route encodes it without a serialisation pass
    assert json.loads(json.dumps(body)) == body
    assert reply.model_dump(exclude_unset=True) == body
