"""Rebuilding the bot's view of a chat from the server's messages (what a restart does)."""

from __future__ import annotations

from typing import Any

from guiders.bot.conversation import Conversation
from guiders.client import Chat, Message

CHAT = Chat.model_validate(
    {
        "id": "c1",
        "status": "PENDING",
        "visitorId": "v1",
        "visitorInfo": {"name": "Lucía"},
        "createdAt": "2026-01-01T00:00:00Z",
    }
)


def msg(i: int, role: str, content: str, **metadata: Any) -> Message:
    return Message.model_validate(
        {
            "id": f"m{i}",
            "chatId": "c1",
            "sender": {"id": "x", "role": role},
            "content": content,
            "type": "ai-response" if role == "ai" else "text",
            "isAI": role == "ai",
            "metadata": metadata,
            "sentAt": f"2026-01-01T00:00:{i:02d}Z",
        }
    )


def test_a_welcomed_chat_with_a_reply_owed_reports_it() -> None:
    conv = Conversation.from_server(
        CHAT,
        [
            msg(1, "ai", "¡Hola Lucía!", isWelcome=True),
            msg(2, "visitor", "where is my order?"),
            msg(3, "ai", "In My orders", replyTo="m2"),
            msg(4, "visitor", "and returns?"),
        ],
    )
    assert conv.welcomed and conv.bot_may_answer
    assert conv.unanswered is not None and conv.unanswered.id == "m4"
    assert conv.visitor_messages == 1 and conv.handled == {"m2"}


def test_nothing_is_owed_once_the_last_message_is_answered() -> None:
    conv = Conversation.from_server(
        CHAT,
        [msg(1, "visitor", "hi"), msg(2, "ai", "hello", replyTo="m1")],
    )
    assert not conv.welcomed and conv.unanswered is None and conv.visitor_messages == 1


def test_a_pending_escalation_is_found_and_the_bot_only_answers_while_waiting() -> None:
    conv = Conversation.from_server(
        CHAT,
        [
            msg(1, "visitor", "¿precio?"),
            msg(
                2,
                "ai",
                "no agent yet",
                isEscalationPending=True,
                escalationReason="escalation_keyword_detected",
                intent="prices",
                confidence=0.9,
                keywords=["precio"],
                replyTo="m1",
            ),
            msg(3, "visitor", "hello?"),
        ],
    )
    assert conv.pending is not None and conv.pending.keywords == ["precio"]
    assert not conv.bot_may_answer  # no second escalation
    # but "hello?" is owed a reply: a visitor waiting for a person is never met with silence
    assert conv.waiting and conv.unanswered is not None and conv.unanswered.id == "m3"


def test_a_chat_the_hand_over_muted_is_not_the_bots_to_answer() -> None:
    muted = CHAT.model_copy(update={"metadata": {"customFields": {"botMuted": True}}})
    conv = Conversation.from_server(muted, [msg(1, "ai", "¡Hola!", isWelcome=True)])
    assert conv.muted and not conv.bot_may_answer and not conv.waiting
    assert Conversation.from_server(CHAT, []).bot_may_answer


def test_the_queue_message_of_a_failed_hand_over_names_the_agents_already_tried() -> None:
    conv = Conversation.from_server(
        CHAT,
        [
            msg(1, "ai", "¡Hola!", isWelcome=True),
            msg(2, "visitor", "¿precio?"),
            msg(3, "ai", "Ana could not take it", isEscalationWithdrawn=True),
            msg(4, "ai", "You are in the queue", isEscalationPending=True,
                escalationReason="escalation_keyword_detected", triedAgents=["a1", "a2"]),
        ],
    )  # fmt: skip
    assert conv.pending is not None and conv.unanswered is None
    assert conv.pending.tried == ("a1", "a2") and conv.pending.message_id == "m4"
    assert not conv.bot_may_answer
