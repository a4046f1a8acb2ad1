"""What the decision engine sees about one event, after enrichment and analysis.

Plain data, so rules can be evaluated (and tested, and dry-run) without any I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class EventContext:
    event_type: str
    event_id: str
    seq: int
    payload: dict[str, Any]
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    chat_id: str | None = None
    visitor_id: str | None = None
    sender_role: str | None = None
    text: str = ""
    chat: dict[str, Any] = field(default_factory=dict)
    visitor: dict[str, Any] = field(default_factory=dict)
    segment: str | None = None
    score: float | None = None
    intent: str | None = None
    confidence: float | None = None
    urgency: float | None = None
    sentiment: float | None = None

    @property
    def chat_priority(self) -> str | None:
        value = self.chat.get("priority")
        return str(value) if value else None

    @property
    def chat_status(self) -> str | None:
        value = self.chat.get("status")
        return str(value) if value else None

    def template_vars(self) -> dict[str, Any]:
        """The names a response template may use."""
        return {
            "event": {"type": self.event_type, "id": self.event_id, "seq": self.seq},
            "payload": self.payload,
            "chat": self.chat,
            "visitor": self.visitor,
            "message": self.text,
            "segment": self.segment,
            "score": self.score,
            "intent": self.intent,
            "confidence": self.confidence,
            "urgency": self.urgency,
            "sentiment": self.sentiment,
            "now": self.now,
        }
