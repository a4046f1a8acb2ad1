"""What the bot tells the agent when it hands a chat over (the server's hand-off says the rest,
in the visitor's language: ``services/handoff_saga.py``)."""

from __future__ import annotations

from guiders.ai.answering import Turn
from guiders.bot.conversation import Conversation
from guiders.bot.decision import Decision

REASONS = {
    "escalation_keyword_detected": "the visitor used an escalation keyword",
    "max_messages_reached": "the visitor reached the bot's message limit",
    "query_too_complex": "the knowledge base could not answer with enough confidence",
    "agent_requested": "the visitor asked for a person",
}


def summary(
    conv: Conversation, decision: Decision, bot_name: str, last: list[Turn], agent: str | None
) -> str:
    """The internal note an agent reads when the bot hands a chat over."""
    reason = decision.reason.value if decision.reason else ""
    lines = [
        f"Handed over by {bot_name}: {REASONS.get(reason, reason)} ({reason}).",
        f"Visitor: {conv.visitor_name or 'unknown name'}",
        f"Intent: {decision.intent} (confidence {decision.confidence:.2f})",
        f"Keywords: {', '.join(decision.keywords) if decision.keywords else 'none'}",
    ]
    if agent:
        lines.append(f"Assigned to: {agent}")
    lines.append("Last messages:")
    lines.extend(f"- {t.role}: {t.content[:300]}" for t in last)
    return "\n".join(lines)
