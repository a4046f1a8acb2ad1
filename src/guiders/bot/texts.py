"""What the bot says to visitors and agents besides knowledge-base answers."""

from __future__ import annotations

from guiders.ai.answering import Turn
from guiders.bot.conversation import Conversation
from guiders.bot.decision import Decision

HANDOVER = {
    "es": "Te paso con {agent}, que te atenderá enseguida.",
    "en": "I'm passing you to {agent}, who will help you right away.",
}
# Templates (Jinja2, sandboxed) for the escalation saga, which picks the agent itself.
JOINING = {
    "es": "Te paso con {{ agent }}, que te atenderá enseguida.",
    "en": "I'm passing you to {{ agent }}, who will help you right away.",
}
WITHDRAWN = {
    "es": "{{ agent }} no ha podido atenderte ahora mismo; busco a otra persona.",
    "en": "{{ agent }} could not take your chat right now; I'm finding someone else.",
}
SUMMARY = "{{ summary }}\nAssigned to: {{ agent }}"
PENDING = {
    "es": "Ahora mismo no hay ningún agente disponible. Te atenderá el primero que se conecte; "
    "no hace falta que cierres este chat.",
    "en": "No agent is available right now. The first one to come online will take your "
    "chat; there is no need to close it.",
}
REASONS = {
    "escalation_keyword_detected": "the visitor used an escalation keyword",
    "max_messages_reached": "the visitor reached the bot's message limit",
    "query_too_complex": "the knowledge base could not answer with enough confidence",
    "agent_requested": "the visitor asked for a person",
}


def pick(texts: dict[str, str], language: str) -> str:
    return texts.get(language, texts["es"])


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
