"""What the bot does with a visitor's message, in the integration guide's order:

1. an escalation keyword            -> escalate, ``escalation_keyword_detected``
2. history at the message limit     -> escalate, ``max_messages_reached``
3. confidence below the threshold   -> escalate, ``query_too_complex``
4. a confident "talk to a person"   -> escalate, ``agent_requested`` (``escalation_intents``;
   not in the guide, whose bot would answer "I'll pass you on" and then not do it)
5. otherwise                        -> answer

Pure: no I/O, so it is tested as a table and timed by the benchmark.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum

from guiders.ai.kb_model import Classification
from guiders.bot.language import find_keywords


class Reason(StrEnum):
    KEYWORD = "escalation_keyword_detected"
    MAX_MESSAGES = "max_messages_reached"
    TOO_COMPLEX = "query_too_complex"
    AGENT_REQUESTED = "agent_requested"


@dataclass(frozen=True, slots=True)
class Decision:
    escalate: bool
    reason: Reason | None
    intent: str
    confidence: float
    keywords: list[str] = field(default_factory=list)


def decide(
    text: str,
    previous_visitor_messages: int,
    found: Classification,
    *,
    keywords: list[str],
    max_messages: int,
    threshold: float,
    escalation_intents: Collection[str] = (),
) -> Decision:
    """``previous_visitor_messages``: the visitor's messages before this one, so with the
    default limit of 5 the sixth message escalates."""
    hits = find_keywords(text, keywords)
    reason: Reason | None = None
    if hits:
        reason = Reason.KEYWORD
    elif previous_visitor_messages >= max_messages:
        reason = Reason.MAX_MESSAGES
    elif found.out_of_scope or found.confidence < threshold or not found.answer:
        reason = Reason.TOO_COMPLEX
    elif found.intent in escalation_intents:
        reason = Reason.AGENT_REQUESTED
    return Decision(
        escalate=reason is not None,
        reason=reason,
        intent=found.intent,
        confidence=found.confidence,
        keywords=hits,
    )
