"""What the bot knows about one chat, rebuilt from the server's messages.

Nothing here is the source of truth: a restarted bot reads the chat's messages and finds, from
the metadata its own messages carry, whether it already welcomed the visitor, which visitor
message it replied to last (``replyTo``), and whether a hand-off to a person is under way or
waiting for an agent (the server runs it, ``services/handoff.py``; the bot only stays quiet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from guiders.ai.answering import Turn
from guiders.client.models import Chat, Message


@dataclass(frozen=True, slots=True)
class PendingEscalation:
    reason: str
    intent: str
    confidence: float
    keywords: list[str]
    language: str
    message_id: str | None = None
    """The message that told the visitor they wait: each wait is a new hand-over attempt."""
    tried: tuple[str, ...] = ()
    """Agents who were given the chat and did not answer: not tried again for it."""


@dataclass
class Conversation:
    chat_id: str
    visitor_id: str
    visitor_name: str | None
    status: str
    welcomed: bool = False
    visitor_messages: int = 0
    handled: set[str] = field(default_factory=set)
    history: list[Turn] = field(default_factory=list)
    pending: PendingEscalation | None = None
    unanswered: Message | None = None
    muted: bool = False
    """Custom field ``botMuted``: a hand-over muted the bot; it stays quiet in this chat."""
    handed_over: bool = False
    """The bot asked the server for a person (or the server's hand-off spoke in the chat):
    the server's hand-off owns the chat now; the bot no longer escalates, but while the chat
    waits in the queue it keeps answering what it can (``waiting``)."""
    language: str | None = None
    """The visitor's language as the widget read it off the page (custom field
    ``language``); None for chats opened elsewhere."""

    @property
    def bot_may_answer(self) -> bool:
        return (
            self.status == "PENDING"
            and self.pending is None
            and not self.muted
            and not self.handed_over
        )

    @property
    def waiting(self) -> bool:
        """Waiting in the queue for a person: the bot answers what it can and says so, and
        never leaves a visitor message without a reply."""
        return (
            self.status == "PENDING"
            and not self.muted
            and (self.pending is not None or self.handed_over)
        )

    @classmethod
    def from_server(cls, chat: Chat, messages: list[Message]) -> Conversation:
        conv = cls(chat.id, chat.visitor_id, chat.visitor_info.name, chat.status)
        custom = chat.metadata.get("customFields") or {}
        conv.muted = bool(custom.get("botMuted"))
        language = custom.get("language")
        conv.language = language if isinstance(language, str) and language else None
        last_visitor: Message | None = None
        answered_last = False
        for m in messages:
            if m.is_internal:
                continue
            if m.from_visitor:
                conv.visitor_messages += 1
                conv.handled.add(m.id)
                conv.history.append(Turn("visitor", m.content))
                last_visitor, answered_last = m, False
                continue
            meta: dict[str, Any] = m.metadata
            conv.history.append(Turn("assistant" if m.is_ai else "agent", m.content))
            if m.is_ai and meta.get("isWelcome"):
                conv.welcomed = True
            if m.is_ai and "sagaId" in meta:
                conv.handed_over = True  # the server's hand-off spoke here
                answered_last = True
            if not m.is_ai or last_visitor is None:
                continue
            if meta.get("replyTo") == last_visitor.id or meta.get("isEscalationPending"):
                answered_last = True
            if meta.get("isEscalationPending"):
                conv.pending = PendingEscalation(
                    reason=str(meta.get("escalationReason", "")),
                    intent=str(meta.get("intent", "")),
                    confidence=float(meta.get("confidence", 0.0)),
                    keywords=list(meta.get("keywords", [])),
                    language=str(meta.get("language", "es")),
                    message_id=m.id,
                    tried=tuple(meta.get("triedAgents") or ()),
                )
        if last_visitor is not None and not answered_last and not conv.muted:
            conv.unanswered = last_visitor
            conv.handled.discard(last_visitor.id)
            conv.visitor_messages -= 1
            conv.history.pop(_last_index(conv.history, "visitor"))
        return conv


def _last_index(history: list[Turn], role: str) -> int:
    for i in range(len(history) - 1, -1, -1):
        if history[i].role == role:
            return i
    raise ValueError(role)
